"""DS2's augmentation pipeline: a JSON list of augmentors, each applied in order with its own probability.

Config format (DS2's, plus ``specaugment``)::

    [{"type": "speed", "params": {"min_speed_rate": 0.95, "max_speed_rate": 1.05}, "prob": 0.5},
     {"type": "shift", "params": {"min_shift_ms": -5, "max_shift_ms": 5}, "prob": 1.0}]

Everything is checked when the pipeline is built (unknown types, missing, extra or mistyped params,
probabilities outside [0, 1], out-of-range values, empty or broken noise/impulse manifests), so a bad
config fails before training starts, with an error naming the entry.

Seeding: all augmentors draw from one ``random.Random`` (the type ``AudioSegment`` takes), restarted by
``reseed(seed)`` from an int or a tuple of ints. Data workers must never share a stream: the data provider
(data_utils/data.py) calls ``reseed((seed, pass, utterance index))`` before each utterance, so a run is
reproducible from ``--seed`` whatever the number of workers, and no two utterances or passes repeat draws.
"""
from __future__ import annotations

import inspect
import json
import random
import typing
from typing import Sequence

import numpy as np

from data_utils.augmentor.base import AugmentorBase
from data_utils.augmentor.codec import CodecAugmentor
from data_utils.augmentor.equalizer_perturb import EqualizerPerturbAugmentor
from data_utils.augmentor.impulse_response import ImpulseResponseAugmentor
from data_utils.augmentor.noise_perturb import NoisePerturbAugmentor
from data_utils.augmentor.online_bayesian_normalization import OnlineBayesianNormalizationAugmentor
from data_utils.augmentor.resample import ResampleAugmentor
from data_utils.augmentor.shift_perturb import ShiftPerturbAugmentor
from data_utils.augmentor.spec_augment import SpecAugmentor
from data_utils.augmentor.speed_perturb import SpeedPerturbAugmentor
from data_utils.augmentor.telephone import TelephoneAugmentor
from data_utils.augmentor.volume_perturb import VolumePerturbAugmentor
from data_utils.augmentor.vtlp import VtlpAugmentor

AUGMENTORS: dict[str, type[AugmentorBase]] = {
    "volume": VolumePerturbAugmentor,
    "speed": SpeedPerturbAugmentor,
    "shift": ShiftPerturbAugmentor,
    "bayesian_normal": OnlineBayesianNormalizationAugmentor,
    "noise": NoisePerturbAugmentor,
    "impulse": ImpulseResponseAugmentor,
    "resample": ResampleAugmentor,
    "equalizer": EqualizerPerturbAugmentor,
    "vtlp": VtlpAugmentor,
    "telephone": TelephoneAugmentor,
    "codec": CodecAugmentor,
    "specaugment": SpecAugmentor,
}
ENTRY_KEYS = {"type", "params", "prob"}


class AugmentationConfigError(ValueError):
    """An augmentation config that cannot be used; the message names the offending entry."""


class AugmentationPipeline:
    """Apply the configured augmentors to training utterances (audio in place, features by value)."""

    def __init__(self, augmentation_config: str, random_seed: int | Sequence[int] = 0):
        self._rng = random.Random(_seed_int(random_seed))
        self._audio_stages: list[tuple[AugmentorBase, float]] = []
        self._feature_stages: list[tuple[AugmentorBase, float]] = []
        for augmentor, prob in _parse_config(augmentation_config, self._rng):
            stages = self._feature_stages if augmentor.acts_on_features else self._audio_stages
            stages.append((augmentor, prob))

    def reseed(self, seed: int | Sequence[int]) -> None:
        """Restart every augmentor's random stream from ``seed`` (an int or a tuple such as (seed, epoch, worker))."""
        self._rng = random.Random(_seed_int(seed))
        for augmentor, _ in self._audio_stages + self._feature_stages:
            augmentor.rng = self._rng

    def transform_audio(self, audio_segment) -> None:
        """Run the waveform augmentors on ``audio_segment`` in place, each with its probability."""
        for augmentor, prob in self._audio_stages:
            if self._rng.random() < prob:
                augmentor.transform_audio(audio_segment)

    def transform_feature(self, features: np.ndarray) -> np.ndarray:
        """Return ``features`` [T, D] after the feature augmentors (SpecAugment); unchanged if none are set."""
        for augmentor, prob in self._feature_stages:
            if self._rng.random() < prob:
                features = augmentor.transform_feature(features)
        return features


def _seed_int(seed: int | Sequence[int]) -> int:
    """One int seed from an int or a tuple of ints; distinct tuples give unrelated streams."""
    entropy = [int(s) for s in seed] if isinstance(seed, (tuple, list)) else [int(seed)]
    return int(np.random.SeedSequence(entropy).generate_state(1, np.uint64)[0])


def _parse_config(config: str, rng: random.Random) -> list[tuple[AugmentorBase, float]]:
    """Build (augmentor, prob) pairs from the JSON config, raising AugmentationConfigError on any problem."""
    try:
        entries = json.loads(config)
    except json.JSONDecodeError as err:
        raise AugmentationConfigError(f"augmentation config is not valid JSON: {err}") from None
    if not isinstance(entries, list):
        raise AugmentationConfigError("augmentation config must be a JSON list of augmentor entries, "
                                      f"got {type(entries).__name__}")
    return [_build_entry(index, entry, rng) for index, entry in enumerate(entries, start=1)]


def _build_entry(index: int, entry: object, rng: random.Random) -> tuple[AugmentorBase, float]:
    where = f"augmentation config entry {index}"
    if not isinstance(entry, dict):
        raise AugmentationConfigError(f"{where}: expected a JSON object, got {entry!r}")
    where += f" ({entry.get('type')!r})"
    if set(entry) != ENTRY_KEYS:
        raise AugmentationConfigError(f"{where}: expected keys {sorted(ENTRY_KEYS)}, got {sorted(entry)}")
    if entry["type"] not in AUGMENTORS:
        raise AugmentationConfigError(f"{where}: unknown type; known types: {', '.join(AUGMENTORS)}")
    prob = entry["prob"]
    if isinstance(prob, bool) or not isinstance(prob, (int, float)) or not 0.0 <= prob <= 1.0:
        raise AugmentationConfigError(f"{where}: prob must be a number in [0, 1], got {prob!r}")
    params = entry["params"]
    if not isinstance(params, dict):
        raise AugmentationConfigError(f"{where}: params must be a JSON object, got {params!r}")
    cls = AUGMENTORS[entry["type"]]
    _check_params(where, cls, params)
    try:
        return cls(rng, **params), float(prob)
    except (ValueError, OSError) as err:
        raise AugmentationConfigError(f"{where}: {err}") from None


def _check_params(where: str, cls: type[AugmentorBase], params: dict) -> None:
    """Compare ``params`` with the augmentor's constructor: no missing, extra or mistyped values."""
    signature = inspect.signature(cls.__init__)
    hints = typing.get_type_hints(cls.__init__)
    accepted = [name for name in signature.parameters if name not in ("self", "rng")]
    missing = [name for name in accepted
               if signature.parameters[name].default is inspect.Parameter.empty and name not in params]
    extra = sorted(set(params) - set(accepted))
    if missing:
        raise AugmentationConfigError(f"{where}: missing params {missing}; accepted: {accepted}")
    if extra:
        raise AugmentationConfigError(f"{where}: unexpected params {extra}; accepted: {accepted}")
    for name, value in params.items():
        if not _has_type(value, hints[name]):
            raise AugmentationConfigError(f"{where}: param {name} must be {hints[name].__name__}, got {value!r}")


def _has_type(value: object, expected: type) -> bool:
    """JSON-aware type check: ints count as floats, booleans count only as booleans."""
    if expected is bool or isinstance(value, bool):
        return expected is bool and isinstance(value, bool)
    if expected is float:
        return isinstance(value, (int, float))
    return isinstance(value, expected)
