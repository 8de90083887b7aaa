"""Channel augmentors (telephone, codec) through the real sox and ffmpeg, on espeak-ng speech and white noise:
the phone band, the degradation, length, rate and alignment, seeding, config checks and tool errors."""
from __future__ import annotations

import json
import random
import re
import tempfile

import numpy as np
import pytest

from data.noise.noise_sources import espeak_speech
from data_utils.audio import AudioSegment
from data_utils.augmentor.augmentation import AugmentationConfigError, AugmentationPipeline
from data_utils.augmentor.codec import CodecAugmentor
from data_utils.augmentor.external_tool import ExternalToolError
from data_utils.augmentor.telephone import TelephoneAugmentor

RATE = 16000
CODECS = ["gsm", "amr-nb", "mulaw", "none"]
FORMATS = ["mp3", "opus", "vorbis"]
MAX_LAG = 2000  # samples searched either side: more than any codec's priming delay (MP3's is ~1100)


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    """About three seconds of espeak-ng speech at 16 kHz."""
    return espeak_speech(RATE)[0].astype(np.float32)


def entry(kind: str, params: dict, prob: float = 1.0) -> dict:
    return {"type": kind, "params": params, "prob": prob}


def through(kind: str, params: dict, samples: np.ndarray, seed: int = 0, rate: int = RATE) -> AudioSegment:
    """``samples`` after a pipeline of one ``kind`` entry with prob 1."""
    segment = AudioSegment(samples, rate)
    AugmentationPipeline(json.dumps([entry(kind, params)]), seed).transform_audio(segment)
    return segment


def codec_params(formats: list, low: float, high: float) -> dict:
    return {"formats": formats, "min_bitrate_kbps": low, "max_bitrate_kbps": high}


def lag(reference: np.ndarray, output: np.ndarray) -> int:
    """The shift of ``output`` against ``reference`` (positive: later) at the cross-correlation peak."""
    size = 2 * len(reference)
    correlation = np.fft.irfft(np.fft.rfft(output, size) * np.conj(np.fft.rfft(reference, size)), size)
    window = np.concatenate([correlation[-MAX_LAG:], correlation[:MAX_LAG + 1]])
    return int(np.argmax(window)) - MAX_LAG


def snr_db(reference: np.ndarray, output: np.ndarray) -> float:
    reference = reference.astype(np.float64)
    return float(10 * np.log10(np.sum(reference ** 2) / np.sum((output - reference) ** 2)))


def power_fractions(samples: np.ndarray, below_hz: float, above_hz: float) -> tuple[float, float]:
    """The fractions of the power below ``below_hz`` and above ``above_hz``."""
    power = np.abs(np.fft.rfft(samples.astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1.0 / RATE)
    return power[freqs < below_hz].sum() / power.sum(), power[freqs > above_hz].sum() / power.sum()


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("low_hz, high_hz", [(300, 3400), (500, 3000)])
def test_telephone_leaves_only_the_phone_band_at_the_original_length_and_rate(codec, low_hz, high_hz):
    noise = 0.1 * np.random.default_rng(0).standard_normal(RATE).astype(np.float32)
    # a little room for the filters' transition bands
    below, above = 0.8 * low_hz, 1.06 * high_hz
    assert min(power_fractions(noise, below, above)) > 0.01  # white noise fills both stop bands
    line = through("telephone", {"codecs": [codec], "low_hz": low_hz, "high_hz": high_hz}, noise)
    assert line.sample_rate == RATE and line.num_samples == RATE
    assert max(power_fractions(line.samples, below, above)) < 1e-4


@pytest.mark.parametrize("codec", CODECS)
def test_telephone_degrades_speech_far_more_than_a_resample_and_keeps_it_in_place(speech, codec):
    resampled = AudioSegment(speech, RATE)
    resampled.resample(8000)
    resampled.resample(RATE)
    line = through("telephone", {"codecs": [codec]}, speech)
    assert line.num_samples == len(speech)
    assert abs(lag(speech, line.samples)) <= 2
    assert 0 < snr_db(speech, line.samples) < snr_db(speech, resampled.samples[:len(speech)]) - 6


@pytest.mark.parametrize("rate", [8000, 44100])
def test_telephone_keeps_length_rate_and_alignment_at_other_sample_rates(speech, rate):
    segment = AudioSegment(speech, RATE)
    segment.resample(rate)
    line = through("telephone", {"codecs": ["amr-nb"]}, segment.samples, rate=rate)
    assert line.sample_rate == rate and line.num_samples == segment.num_samples
    assert abs(lag(segment.samples, line.samples)) <= 2 * rate // 8000


@pytest.mark.parametrize("name", FORMATS)
def test_codec_keeps_length_and_alignment_and_loses_more_at_lower_bitrates(speech, name):
    low = {"mp3": 8, "opus": 6, "vorbis": 16}[name]
    snrs = []
    for kbps in (low, 64):
        coded = through("codec", codec_params([name], kbps, kbps), speech)
        assert coded.sample_rate == RATE and coded.num_samples == len(speech)
        assert abs(lag(speech, coded.samples)) <= 3
        snrs.append(snr_db(speech, coded.samples))
    assert 0 < snrs[0] < snrs[1] - 3 and snrs[1] < 40


@pytest.mark.parametrize("name", ["mp3", "opus"])
def test_codec_keeps_length_and_alignment_at_another_sample_rate(speech, name):
    rate = 22050
    segment = AudioSegment(speech, RATE)
    segment.resample(rate)
    coded = through("codec", codec_params([name], 32, 32), segment.samples, rate=rate)
    assert coded.sample_rate == rate and coded.num_samples == segment.num_samples
    assert abs(lag(segment.samples, coded.samples)) <= 3


def test_same_seed_same_output_and_other_seeds_draw_other_codecs(speech):
    clip = speech[:RATE]
    config = json.dumps([entry("telephone", {"codecs": CODECS}), entry("codec", codec_params(FORMATS, 16, 48))])
    outputs = []
    for seed in (5, 5, 6):
        segment = AudioSegment(clip, RATE)
        AugmentationPipeline(config, seed).transform_audio(segment)
        assert segment.num_samples == len(clip)
        outputs.append(segment.samples)
    assert np.array_equal(outputs[0], outputs[1]) and not np.array_equal(outputs[0], outputs[2])
    codecs = [TelephoneAugmentor(random.Random(seed), CODECS).choose() for seed in range(20)]
    draws = [CodecAugmentor(random.Random(seed), **codec_params(FORMATS, 16, 48)).choose() for seed in range(20)]
    assert set(codecs) == set(CODECS) and {name for name, _ in draws} == set(FORMATS)
    kbps = [rate for _, rate in draws]
    assert len(set(kbps)) == 20 and all(16 <= rate <= 48 for rate in kbps)


@pytest.mark.parametrize("kind, params", [("telephone", {"codecs": CODECS}), ("codec", codec_params(FORMATS, 16, 32))])
@pytest.mark.parametrize("length", [0, 1, 100])
def test_empty_and_very_short_audio_keep_their_length(kind, params, length):
    assert through(kind, params, np.full(length, 0.1, dtype=np.float32)).num_samples == length


BAD_PARAMS = {
    "unknown codec": (entry("telephone", {"codecs": ["g729"]}), "entry 1 ('telephone'): codecs must be"),
    "no codecs": (entry("telephone", {"codecs": []}), "entry 1 ('telephone'): codecs must be"),
    "codecs not a list": (entry("telephone", {"codecs": "gsm"}), "entry 1 ('telephone'): param codecs must be list"),
    "band reversed": (entry("telephone", {"codecs": ["gsm"], "low_hz": 3400, "high_hz": 300}),
                      "entry 1 ('telephone'): low_hz and high_hz"),
    "band above 4 kHz": (entry("telephone", {"codecs": ["gsm"], "high_hz": 4000}),
                         "entry 1 ('telephone'): low_hz and high_hz"),
    "unknown format": (entry("codec", codec_params(["aac"], 16, 32)), "entry 1 ('codec'): formats must be"),
    "no formats": (entry("codec", codec_params([], 16, 32)), "entry 1 ('codec'): formats must be"),
    "bitrates reversed": (entry("codec", codec_params(["mp3"], 32, 16)), "entry 1 ('codec'): min_bitrate_kbps"),
    "bitrate below vorbis": (entry("codec", codec_params(["mp3", "vorbis"], 8, 32)),
                             "entry 1 ('codec'): vorbis takes bitrates in [16, 96]"),
    "bitrate above mp3": (entry("codec", codec_params(["mp3"], 64, 192)),
                          "entry 1 ('codec'): mp3 takes bitrates in [8, 160]"),
    "missing bitrate": (entry("codec", {"formats": ["mp3"], "min_bitrate_kbps": 8}),
                        "entry 1 ('codec'): missing params ['max_bitrate_kbps']"),
}


@pytest.mark.parametrize("name", sorted(BAD_PARAMS))
def test_bad_params_name_the_entry(name):
    config, message = BAD_PARAMS[name]
    with pytest.raises(AugmentationConfigError, match=re.escape(message)):
        AugmentationPipeline(json.dumps([config]))


@pytest.mark.parametrize("kind, params, package", [("telephone", {"codecs": ["gsm"]}, "sox"),
                                                    ("codec", codec_params(["opus"], 16, 32), "ffmpeg")])
def test_a_missing_tool_fails_at_build_naming_its_package(tmp_path, monkeypatch, kind, params, package):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(AugmentationConfigError, match=f"entry 1 \\('{kind}'\\): .*install the Debian package "
                                                      f"{package}"):
        AugmentationPipeline(json.dumps([entry(kind, params)]))


def test_a_failing_tool_names_itself_and_its_message_and_leaves_no_files(speech, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    # libvorbis has no 16 kbit/s mode for 44.1 kHz audio: its complaint follows ffmpeg's command line
    with pytest.raises(ExternalToolError, match=r"^ffmpeg failed with exit status \d+ \(ffmpeg .*\): .*libvorbis"):
        through("codec", codec_params(["vorbis"], 16, 16), speech, rate=44100)
    assert not list(tmp_path.iterdir())
