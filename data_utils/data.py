"""The data provider: featurized utterances, DS2's batch orders, padding, and worker-process loading.

Per utterance (inside DataLoader worker processes): read audio -> waveform augmentation -> featurize
-> feature augmentation (SpecAugment, masks filled with the matrix mean) -> mean/std normalisation -> token ids.

Batch orders (``SpeechBatchSampler``), each a deterministic function of (seed, pass):

- SortaGrad: the first pass in ascending duration order.
- ``instance_shuffle``: utterances shuffled, then cut into batches.
- ``batch_shuffle``: sorted by duration, shifted by a random offset below the batch size, cut into
  batches, batches shuffled; the leftover tail and head are appended as the last batch(es).
- ``batch_shuffle_clipped``: the same with the leftovers dropped.

Data parallel: ``batch_size`` is per device. Every rank computes the same sequence of global batches
of ``batch_size * num_ranks`` utterances and rank r takes every num_ranks-th utterance from r (so each
rank gets similar durations). A final global batch too small to give every rank an utterance is
dropped in training and kept in evaluation (``drop_uneven``).

Augmentation randomness is reseeded per utterance from (seed, pass, utterance index), in whichever
worker loads it: a run is reproducible whatever the worker count, rank count or a resume mid-pass,
and no two workers share a random stream.

Bad utterances (missing or unreadable audio, empty or out-of-vocabulary transcript, too few frames
for the network's receptive field or for a CTC alignment of the transcript) raise BadUtteranceError
naming ``manifest:line``. Cheap checks run when the dataset is built (``skip_bad`` drops and counts
those); audio that fails in a worker comes back as a message in the batch's ``"bad"`` list, for the
training loop to count or raise.
"""
from __future__ import annotations

import logging
import os
from typing import Callable, NamedTuple, Sequence

import numpy as np
import paddle

from data_utils.audio import AudioError
from data_utils.augmentor.augmentation import AugmentationPipeline
from data_utils.featurizer.speech_featurizer import SpeechFeaturizer
from data_utils.manifest import read_manifest
from data_utils.normalizer import FeatureNormalizer
from data_utils.speech import SpeechSegment
from data_utils.utility import is_tar_path, split_tar_path

logger = logging.getLogger(__name__)

SHUFFLE_METHODS = ("instance_shuffle", "batch_shuffle", "batch_shuffle_clipped")


class BadUtteranceError(ValueError):
    """An utterance that cannot be trained on; the message starts with ``manifest:line:``."""


def ctc_min_frames(tokens: Sequence[int]) -> int:
    """Fewest output frames a CTC alignment of ``tokens`` needs: one per token plus a blank between repeats."""
    return len(tokens) + sum(a == b for a, b in zip(tokens, tokens[1:]))


class Utterance(NamedTuple):
    """One loaded utterance, or the reason it could not be loaded (``error`` non-empty)."""
    index: int
    features: np.ndarray | None
    tokens: list[int]
    error: str


class SpeechDataset(paddle.io.Dataset):
    """A manifest's utterances as (normalised features [T, D], token ids), checked and augmented.

    ``output_frames`` maps input frames to the network's output frames and ``min_frames`` is its
    receptive field; with them, utterances the network cannot align are reported as bad (training).
    Without them (evaluation) utterances of any length are kept: decoding needs no alignment, and the
    model pads clips shorter than its receptive field (audio shorter than one analysis window still
    fails to featurize, a BadUtteranceError when loaded).
    """

    def __init__(self, manifest_path: str, vocab_filepath: str, mean_std_filepath: str,
                 feature_config: dict, augmentation_config: str = "[]", min_duration: float = 0.0,
                 max_duration: float = float("inf"), seed: int = 0,
                 output_frames: Callable[[int], int] | None = None, min_frames: int = 0,
                 skip_bad: bool = True):
        self.manifest_path = manifest_path
        self.featurizer = SpeechFeaturizer(vocab_filepath, **feature_config)
        self.normalizer = FeatureNormalizer(mean_std_filepath)
        if len(self.normalizer.mean) != self.featurizer.feature_dim:
            raise ValueError(f"{mean_std_filepath}: statistics of dimension {len(self.normalizer.mean)}, but "
                             f"{feature_config} gives features of dimension {self.featurizer.feature_dim}")
        self.augmentation = AugmentationPipeline(augmentation_config, seed)
        self.feature_config = dict(feature_config)
        self.seed = seed
        self.pass_id = 0
        self.output_frames = output_frames
        self.min_frames = min_frames
        self.entries: list[dict] = []
        self.tokens: list[list[int]] = []
        self.bad: list[str] = []
        for entry in read_manifest(manifest_path, min_duration, max_duration):
            try:
                tokens = self._check_entry(entry)
            except BadUtteranceError as err:
                if not skip_bad:
                    raise
                self.bad.append(str(err))
                continue
            self.entries.append(entry)
            self.tokens.append(tokens)

    @property
    def feature_dim(self) -> int:
        return self.featurizer.feature_dim

    @property
    def vocab_list(self) -> list[str]:
        return self.featurizer.vocab_list

    @property
    def durations(self) -> np.ndarray:
        return np.array([entry["duration"] for entry in self.entries], dtype=np.float64)

    def where(self, index: int) -> str:
        """``manifest:line`` of utterance ``index``."""
        return f"{self.manifest_path}:{self.entries[index]['line_no']}"

    def _check_entry(self, entry: dict) -> list[int]:
        """Checks that need no audio decoding; returns the token ids."""
        where = f"{self.manifest_path}:{entry['line_no']}"
        text = entry["text"]
        if not text.strip():
            raise BadUtteranceError(f"{where}: empty transcript")
        try:
            tokens = self.featurizer.text_featurizer.featurize(text)
        except ValueError as err:
            raise BadUtteranceError(f"{where}: {err}") from None
        path = entry["audio_filepath"]
        try:
            on_disk = split_tar_path(path)[0] if is_tar_path(path) else path
        except ValueError as err:
            raise BadUtteranceError(f"{where}: {err}") from None
        if not os.path.isfile(on_disk):
            raise BadUtteranceError(f"{where}: audio file {on_disk} does not exist")
        stride_ms = self.feature_config.get("stride_ms", 10.0)
        window_ms = self.feature_config.get("window_ms", 20.0)
        estimated_frames = max(0, int((entry["duration"] * 1000.0 - window_ms) // stride_ms) + 1)
        self._check_frames(where, estimated_frames, tokens)
        return tokens

    def _check_frames(self, where: str, frames: int, tokens: list[int]) -> None:
        if frames < self.min_frames:
            raise BadUtteranceError(f"{where}: {frames} feature frames, shorter than the network's "
                                    f"receptive field of {self.min_frames} frames")
        if self.output_frames is None:
            return
        needed = ctc_min_frames(tokens)
        available = self.output_frames(frames)
        if available < needed:
            raise BadUtteranceError(f"{where}: transcript needs {needed} output frames for a CTC "
                                    f"alignment but the audio gives only {available}")

    def load(self, index: int) -> tuple[np.ndarray, list[int]]:
        """Features [T, D] float32 and token ids of utterance ``index``; BadUtteranceError if unusable."""
        entry, tokens, where = self.entries[index], self.tokens[index], self.where(index)
        self.augmentation.reseed((self.seed, self.pass_id, index))
        try:
            segment = SpeechSegment.from_file(entry["audio_filepath"], entry["text"])
            self.augmentation.transform_audio(segment)
            features = self.featurizer.audio_featurizer.featurize(segment)
        except (AudioError, OSError, ValueError) as err:
            raise BadUtteranceError(f"{where}: {err}") from None
        features = self.augmentation.transform_feature(features)
        features = self.normalizer.apply(features)
        self._check_frames(where, len(features), tokens)
        return features.astype(np.float32, copy=False), tokens

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: int) -> Utterance:
        try:
            features, tokens = self.load(index)
        except BadUtteranceError as err:
            return Utterance(index, None, [], str(err))
        return Utterance(index, features, tokens, "")

    def collate(self, items: list[Utterance]) -> dict:
        """Pad a batch to its longest utterance (see ``pad_batch``)."""
        return pad_batch(items, self.feature_dim)


def pad_batch(items: list[Utterance], feature_dim: int) -> dict:
    """Zero-pad features to [B, T_max, D] float32 and tokens to [B, L_max] int32, with int64 lengths.

    Unloadable items are left out; their messages are in ``"bad"``. ``"indices"`` are dataset indices.
    """
    good = [item for item in items if not item.error]
    features, feature_lengths = pad_sequences([item.features for item in good], (feature_dim,), np.float32)
    tokens, token_lengths = pad_sequences([item.tokens for item in good], (), np.int32)
    return {
        "features": features,
        "feature_lengths": feature_lengths,
        "tokens": tokens,
        "token_lengths": token_lengths,
        "indices": np.array([item.index for item in good], dtype=np.int64),
        "bad": [item.error for item in items if item.error],
    }


def pad_sequences(sequences: Sequence, item_shape: tuple, dtype) -> tuple[np.ndarray, np.ndarray]:
    """Sequences of ``item_shape`` items zero-padded into one array [B, T_max, *item_shape] of ``dtype``, and their
    lengths [B] (int64)."""
    lengths = np.array([len(sequence) for sequence in sequences], dtype=np.int64)
    padded = np.zeros((len(sequences), int(lengths.max(initial=0)), *item_shape), dtype=dtype)
    for row, sequence in enumerate(sequences):
        padded[row, :len(sequence)] = sequence
    return padded, lengths


class SpeechBatchSampler:
    """This rank's share of each global batch of a pass, in DS2's orders (see the module docstring).

    ``shuffle_method=None`` keeps duration order on every pass (evaluation). ``set_pass(p, skip)``
    selects the pass and skips its first ``skip`` global batches (resuming mid-pass).
    """

    def __init__(self, durations: Sequence[float], batch_size: int, shuffle_method: str | None = None,
                 sortagrad: bool = False, seed: int = 0, num_ranks: int = 1, rank: int = 0,
                 drop_uneven: bool = True):
        if shuffle_method is not None and shuffle_method not in SHUFFLE_METHODS:
            raise ValueError(f"unknown shuffle method {shuffle_method!r}; choose from {', '.join(SHUFFLE_METHODS)}")
        if batch_size < 1 or not 0 <= rank < num_ranks:
            raise ValueError(f"need batch_size >= 1 and 0 <= rank < num_ranks, got {batch_size}, {rank}, {num_ranks}")
        self.durations = np.asarray(durations, dtype=np.float64)
        self.batch_size, self.shuffle_method, self.sortagrad = batch_size, shuffle_method, sortagrad
        self.seed, self.num_ranks, self.rank, self.drop_uneven = seed, num_ranks, rank, drop_uneven
        self.pass_id, self.skip = 0, 0

    @property
    def global_batch_size(self) -> int:
        return self.batch_size * self.num_ranks

    def set_pass(self, pass_id: int, skip: int = 0) -> None:
        self.pass_id, self.skip = pass_id, skip

    def global_batches(self, pass_id: int) -> list[list[int]]:
        """All ranks' utterance indices of every batch of ``pass_id``, in training order."""
        size = self.global_batch_size
        order = np.argsort(self.durations, kind="stable")
        rng = np.random.default_rng([self.seed, pass_id])
        method = None if self.sortagrad and pass_id == 0 else self.shuffle_method
        if method == "instance_shuffle":
            batches = _chunk(rng.permutation(len(order)), size)
        elif method in ("batch_shuffle", "batch_shuffle_clipped"):
            shift = int(rng.integers(0, size)) if len(order) > size else 0
            num_full = (len(order) - shift) // size
            batches = _chunk(order[shift:shift + num_full * size], size)
            batches = [batches[i] for i in rng.permutation(len(batches))]
            if method == "batch_shuffle":
                leftovers = np.concatenate([order[shift + num_full * size:], order[:shift]])
                batches += _chunk(leftovers, size)
        else:
            batches = _chunk(order, size)
        if self.drop_uneven:
            batches = [batch for batch in batches if len(batch) >= self.num_ranks]
        return batches

    def shard(self, batch: Sequence[int]) -> list[int]:
        """This rank's part of a global batch."""
        return list(batch[self.rank::self.num_ranks])

    def longest_batch(self) -> list[int]:
        """This rank's share of the costliest possible global batch: the longest utterances together."""
        order = np.argsort(self.durations, kind="stable")
        return self.shard([int(i) for i in order[-self.global_batch_size:]])

    def __iter__(self):
        for batch in self.global_batches(self.pass_id)[self.skip:]:
            shard = self.shard(batch)
            if shard:
                yield shard

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _chunk(indices: np.ndarray, size: int) -> list[list[int]]:
    return [[int(i) for i in indices[start:start + size]] for start in range(0, len(indices), size)]


def make_loader(dataset: SpeechDataset, batch_sampler, num_workers: int) -> paddle.io.DataLoader:
    """A DataLoader of padded batches; ``num_workers`` processes overlap loading with training.

    At most ``2 * num_workers`` batches are prepared ahead (prefetch factor 2), bounding memory.
    """
    return paddle.io.DataLoader(dataset, batch_sampler=batch_sampler, collate_fn=dataset.collate,
                                num_workers=num_workers, prefetch_factor=2, return_list=True)
