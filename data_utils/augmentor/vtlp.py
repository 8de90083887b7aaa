"""``vtlp``: vocal-tract-length perturbation, a new speaker from the same recording: the spectral envelope (the
formants) is stretched along the frequency axis by a factor alpha, while pitch, tempo and duration stay as they are.

Each short-time spectrum is split into a smooth envelope (low quefrencies of its real cepstrum) and the rest (the
harmonics of the voice); the envelope is warped piecewise linearly (f -> alpha * f up to a corner frequency, then
linearly to the unchanged Nyquist frequency, as Jaitly and Hinton's VTLP warps its filterbank) and the frame is
filtered by the ratio of the warped to the original envelope. Alpha > 1 raises the formants (a shorter vocal
tract), alpha < 1 lowers them. Speed perturbation and the corpus's morphs move pitch and formants together; this
moves the formants only, so a voice's pitch and vocal tract vary independently. The RMS level is kept.
"""
from __future__ import annotations

import math
import random

import numpy as np
from scipy import signal

from data_utils.augmentor.base import AugmentorBase, check_range

MIN_ALPHA = 0.9
MAX_ALPHA = 1.1
FRAME_S = 0.032  # analysis window; 75 % overlap
LIFTER_S = 0.0015  # quefrencies below 1.5 ms make the envelope (pitch periods are 2.5 ms or longer)
CORNER_FRACTION = 0.8  # the warp is alpha * f up to this fraction of Nyquist (scaled so it stays inside)
MAX_GAIN_DB = 24.0  # per-bin limit of the envelope ratio, against division by deep spectral valleys


class VtlpAugmentor(AugmentorBase):
    """Warp the spectral envelope by an alpha drawn uniformly from [min_alpha, max_alpha] (within 0.9..1.1)."""

    def __init__(self, rng: random.Random, min_alpha: float, max_alpha: float):
        super().__init__(rng)
        if min_alpha < MIN_ALPHA or max_alpha > MAX_ALPHA:
            raise ValueError(f"alphas must lie in [{MIN_ALPHA}, {MAX_ALPHA}], got [{min_alpha}, {max_alpha}]")
        check_range("min_alpha", min_alpha, "max_alpha", max_alpha)
        self.min_alpha = min_alpha
        self.max_alpha = max_alpha

    def transform_audio(self, audio_segment) -> None:
        alpha = self.rng.uniform(self.min_alpha, self.max_alpha)
        if audio_segment.num_samples == 0 or alpha == 1.0:
            return
        level = audio_segment.rms_db
        audio_segment.replace_samples(warp_envelope(audio_segment.samples, audio_segment.sample_rate, alpha))
        if not math.isinf(level):
            audio_segment.normalize(level)


def inverse_warp(freqs: np.ndarray, nyquist: float, alpha: float) -> np.ndarray:
    """The source frequency that the piecewise-linear warp maps to each of ``freqs``."""
    corner = CORNER_FRACTION * nyquist * min(alpha, 1.0) / alpha
    return np.interp(freqs, [0.0, alpha * corner, nyquist], [0.0, corner, nyquist])


def warp_envelope(samples: np.ndarray, sample_rate: int, alpha: float) -> np.ndarray:
    """``samples`` with each frame's cepstral envelope warped by ``alpha``; same length, pitch and timing."""
    frame = 2 ** int(math.ceil(math.log2(FRAME_S * sample_rate)))
    overlap = 3 * frame // 4
    padded = np.pad(samples, (0, max(0, frame - len(samples))))  # a clip shorter than one window
    freqs, _, spectra = signal.stft(padded, sample_rate, nperseg=frame, noverlap=overlap)
    log_magnitude = np.log(np.abs(spectra) + 1e-8)
    cepstrum = np.fft.irfft(log_magnitude, n=frame, axis=0)
    lifter = max(1, int(LIFTER_S * sample_rate))
    cepstrum[lifter:frame - lifter + 1] = 0.0
    envelope = np.fft.rfft(cepstrum, n=frame, axis=0).real
    # linear interpolation of every frame's envelope at the same source bins
    position = inverse_warp(freqs, sample_rate / 2.0, alpha) / freqs[1]
    below = np.minimum(position.astype(int), len(freqs) - 2)
    weight = (position - below)[:, None]
    warped = (1.0 - weight) * envelope[below] + weight * envelope[below + 1]
    limit = MAX_GAIN_DB / 20.0 * math.log(10.0)
    spectra = spectra * np.exp(np.clip(warped - envelope, -limit, limit))
    _, restored = signal.istft(spectra, sample_rate, nperseg=frame, noverlap=overlap)
    restored = restored[:len(samples)]
    return np.pad(restored, (0, len(samples) - len(restored))).astype(np.float32)
