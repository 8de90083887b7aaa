"""``shift``: move the waveform earlier or later by a few milliseconds, zero-filling, length unchanged."""
from __future__ import annotations

import random

from data_utils.augmentor.base import AugmentorBase, check_range


class ShiftPerturbAugmentor(AugmentorBase):
    """Shift by a time drawn uniformly from [min_shift_ms, max_shift_ms]; positive moves the audio earlier (DS2)."""

    def __init__(self, rng: random.Random, min_shift_ms: float, max_shift_ms: float):
        super().__init__(rng)
        check_range("min_shift_ms", min_shift_ms, "max_shift_ms", max_shift_ms)
        self.min_shift_ms = min_shift_ms
        self.max_shift_ms = max_shift_ms

    def transform_audio(self, audio_segment) -> None:
        audio_segment.shift(self.rng.uniform(self.min_shift_ms, self.max_shift_ms))
