"""``speed``: play the utterance faster or slower (tempo and pitch together), DS2's speed perturbation."""
from __future__ import annotations

import random

from data_utils.augmentor.base import AugmentorBase, check_range

MIN_SPEED_RATE = 0.9
MAX_SPEED_RATE = 1.1


class SpeedPerturbAugmentor(AugmentorBase):
    """Resample by a rate drawn uniformly from [min_speed_rate, max_speed_rate]; duration scales by 1/rate.

    Rates are limited to 0.9..1.1, as in DS2: beyond that the speech stops sounding natural.
    """

    def __init__(self, rng: random.Random, min_speed_rate: float, max_speed_rate: float):
        super().__init__(rng)
        if min_speed_rate < MIN_SPEED_RATE or max_speed_rate > MAX_SPEED_RATE:
            raise ValueError(f"speed rates must lie in [{MIN_SPEED_RATE}, {MAX_SPEED_RATE}], "
                             f"got [{min_speed_rate}, {max_speed_rate}]")
        check_range("min_speed_rate", min_speed_rate, "max_speed_rate", max_speed_rate)
        self.min_speed_rate = min_speed_rate
        self.max_speed_rate = max_speed_rate

    def transform_audio(self, audio_segment) -> None:
        audio_segment.change_speed(self.rng.uniform(self.min_speed_rate, self.max_speed_rate))
