"""``specaugment``: SpecAugment (Park et al., 2019) on the feature matrix: time warp, frequency and time masks.

Masked cells get the matrix's own mean value unless ``replace_with_zero`` is set: zero is not a neutral
value of an unnormalised log spectrum, while the mean is neutral before and after mean/std normalisation.
"""
from __future__ import annotations

import random

import numpy as np

from data_utils.augmentor.base import AugmentorBase


class SpecAugmentor(AugmentorBase):
    """Warp and mask a [T, D] feature matrix.

    ``n_freq_masks`` bands of width uniform in [0, F] bins and ``n_time_masks`` spans of width uniform in
    [0, min(T, p * num_frames)] frames are masked; with ``W`` > 0 the time axis is first warped by moving
    a random frame at least W frames from either end by up to W frames. Defaults follow PaddleSpeech.
    """

    acts_on_features = True

    def __init__(self, rng: random.Random, F: int = 30, n_freq_masks: int = 2, T: int = 40,
                 n_time_masks: int = 2, p: float = 1.0, W: int = 0, replace_with_zero: bool = False):
        super().__init__(rng)
        for name, value in (("F", F), ("n_freq_masks", n_freq_masks), ("T", T),
                            ("n_time_masks", n_time_masks), ("W", W)):
            if value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p must lie in [0, 1], got {p}")
        self.F, self.n_freq_masks = F, n_freq_masks
        self.T, self.n_time_masks, self.p = T, n_time_masks, p
        self.W = W
        self.replace_with_zero = replace_with_zero

    def transform_feature(self, features: np.ndarray) -> np.ndarray:
        features = self.time_warp(features)
        fill = 0.0 if self.replace_with_zero else float(features.mean())
        num_frames, num_bins = features.shape
        for _ in range(self.n_freq_masks):
            start, width = self._draw_span(num_bins, self.F)
            features[:, start:start + width] = fill
        max_time_width = min(self.T, int(self.p * num_frames))
        for _ in range(self.n_time_masks):
            start, width = self._draw_span(num_frames, max_time_width)
            features[start:start + width, :] = fill
        return features

    def time_warp(self, features: np.ndarray) -> np.ndarray:
        """Return a copy with frame ``c`` moved to ``c + w`` (|w| <= W), both sides stretched linearly."""
        num_frames = features.shape[0]
        if self.W == 0 or num_frames <= 2 * self.W + 1:
            return features.copy()
        centre = self.rng.randrange(self.W, num_frames - self.W)
        target = centre + self.rng.randint(-self.W, self.W)
        # For every output frame, the (fractional) input frame it reads from.
        source = np.concatenate([np.linspace(0, centre, target, endpoint=False),
                                 np.linspace(centre, num_frames - 1, num_frames - target)])
        below = np.floor(source).astype(np.int64)
        above = np.minimum(below + 1, num_frames - 1)
        weight = (source - below)[:, None].astype(features.dtype)
        return (1 - weight) * features[below] + weight * features[above]

    def _draw_span(self, length: int, max_width: int) -> tuple[int, int]:
        """Draw a span of width uniform in [0, min(max_width, length)] placed uniformly inside ``length``."""
        width = self.rng.randint(0, min(max_width, length))
        start = self.rng.randint(0, length - width)
        return start, width
