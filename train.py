"""Train a DeepSpeech2 model (DS2's flags and defaults).

Several devices: ``--trainer_count N`` re-launches this script through ``paddle.distributed.launch``
as N data-parallel processes (GPUs, or CPU processes with the gloo backend); ``--batch_size`` is per
device. Several machines: run ``python -m paddle.distributed.launch --ips ... train.py --is_local False ...``
on each. Checkpoints (see model_utils/checkpoint.py) go to ``--output_model_dir``: ``params.pass-N``
after every pass and ``params.latest`` continuously; ``--init_model_path`` resumes from either.
"""
from __future__ import annotations

import argparse
import filecmp
import functools
import logging
import os
import random
import subprocess
import sys
import warnings

import numpy as np
import paddle
import paddle.distributed as dist
from tqdm import tqdm

from data_utils.augmentor.augmentation import AugmentationConfigError
from data_utils.data import SHUFFLE_METHODS, SpeechBatchSampler, SpeechDataset
from data_utils.featurizer.text_featurizer import load_vocabulary
from model_utils.checkpoint import CheckpointError, explicit_flags, load_checkpoint
from model_utils.model import DeepSpeech2Model, check_flags, make_config
from model_utils.network import ROW_CONV_CONTEXT, set_num_threads
from model_utils.trainer import Trainer, TrainOptions
from utils.utility import add_arguments, print_arguments

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
add_arg = functools.partial(add_arguments, argparser=parser)
add_arg("batch_size", int, 256, "Minibatch size per device (a global batch is batch_size * trainer_count).")
add_arg("trainer_count", int, 8, "Data-parallel processes on this machine (GPUs; CPU processes without CUDA).")
add_arg("num_passes", int, 200, "Training passes (epochs).")
add_arg("num_proc_data", int, 16, "Worker processes preparing batches (0: in the training process).")
add_arg("num_conv_layers", int, 2, "Convolution layers.")
add_arg("num_rnn_layers", int, 3, "Recurrent layers.")
add_arg("rnn_layer_size", int, 2048, "Recurrent layer size.")
add_arg("num_iter_print", int, 100, "Steps between progress reports (loss, throughput) in the log.")
add_arg("learning_rate", float, 5e-4, "Adam learning rate.")
add_arg("lr_decay", float, 1.0, "Learning-rate factor applied after every pass (DS2 2.x used 0.83).")
add_arg("grad_clip", float, 400.0, "Clip gradients to this global L2 norm (0: no clipping).")
add_arg("max_duration", float, 27.0, "Longest training utterance in seconds; longer ones are left out.")
add_arg("min_duration", float, 0.0, "Shortest training utterance in seconds; shorter ones are left out.")
add_arg("test_off", bool, False, "Skip the dev-set evaluation after every pass.")
add_arg("use_sortagrad", bool, True, "Run the first pass in ascending duration order (SortaGrad), unless resuming.")
add_arg("use_gpu", bool, True, "Train on GPU (falls back to CPU with a warning without CUDA).")
add_arg("use_amp", bool, False, "Mixed precision (float16 autocast with loss scaling) on GPU.")
add_arg("use_gru", bool, False, "GRU cells instead of simple RNN cells.")
add_arg("is_local", bool, True, "Single machine; False when started by paddle.distributed.launch --ips.")
add_arg("share_rnn_weights", bool, True, "Share the input weights of the forward and backward simple RNNs.")
add_arg("online", bool, False, "Streaming network (DS2's online model): forward-only RNNs followed by a row "
        "(lookahead) convolution, so that model_utils.streaming can decode audio as it arrives.")
add_arg("row_conv_context", int, ROW_CONV_CONTEXT, "Future output frames (30 ms each) the row convolution of "
        "--online sees; the conv stage adds its own 200 ms (2 layers) of look-ahead.")
add_arg("seed", int, 0, "Seed for initialisation, batch order and augmentation.")
add_arg("split_by_node", bool, False, "Each node's --train_manifest is its own share (cloud/split_data.py): "
        "batches are divided among this node's trainers only.")
add_arg("save_every", int, 500, "Steps between params.latest writes (0: only after each pass).")
add_arg("num_threads", int, 0, "CPU threads for paddle's math libraries (0: paddle's default).")
add_arg("skip_bad_utterances", bool, True, "Log and count unusable utterances instead of stopping at the first.")
add_arg("check_longest_batch", bool, False, "Run forward/backward on the longest batch before training.")
add_arg("log_file", str, None, "Log file (default: <output_model_dir>/train.log).")
add_arg("train_manifest", str, "data/librispeech/manifest.train", "Training manifest.")
add_arg("dev_manifest", str, "data/librispeech/manifest.dev-clean", "Dev manifest, scored after every pass.")
add_arg("mean_std_path", str, "data/librispeech/mean_std.npz", "Feature mean/std (npz).")
add_arg("vocab_path", str, "data/librispeech/vocab.txt", "Vocabulary, one token a line.")
add_arg("init_model_path", str, None,
        "Resume from a checkpoint directory (weights, optimizer, progress) or start from the weights of "
        "a model.pdparams file.")
add_arg("output_model_dir", str, "./checkpoints/libri", "Directory for checkpoints, log and learning curve.")
add_arg("augment_conf_path", str, "conf/augmentation.config", "Augmentation config (JSON list).")
add_arg("specgram_type", str, "linear", "Audio features.", choices=["linear", "mfcc", "fbank"])
add_arg("shuffle_method", str, "batch_shuffle_clipped", "Batch order after the first pass.", choices=SHUFFLE_METHODS)

logger = logging.getLogger("train")


def relaunch(args: argparse.Namespace, argv: list[str]) -> int:
    """Run this script as ``args.trainer_count`` processes through paddle.distributed.launch."""
    command = [sys.executable, "-m", "paddle.distributed.launch", "--nproc_per_node", str(args.trainer_count),
               "--log_dir", os.path.join(args.output_model_dir, "launch_logs")]
    if args.use_gpu and paddle.is_compiled_with_cuda():
        available = paddle.device.cuda.device_count()
        if args.trainer_count > available:
            raise ValueError(f"--trainer_count {args.trainer_count} but only {available} GPU(s) are visible")
        command += ["--devices", ",".join(str(i) for i in range(args.trainer_count))]
    command += [os.path.abspath(__file__), *argv]
    print("launching:", " ".join(command), flush=True)
    return subprocess.call(command)


def setup_device(args: argparse.Namespace) -> None:
    if args.use_gpu and not paddle.is_compiled_with_cuda():
        warnings.warn("paddle is not compiled with CUDA: training on CPU")
        args.use_gpu = False
    if args.use_amp and not args.use_gpu:
        warnings.warn("--use_amp needs a GPU: training in float32")
        args.use_amp = False
    if args.use_gpu:
        paddle.set_device(f"gpu:{dist.ParallelEnv().device_id}")
    else:
        paddle.set_device("cpu")
    if args.num_threads > 0:
        set_num_threads(args.num_threads)


class _TqdmHandler(logging.StreamHandler):
    """Console logging that does not break the progress bar."""

    def emit(self, record: logging.LogRecord) -> None:
        tqdm.write(self.format(record), file=sys.stderr)


def setup_logging(log_file: str, rank: int) -> None:
    """Console (all ranks) and ``log_file`` (rank 0) handlers on the root logger, replacing earlier ones."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    # ours from an earlier call, and the plain StreamHandler that importing paddle.distributed puts on the
    # root logger (it would print every line twice); other handlers (pytest's, say) stay
    for handler in [h for h in root.handlers if getattr(h, "train_py", False) or type(h) is logging.StreamHandler]:
        root.removeHandler(handler)
        handler.close()
    console = _TqdmHandler()
    console.setFormatter(logging.Formatter(f"[rank {rank}] %(levelname)s %(message)s"))
    handlers = [console]
    if rank == 0:
        os.makedirs(os.path.dirname(os.path.abspath(log_file)), exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
        handlers[-1].setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for handler in handlers:
        handler.train_py = True
        root.addHandler(handler)


def build_model(args: argparse.Namespace, explicit: dict) -> tuple[DeepSpeech2Model, object]:
    """The model from flags, or from ``--init_model_path`` (whose saved settings win over defaults)."""
    checkpoint = load_checkpoint(args.init_model_path) if args.init_model_path else None
    if checkpoint is None or checkpoint.config is None:
        model = DeepSpeech2Model(load_vocabulary(args.vocab_path), make_config(args))
    else:
        check_flags(checkpoint.config, explicit, checkpoint.path)
        for flag, saved in (("vocab_path", checkpoint.vocab_path), ("mean_std_path", checkpoint.mean_std_path)):
            if flag in explicit and saved and not filecmp.cmp(explicit[flag], saved, shallow=False):
                raise CheckpointError(f"{checkpoint.path}: --{flag} {explicit[flag]} differs from the checkpoint's "
                                      f"{saved} (leave the flag out to use the checkpoint's copy)")
            if flag not in explicit and saved:
                setattr(args, flag, saved)
        model = DeepSpeech2Model(load_vocabulary(args.vocab_path), checkpoint.config)
    if checkpoint is not None:
        model.load_weights(checkpoint.model_state, checkpoint.path)
    return model, checkpoint


def build_dataset(args: argparse.Namespace, model: DeepSpeech2Model, manifest: str, augmentation: str,
                  **durations) -> SpeechDataset:
    dataset = SpeechDataset(manifest, args.vocab_path, args.mean_std_path, model.config["feature"], augmentation,
                            seed=args.seed, output_frames=model.output_frames, min_frames=model.receptive_field,
                            skip_bad=args.skip_bad_utterances, **durations)
    for message in dataset.bad:
        logger.warning("skipped bad utterance: %s", message)
    if dataset.bad:
        logger.warning("%s: skipped %d bad utterances", manifest, len(dataset.bad))
    if len(dataset) == 0:
        raise ValueError(f"{manifest}: no usable utterances")
    return dataset


def main(argv: list[str] | None = None) -> list[dict] | int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    explicit = explicit_flags(parser, argv)
    if "PADDLE_TRAINER_ID" not in os.environ:
        if not args.is_local:
            raise ValueError("--is_local False: start train.py through python -m paddle.distributed.launch --ips ...")
        if args.trainer_count > 1:
            return relaunch(args, argv)
    world = dist.get_world_size()
    if world > 1:
        dist.init_parallel_env()
    rank = dist.get_rank()
    setup_logging(args.log_file or os.path.join(args.output_model_dir, "train.log"), rank)
    if rank == 0:
        print_arguments(args)
    setup_device(args)
    paddle.seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    model, checkpoint = build_model(args, explicit)
    if not os.path.isfile(args.augment_conf_path):
        raise FileNotFoundError(f"{args.augment_conf_path}: no such augmentation config (--augment_conf_path)")
    with open(args.augment_conf_path, encoding="utf-8") as handle:
        augmentation = handle.read()
    try:
        train_set = build_dataset(args, model, args.train_manifest, augmentation,
                                  min_duration=args.min_duration, max_duration=args.max_duration)
    except AugmentationConfigError as err:
        raise AugmentationConfigError(f"{args.augment_conf_path}: {err}") from None
    resumed = checkpoint is not None and checkpoint.state is not None
    sortagrad = checkpoint.state["sampler"]["sortagrad"] if resumed else \
        args.use_sortagrad and checkpoint is None
    durations, data_ranks, data_rank = train_set.durations, world, rank
    if args.split_by_node and world > 1:
        data_ranks, data_rank = int(os.environ["PADDLE_LOCAL_SIZE"]), int(os.environ["PADDLE_LOCAL_RANK"])
        shortest = paddle.to_tensor([len(durations)], dtype="int64")
        dist.all_reduce(shortest, op=dist.ReduceOp.MIN)
        durations = durations[:int(shortest.item())]  # every node must run the same number of steps
    train_sampler = SpeechBatchSampler(durations, args.batch_size, args.shuffle_method, sortagrad,
                                       args.seed, num_ranks=data_ranks, rank=data_rank)
    dev_set = dev_sampler = None
    if not args.test_off:
        dev_set = build_dataset(args, model, args.dev_manifest, "[]")
        dev_sampler = SpeechBatchSampler(dev_set.durations, args.batch_size, num_ranks=world, rank=rank,
                                         drop_uneven=False)
    options = TrainOptions(
        output_model_dir=args.output_model_dir, vocab_path=args.vocab_path, mean_std_path=args.mean_std_path,
        num_passes=args.num_passes, learning_rate=args.learning_rate, lr_decay=args.lr_decay,
        grad_clip=args.grad_clip, use_amp=args.use_amp, num_iter_print=args.num_iter_print,
        save_every=args.save_every, test_off=args.test_off, skip_bad_utterances=args.skip_bad_utterances,
        check_longest_batch=args.check_longest_batch, num_workers=args.num_proc_data, seed=args.seed)
    return Trainer(model, train_set, train_sampler, dev_set, dev_sampler, options, checkpoint).run()


if __name__ == "__main__":
    try:
        result = main()
    except (ValueError, OSError) as err:  # bad input (manifest, audio, checkpoint, config): its message names it
        sys.exit(f"train.py: error: {err}")
    sys.exit(result if isinstance(result, int) else 0)
