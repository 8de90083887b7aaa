"""The training loop: Adam steps on CTC loss, data parallel across ranks, checkpoints, dev scores, progress.

Data parallel (``paddle.DataParallel``): every rank runs the same global batches (each its own shard,
see data_utils.data) and gradients are all-reduced (averaged) in backward, so every rank takes the
same step. Batch-norm statistics are per rank (as in DS2), and only rank 0 writes checkpoints, the
log file and the learning curve; dev scores and pass losses are all-reduced.

Resuming from ``params.latest`` continues the interrupted pass at the first batch not yet stepped
(the batch order is a function of seed and pass), so no batch is repeated or skipped beyond those in
flight at the kill.
"""
from __future__ import annotations

import functools
import logging
import os
import time
from dataclasses import dataclass

import numpy as np
import paddle
import paddle.distributed as dist
from tqdm import tqdm

from data_utils.data import BadUtteranceError, SpeechBatchSampler, SpeechDataset, make_loader
from model_utils.checkpoint import Checkpoint, load_optimizer_state, save_checkpoint
from model_utils.learning_curve import plot_learning_curve
from model_utils.model import DeepSpeech2Model, error_rates

logger = logging.getLogger(__name__)

LATEST = "params.latest"


@dataclass
class TrainOptions:
    """Training settings (train.py's flags of the same names)."""
    output_model_dir: str
    vocab_path: str
    mean_std_path: str
    num_passes: int = 200
    learning_rate: float = 5e-4
    lr_decay: float = 1.0
    grad_clip: float = 400.0
    use_amp: bool = False
    num_iter_print: int = 100
    save_every: int = 500
    test_off: bool = False
    skip_bad_utterances: bool = True
    check_longest_batch: bool = False
    num_workers: int = 0
    seed: int = 0


class Trainer:
    """Runs passes from where ``checkpoint`` (if any, with training state) left off."""

    def __init__(self, model: DeepSpeech2Model, train_set: SpeechDataset, train_sampler: SpeechBatchSampler,
                 dev_set: SpeechDataset | None, dev_sampler: SpeechBatchSampler | None,
                 options: TrainOptions, checkpoint: Checkpoint | None = None):
        self.model, self.options = model, options
        self.train_set, self.train_sampler = train_set, train_sampler
        self.dev_set, self.dev_sampler = dev_set, dev_sampler
        self.rank, self.world = dist.get_rank(), dist.get_world_size()
        self.network = model.network
        if self.world > 1:
            for buffer in model.network.buffers():
                if not buffer._is_initialized():  # e.g. paddle GRU's dropout state: broadcasting it crashes
                    buffer.no_sync = True
            self.network = paddle.DataParallel(model.network)
        if not 0.0 < options.lr_decay <= 1.0:
            raise ValueError(f"lr_decay must be in (0, 1], got {options.lr_decay}")
        self.scheduler = paddle.optimizer.lr.LambdaDecay(options.learning_rate,
                                                         functools.partial(pow, options.lr_decay))
        clip = paddle.nn.ClipGradByGlobalNorm(options.grad_clip) if options.grad_clip > 0 else None
        self.optimizer = paddle.optimizer.Adam(learning_rate=self.scheduler, parameters=model.network.parameters(),
                                               grad_clip=clip)
        self.scaler = paddle.amp.GradScaler(enable=options.use_amp, init_loss_scaling=2.0 ** 15)
        self.progress = {"pass_id": 0, "batches_done": 0, "global_step": 0, "history": [],
                         "pass_loss_sum": 0.0, "pass_loss_batches": 0, "pass_audio_seconds": 0.0,
                         "pass_bad_utterances": 0}
        self._loss_sum, self._loss_batches, self._audio_seconds = paddle.zeros([], dtype="float32"), 0, 0.0
        if checkpoint is not None and checkpoint.state is not None:
            self._restore(checkpoint)

    def _sampler_settings(self) -> dict:
        sampler = self.train_sampler
        return {"batch_size": sampler.batch_size, "num_ranks": sampler.num_ranks, "seed": sampler.seed,
                "shuffle_method": sampler.shuffle_method, "sortagrad": sampler.sortagrad,
                "num_utterances": len(sampler.durations)}

    def _restore(self, checkpoint: Checkpoint) -> None:
        load_optimizer_state(self.optimizer, checkpoint.optimizer_state, self.model.network)
        if checkpoint.train_state.get("scaler"):
            self.scaler.load_state_dict(checkpoint.train_state["scaler"])
        saved_on = checkpoint.train_state.get("device", "")
        if saved_on.split(":")[0] == paddle.get_device().split(":")[0]:
            paddle.set_rng_state(checkpoint.train_state["rng"])
        else:
            logger.warning("%s: RNG state saved on %s is not restored on %s", checkpoint.path, saved_on,
                           paddle.get_device())
        self.progress.update(checkpoint.state["progress"])
        if self.progress["batches_done"] and checkpoint.state["sampler"] != self._sampler_settings():
            logger.warning("%s: batch settings or data changed (%s -> %s); restarting pass %d from its start",
                           checkpoint.path, checkpoint.state["sampler"], self._sampler_settings(),
                           self.progress["pass_id"])
            self.progress.update(batches_done=0, pass_loss_sum=0.0, pass_loss_batches=0, pass_audio_seconds=0.0)
        logger.info("resuming from %s at pass %d, batch %d (step %d)", checkpoint.path,
                    self.progress["pass_id"], self.progress["batches_done"], self.progress["global_step"])

    def run(self) -> list[dict]:
        """Train the remaining passes; returns the per-pass history."""
        if self.options.check_longest_batch:
            self._check_longest_batch()
        for pass_id in range(self.progress["pass_id"], self.options.num_passes):
            started = time.time()
            train_loss, bad = self._train_pass(pass_id)
            record = {"pass": pass_id, "train_loss": train_loss, "bad_utterances": bad,
                      "audio_hours": self.progress["pass_audio_seconds"] / 3600.0,
                      "seconds": time.time() - started}
            if not self.options.test_off and self.dev_set is not None:
                record.update({f"dev_{key}": value for key, value in self._evaluate().items()})
            self.scheduler.step()
            self.progress["history"].append(record)
            self.progress.update(pass_id=pass_id + 1, batches_done=0, pass_loss_sum=0.0, pass_loss_batches=0,
                                 pass_audio_seconds=0.0, pass_bad_utterances=0)
            logger.info("pass %d done: %s", pass_id, ", ".join(f"{k}={_fmt(v)}" for k, v in record.items()))
            if self.rank == 0:
                self._save(f"params.pass-{pass_id}")
                self._save(LATEST)
                plot_learning_curve(self.progress["history"],
                                    os.path.join(self.options.output_model_dir, "learning_curve.png"))
        return self.progress["history"]

    def _train_pass(self, pass_id: int) -> tuple[float, int]:
        """One pass from ``batches_done``; returns (mean train loss over all ranks, bad utterances seen)."""
        skip = self.progress["batches_done"]
        self.train_sampler.set_pass(pass_id, skip)
        self.train_set.pass_id = pass_id
        global_batches = self.train_sampler.global_batches(pass_id)
        if not global_batches:
            raise ValueError(f"{self.train_set.manifest_path}: {len(self.train_set)} usable utterances make no "
                             f"batch of {self.train_sampler.global_batch_size} (batch_size x processes) with "
                             f"{self.train_sampler.shuffle_method}")
        global_batches = global_batches[skip:]
        durations = self.train_set.durations
        bar = tqdm(total=skip + len(global_batches), initial=skip, desc=f"pass {pass_id}", unit="batch",
                   disable=self.rank != 0, dynamic_ncols=True)
        started, audio_before = time.time(), self.progress["pass_audio_seconds"]
        loader = make_loader(self.train_set, self.train_sampler, self.options.num_workers)
        for step, batch in enumerate(loader):  # consumed to the end, so worker processes shut down cleanly
            self._handle_bad(batch["bad"])
            loss = self._step(batch)
            if loss is not None:
                self._loss_sum += loss
                self._loss_batches += 1
            self._audio_seconds += float(durations[global_batches[step]].sum())
            progress = self.progress
            progress["batches_done"] += 1
            progress["global_step"] += 1
            bar.update()
            if progress["global_step"] % self.options.num_iter_print == 0 or progress["batches_done"] == bar.total:
                self._flush_pass_sums()
                speed = (progress["pass_audio_seconds"] - audio_before) / max(time.time() - started, 1e-9)
                mean = progress["pass_loss_sum"] / max(progress["pass_loss_batches"], 1)
                bar.set_postfix(loss=f"{mean:.4g}", audio_s_per_s=f"{speed:.1f}")
                logger.info("pass %d batch %d step %d: loss %.4g, lr %.3g, %.1f audio s/s", pass_id,
                            progress["batches_done"], progress["global_step"], mean, self.optimizer.get_lr(), speed)
            if self.options.save_every > 0 and progress["global_step"] % self.options.save_every == 0:
                self._flush_pass_sums()
                self._save(LATEST)
        bar.close()
        self._flush_pass_sums()
        sums = self._all_reduce([self.progress["pass_loss_sum"], self.progress["pass_loss_batches"],
                                 self.progress["pass_bad_utterances"]])
        if not sums[1]:
            raise RuntimeError(f"pass {pass_id}: no batch could be loaded; see the skipped utterances in the log")
        return sums[0] / sums[1], int(sums[2])

    def _flush_pass_sums(self) -> None:
        """Move the running sums (the loss on the device) into ``progress``: one host sync per print/save."""
        self.progress["pass_loss_sum"] += float(self._loss_sum)
        self.progress["pass_loss_batches"] += self._loss_batches
        self.progress["pass_audio_seconds"] += self._audio_seconds
        self._loss_sum, self._loss_batches, self._audio_seconds = paddle.zeros([], dtype="float32"), 0, 0.0

    def _step(self, batch: dict) -> paddle.Tensor | None:
        """One optimizer step; a rank whose utterances all failed joins its peers' step with a zero loss."""
        empty = len(batch["indices"]) == 0
        if empty and self.world == 1:
            return None
        with paddle.amp.auto_cast(enable=self.options.use_amp):
            loss = self._zero_loss() if empty else self.model.compute_loss(batch, self.network)
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.optimizer.clear_grad()
        return None if empty else loss.detach()

    def _zero_loss(self) -> paddle.Tensor:
        """A zero-weighted loss of silence, in eval mode so batch-norm statistics stay untouched."""
        frames = self.model.receptive_field
        dummy = {"features": np.zeros((1, frames, self.train_set.feature_dim), dtype=np.float32),
                 "feature_lengths": np.array([frames], dtype=np.int64),
                 "tokens": np.zeros((1, 1), dtype=np.int32), "token_lengths": np.array([1], dtype=np.int64)}
        self.model.network.eval()
        try:
            return self.model.compute_loss(dummy, self.network) * 0.0
        finally:
            self.model.network.train()

    def _handle_bad(self, messages: list[str]) -> None:
        for message in messages:
            if not self.options.skip_bad_utterances:
                raise BadUtteranceError(message)
            logger.warning("skipped bad utterance: %s", message)
        self.progress["pass_bad_utterances"] += len(messages)

    def _check_longest_batch(self) -> None:
        """Forward and backward on the longest possible batch first, so running out of memory shows at once.

        No step is taken and batch-norm statistics are restored, so training itself is unchanged.
        """
        indices = self.train_sampler.longest_batch()
        batch = self.train_set.collate([self.train_set[i] for i in indices])
        self._handle_bad(batch["bad"])
        saved = {name: buffer.clone() for name, buffer in self.model.network.named_buffers()}
        started = time.time()
        with paddle.amp.auto_cast(enable=self.options.use_amp):
            loss = self.model.compute_loss(batch, self.network) if len(batch["indices"]) else self._zero_loss()
        self.scaler.scale(loss).backward()
        self.optimizer.clear_grad()
        for name, buffer in self.model.network.named_buffers():
            paddle.assign(saved[name], buffer)
        memory = ""
        if paddle.device.is_compiled_with_cuda() and paddle.get_device().startswith("gpu"):
            memory = f", peak GPU memory {paddle.device.cuda.max_memory_allocated() / 2 ** 30:.2f} GiB"
        longest = max(self.train_set.durations[indices])
        logger.info("longest batch fits: %d utterances up to %.1f s, forward+backward in %.1f s%s",
                    len(indices), longest, time.time() - started, memory)

    def _evaluate(self) -> dict:
        """Dev loss, CER and WER (greedy) over all ranks' shards."""
        self.dev_set.pass_id = 0
        loader = make_loader(self.dev_set, self.dev_sampler, self.options.num_workers)

        def batches():
            for batch in loader:
                self._handle_bad(batch["bad"])
                yield batch

        transcripts = [entry["text"] for entry in self.dev_set.entries]
        totals = self.model.evaluate(tqdm(batches(), total=len(self.dev_sampler), desc="dev", unit="batch",
                                          disable=self.rank != 0, leave=False), transcripts)
        keys = sorted(totals)
        return error_rates(dict(zip(keys, self._all_reduce([totals[k] for k in keys]))))

    def _all_reduce(self, values: list[float]) -> list[float]:
        if self.world == 1:
            return [float(v) for v in values]
        tensor = paddle.to_tensor(np.array(values, dtype=np.float64))
        dist.all_reduce(tensor)
        return [float(v) for v in tensor.numpy()]

    def _save(self, name: str) -> None:
        if self.rank != 0:
            return
        save_checkpoint(os.path.join(self.options.output_model_dir, name), network=self.model.network,
                        optimizer=self.optimizer,
                        train_state={"scaler": self.scaler.state_dict(), "rng": paddle.get_rng_state(),
                                     "device": paddle.get_device()},
                        state={"progress": self.progress, "sampler": self._sampler_settings()},
                        config=self.model.config, vocab_path=self.options.vocab_path,
                        mean_std_path=self.options.mean_std_path)


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
