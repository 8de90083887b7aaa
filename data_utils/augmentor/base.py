"""The one interface every augmentor implements, plus the parameter checks they share."""
from __future__ import annotations

import os
import random

import numpy as np

from data_utils.manifest import read_manifest
from data_utils.utility import is_tar_path


class AugmentorBase:
    """A random perturbation of one training utterance.

    Waveform augmentors override ``transform_audio`` (changing the segment in place); feature augmentors
    set ``acts_on_features = True`` and override ``transform_feature``. ``rng`` is the pipeline's shared
    ``random.Random``; the pipeline replaces it when it is reseeded.
    """

    acts_on_features = False

    def __init__(self, rng: random.Random):
        self.rng = rng

    def transform_audio(self, audio_segment) -> None:
        """Perturb ``audio_segment`` (an AudioSegment) in place; the default leaves it unchanged."""

    def transform_feature(self, features: np.ndarray) -> np.ndarray:
        """Return a perturbed copy of ``features`` [T, D]; the default returns them unchanged."""
        return features


def check_range(low_name: str, low: float, high_name: str, high: float) -> None:
    """Raise ValueError unless ``low <= high`` (both named, as they appear in the config)."""
    if low > high:
        raise ValueError(f"{low_name} ({low}) must not exceed {high_name} ({high})")


def read_clip_manifest(manifest_path: str) -> list[dict]:
    """Read a noise or impulse-response manifest, refusing an empty one or one naming missing files."""
    entries = read_manifest(manifest_path)
    if not entries:
        raise ValueError(f"{manifest_path}: the manifest has no entries")
    for entry in entries:
        path = entry["audio_filepath"]
        if not is_tar_path(path) and not os.path.isfile(path):
            raise ValueError(f"{manifest_path}:{entry['line_no']}: audio file {path} does not exist")
    return entries
