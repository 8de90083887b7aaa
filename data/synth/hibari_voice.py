"""hibari's bundled neural voice, converted into pseudo-speakers by changing its vocoder parameters.

hibari (PyPI ``hibari-tts``) predicts, per 12.5 ms frame, a source-filter spectrum: F0 and the log magnitude
and phase of a harmonic filter, a noise filter and a free branch over 601 frequency bins; ``hibari.dsp.synth``
turns them into a waveform. Scaling F0 moves the pitch and leaves the formants; warping the filters along the
frequency axis moves the formants (a longer or shorter vocal tract) and leaves the pitch. Together they make
male-sounding and other female-sounding speakers out of the one female voice inside the wheel, which resampling
(pitch and formants always together) cannot. Uses hibari 0.2.1's model outputs, hence the pinned version.
"""
from __future__ import annotations

import numpy as np

SAMPLE_RATE = 24000


def warp_frequency(filters: np.ndarray, warp: float) -> np.ndarray:
    """``out[k] = filters[k / warp]`` along axis 0, linearly interpolated: ``warp`` < 1 lowers every formant."""
    bins = filters.shape[0]
    source = np.minimum(np.arange(bins) / warp, bins - 1)
    low = np.floor(source).astype(np.int64)
    high = np.minimum(low + 1, bins - 1)
    weight = (source - low)[:, None].astype(np.float32)
    return filters[low] * (1.0 - weight) + filters[high] * weight


class ConvertedHibari:
    """One hibari voice, speaking with its F0 scaled by ``f0_scale`` and its formants by ``warp``."""

    def __init__(self, voice: str = "heart") -> None:
        from hibari import Hibari

        self._tts = Hibari(voice=voice, threads=1)  # one ONNX thread: synthesis workers are the parallelism

    def __call__(self, text: str, speed: float, f0_scale: float, warp: float, seed: int = 0) -> np.ndarray:
        """float32 samples at 24 kHz; ``seed`` fixes the noise branch, so the same call gives the same audio."""
        from hibari import dsp

        rng = np.random.default_rng(seed)
        pieces = []
        for phonemes in self._tts.phonemize(text):
            ids = np.asarray([self._tts.ids(phonemes)], np.int64)
            outputs = self._tts.sess.run(None, {"ids": ids, "speed": np.asarray([speed], np.float32)})
            harmonic, theta, noise, free, phi, f0 = (output[0] for output in outputs)
            if warp != 1.0:
                harmonic, theta, noise, free, phi = (warp_frequency(x, warp)
                                                     for x in (harmonic, theta, noise, free, phi))
            # exp(harmonic) is each harmonic's amplitude: with f0_scale times as many harmonics per Hz, this keeps
            # the harmonic power per Hz (and so the balance against the noise branch) unchanged.
            harmonic = harmonic + np.float32(0.5 * np.log(f0_scale))
            pieces.append(dsp.synth(harmonic, theta, noise, free, phi, f0 * np.float32(f0_scale), rng))
        return np.concatenate(pieces).astype(np.float32) if pieces else np.zeros(0, np.float32)
