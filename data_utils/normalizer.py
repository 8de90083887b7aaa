"""FeatureNormalizer: per-dimension mean/std of features, estimated on a sample of a manifest."""
from __future__ import annotations

import os
import random
import zipfile
from typing import Callable, Iterable

import numpy as np
from tqdm import tqdm

from data_utils.audio import AudioSegment
from data_utils.manifest import read_manifest
from utils.utility import atomic_write, process_pool

FeaturizeFunc = Callable[[AudioSegment], np.ndarray]


def _load_mean_std(path: str) -> tuple[np.ndarray, np.ndarray]:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such mean/std file")
    try:
        stats = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise ValueError(f"{path}: not a readable .npz file ({err})") from None
    if not isinstance(stats, np.lib.npyio.NpzFile):
        raise ValueError(f"{path}: a single .npy array, expected an .npz with 'mean' and 'std'")
    with stats:
        missing = [key for key in ("mean", "std") if key not in stats.files]
        if missing:
            raise ValueError(f"{path}: missing array(s) {', '.join(missing)} (expected 'mean' and 'std')")
        mean, std = np.asarray(stats["mean"], dtype=np.float64), np.asarray(stats["std"], dtype=np.float64)
    if mean.ndim != 1 or mean.shape != std.shape or mean.size == 0:
        raise ValueError(f"{path}: mean and std must be non-empty 1-D arrays of one shape [D], "
                         f"got {mean.shape} and {std.shape}")
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(std)) and np.all(std >= 0)):
        raise ValueError(f"{path}: mean/std hold non-finite values or a negative std")
    return mean.astype(np.float32), std.astype(np.float32)


def _mean_std(feature_stream: Iterable[np.ndarray], total: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-dimension mean and std over all frames of a stream of [T, D] features (float64 sums)."""
    frame_sum, square_sum, count = 0.0, 0.0, 0
    for features in tqdm(feature_stream, total=total, desc="mean/std", unit="utt"):
        features = features.astype(np.float64)
        frame_sum = frame_sum + features.sum(axis=0)
        square_sum = square_sum + np.square(features).sum(axis=0)
        count += features.shape[0]
    mean = frame_sum / count
    std = np.sqrt(np.maximum(square_sum / count - np.square(mean), 0.0))
    return mean.astype(np.float32), std.astype(np.float32)


class _FeatureTask:
    """Load one utterance and featurize it (a picklable callable for the worker pool)."""

    def __init__(self, featurize_func: FeaturizeFunc) -> None:
        self.featurize_func = featurize_func

    def __call__(self, audio_filepath: str) -> np.ndarray:
        return self.featurize_func(AudioSegment.from_file(audio_filepath))


class FeatureNormalizer:
    """Normalise features [T, D] to zero mean and unit variance per dimension.

    Loads ``mean``/``std`` from ``mean_std_filepath`` or, without it, estimates them from
    ``num_samples`` utterances of ``manifest_path`` drawn with a seeded RNG and featurized by
    ``featurize_func`` (in ``num_workers`` processes when > 0).
    """

    def __init__(self, mean_std_filepath: str | os.PathLike | None = None,
                 manifest_path: str | os.PathLike | None = None, featurize_func: FeaturizeFunc | None = None,
                 num_samples: int = 500, random_seed: int = 0, num_workers: int = 0) -> None:
        if mean_std_filepath:
            self._mean, self._std = _load_mean_std(os.fspath(mean_std_filepath))
        elif manifest_path and featurize_func:
            self._mean, self._std = self._compute(os.fspath(manifest_path), featurize_func, num_samples,
                                                  random_seed, num_workers)
        else:
            raise ValueError("FeatureNormalizer needs mean_std_filepath, or manifest_path and featurize_func")

    @property
    def mean(self) -> np.ndarray:
        return self._mean

    @property
    def std(self) -> np.ndarray:
        return self._std

    def apply(self, features: np.ndarray, eps: float = 1e-14) -> np.ndarray:
        """(features - mean) / (std + eps) for features [T, D]."""
        if features.shape[-1] != self._mean.shape[0]:
            raise ValueError(f"features have dimension {features.shape[-1]}, the normalizer {self._mean.shape[0]}")
        return ((features - self._mean) / (self._std + eps)).astype(np.float32, copy=False)

    def write_to_file(self, path: str | os.PathLike) -> None:
        """Atomically save ``mean`` and ``std`` (shape [D]) to an .npz file."""
        with atomic_write(path, "wb") as handle:
            np.savez(handle, mean=self._mean, std=self._std)

    @staticmethod
    def _compute(manifest_path: str, featurize_func: FeaturizeFunc, num_samples: int, random_seed: int,
                 num_workers: int) -> tuple[np.ndarray, np.ndarray]:
        manifest = read_manifest(manifest_path)
        if not manifest:
            raise ValueError(f"{manifest_path}: no utterances to compute mean/std from")
        sampled = random.Random(random_seed).sample(manifest, min(num_samples, len(manifest)))
        paths = [entry["audio_filepath"] for entry in sampled]
        task = _FeatureTask(featurize_func)
        if num_workers > 0:
            with process_pool(num_workers) as pool:
                return _mean_std(pool.imap(task, paths, chunksize=4), len(paths))
        return _mean_std(map(task, paths), len(paths))
