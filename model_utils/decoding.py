"""What infer.py, test.py and tools/tune.py share: their model flags, loading the model, batching a
manifest, and running the network and the CTC decoder (model_utils.ctc_decoder) side by side.

The network runs batched in the calling thread; each batch's probabilities go to a one-thread
executor that runs the decoder (whose batch call fans out over ``--num_proc_bsearch`` threads of
its own), so the network computes batch i+1 while batch i is decoded.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import functools
import json
import os
import sys
from typing import Callable, Iterable, Iterator

import numpy as np
import paddle
import scipy.special

from data_utils.audio import AudioError
from data_utils.data import BadUtteranceError, SpeechBatchSampler, SpeechDataset, make_loader
from data_utils.featurizer.text_featurizer import load_vocabulary
from data_utils.manifest import ManifestError
from model_utils.checkpoint import CONFIG_FILE, MEAN_STD_FILE, MODEL_FILE, VOCAB_FILE, CheckpointError
from model_utils.ctc_decoder import CTCDecoder, DecodingOptions, add_decoding_args
from model_utils.inference import ExportedNetwork
from model_utils.model import DeepSpeech2Model, check_flags
from model_utils.network import ROW_CONV_CONTEXT
from utils.error_rate import char_errors, word_errors
from utils.utility import add_arguments

# The errors a CLI reports as one line (they name the file and line) instead of a traceback.
INPUT_ERRORS = (CheckpointError, ManifestError, BadUtteranceError, AudioError, OSError, ValueError)


def add_model_args(parser: argparse.ArgumentParser) -> None:
    """DS2's model flags; the network flags may be left out (the checkpoint's config.json decides)."""
    add_arg = functools.partial(add_arguments, argparser=parser)
    add_arg("model_path", str, "./checkpoints/libri/params.latest",
            "Checkpoint directory (params.latest, params.pass-N), a model.pdparams file beside config.json, "
            "or a directory written by tools/export_model.py.")
    add_arg("vocab_path", str, None, "Vocabulary; must equal the model's (default: the checkpoint's copy).")
    add_arg("mean_std_path", str, None, "Feature mean/std npz (default: the checkpoint's copy).")
    add_arg("num_conv_layers", int, 2, "Convolution layers (checked against the checkpoint).")
    add_arg("num_rnn_layers", int, 3, "Recurrent layers (checked against the checkpoint).")
    add_arg("rnn_layer_size", int, 2048, "Recurrent layer size (checked against the checkpoint).")
    add_arg("use_gru", bool, False, "GRU cells (checked against the checkpoint).")
    add_arg("share_rnn_weights", bool, True, "Shared forward/backward RNN input weights (checked).")
    add_arg("online", bool, False, "Streaming network: forward-only RNNs and a row convolution (checked).")
    add_arg("row_conv_context", int, ROW_CONV_CONTEXT, "Row convolution's future output frames (checked).")
    add_arg("specgram_type", str, "linear", "Audio features (checked against the checkpoint).",
            choices=["linear", "mfcc", "fbank"])
    add_arg("use_gpu", bool, True, "Run the network on GPU (CPU when paddle has no CUDA).")
    add_arg("num_proc_data", int, 1, "Worker processes loading and featurising audio (0: in this process).")


def add_decoder_args(parser: argparse.ArgumentParser) -> None:
    """DS2's decoding flags (one per DecodingOptions field) and ``--error_rate_type``."""
    add_decoding_args(parser)
    add_error_rate_arg(parser)


def add_error_rate_arg(parser: argparse.ArgumentParser) -> None:
    """``--error_rate_type``: the error rate a CLI reports (tools/tune.py: minimises)."""
    add_arguments("error_rate_type", str, "wer", "Error rate: word (wer) or character (cer).", parser,
                  choices=["wer", "cer"])


def load_model(args: argparse.Namespace, explicit: dict) -> DeepSpeech2Model:
    """The model of a checkpoint or an exported directory, on the chosen device, with
    ``args.vocab_path``/``mean_std_path`` filled in from it when not given.

    ``explicit`` are the flags given on the command line; network flags or a vocabulary that
    contradict the checkpoint raise CheckpointError.
    """
    if args.use_gpu and not paddle.is_compiled_with_cuda():
        args.use_gpu = False
    paddle.set_device("gpu" if args.use_gpu else "cpu")
    if is_exported(args.model_path):
        model = ExportedModel(args.model_path, explicit, args.use_gpu)
    else:
        model = DeepSpeech2Model.from_checkpoint(args.model_path, explicit)
    if args.vocab_path is None:
        args.vocab_path = model.vocab_path
    elif load_vocabulary(args.vocab_path) != model.vocab_list:
        raise CheckpointError(f"{args.vocab_path}: this vocabulary ({len(load_vocabulary(args.vocab_path))} tokens) "
                              f"is not the one {args.model_path} was trained on ({len(model.vocab_list)} tokens, "
                              f"{model.vocab_path}); leave --vocab_path out to use the model's")
    if args.mean_std_path is None:
        args.mean_std_path = model.mean_std_path
    if args.mean_std_path is None:
        raise CheckpointError(f"{args.model_path}: no mean_std.npz beside the weights; give --mean_std_path")
    return model


def is_exported(path: str) -> bool:
    """Whether ``path`` is a directory written by tools/export_model.py (a static model, no model.pdparams)."""
    return (os.path.isdir(path) and not os.path.exists(os.path.join(path, MODEL_FILE))
            and any(os.path.isfile(os.path.join(path, "model" + suffix)) for suffix in (".json", ".pdmodel")))


class ExportedModel(DeepSpeech2Model):
    """A DeepSpeech2Model whose probabilities come from an exported static network run by Paddle Inference.

    The dygraph network built from config.json is kept only for its geometry (receptive field, output
    lengths); its weights are never used.
    """

    def __init__(self, directory: str, explicit: dict, use_gpu: bool):
        paths = {name: os.path.join(directory, name) for name in (CONFIG_FILE, VOCAB_FILE, MEAN_STD_FILE)}
        for name in (CONFIG_FILE, VOCAB_FILE):
            if not os.path.isfile(paths[name]):
                raise CheckpointError(f"{directory}: exported model without {name} (re-run tools/export_model.py)")
        with open(paths[CONFIG_FILE], encoding="utf-8") as handle:
            config = json.load(handle)
        check_flags(config, explicit, directory)
        super().__init__(load_vocabulary(paths[VOCAB_FILE]), config)
        self.runner = ExportedNetwork(os.path.join(directory, "model"), use_gpu=use_gpu)
        self.vocab_path = paths[VOCAB_FILE]
        self.mean_std_path = paths[MEAN_STD_FILE] if os.path.isfile(paths[MEAN_STD_FILE]) else None

    def forward_probs(self, features, feature_lengths) -> list[np.ndarray]:
        logits, out_len = self.runner(features, feature_lengths)
        probs = scipy.special.softmax(logits.astype(np.float32), axis=-1)
        return [probs[i, :length] for i, length in enumerate(out_len)]


def manifest_dataset(model: DeepSpeech2Model, args: argparse.Namespace, manifest_path: str) -> SpeechDataset:
    """Every utterance of a manifest, without augmentation; any unusable one is a BadUtteranceError.

    Utterances shorter than the network's receptive field are kept: the model pads them (pad_short_utterances).
    """
    dataset = SpeechDataset(manifest_path, args.vocab_path, args.mean_std_path, model.config["feature"],
                            skip_bad=False)
    if len(dataset) == 0:
        raise ManifestError(f"{manifest_path}: no utterances")
    return dataset


def batches(dataset: SpeechDataset, batch_size: int, num_workers: int,
            limit: int | None = None) -> Iterator[dict]:
    """Padded batches of the first ``limit`` utterances (all by default), shortest first.

    An utterance whose audio cannot be read raises BadUtteranceError naming ``manifest:line``.
    """
    durations = dataset.durations[:limit]
    sampler = SpeechBatchSampler(durations, batch_size, drop_uneven=False)
    for batch in make_loader(dataset, sampler, num_workers):
        if batch["bad"]:
            raise BadUtteranceError(batch["bad"][0])
        yield batch


def pipelined(model: DeepSpeech2Model, batches: Iterable[dict],
              decode: Callable[[list[np.ndarray]], object]) -> Iterator[tuple[dict, object]]:
    """Yield ``(batch, decode(probs))`` per batch, decoding one batch while the network runs the next."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        pending = None
        for batch in batches:
            probs = model.infer_batch_probs(batch["features"], batch["feature_lengths"])
            future = executor.submit(decode, probs)
            if pending is not None:
                yield pending[0], pending[1].result()
            pending = (batch, future)
        if pending is not None:
            yield pending[0], pending[1].result()


def make_decoder(model: DeepSpeech2Model, args: argparse.Namespace) -> CTCDecoder:
    """The decoder of the parsed decoding flags for ``model``'s vocabulary (beam search loads the LM now)."""
    return CTCDecoder(model.vocab_list, DecodingOptions.from_args(args))


class ErrorCounter:
    """Accumulates word or character errors over utterances."""

    def __init__(self, error_rate_type: str):
        self.error_rate_type = error_rate_type
        self.errors, self.length, self.utterances = 0.0, 0, 0

    def add(self, reference: str, hypothesis: str) -> tuple[float, int]:
        """Count one utterance; returns its (errors, reference length)."""
        measure = word_errors if self.error_rate_type == "wer" else char_errors
        errors, length = measure(reference, hypothesis)
        self.errors += errors
        self.length += length
        self.utterances += 1
        return errors, length

    @property
    def rate(self) -> float:
        return self.errors / self.length if self.length else float("nan")


def run_cli(main: Callable[[], object]) -> None:
    """Run a CLI's ``main``; bad input ends it with one clear line on stderr and exit status 1."""
    try:
        main()
    except INPUT_ERRORS + (RuntimeError,) as err:
        print(f"{os.path.basename(sys.argv[0])}: error: {err}", file=sys.stderr)
        sys.exit(1)
