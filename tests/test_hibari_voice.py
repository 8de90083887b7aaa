"""hibari pseudo-speakers: F0 scaling moves the pitch only, the frequency warp moves the spectrum only."""
import numpy as np
import pytest

from data.synth.hibari_voice import SAMPLE_RATE, ConvertedHibari, warp_frequency
from data.synth.voices import engine_available

pytestmark = pytest.mark.skipif(not engine_available("hibari"), reason="pip install hibari-tts")
TEXT = "she must be jumped down them by captain wentworth"


@pytest.fixture(scope="module")
def voice():
    return ConvertedHibari("heart")


def median_f0(samples: np.ndarray) -> float:
    """Median autocorrelation pitch (60-400 Hz) of the loud 40 ms frames."""
    frame, hop = int(0.04 * SAMPLE_RATE), int(0.01 * SAMPLE_RATE)
    lags = np.arange(SAMPLE_RATE // 400, SAMPLE_RATE // 60)
    frames = np.lib.stride_tricks.sliding_window_view(samples, frame)[::hop]
    loud = frames[np.sqrt((frames ** 2).mean(axis=1)) > 0.5 * np.sqrt((samples ** 2).mean())]
    pitches = []
    for x in loud:
        x = x - x.mean()
        ac = np.array([np.dot(x[:-lag], x[lag:]) for lag in lags])
        if ac.max() > 0.5 * np.dot(x, x):
            pitches.append(SAMPLE_RATE / lags[ac.argmax()])
    assert len(pitches) > 20, "too few voiced frames to measure the pitch"
    return float(np.median(pitches))


def spectral_centroid(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples)) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1.0 / SAMPLE_RATE)
    return float((freqs * spectrum).sum() / spectrum.sum())


def test_identity_conversion_is_hibaris_own_voice_and_deterministic(voice):
    from hibari import Hibari

    converted = voice(TEXT, 1.0, 1.0, 1.0, seed=3)
    np.testing.assert_array_equal(converted, Hibari("heart", threads=1)(TEXT, seed=3))
    np.testing.assert_array_equal(converted, voice(TEXT, 1.0, 1.0, 1.0, seed=3))


def test_f0_scale_moves_the_pitch_and_warp_leaves_it(voice):
    base = median_f0(voice(TEXT, 1.0, 1.0, 1.0))
    assert 150 < base < 300, f"heart is a female voice, measured {base:.0f} Hz"
    assert median_f0(voice(TEXT, 1.0, 0.6, 1.0)) / base == pytest.approx(0.6, rel=0.1)
    assert median_f0(voice(TEXT, 1.0, 1.0, 0.85)) / base == pytest.approx(1.0, rel=0.1)


def test_warp_moves_the_spectrum_down_and_keeps_the_duration(voice):
    base = voice(TEXT, 1.0, 1.0, 1.0)
    warped = voice(TEXT, 1.0, 1.0, 0.82)
    assert len(warped) == len(base)
    assert spectral_centroid(warped) < 0.9 * spectral_centroid(base)


def test_warp_frequency_maps_bin_k_to_bin_k_times_warp():
    filters = np.zeros((601, 2), np.float32)
    filters[300] = 1.0
    warped = warp_frequency(filters, 0.5)
    assert warped[:, 0].argmax() == 150
    np.testing.assert_array_equal(warp_frequency(filters, 1.0), filters)
