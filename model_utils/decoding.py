"""What infer.py, test.py and tools/tune.py share: their flags, loading the model, batching a
manifest, and running the network and the CTC decoder side by side.

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
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np
import paddle
import scipy.special

from data_utils.audio import AudioError
from data_utils.data import BadUtteranceError, SpeechBatchSampler, SpeechDataset, make_loader
from data_utils.featurizer.text_featurizer import load_vocabulary
from data_utils.manifest import ManifestError
from model_utils.checkpoint import CONFIG_FILE, MEAN_STD_FILE, MODEL_FILE, VOCAB_FILE, CheckpointError
from model_utils.inference import ExportedNetwork
from model_utils.model import DeepSpeech2Model, check_flags
from utils.error_rate import char_errors, word_errors
from utils.utility import add_arguments

DECODING_METHODS = ("ctc_beam_search", "ctc_greedy")
# The errors a CLI reports as one line (they name the file and line) instead of a traceback.
INPUT_ERRORS = (CheckpointError, ManifestError, BadUtteranceError, AudioError, OSError, ValueError)

Decoder = Callable[[Sequence[np.ndarray]], list[str]]


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
    add_arg("specgram_type", str, "linear", "Audio features (checked against the checkpoint).",
            choices=["linear", "mfcc", "fbank"])
    add_arg("use_gpu", bool, True, "Run the network on GPU (CPU when paddle has no CUDA).")
    add_arg("num_proc_data", int, 1, "Worker processes loading and featurising audio (0: in this process).")


def add_decoder_args(parser: argparse.ArgumentParser, num_proc_bsearch: int = 8) -> None:
    """DS2's decoding flags and defaults."""
    add_arg = functools.partial(add_arguments, argparser=parser)
    add_arg("decoding_method", str, "ctc_beam_search", "Decoding method.", choices=DECODING_METHODS)
    add_arg("beam_size", int, 500, "Beam search width.")
    add_arg("num_proc_bsearch", int, num_proc_bsearch, "Threads of the batch beam-search decoder.")
    add_arg("alpha", float, 2.5, "Language-model weight of beam search.")
    add_arg("beta", float, 0.3, "Word-insertion bonus of beam search.")
    add_arg("cutoff_prob", float, 1.0, "Keep the most likely characters up to this cumulative probability.")
    add_arg("cutoff_top_n", int, 40, "Keep at most this many characters per frame.")
    add_beam_scoring_args(parser)
    add_arg("lang_model_path", str, "models/lm/common_crawl_00.prune01111.trie.klm",
            "KenLM language model for beam search ('' for none).")
    add_arg("error_rate_type", str, "wer", "Error rate to report.", choices=["wer", "cer"])


def add_beam_scoring_args(parser: argparse.ArgumentParser) -> None:
    """``--lm_end_of_sentence`` and ``--blank_penalty``, for every CLI that runs the beam search."""
    add_arguments("lm_end_of_sentence", bool, True, "Add the language model's end-of-sentence probability to each "
                  "finished beam-search hypothesis, so that it scores whole sentences (not in DS2; False decodes "
                  "as DS2).", parser)
    add_arguments("blank_penalty", float, 0.0, "Subtracted from the blank's natural-log probability in every frame "
                  "before beam search (the frame is then renormalised). A positive value keeps more spellings in "
                  "the beam for the language model to choose among; 0 decodes as DS2.", parser)


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

    def infer_batch_probs(self, features, feature_lengths) -> list[np.ndarray]:
        logits, out_len = self.runner(features, feature_lengths)
        probs = scipy.special.softmax(logits.astype(np.float32), axis=-1)
        return [probs[i, :length] for i, length in enumerate(out_len)]


def manifest_dataset(model: DeepSpeech2Model, args: argparse.Namespace, manifest_path: str) -> SpeechDataset:
    """Every utterance of a manifest, without augmentation; any unusable one is a BadUtteranceError."""
    dataset = SpeechDataset(manifest_path, args.vocab_path, args.mean_std_path, model.config["feature"],
                            min_frames=model.receptive_field, skip_bad=False)
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


def make_decoder(model: DeepSpeech2Model, args: argparse.Namespace) -> Decoder:
    """``probs_split -> texts`` for ``args.decoding_method``; beam search loads the language model once."""
    if args.decoding_method == "ctc_greedy":
        return functools.partial(model.decode_batch_greedy, vocab_list=model.vocab_list)
    require_beam_search(args.lang_model_path)
    model.init_ext_scorer(args.alpha, args.beta, args.lang_model_path, model.vocab_list, args.lm_end_of_sentence)
    return functools.partial(model.decode_batch_beam_search, beam_alpha=args.alpha, beam_beta=args.beta,
                             beam_size=args.beam_size, cutoff_prob=args.cutoff_prob,
                             cutoff_top_n=args.cutoff_top_n, vocab_list=model.vocab_list,
                             num_processes=args.num_proc_bsearch, blank_penalty=args.blank_penalty)


def require_beam_search(lang_model_path: str | None) -> None:
    """Fail early, with the fix, when the C++ decoder is not built or the language model is missing."""
    try:
        import decoders.swig_wrapper  # noqa: F401
    except ImportError as err:
        raise RuntimeError(f"the CTC beam-search decoder is not built ({err}); run `bash decoders/build.sh` "
                           "or use --decoding_method ctc_greedy") from None
    if lang_model_path and not os.path.isfile(lang_model_path):
        raise FileNotFoundError(f"{lang_model_path}: no such language model (--lang_model_path; '' for none)")


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
