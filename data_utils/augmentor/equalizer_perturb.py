"""``equalizer``: filter the utterance with a random smooth gain curve, as another microphone, room colour or
voice quality would tilt its spectrum.

Gains uniform in [-max_gain_dB, max_gain_dB] are drawn at ``num_bands`` + 1 frequencies spaced evenly in log
frequency from ``min_freq`` to the Nyquist frequency and joined linearly in log frequency; the level is kept.
Global mean/std normalisation does not remove such a tilt, and voices and microphones differ in it.
"""
from __future__ import annotations

import random

import numpy as np

from data_utils.augmentor.base import AugmentorBase


class EqualizerPerturbAugmentor(AugmentorBase):
    """Apply a random gain curve of ``num_bands`` log-spaced segments, each anchor within +-max_gain_dB."""

    def __init__(self, rng: random.Random, max_gain_dB: float, num_bands: int, min_freq: float):
        super().__init__(rng)
        if max_gain_dB < 0:
            raise ValueError(f"max_gain_dB must be >= 0, got {max_gain_dB}")
        if num_bands < 1:
            raise ValueError(f"num_bands must be >= 1, got {num_bands}")
        if min_freq <= 0:
            raise ValueError(f"min_freq must be > 0, got {min_freq}")
        self.max_gain_dB, self.num_bands, self.min_freq = max_gain_dB, num_bands, min_freq

    def transform_audio(self, audio_segment) -> None:
        nyquist = audio_segment.sample_rate / 2
        anchors = np.geomspace(min(self.min_freq, nyquist / 2), nyquist, self.num_bands + 1)
        gains = np.array([self.rng.uniform(-self.max_gain_dB, self.max_gain_dB) for _ in anchors])
        audio_segment.equalize(anchors, gains)
