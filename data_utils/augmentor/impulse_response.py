"""``impulse``: make the utterance sound as if recorded in a room, by convolving with an impulse response."""
from __future__ import annotations

import random

from data_utils.audio import AudioSegment
from data_utils.augmentor.base import AugmentorBase, read_clip_manifest


class ImpulseResponseAugmentor(AugmentorBase):
    """Convolve with a random impulse response from ``impulse_manifest_path``, keeping length and level."""

    def __init__(self, rng: random.Random, impulse_manifest_path: str):
        super().__init__(rng)
        self.impulse_entries = read_clip_manifest(impulse_manifest_path)

    def transform_audio(self, audio_segment) -> None:
        entry = self.rng.choice(self.impulse_entries)
        impulse = AudioSegment.from_file(entry["audio_filepath"])
        audio_segment.convolve_and_normalize(impulse, allow_resample=True)
