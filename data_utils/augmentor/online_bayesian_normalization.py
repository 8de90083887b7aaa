"""``bayesian_normal``: normalise loudness the way a streaming system must, from the audio seen so far."""
from __future__ import annotations

import random

from data_utils.augmentor.base import AugmentorBase


class OnlineBayesianNormalizationAugmentor(AugmentorBase):
    """Online Bayesian RMS normalisation towards ``target_db``.

    The running RMS estimate starts from a prior of ``prior_db`` worth ``prior_samples`` samples; the
    start-up delay is drawn uniformly from [0, startup_delay] seconds per utterance, as in DS2.
    """

    def __init__(self, rng: random.Random, target_db: float, prior_db: float,
                 prior_samples: int, startup_delay: float):
        super().__init__(rng)
        if prior_samples <= 0:
            raise ValueError(f"prior_samples must be positive, got {prior_samples}")
        if startup_delay < 0:
            raise ValueError(f"startup_delay must be >= 0, got {startup_delay}")
        self.target_db = target_db
        self.prior_db = prior_db
        self.prior_samples = prior_samples
        self.startup_delay = startup_delay

    def transform_audio(self, audio_segment) -> None:
        audio_segment.normalize_online_bayesian(self.target_db, self.prior_db, self.prior_samples,
                                                self.rng.uniform(0.0, self.startup_delay))
