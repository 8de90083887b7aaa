"""The ``vtlp`` augmentor on real (espeak-ng) speech: formants move with alpha, pitch, duration and level stay."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest
from scipy import signal

from data.noise.noise_sources import espeak_speech
from data_utils.audio import AudioSegment
from data_utils.augmentor.augmentation import AugmentationConfigError, AugmentationPipeline

RATE = 16000


@pytest.fixture(scope="module")
def speech() -> list[np.ndarray]:
    return espeak_speech(RATE)[:3]


def vtlp(params: dict, seed: int = 0) -> AugmentationPipeline:
    return AugmentationPipeline(json.dumps([{"type": "vtlp", "params": params, "prob": 1.0}]), seed)


def warped(samples: np.ndarray, alpha: float) -> AudioSegment:
    segment = AudioSegment(samples, RATE)
    vtlp({"min_alpha": alpha, "max_alpha": alpha}).transform_audio(segment)
    return segment


def spectral_centroid(samples: np.ndarray) -> float:
    freqs, _, spectra = signal.stft(samples, RATE, nperseg=512)
    power = np.abs(spectra) ** 2
    return float((freqs[:, None] * power).sum() / power.sum())


def median_f0(samples: np.ndarray) -> float:
    """Median autocorrelation pitch of the loud, periodic 40 ms frames."""
    frame, values = int(0.04 * RATE), []
    for start in range(0, len(samples) - frame, RATE // 100):
        window = samples[start:start + frame]
        if np.sqrt(np.mean(window ** 2)) < 0.1 * np.abs(samples).max():
            continue
        correlation = np.correlate(window, window, "full")[frame - 1:]
        lag = RATE // 400 + int(np.argmax(correlation[RATE // 400:RATE // 60]))
        if correlation[lag] > 0.5 * correlation[0]:
            values.append(RATE / lag)
    return float(np.median(values))


def test_formants_follow_alpha_while_pitch_duration_and_level_stay(speech):
    for samples in speech:
        original = AudioSegment(samples, RATE)
        lower, higher = warped(samples, 0.9), warped(samples, 1.1)
        assert spectral_centroid(lower.samples) < 0.97 * spectral_centroid(samples)
        assert spectral_centroid(higher.samples) > 1.02 * spectral_centroid(samples)
        for segment in (lower, higher):
            assert segment.num_samples == original.num_samples and segment.sample_rate == RATE
            assert abs(segment.rms_db - original.rms_db) < 0.1
            assert abs(median_f0(segment.samples) / median_f0(samples) - 1.0) < 0.03, "the pitch moved"


def test_alpha_one_leaves_the_audio_unchanged(speech):
    assert np.allclose(warped(speech[0], 1.0).samples, speech[0], atol=1e-6)


@pytest.mark.parametrize("num_samples", [1, 300, 511, 513])
def test_clips_shorter_than_a_window_keep_their_length(speech, num_samples):
    segment = warped(speech[0][RATE // 2:RATE // 2 + num_samples], 1.1)
    assert segment.num_samples == num_samples and np.all(np.isfinite(segment.samples))


def test_same_seed_same_warp_and_other_seeds_differ(speech):
    params = {"min_alpha": 0.9, "max_alpha": 1.1}
    outputs = {}
    for seed in (0, 0, 1, 2):
        segment = AudioSegment(speech[1], RATE)
        vtlp(params, seed).transform_audio(segment)
        outputs.setdefault(seed, []).append(segment.samples)
    assert np.array_equal(outputs[0][0], outputs[0][1])
    assert not np.array_equal(outputs[1][0], outputs[2][0]) and not np.array_equal(outputs[0][0], outputs[1][0])


@pytest.mark.parametrize("params, message", [
    ({"min_alpha": 0.8, "max_alpha": 1.0}, "alphas must lie in [0.9, 1.1]"),
    ({"min_alpha": 1.0, "max_alpha": 1.2}, "alphas must lie in [0.9, 1.1]"),
    ({"min_alpha": 1.05, "max_alpha": 0.95}, "min_alpha (1.05) must not exceed max_alpha (0.95)"),
    ({"min_alpha": 0.95}, "missing params ['max_alpha']"),
])
def test_bad_params_name_the_entry(params, message):
    with pytest.raises(AugmentationConfigError, match=r"entry 1 \('vtlp'\): " + re.escape(message)):
        vtlp(params)
