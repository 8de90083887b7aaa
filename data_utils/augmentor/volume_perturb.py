"""``volume``: scale the utterance by a gain drawn uniformly in dB, as if recorded louder or softer."""
from __future__ import annotations

import random

from data_utils.augmentor.base import AugmentorBase, check_range


class VolumePerturbAugmentor(AugmentorBase):
    """Apply a gain drawn uniformly from [min_gain_dBFS, max_gain_dBFS] dB."""

    def __init__(self, rng: random.Random, min_gain_dBFS: float, max_gain_dBFS: float):
        super().__init__(rng)
        check_range("min_gain_dBFS", min_gain_dBFS, "max_gain_dBFS", max_gain_dBFS)
        self.min_gain_dBFS = min_gain_dBFS
        self.max_gain_dBFS = max_gain_dBFS

    def transform_audio(self, audio_segment) -> None:
        audio_segment.gain_db(self.rng.uniform(self.min_gain_dBFS, self.max_gain_dBFS))
