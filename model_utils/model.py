"""DeepSpeech2Model: the network with its vocabulary and settings; CTC loss, inference, decoding, evaluation.

This is what train.py, infer.py, test.py, tune.py and the server share:

    model = DeepSpeech2Model.from_checkpoint("checkpoints/libri/params.latest")
    probs = model.infer_batch_probs(batch["features"], batch["feature_lengths"])   # list of [T_i, V+1]
    texts = model.decode_batch_greedy(probs, model.vocab_list)
    model.init_ext_scorer(alpha, beta, "lm.klm", model.vocab_list)
    texts = model.decode_batch_beam_search(probs, alpha, beta, beam_size, cutoff_prob, cutoff_top_n,
                                           model.vocab_list, num_processes)

The CTC blank is the last class (index ``len(vocab_list)``). The loss is warp-ctc's negative log
likelihood averaged over the batch, with gradients normalised by each utterance's length (DS2's norm_by_times).
"""
from __future__ import annotations

import functools
import inspect
import logging
import math
from typing import Callable, Iterable, Sequence

import numpy as np
import paddle
import paddle.nn.functional as F

from data_utils.featurizer.audio_featurizer import AudioFeaturizer
from data_utils.featurizer.text_featurizer import load_vocabulary
from model_utils.checkpoint import CheckpointError, load_checkpoint
from model_utils.network import DeepSpeech2
from utils.error_rate import char_errors, word_errors

logger = logging.getLogger(__name__)

# CLI flag -> (config section, key): the settings a checkpoint fixes.
CONFIG_FLAGS = {
    "num_conv_layers": ("network", "num_conv_layers"),
    "num_rnn_layers": ("network", "num_rnn_layers"),
    "rnn_layer_size": ("network", "rnn_size"),
    "use_gru": ("network", "use_gru"),
    "share_rnn_weights": ("network", "share_rnn_weights"),
    "specgram_type": ("feature", "specgram_type"),
}


def make_config(args) -> dict:
    """config.json's {"network", "feature"} sections from DS2's CLI flags.

    The feature settings without a flag get AudioFeaturizer's defaults, saved in full so that
    inference rebuilds exactly the training features.
    """
    defaults = {name: p.default for name, p in inspect.signature(AudioFeaturizer).parameters.items()}
    config: dict = {"network": {}, "feature": defaults}
    for flag, (section, key) in CONFIG_FLAGS.items():
        config[section][key] = getattr(args, flag)
    return config


def check_flags(config: dict, flags: dict, where: str) -> None:
    """Raise CheckpointError if explicitly given ``flags`` contradict the checkpoint's ``config``."""
    conflicts = []
    for flag, value in flags.items():
        if flag in CONFIG_FLAGS:
            section, key = CONFIG_FLAGS[flag]
            saved = config[section].get(key)
            if saved != value:
                conflicts.append(f"--{flag}={value} but the checkpoint has {saved}")
    if conflicts:
        raise CheckpointError(f"{where}: " + "; ".join(conflicts) + " (leave the flag out to use the checkpoint's value)")


class DeepSpeech2Model:
    """A DeepSpeech2 network plus the vocabulary and feature settings it was built for."""

    def __init__(self, vocab_list: Sequence[str], config: dict):
        self.vocab_list = list(vocab_list)
        feature = config.get("feature", {})
        feat_size = config.get("feat_size") or AudioFeaturizer(**feature).feature_dim
        self.config = {"feat_size": feat_size, "vocab_size": len(self.vocab_list),
                       "network": dict(config["network"]), "feature": dict(feature)}
        self.network = DeepSpeech2(feat_size, len(self.vocab_list), **self.config["network"])
        self.config["network"]["time_stride"] = self.network.time_stride
        self._ext_scorer = None
        self.vocab_path: str | None = None  # the checkpoint's copies, set by from_checkpoint
        self.mean_std_path: str | None = None

    @classmethod
    def from_checkpoint(cls, path: str, flags: dict | None = None) -> "DeepSpeech2Model":
        """Rebuild the network from a checkpoint's config.json and load its weights.

        ``flags`` are explicitly given CLI flags (checkpoint.explicit_flags); any that contradict the
        checkpoint raise CheckpointError.
        """
        checkpoint = load_checkpoint(path)
        if checkpoint.config is None or checkpoint.vocab_path is None:
            raise CheckpointError(f"{path}: no config.json/vocab.txt beside the weights, cannot rebuild the network")
        check_flags(checkpoint.config, flags or {}, path)
        model = cls(load_vocabulary(checkpoint.vocab_path), checkpoint.config)
        model.load_weights(checkpoint.model_state, path)
        model.vocab_path, model.mean_std_path = checkpoint.vocab_path, checkpoint.mean_std_path
        return model

    def load_weights(self, model_state: dict, where: str) -> None:
        """Load a network state_dict, with a clear error when its shapes do not fit this network."""
        own = self.network.state_dict()
        problems = [name for name in own if name not in model_state]
        problems += [f"{name} {list(model_state[name].shape)} vs {list(tensor.shape)}"
                     for name, tensor in own.items()
                     if name in model_state and list(model_state[name].shape) != list(tensor.shape)]
        if problems:
            raise CheckpointError(f"{where}: weights do not fit the network: {', '.join(problems[:5])}")
        self.network.set_state_dict(model_state)

    @property
    def blank(self) -> int:
        return len(self.vocab_list)

    @property
    def receptive_field(self) -> int:
        return self.network.receptive_field

    def output_frames(self, num_frames: int) -> int:
        """Output frames for an utterance of ``num_frames`` feature frames."""
        return int(self.network.output_lengths(num_frames))

    def compute_loss(self, batch: dict, network: paddle.nn.Layer | None = None) -> paddle.Tensor:
        """Mean CTC loss of a padded batch; ``network`` may be the DataParallel wrapper of ``self.network``."""
        network = network or self.network
        logits, out_len = network(_tensor(batch["features"]), _tensor(batch["feature_lengths"]))
        loss = F.ctc_loss(logits.astype("float32").transpose([1, 0, 2]), _tensor(batch["tokens"]),
                          out_len, _tensor(batch["token_lengths"]), blank=self.blank,
                          reduction="none", norm_by_times=True, zero_infinity=True)
        return loss.mean()

    @paddle.no_grad()
    def infer_batch_probs(self, features, feature_lengths) -> list[np.ndarray]:
        """Softmax probabilities per utterance: float32 [T_i, vocab_size + 1], padding removed."""
        was_training = self.network.training
        self.network.eval()
        try:
            logits, out_len = self.network(_tensor(features), _tensor(feature_lengths))
        finally:
            self.network.train(was_training)
        probs = F.softmax(logits.astype("float32"), axis=-1).numpy()
        return [probs[i, :length] for i, length in enumerate(out_len.numpy())]

    @paddle.no_grad()
    def evaluate(self, batches: Iterable[dict], transcripts: Sequence[str]) -> dict:
        """Sums over ``batches`` of CTC loss and greedy-decoding char/word errors.

        ``transcripts[i]`` is the reference text of dataset index i. Returns sums (so ranks can
        all-reduce them): loss, utterances, char_errors, chars, word_errors, words.
        """
        totals = dict.fromkeys(("loss", "utterances", "char_errors", "chars", "word_errors", "words"), 0.0)
        was_training = self.network.training
        self.network.eval()
        try:
            for batch in batches:
                if len(batch["indices"]) == 0:
                    continue
                count = len(batch["indices"])
                totals["loss"] += float(self.compute_loss(batch)) * count
                totals["utterances"] += count
                probs = self.infer_batch_probs(batch["features"], batch["feature_lengths"])
                for index, text in zip(_numpy(batch["indices"]), self.decode_batch_greedy(probs, self.vocab_list)):
                    reference = transcripts[int(index)]
                    errors, length = char_errors(reference, text)
                    totals["char_errors"] += errors
                    totals["chars"] += length
                    errors, length = word_errors(reference, text)
                    totals["word_errors"] += errors
                    totals["words"] += length
        finally:
            self.network.train(was_training)
        return totals

    @staticmethod
    def decode_batch_greedy(probs_split: Sequence[np.ndarray], vocab_list: Sequence[str]) -> list[str]:
        """Best-path decoding of each utterance's probabilities."""
        decode = _greedy_decoder()
        return [decode(probs, list(vocab_list)) for probs in probs_split]

    def init_ext_scorer(self, beam_alpha: float, beam_beta: float, language_model_path: str | None,
                        vocab_list: Sequence[str], end_of_sentence: bool = False) -> None:
        """Load a KenLM language model for beam search; without a path, beam search runs without one.

        ``end_of_sentence``: also score P(</s>) after each finished hypothesis (decoders.swig_wrapper.Scorer).
        """
        if not language_model_path:
            logger.warning("no language model given: beam search decodes without one")
            self._ext_scorer = None
            return
        from decoders.swig_wrapper import Scorer
        logger.info("loading language model %s", language_model_path)
        self._ext_scorer = Scorer(beam_alpha, beam_beta, language_model_path, list(vocab_list), end_of_sentence)

    def decode_batch_beam_search(self, probs_split: Sequence[np.ndarray], beam_alpha: float, beam_beta: float,
                                 beam_size: int, cutoff_prob: float, cutoff_top_n: int,
                                 vocab_list: Sequence[str], num_processes: int,
                                 blank_penalty: float = 0.0) -> list[str]:
        """Prefix beam search (with the language model from init_ext_scorer, re-weighted to alpha/beta); see
        decoders.swig_wrapper.ctc_beam_search_decoder for ``blank_penalty``."""
        from decoders.swig_wrapper import ctc_beam_search_decoder_batch
        if self._ext_scorer is not None:
            self._ext_scorer.reset_params(beam_alpha, beam_beta)
        results = ctc_beam_search_decoder_batch(
            probs_split=list(probs_split), vocabulary=list(vocab_list), beam_size=beam_size,
            num_processes=num_processes, cutoff_prob=cutoff_prob, cutoff_top_n=cutoff_top_n,
            ext_scoring_func=self._ext_scorer, blank_penalty=blank_penalty)
        return [beams[0][1] if beams else "" for beams in results]


@functools.lru_cache(maxsize=None)
def _greedy_decoder() -> Callable[[np.ndarray, list[str]], str]:
    """The C++ greedy decoder, or the NumPy one where decoders/ is not built (training needs no build)."""
    try:
        from decoders.swig_wrapper import ctc_greedy_decoder
    except ImportError as err:
        logger.warning("%s; greedy decoding falls back to NumPy", err)
        return greedy_numpy
    return ctc_greedy_decoder


def greedy_numpy(probs: np.ndarray, vocab_list: Sequence[str]) -> str:
    """Best path without the C++ decoder: argmax, merge repeats, drop blanks (the last class)."""
    best = np.argmax(probs, axis=1)
    keep = np.ones(len(best), dtype=bool)
    keep[1:] = best[1:] != best[:-1]
    return "".join(vocab_list[i] for i in best[keep] if i < len(vocab_list))


def error_rates(totals: dict) -> dict:
    """Per-utterance loss, CER and WER from ``DeepSpeech2Model.evaluate`` sums (NaN when empty)."""
    def ratio(num: float, den: float) -> float:
        return num / den if den else math.nan
    return {"loss": ratio(totals["loss"], totals["utterances"]),
            "cer": ratio(totals["char_errors"], totals["chars"]),
            "wer": ratio(totals["word_errors"], totals["words"])}


def _tensor(value) -> paddle.Tensor:
    """``value`` as a tensor on the current device (DataLoader batches arrive in host memory)."""
    tensor = value if isinstance(value, paddle.Tensor) else paddle.to_tensor(value)
    return tensor.to(paddle.get_device())


def _numpy(value) -> np.ndarray:
    return value.numpy() if isinstance(value, paddle.Tensor) else np.asarray(value)
