"""DeepSpeech2Model: the network with its vocabulary and settings; CTC loss, inference, evaluation.

This is what train.py, infer.py, test.py, tune.py and the server share:

    model = DeepSpeech2Model.from_checkpoint("checkpoints/libri/params.latest")
    probs = model.infer_batch_probs(batch["features"], batch["feature_lengths"])   # list of [T_i, V+1]
    texts = CTCDecoder(model.vocab_list, options).decode_batch(probs)   # model_utils.ctc_decoder

The decoder, not the model, owns the language model. Utterances shorter than the network's receptive field are
padded up to it (``pad_short_utterances``), so a beep or one short word is transcribed, not refused.

The CTC blank is the last class (index ``len(vocab_list)``). The loss is warp-ctc's negative log
likelihood averaged over the batch, with gradients normalised by each utterance's length (DS2's norm_by_times).
"""
from __future__ import annotations

import inspect
import math
from typing import Iterable, Sequence

import numpy as np
import paddle
import paddle.nn.functional as F

from data_utils.featurizer.audio_featurizer import AudioFeaturizer
from data_utils.featurizer.text_featurizer import load_vocabulary
from model_utils.checkpoint import CheckpointError, load_checkpoint
from model_utils.ctc_decoder import greedy_decode_batch
from model_utils.network import DeepSpeech2
from utils.error_rate import char_errors, word_errors

# CLI flag -> (config section, key): the settings a checkpoint fixes.
CONFIG_FLAGS = {
    "num_conv_layers": ("network", "num_conv_layers"),
    "num_rnn_layers": ("network", "num_rnn_layers"),
    "rnn_layer_size": ("network", "rnn_size"),
    "use_gru": ("network", "use_gru"),
    "share_rnn_weights": ("network", "share_rnn_weights"),
    "online": ("network", "online"),
    "row_conv_context": ("network", "row_conv_context"),
    "specgram_type": ("feature", "specgram_type"),
}

# AudioFeaturizer's defaults: the feature settings of a config that does not give them.
FEATURE_DEFAULTS = {name: p.default for name, p in inspect.signature(AudioFeaturizer).parameters.items()}


def make_config(args) -> dict:
    """config.json's {"network", "feature"} sections from DS2's CLI flags.

    The feature settings without a flag get AudioFeaturizer's defaults, saved in full so that
    inference rebuilds exactly the training features.
    """
    config: dict = {"network": {}, "feature": dict(FEATURE_DEFAULTS)}
    for flag, (section, key) in CONFIG_FLAGS.items():
        config[section][key] = getattr(args, flag)
    return config


def saved_setting(config: dict, section: str, key: str) -> object:
    """A checkpoint config's setting; a network setting that older checkpoints lack gets DeepSpeech2's default
    (a checkpoint without ``online`` is an offline network)."""
    if section == "network" and key not in config[section]:
        return inspect.signature(DeepSpeech2).parameters[key].default
    return config[section].get(key)


def check_flags(config: dict, flags: dict, where: str) -> None:
    """Raise CheckpointError if explicitly given ``flags`` contradict the checkpoint's ``config``."""
    conflicts = []
    for flag, value in flags.items():
        if flag in CONFIG_FLAGS:
            saved = saved_setting(config, *CONFIG_FLAGS[flag])
            if saved != value:
                conflicts.append(f"--{flag}={value} but the checkpoint has {saved}")
    if conflicts:
        raise CheckpointError(f"{where}: " + "; ".join(conflicts)
                              + " (leave the flag out to use the checkpoint's value)")


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

    @property
    def frame_duration(self) -> float:
        """Seconds per output frame: the feature hop (stride_ms) times the conv stage's time stride."""
        stride_ms = self.config["feature"].get("stride_ms", FEATURE_DEFAULTS["stride_ms"])
        return stride_ms / 1000.0 * self.network.time_stride

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

    def infer_batch_probs(self, features, feature_lengths) -> list[np.ndarray]:
        """Softmax probabilities per utterance: float32 [T_i, vocab_size + 1], padding removed.

        Utterances shorter than the receptive field are first padded up to it (``pad_short_utterances``).
        """
        return self.forward_probs(*pad_short_utterances(features, feature_lengths, self.receptive_field))

    @paddle.no_grad()
    def forward_probs(self, features, feature_lengths) -> list[np.ndarray]:
        """``infer_batch_probs`` without the padding: the network's forward pass and softmax."""
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
                for index, text in zip(_numpy(batch["indices"]), greedy_decode_batch(probs, self.vocab_list)):
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


def pad_short_utterances(features: np.ndarray | paddle.Tensor, feature_lengths: np.ndarray | paddle.Tensor,
                         min_frames: int) -> tuple:
    """``(features, feature_lengths)`` with every utterance under ``min_frames`` frames zero-padded up to it.

    Zeros are the normalised features' mean: the padding reads as the average frame, which is also what the first
    convolution sees past an utterance's edges (its own zero padding), so a short clip decodes with the context the
    network already knows. A batch with no short utterance is returned unchanged.
    """
    lengths = _numpy(feature_lengths).astype(np.int64)
    if len(lengths) == 0 or lengths.min() >= min_frames:
        return features, feature_lengths
    padded = _numpy(features)
    if padded.shape[1] < min_frames:
        padded = np.pad(padded, ((0, 0), (0, min_frames - padded.shape[1]), (0, 0)))
    else:
        padded = padded.copy()
    for row, length in enumerate(lengths):
        padded[row, length:min_frames] = 0.0
    return padded, np.maximum(lengths, min_frames)


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
