"""Checkpoints: one directory per checkpoint, replaced atomically, loadable without network flags.

Layout of ``<output_model_dir>/params.pass-N/`` (after pass N, counting from 0) and of
``params.latest/`` (rewritten every ``--save_every`` steps and after every pass)::

    model.pdparams        network state_dict (paddle.save), structured names
    opt.pdopt             optimizer state (Adam moments, LR scheduler), keyed by structured parameter names
    train_state.pdstate   GradScaler state, paddle's RNG state and the device it belongs to (paddle.save)
    state.json            progress: pass_id (the pass to run next or in progress), batches_done in it,
                          global_step, pass accumulators, per-pass history, sampler settings, seed
    config.json           {"feat_size", "vocab_size", "network": DeepSpeech2 kwargs, "feature": AudioFeaturizer kwargs}
    vocab.txt             the vocabulary the output layer was trained on
    mean_std.npz          the feature normaliser's statistics

A checkpoint is written into a temp directory beside it, fsynced, then renamed into place; the
previous one is first renamed to ``.<name>.old`` and removed only after the new one is in place.
So a kill at any moment leaves a complete checkpoint: either ``<name>`` or, between the two renames,
``.<name>.old``, which ``resolve`` falls back to; stale temp directories are removed by the next save.

``init_model_path`` may name a checkpoint directory (full resume: weights, optimizer, progress) or a
``model.pdparams`` file (weights only: a fresh optimizer from pass 0), whose directory's config.json,
vocab.txt and mean_std.npz are used when present.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import glob
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Iterator

import paddle

logger = logging.getLogger(__name__)

MODEL_FILE = "model.pdparams"
OPTIMIZER_FILE = "opt.pdopt"
TRAIN_STATE_FILE = "train_state.pdstate"
STATE_FILE = "state.json"
CONFIG_FILE = "config.json"
VOCAB_FILE = "vocab.txt"
MEAN_STD_FILE = "mean_std.npz"


class CheckpointError(ValueError):
    """A checkpoint that cannot be used, or flags that contradict it; the message names the path."""


@dataclass
class Checkpoint:
    """What ``load_checkpoint`` read. ``state`` and the optimizer parts are None for weights-only files."""
    path: str
    model_state: dict
    config: dict | None = None
    vocab_path: str | None = None
    mean_std_path: str | None = None
    optimizer_state: dict | None = None
    train_state: dict | None = None
    state: dict | None = field(default=None)


def resolve(path: str) -> str:
    """``path`` itself, or its ``.old`` copy left by a save killed between its two renames."""
    if os.path.exists(path):
        return path
    old = _old_path(path)
    if os.path.isdir(old):
        logger.warning("%s is missing; using %s left by an interrupted save", path, old)
        return old
    raise CheckpointError(f"{path}: no such checkpoint (directory or {MODEL_FILE} file)")


def _old_path(path: str) -> str:
    parent, name = os.path.split(os.path.abspath(path))
    return os.path.join(parent, f".{name}.old")


def save_checkpoint(path: str, *, network: paddle.nn.Layer, optimizer: paddle.optimizer.Optimizer,
                    train_state: dict, state: dict, config: dict, vocab_path: str,
                    mean_std_path: str) -> None:
    """Write the checkpoint directory ``path`` atomically (see the module docstring)."""
    with _staged_dir(path) as tmp:
        paddle.save(network.state_dict(), os.path.join(tmp, MODEL_FILE))
        paddle.save(_structured_optimizer_state(optimizer.state_dict(), network),
                    os.path.join(tmp, OPTIMIZER_FILE))
        paddle.save(train_state, os.path.join(tmp, TRAIN_STATE_FILE))
        shutil.copyfile(vocab_path, os.path.join(tmp, VOCAB_FILE))
        shutil.copyfile(mean_std_path, os.path.join(tmp, MEAN_STD_FILE))
        _write_json(os.path.join(tmp, CONFIG_FILE), config)
        _write_json(os.path.join(tmp, STATE_FILE), state)


@contextlib.contextmanager
def _staged_dir(path: str) -> Iterator[str]:
    """Yield a temp directory beside ``path`` to fill; on success it is fsynced and replaces ``path``.

    Stale temp directories of earlier killed writes are removed first; on an error the temp directory goes.
    """
    path = os.path.abspath(path)
    parent, name = os.path.split(path)
    os.makedirs(parent, exist_ok=True)
    for stale in glob.glob(os.path.join(parent, f".{name}.tmp-*")):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=parent)
    try:
        os.chmod(tmp, 0o755)
        yield tmp
        _fsync_dir_files(tmp)
        _replace_dir(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def average_checkpoints(paths: list[str], output_path: str) -> None:
    """Write ``output_path``: the last of ``paths`` with its float weights replaced by the mean over all of them.

    Averaging the last passes' weights smooths out the noise of the final updates (a cheap gain at test time). The
    result is a complete checkpoint directory, written atomically; its state.json records the sources in
    ``averaged_from``. The checkpoints must come from one network (same config.json and parameter shapes).
    """
    if not paths:
        raise CheckpointError("average_checkpoints: no checkpoint given")
    checkpoints = [load_checkpoint(path) for path in paths]
    last = checkpoints[-1]
    if last.state is None:
        raise CheckpointError(f"{last.path}: a checkpoint directory is needed (it is copied with the mean weights)")

    def shapes(checkpoint: Checkpoint) -> dict:
        return {name: tuple(value.shape) for name, value in checkpoint.model_state.items()}

    last_shapes = shapes(last)
    for checkpoint in checkpoints[:-1]:
        if checkpoint.config != last.config or shapes(checkpoint) != last_shapes:
            raise CheckpointError(f"{checkpoint.path}: not the same network as {last.path}; cannot average")
    mean_state = {}
    for name, value in last.model_state.items():
        if value.dtype in (paddle.float16, paddle.float32, paddle.float64):
            mean_state[name] = paddle.add_n([checkpoint.model_state[name] for checkpoint in checkpoints]) / len(paths)
        else:
            mean_state[name] = value
    with _staged_dir(output_path) as tmp:
        shutil.copytree(last.path, tmp, dirs_exist_ok=True, ignore=shutil.ignore_patterns(MODEL_FILE, STATE_FILE))
        paddle.save(mean_state, os.path.join(tmp, MODEL_FILE))
        _write_json(os.path.join(tmp, STATE_FILE),
                    {**last.state, "averaged_from": [os.path.abspath(c.path) for c in checkpoints]})


def _write_json(path: str, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")


def _fsync_dir_files(directory: str) -> None:
    for name in os.listdir(directory):
        with open(os.path.join(directory, name), "rb") as handle:
            os.fsync(handle.fileno())
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace_dir(src: str, dst: str) -> None:
    """Move ``src`` to ``dst`` so that a complete checkpoint exists at every instant."""
    old = _old_path(dst)
    if os.path.isdir(dst):
        shutil.rmtree(old, ignore_errors=True)  # dst is complete, so an old copy is redundant
        os.rename(dst, old)
    os.rename(src, dst)
    shutil.rmtree(old, ignore_errors=True)


def _structured_optimizer_state(opt_state: dict, network: paddle.nn.Layer) -> dict:
    """Re-key optimizer accumulators from paddle's per-process tensor names to structured names.

    Paddle names accumulators ``<tensor name>_<accumulator>_0`` and tensor names depend on creation
    order in the process, so a resumed process could silently miss them; structured names are stable.
    """
    by_tensor_name = {param.name: name for name, param in network.named_parameters()}
    return {_rename_key(key, by_tensor_name): value for key, value in opt_state.items()}


def load_optimizer_state(optimizer: paddle.optimizer.Optimizer, opt_state: dict,
                         network: paddle.nn.Layer) -> None:
    """Inverse of the re-keying done at save time, then ``optimizer.set_state_dict``."""
    by_structured_name = {name: param.name for name, param in network.named_parameters()}
    optimizer.set_state_dict({_rename_key(key, by_structured_name): value for key, value in opt_state.items()})


def _rename_key(key: str, mapping: dict[str, str]) -> str:
    matches = [prefix for prefix in mapping if key.startswith(prefix + "_")]
    if not matches:
        return key
    prefix = max(matches, key=len)
    return mapping[prefix] + key[len(prefix):]


def load_checkpoint(path: str) -> Checkpoint:
    """Read a checkpoint directory or a weights-only ``model.pdparams`` file (see the module docstring)."""
    path = resolve(path)
    if os.path.isfile(path):
        directory = os.path.dirname(os.path.abspath(path))
        checkpoint = Checkpoint(path=path, model_state=_load(path))
    else:
        directory = path
        model_path = os.path.join(directory, MODEL_FILE)
        for required in (model_path, os.path.join(directory, STATE_FILE)):
            if not os.path.isfile(required):
                raise CheckpointError(f"{path}: incomplete checkpoint, {os.path.basename(required)} is missing")
        checkpoint = Checkpoint(path=path, model_state=_load(model_path),
                                optimizer_state=_load(os.path.join(directory, OPTIMIZER_FILE)),
                                train_state=_load(os.path.join(directory, TRAIN_STATE_FILE)),
                                state=_read_json(os.path.join(directory, STATE_FILE)))
    config_path = os.path.join(directory, CONFIG_FILE)
    if os.path.isfile(config_path):
        checkpoint.config = _read_json(config_path)
    for attr, name in (("vocab_path", VOCAB_FILE), ("mean_std_path", MEAN_STD_FILE)):
        if os.path.isfile(os.path.join(directory, name)):
            setattr(checkpoint, attr, os.path.join(directory, name))
    return checkpoint


def _load(path: str):
    try:
        return paddle.load(path)
    except Exception as err:  # paddle raises assorted types for damaged files
        raise CheckpointError(f"{path}: cannot load ({type(err).__name__}: {err})") from None


def _read_json(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, json.JSONDecodeError) as err:
        raise CheckpointError(f"{path}: cannot read ({err})") from None


def explicit_flags(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> dict:
    """The flags actually given on the command line (defaults left out), parsed."""
    probe = copy.deepcopy(parser)
    for action in probe._actions:
        action.default = argparse.SUPPRESS
    return vars(probe.parse_args(argv))
