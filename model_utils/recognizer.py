"""Recognizer: one utterance (an AudioSegment) in, its transcript out.

The "recognise this audio" path shared by infer.py and the demo server: featurize with the
checkpoint's feature settings, normalise with its mean/std, run the network, decode::

    recognizer = Recognizer.from_args(args, explicit_flags(parser))
    text = recognizer.recognize(AudioSegment.from_file("hello.wav"))

``features`` is plain numpy (safe to call from several threads at once); ``transcribe`` runs the
network and must not run concurrently: paddle's dynamic-graph mode gives wrong results when two
threads run forward passes at the same time, even on separate model instances. Callers that serve
many clients (deploy/demo_server.py) featurize in a thread pool and transcribe on one thread.
"""
from __future__ import annotations

import argparse
import filecmp
import functools
import os
from typing import Sequence

import numpy as np
import paddle

from data_utils.audio import AudioSegment
from data_utils.featurizer.audio_featurizer import AudioFeaturizer
from data_utils.normalizer import FeatureNormalizer
from model_utils.checkpoint import MEAN_STD_FILE, VOCAB_FILE, CheckpointError, resolve
from model_utils.model import DeepSpeech2Model
from utils.utility import add_arguments

DECODING_METHODS = ("ctc_beam_search", "ctc_greedy")


def add_recognizer_arguments(parser: argparse.ArgumentParser) -> None:
    """The model, vocabulary, mean/std, language-model and decoder flags of DS2's infer.py."""
    add_arg = functools.partial(add_arguments, argparser=parser)
    add_arg("beam_size", int, 500, "Beam search width.")
    add_arg("num_proc_bsearch", int, 8, "Processes for beam search over a batch.")
    add_arg("num_conv_layers", int, 2, "Convolution layers (read from the checkpoint; given, it must match).")
    add_arg("num_rnn_layers", int, 3, "Recurrent layers (read from the checkpoint; given, it must match).")
    add_arg("rnn_layer_size", int, 2048, "Recurrent layer size (read from the checkpoint; given, it must match).")
    add_arg("alpha", float, 2.5, "Language-model weight in beam search.")
    add_arg("beta", float, 0.3, "Word-count weight in beam search.")
    add_arg("cutoff_prob", float, 1.0, "Cumulative probability for pruning characters in beam search.")
    add_arg("cutoff_top_n", int, 40, "Most likely characters kept per step in beam search.")
    add_arg("use_gru", bool, False, "GRU cells (read from the checkpoint; given, it must match).")
    add_arg("use_gpu", bool, True, "Run on GPU (falls back to CPU without CUDA).")
    add_arg("share_rnn_weights", bool, True,
            "Shared RNN input weights (read from the checkpoint; given, it must match).")
    add_arg("mean_std_path", str, "data/librispeech/mean_std.npz",
            "Feature mean/std (npz); the checkpoint's copy is used unless the flag is given.")
    add_arg("vocab_path", str, "data/librispeech/vocab.txt",
            "Vocabulary; the checkpoint's copy is used, a given file must have the same content.")
    add_arg("model_path", str, "./checkpoints/libri/params.latest",
            "Checkpoint directory or model.pdparams file.")
    add_arg("lang_model_path", str, "models/lm/common_crawl_00.prune01111.trie.klm",
            "KenLM language model for beam search.")
    add_arg("decoding_method", str, "ctc_beam_search", "Decoding method.", choices=DECODING_METHODS)
    add_arg("specgram_type", str, "linear", "Audio features (read from the checkpoint; given, it must match).",
            choices=["linear", "mfcc", "fbank"])


def checkpoint_file(model_path: str, name: str) -> str | None:
    """``name`` (vocab.txt, mean_std.npz) saved beside the checkpoint's weights, or None."""
    path = resolve(model_path)
    directory = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    candidate = os.path.join(directory, name)
    return candidate if os.path.isfile(candidate) else None


class Recognizer:
    """A DeepSpeech2Model with its feature pipeline and decoder settings."""

    def __init__(self, model: DeepSpeech2Model, normalizer: FeatureNormalizer, decoding_method: str = "ctc_greedy",
                 alpha: float = 2.5, beta: float = 0.3, beam_size: int = 500, cutoff_prob: float = 1.0,
                 cutoff_top_n: int = 40, lang_model_path: str | None = None, num_proc_bsearch: int = 1):
        if decoding_method not in DECODING_METHODS:
            raise ValueError(f"decoding_method must be one of {DECODING_METHODS}, got {decoding_method!r}")
        self.model = model
        self.normalizer = normalizer
        self.featurizer = AudioFeaturizer(**model.config["feature"])
        self.decoding_method = decoding_method
        self.alpha, self.beta = alpha, beta
        self.beam_size, self.cutoff_prob, self.cutoff_top_n = beam_size, cutoff_prob, cutoff_top_n
        self.num_proc_bsearch = num_proc_bsearch
        if decoding_method == "ctc_beam_search":
            model.init_ext_scorer(alpha, beta, lang_model_path, model.vocab_list)

    @classmethod
    def from_args(cls, args: argparse.Namespace, explicit: dict | None = None) -> "Recognizer":
        """Build from the flags of ``add_recognizer_arguments``; ``explicit`` are the flags actually given."""
        explicit = explicit or {}
        paddle.set_device("gpu" if args.use_gpu and paddle.is_compiled_with_cuda() else "cpu")
        model = DeepSpeech2Model.from_checkpoint(args.model_path, explicit)
        saved_vocab = checkpoint_file(args.model_path, VOCAB_FILE)
        if "vocab_path" in explicit and saved_vocab and not filecmp.cmp(args.vocab_path, saved_vocab, shallow=False):
            raise CheckpointError(f"{args.model_path}: --vocab_path {args.vocab_path} differs from the checkpoint's "
                                  f"{saved_vocab} (leave the flag out to use the checkpoint's copy)")
        mean_std = args.mean_std_path
        if "mean_std_path" not in explicit:
            mean_std = checkpoint_file(args.model_path, MEAN_STD_FILE) or mean_std
        return cls(model, FeatureNormalizer(mean_std), args.decoding_method, args.alpha, args.beta, args.beam_size,
                   args.cutoff_prob, args.cutoff_top_n, args.lang_model_path, args.num_proc_bsearch)

    def features(self, audio: AudioSegment) -> np.ndarray:
        """Normalised features [T, D] at the model's sample rate; ValueError (or its AudioError) for
        unusable audio: empty, silent, shorter than one window."""
        return self.normalizer.apply(self.featurizer.featurize(audio))

    def transcribe(self, features: Sequence[np.ndarray]) -> list[str]:
        """Transcripts of a batch of feature arrays (zero-padded into one forward pass)."""
        lengths = np.array([len(f) for f in features], dtype=np.int64)
        batch = np.zeros((len(features), int(lengths.max()), features[0].shape[1]), dtype=np.float32)
        for row, f in enumerate(features):
            batch[row, :len(f)] = f
        probs = self.model.infer_batch_probs(batch, lengths)
        if self.decoding_method == "ctc_greedy":
            return self.model.decode_batch_greedy(probs, self.model.vocab_list)
        return self.model.decode_batch_beam_search(probs, self.alpha, self.beta, self.beam_size, self.cutoff_prob,
                                                   self.cutoff_top_n, self.model.vocab_list, self.num_proc_bsearch)

    def recognize(self, audio: AudioSegment) -> str:
        """Transcript of one utterance."""
        return self.transcribe([self.features(audio)])[0]
