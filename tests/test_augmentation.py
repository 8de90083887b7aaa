"""Augmentation pipeline: each augmentor's defining property on known signals, config checking, seeding."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile
from scipy import signal

from data.noise import make_local_noise
from data.noise.noise_sources import coloured_noise, espeak_speech
from data_utils.audio import AudioSegment
from data_utils.augmentor.augmentation import AugmentationConfigError, AugmentationPipeline
from data_utils.manifest import write_manifest
from tiny_corpus import make_corpus, train_argv

RATE = 16000
CONF = Path(__file__).resolve().parent.parent / "conf"


def tone(duration: float = 1.0, level: float = 0.1, seed: int = 0) -> AudioSegment:
    """A few harmonics plus a little noise: speech-like enough for level and length checks."""
    t = np.arange(int(duration * RATE)) / RATE
    rng = np.random.default_rng(seed)
    samples = sum(np.sin(2 * np.pi * f * t) / k for k, f in enumerate((220, 440, 660, 1210), start=1))
    samples = samples + 0.05 * rng.standard_normal(t.shape[0])
    return AudioSegment(level * samples / np.max(np.abs(samples)), RATE)


def entry(kind: str, params: dict, prob: float = 1.0) -> dict:
    return {"type": kind, "params": params, "prob": prob}


def pipeline(kind: str, params: dict, prob: float = 1.0, seed: int = 0) -> AugmentationPipeline:
    return AugmentationPipeline(json.dumps([entry(kind, params, prob)]), seed)


def clip_manifest(tmp_path, name: str, clips: list[np.ndarray]) -> str:
    """Write float WAVs and a manifest listing them; return the manifest path."""
    entries = []
    for index, samples in enumerate(clips):
        path = str(tmp_path / f"{name}_{index}.wav")
        soundfile.write(path, samples.astype(np.float32), RATE, subtype="FLOAT")
        entries.append({"audio_filepath": path, "duration": len(samples) / RATE, "text": ""})
    manifest = str(tmp_path / f"manifest.{name}")
    write_manifest(manifest, entries)
    return manifest


@pytest.mark.parametrize("rate", [0.9, 0.95, 1.05, 1.1])
def test_speed_scales_length_by_inverse_rate_and_keeps_energy(rate):
    segment = tone()
    before_db = segment.rms_db
    pipeline("speed", {"min_speed_rate": rate, "max_speed_rate": rate}).transform_audio(segment)
    assert abs(segment.num_samples - RATE / rate) <= 1
    assert abs(segment.rms_db - before_db) < 0.1


@pytest.mark.parametrize("gain", [-10.0, 0.0, 7.5])
def test_volume_changes_rms_by_the_gain(gain):
    segment = tone()
    before_db = segment.rms_db
    pipeline("volume", {"min_gain_dBFS": gain, "max_gain_dBFS": gain}).transform_audio(segment)
    assert segment.rms_db - before_db == pytest.approx(gain, abs=1e-3)


def test_volume_gain_stays_in_range():
    augment = pipeline("volume", {"min_gain_dBFS": -3, "max_gain_dBFS": 4}, seed=5)
    gains = []
    for _ in range(50):
        segment = tone()
        augment.transform_audio(segment)
        gains.append(segment.rms_db - tone().rms_db)
    assert -3 - 1e-3 <= min(gains) < max(gains) <= 4 + 1e-3


@pytest.mark.parametrize("shift_ms", [-5.0, 3.0, 5.0])
def test_shift_moves_an_impulse_by_the_shift(shift_ms):
    samples = np.zeros(RATE, dtype=np.float32)
    samples[8000] = 0.5
    segment = AudioSegment(samples, RATE)
    pipeline("shift", {"min_shift_ms": shift_ms, "max_shift_ms": shift_ms}).transform_audio(segment)
    assert segment.num_samples == RATE
    # Positive shifts move the audio earlier (DS2's convention).
    assert int(np.argmax(segment.samples)) == 8000 - int(shift_ms * RATE / 1000)


@pytest.mark.parametrize("snr_db", [0.0, 10.0, 30.0])
def test_noise_lands_at_the_requested_snr_even_when_tiled(tmp_path, snr_db):
    rng = np.random.default_rng(1)
    # 0.3 s of pink-ish noise for a 1 s utterance: the noise must be tiled.
    manifest = clip_manifest(tmp_path, "noise", [np.cumsum(rng.standard_normal(4800)) * 1e-3])
    segment = tone()
    clean = segment.samples
    pipeline("noise", {"min_snr_dB": snr_db, "max_snr_dB": snr_db,
                       "noise_manifest_path": manifest}).transform_audio(segment)
    added = segment.samples - clean
    assert segment.num_samples == clean.shape[0]
    measured = 10 * np.log10(np.mean(clean.astype(np.float64) ** 2) / np.mean(added.astype(np.float64) ** 2))
    assert measured == pytest.approx(snr_db, abs=0.5)


def test_impulse_equals_direct_convolution_at_the_original_level(tmp_path):
    rng = np.random.default_rng(2)
    impulse = np.exp(-np.arange(2000) / 300.0) * rng.standard_normal(2000)
    impulse[0] = 3.0
    manifest = clip_manifest(tmp_path, "impulse", [impulse])
    segment = tone()
    clean = segment.samples.astype(np.float64)
    pipeline("impulse", {"impulse_manifest_path": manifest}).transform_audio(segment)
    expected = np.convolve(clean, impulse.astype(np.float32))[:clean.shape[0]]
    expected *= np.sqrt(np.mean(clean ** 2) / np.mean(expected ** 2))
    assert segment.num_samples == clean.shape[0]
    np.testing.assert_allclose(segment.samples, expected, atol=1e-4 * np.max(np.abs(expected)))
    assert segment.rms_db == pytest.approx(10 * np.log10(np.mean(clean ** 2)), abs=0.01)


def test_silence_stays_silent_through_noise_and_impulse(tmp_path):
    rng = np.random.default_rng(4)
    impulses = clip_manifest(tmp_path, "impulse", [rng.standard_normal(800)])
    noises = clip_manifest(tmp_path, "noise", [rng.standard_normal(RATE)])
    config = [entry("impulse", {"impulse_manifest_path": impulses}),
              entry("noise", {"min_snr_dB": 10, "max_snr_dB": 10, "noise_manifest_path": noises})]
    segment = AudioSegment(np.zeros(RATE, dtype=np.float32), RATE)
    AugmentationPipeline(json.dumps(config)).transform_audio(segment)
    assert not np.any(segment.samples)


@pytest.mark.parametrize("level", [0.06, 0.5])  # about 11 dB below and 7 dB above the target
def test_bayesian_normal_converges_to_target_db(level):
    segment = tone(duration=4.0, level=level)
    pipeline("bayesian_normal", {"target_db": -20, "prior_db": -20, "prior_samples": 100,
                                 "startup_delay": 0.0}).transform_audio(segment)
    errors = [abs(AudioSegment(segment.samples[i * RATE:(i + 1) * RATE], RATE).rms_db + 20.0) for i in range(4)]
    assert errors == sorted(errors, reverse=True) and errors[-1] < 0.5


def band_level_db(segment: AudioSegment, low: float, high: float) -> float:
    spectrum = np.abs(np.fft.rfft(segment.samples)) ** 2
    freqs = np.fft.rfftfreq(segment.num_samples, 1.0 / segment.sample_rate)
    return 10 * np.log10(spectrum[(freqs >= low) & (freqs < high)].sum())


def test_equalize_follows_the_gain_curve_and_keeps_the_level():
    rng = np.random.default_rng(0)
    segment = AudioSegment(0.1 * rng.standard_normal(RATE).astype(np.float32), RATE)
    before = segment.samples
    original = AudioSegment(before, RATE)
    segment.equalize(np.array([200.0, 8000.0]), np.array([-6.0, 6.0]))
    assert segment.rms_db == pytest.approx(original.rms_db, abs=1e-3)
    # the tilt is 12 dB over log(8000 / 200): +-6 dB at the ends, 0 dB at their geometric mean (1265 Hz)
    low = band_level_db(segment, 150, 250) - band_level_db(original, 150, 250)
    high = band_level_db(segment, 7000, 8000) - band_level_db(original, 7000, 8000)
    assert high - low == pytest.approx(12.0, abs=1.0)


def test_equalizer_gains_stay_within_max_and_vary_by_seed():
    params = {"max_gain_dB": 4.0, "num_bands": 4, "min_freq": 100.0}
    shapes = []
    for seed in range(3):
        segment = tone(level=0.1)
        pipeline("equalizer", params, seed=seed).transform_audio(segment)
        bands = [band_level_db(segment, f - 20, f + 20) - band_level_db(tone(level=0.1), f - 20, f + 20)
                 for f in (220, 440, 660, 1210)]
        assert all(abs(b) < 2 * 4.0 + 0.5 for b in bands)  # +-4 dB of gain, then the level restored
        shapes.append(np.round(np.diff(bands), 1).tolist())
    assert len({tuple(s) for s in shapes}) == 3


@pytest.mark.parametrize("new_rate", [8000, 22050])
def test_resample_changes_rate_and_keeps_duration(new_rate):
    segment = tone()
    pipeline("resample", {"new_sample_rate": new_rate}).transform_audio(segment)
    assert segment.sample_rate == new_rate
    assert abs(segment.duration - 1.0) <= 1.0 / new_rate


def spec_augment(seed: int = 0, **params) -> AugmentationPipeline:
    return pipeline("specaugment", params, seed=seed)


def test_specaugment_masks_requested_widths_and_leaves_the_rest():
    features = np.random.default_rng(3).uniform(1.0, 2.0, size=(300, 80)).astype(np.float32)
    augment = spec_augment(F=12, n_freq_masks=1, T=20, n_time_masks=1)
    freq_widths, time_widths = [], []
    for _ in range(200):
        out = augment.transform_feature(features.copy())
        assert out.shape == features.shape
        masked = out != features
        masked_cols = np.flatnonzero(masked.all(axis=0))
        masked_rows = np.flatnonzero(masked.all(axis=1))
        # Everything outside the masked rows and columns is untouched.
        keep = np.ones_like(masked)
        keep[masked_rows, :] = False
        keep[:, masked_cols] = False
        assert not masked[keep].any()
        # Each mask is one contiguous band filled with a single value.
        for index in (masked_cols, masked_rows):
            assert index.size == 0 or index[-1] - index[0] + 1 == index.size
        assert np.unique(out[masked]).size <= 1
        freq_widths.append(masked_cols.size)
        time_widths.append(masked_rows.size)
    assert min(freq_widths) == 0 and max(freq_widths) == 12
    assert min(time_widths) == 0 and max(time_widths) == 20


def test_specaugment_time_mask_respects_p_and_fill():
    features = np.full((50, 10), 5.0, dtype=np.float32)
    features[:, 0] = 1.0  # mean 4.6, so a mean fill is distinguishable from zero
    for seed in range(20):
        out = spec_augment(seed, F=0, n_freq_masks=0, T=40, n_time_masks=2, p=0.1).transform_feature(features.copy())
        masked_rows = np.flatnonzero((out != features).any(axis=1))
        assert masked_rows.size <= 2 * 5  # p * 50 frames per mask
        assert np.allclose(out[masked_rows], features.mean())
    zero = spec_augment(0, F=10, n_freq_masks=4, T=0, n_time_masks=0, replace_with_zero=True)
    out = zero.transform_feature(features.copy())
    assert np.all((out == features) | (out == 0.0))


def test_specaugment_time_warp_keeps_shape_ends_and_order():
    ramp = np.repeat(np.arange(100, dtype=np.float32)[:, None], 4, axis=1)
    augment = spec_augment(F=0, n_freq_masks=0, T=0, n_time_masks=0, W=10)
    warped_any = False
    for _ in range(20):
        out = augment.transform_feature(ramp.copy())
        assert out.shape == ramp.shape
        assert out[0, 0] == 0 and out[-1, 0] == 99 and np.all(np.diff(out[:, 0]) >= 0)
        # No frame moves further than W.
        assert np.max(np.abs(out[:, 0] - ramp[:, 0])) <= 10 + 1e-4
        warped_any |= not np.array_equal(out, ramp)
    assert warped_any


def test_feature_stage_is_identity_without_specaugment():
    features = np.ones((10, 4), dtype=np.float32)
    assert AugmentationPipeline("[]").transform_feature(features) is features


def test_prob_zero_never_fires_and_one_always_fires():
    gain = {"min_gain_dBFS": 6, "max_gain_dBFS": 6}
    reference = tone()
    fired = {}
    for prob in (0.0, 1.0, 0.5):
        augment = pipeline("volume", gain, prob)
        fired[prob] = 0
        for _ in range(200):
            segment = AudioSegment(reference.samples, RATE)
            augment.transform_audio(segment)
            fired[prob] += segment != reference
    assert fired[0.0] == 0 and fired[1.0] == 200
    assert 60 < fired[0.5] < 140


@pytest.fixture
def example_config(tmp_path, monkeypatch):
    """conf/augmentation.config.example with its local noise and impulse manifests generated in tmp_path."""
    config = (CONF / "augmentation.config.example").read_text()
    target = tmp_path / "data/noise/generated"
    speech = [tone(0.5, seed=s).samples.astype(np.float64) for s in range(3)]
    write_manifest(target / "manifest.noise", make_local_noise.make_noise(str(target), 7, 1.0, speech, seed=0))
    write_manifest(target / "manifest.impulse", make_local_noise.make_rirs(str(target), 2, seed=0))
    monkeypatch.chdir(tmp_path)
    return config


def run_pipeline(config: str, seed: int | tuple, count: int = 6) -> list[np.ndarray]:
    augment = AugmentationPipeline(config, seed)
    outputs = []
    for index in range(count):
        segment = tone(seed=index)
        augment.transform_audio(segment)
        outputs.append(segment.samples)
    return outputs


def same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b))


def test_same_seed_same_output_and_reseeded_workers_differ(example_config):
    assert same(run_pipeline(example_config, 3), run_pipeline(example_config, 3))
    assert not same(run_pipeline(example_config, 3), run_pipeline(example_config, 4))
    worker0, worker1 = run_pipeline(example_config, (3, 0, 0)), run_pipeline(example_config, (3, 0, 1))
    assert not same(worker0, worker1)
    reseeded = AugmentationPipeline(example_config, 99)
    reseeded.reseed((3, 0, 1))
    outputs = []
    for index in range(6):
        segment = tone(seed=index)
        reseeded.transform_audio(segment)
        outputs.append(segment.samples)
    assert same(outputs, worker1)


def test_local_noise_and_rooms_are_usable_16k_clips(example_config):
    entries = [json.loads(line) for name in ("noise", "impulse")
               for line in open(f"data/noise/generated/manifest.{name}")]
    assert {e["noise_type"] for e in entries if "noise_type" in e} == set(make_local_noise.NOISE_KINDS)
    for entry in entries:
        samples, rate = soundfile.read(entry["audio_filepath"])
        assert rate == RATE and len(samples) / rate == pytest.approx(entry["duration"])
        assert np.all(np.isfinite(samples)) and np.max(np.abs(samples)) <= 1.0
        if "noise_type" in entry:
            assert 10 * np.log10(np.mean(samples ** 2)) == pytest.approx(make_local_noise.NOISE_RMS_DB, abs=0.1)
        else:  # a room response: the direct sound leads and the energy decays
            assert np.argmax(np.abs(samples)) <= 2 * 40
            half = len(samples) // 2
            assert np.sum(samples[:half] ** 2) > np.sum(samples[half:] ** 2)


@pytest.mark.parametrize("exponent, slope_db", [(0.0, 0.0), (1.0, -3.0), (2.0, -6.0)])
def test_coloured_noise_has_its_spectral_slope(exponent, slope_db):
    noise = coloured_noise(RATE * 4, exponent, np.random.default_rng(0))
    freqs, power = signal.welch(noise, RATE, nperseg=4096)
    bands = [np.mean(power[(freqs >= f) & (freqs < 2 * f)]) for f in (250, 500, 1000, 2000)]
    slopes = 10 * np.log10(np.array(bands[1:]) / np.array(bands[:-1]))
    assert np.allclose(slopes, slope_db, atol=1.0)


def test_espeak_fallback_speech_for_babble():
    speech = espeak_speech(RATE)
    assert len(speech) >= 3
    assert all(len(s) > RATE // 2 and np.sqrt(np.mean(s ** 2)) > 1e-3 for s in speech)


SHIFT = {"min_shift_ms": -5, "max_shift_ms": 5}
BAD_CONFIGS = {
    "unknown type": ([entry("shift", SHIFT), entry("reverb", {})], "entry 2 ('reverb'): unknown type"),
    "missing param": ([entry("shift", {"min_shift_ms": -5})], "entry 1 ('shift'): missing params ['max_shift_ms']"),
    "extra param": ([entry("shift", {**SHIFT, "step": 1})], "entry 1 ('shift'): unexpected params ['step']"),
    "mistyped param": ([entry("shift", {**SHIFT, "max_shift_ms": "5"})], "entry 1 ('shift'): param max_shift_ms"),
    "prob above 1": ([entry("shift", SHIFT, 1.5)], "entry 1 ('shift'): prob must be a number in [0, 1]"),
    "prob below 0": ([entry("shift", SHIFT, -0.1)], "entry 1 ('shift'): prob must be a number in [0, 1]"),
    "slow speed": ([entry("speed", {"min_speed_rate": 0.8, "max_speed_rate": 1.0})], "entry 1 ('speed'): speed rates"),
    "fast speed": ([entry("speed", {"min_speed_rate": 1.0, "max_speed_rate": 1.2})], "entry 1 ('speed'): speed rates"),
    "negative gain": ([entry("equalizer", {"max_gain_dB": -1, "num_bands": 4, "min_freq": 100})],
                      "entry 1 ('equalizer'): max_gain_dB must be >= 0"),
    "reversed range": ([entry("volume", {"min_gain_dBFS": 3, "max_gain_dBFS": -3})], "entry 1 ('volume'): min_gain_dBFS"),
    "missing key": ([{"type": "shift", "params": SHIFT}], "entry 1 ('shift'): expected keys"),
    "not a list": ({"type": "shift"}, "must be a JSON list"),
}


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
def test_bad_config_names_the_entry(name):
    config, message = BAD_CONFIGS[name]
    with pytest.raises(AugmentationConfigError, match=re.escape(message)):
        AugmentationPipeline(json.dumps(config))


def test_empty_or_missing_noise_manifest_fails_at_build(tmp_path):
    empty = tmp_path / "manifest.noise"
    empty.write_text("")
    for path, message in ((empty, "has no entries"), (tmp_path / "absent", "No such file")):
        config = [entry("noise", {"min_snr_dB": 10, "max_snr_dB": 20, "noise_manifest_path": str(path)})]
        with pytest.raises(AugmentationConfigError, match=r"entry 1 \('noise'\): .*" + message):
            AugmentationPipeline(json.dumps(config))


def test_default_config_shifts_every_utterance():
    augment = AugmentationPipeline((CONF / "augmentation.config").read_text())
    segment = tone()
    augment.transform_audio(segment)
    assert segment.num_samples == RATE and segment != tone()


def test_training_with_example_config_lowers_the_loss(example_config, tmp_path):
    import train  # paddle is slow to import; only this test needs it

    config = tmp_path / "augmentation.config"
    config.write_text(example_config)
    corpus = make_corpus(str(tmp_path / "corpus"))
    records = train.main(train_argv(corpus, str(tmp_path / "out"), augment_conf_path=str(config),
                                    num_passes=4, test_off=True, num_iter_print=100))
    losses = [record["train_loss"] for record in records]
    assert len(losses) == 4 and all(np.isfinite(losses))
    assert losses[-1] < 0.8 * losses[0]
