"""``noise``: add a random background-noise clip at a random signal-to-noise ratio."""
from __future__ import annotations

import random

from data_utils.audio import AudioSegment
from data_utils.augmentor.base import AugmentorBase, check_range, read_clip_manifest


class NoisePerturbAugmentor(AugmentorBase):
    """Mix in noise from ``noise_manifest_path`` at an SNR drawn uniformly from [min_snr_dB, max_snr_dB].

    A random clip is chosen and a random stretch of it as long as the utterance is used; a clip shorter
    than the utterance is tiled by ``AudioSegment.add_noise``.
    """

    def __init__(self, rng: random.Random, min_snr_dB: float, max_snr_dB: float,
                 noise_manifest_path: str):
        super().__init__(rng)
        check_range("min_snr_dB", min_snr_dB, "max_snr_dB", max_snr_dB)
        self.min_snr_dB = min_snr_dB
        self.max_snr_dB = max_snr_dB
        self.noise_entries = read_clip_manifest(noise_manifest_path)

    def transform_audio(self, audio_segment) -> None:
        entry = self.rng.choice(self.noise_entries)
        noise = AudioSegment.from_file(entry["audio_filepath"])
        snr_dB = self.rng.uniform(self.min_snr_dB, self.max_snr_dB)
        audio_segment.add_noise(noise, snr_dB, allow_downsampling=True, rng=self.rng)
