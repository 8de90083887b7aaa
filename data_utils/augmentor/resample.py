"""``resample``: change the sample rate (duration kept), e.g. to simulate a narrow-band channel."""
from __future__ import annotations

import random

from data_utils.augmentor.base import AugmentorBase


class ResampleAugmentor(AugmentorBase):
    """Resample every utterance to ``new_sample_rate`` Hz."""

    def __init__(self, rng: random.Random, new_sample_rate: int):
        super().__init__(rng)
        if new_sample_rate <= 0:
            raise ValueError(f"new_sample_rate must be positive, got {new_sample_rate}")
        self.new_sample_rate = new_sample_rate

    def transform_audio(self, audio_segment) -> None:
        audio_segment.resample(self.new_sample_rate)
