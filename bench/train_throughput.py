"""Training throughput of the DS2 network: PaddlePaddle against a PyTorch twin, side by side.

For each RNN size the two frameworks run in turn in fresh subprocesses on the same synthetic batch
(random features, full-length utterances, random transcripts): a few warm-up steps, then timed
steps of forward + CTC loss + backward + Adam. Reported: audio seconds trained per wall second and
per CPU second (less sensitive to other jobs on a shared machine), CPU time / wall time (how many
cores were busy) and peak resident memory. PyTorch runs from a throwaway venv (created on first
use with numpy + torch) so the project never depends on it.

    python bench/train_throughput.py --rnn_sizes 256,512,1024
    python bench/train_throughput.py --frameworks paddle --online True --rnn_sizes 256,448   # the online network
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from utils.utility import add_arguments, print_arguments  # noqa: E402

FRAMES_PER_SECOND = 100  # 10 ms feature stride
DICT_SIZE = 28  # English characters + space + apostrophe


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments("rnn_sizes", str, "256,512,1024", "Comma-separated RNN layer sizes to measure.", parser)
    add_arguments("batch_size", int, 16, "Utterances per batch.", parser)
    add_arguments("seconds", float, 5.0, "Duration of every utterance.", parser)
    add_arguments("feat_size", int, 161, "Feature dimension (161: linear spectrogram, 80: fbank).", parser)
    add_arguments("time_stride", int, 3, "Time stride of the first conv layer (DS2: 3).", parser)
    add_arguments("num_conv_layers", int, 2, "Conv layers.", parser)
    add_arguments("num_rnn_layers", int, 3, "RNN layers.", parser)
    add_arguments("use_gru", bool, True, "GRU (True) or simple RNN (False).", parser)
    add_arguments("online", bool, False, "Paddle only: the online network (forward-only RNNs and a row convolution).",
                  parser)
    add_arguments("row_conv_context", int, None, "Future frames of the online network's row convolution "
                  "(default: train.py's).", parser)
    add_arguments("warmup_steps", int, 1, "Untimed steps before measuring.", parser)
    add_arguments("steps", int, 2, "Timed steps.", parser)
    add_arguments("rounds", int, 1, "Paddle/PyTorch alternations per size (noise: report the best).", parser)
    add_arguments("num_threads", int, 2, "CPU threads per process.", parser)
    add_arguments("processes", int, 1, "Paddle data-parallel processes (gloo on CPU), each with batch_size / processes "
                  "utterances; PyTorch then runs one process with processes x num_threads threads.", parser)
    add_arguments("torch_venv", str, "/tmp/torchref", "Venv for the PyTorch reference (created if missing).", parser)
    add_arguments("torch_version", str, "2.13.0", "PyTorch version installed into the venv.", parser)
    add_arguments("frameworks", str, "paddle,torch", "Which sides to run.", parser)
    add_arguments("worker", str, "", "Internal: run one measurement in this process ('paddle' or 'torch').", parser)
    add_arguments("result_dir", str, "", "Internal: data-parallel workers write their results here.", parser)
    add_arguments("rnn_size", int, 256, "Internal: the worker's RNN size.", parser)
    return parser


def worker_batch(args: argparse.Namespace) -> int:
    """Utterances per step in this worker: a Paddle data-parallel worker takes its share of the batch."""
    return args.batch_size // args.processes if args.worker == "paddle" else args.batch_size


def synthetic_batch(args: argparse.Namespace):
    """Random features [B, T, D], full lengths, and random transcripts of ~12 characters a second."""
    import numpy as np
    rng = np.random.default_rng(0)
    frames = int(args.seconds * FRAMES_PER_SECOND)
    label_len = max(1, int(args.seconds * 12))
    batch = worker_batch(args)
    features = rng.standard_normal((batch, frames, args.feat_size)).astype("float32")
    lengths = np.full(batch, frames, dtype="int64")
    labels = rng.integers(0, DICT_SIZE, (batch, label_len)).astype("int32")
    label_lengths = np.full(batch, label_len, dtype="int64")
    return features, lengths, labels, label_lengths


def paddle_step_fn(args: argparse.Namespace):
    """Build the Paddle network and return a function running one training step."""
    import paddle
    import paddle.nn.functional as F
    from model_utils.network import ROW_CONV_CONTEXT, DeepSpeech2, set_num_threads
    set_num_threads(args.num_threads)
    paddle.seed(0)
    row_conv_context = ROW_CONV_CONTEXT if args.row_conv_context is None else args.row_conv_context
    model = DeepSpeech2(args.feat_size, DICT_SIZE, args.num_conv_layers, args.num_rnn_layers, args.rnn_size,
                        args.use_gru, True, time_stride=args.time_stride, online=args.online,
                        row_conv_context=row_conv_context)
    if args.processes > 1:
        paddle.distributed.init_parallel_env()
        model = paddle.DataParallel(model)
    optimizer = paddle.optimizer.Adam(5e-4, parameters=model.parameters(),
                                      grad_clip=paddle.nn.ClipGradByGlobalNorm(400.0))
    features, lengths, labels, label_lengths = [paddle.to_tensor(a) for a in synthetic_batch(args)]

    def step() -> float:
        logits, out_len = model(features, lengths)
        log_probs = F.log_softmax(logits, axis=-1).transpose([1, 0, 2])
        loss = F.ctc_loss(log_probs, labels, out_len, label_lengths, blank=DICT_SIZE, reduction="sum")
        loss = loss / len(lengths)
        loss.backward()
        optimizer.step()
        optimizer.clear_grad()
        return float(loss)
    return step


def torch_step_fn(args: argparse.Namespace):
    """Build the PyTorch twin and return a function running one training step."""
    import torch
    import torch.nn.functional as F
    from bench.torch_reference import DeepSpeech2
    torch.set_num_threads(args.num_threads)
    torch.manual_seed(0)
    model = DeepSpeech2(args.feat_size, DICT_SIZE, args.num_conv_layers, args.num_rnn_layers, args.rnn_size,
                        args.use_gru, True, time_stride=args.time_stride)
    optimizer = torch.optim.Adam(model.parameters(), 5e-4)
    features, lengths, labels, label_lengths = [torch.from_numpy(a) for a in synthetic_batch(args)]

    def step() -> float:
        logits, out_len = model(features, lengths)
        log_probs = F.log_softmax(logits, dim=-1).transpose(0, 1)
        loss = F.ctc_loss(log_probs, labels.long(), out_len, label_lengths, blank=DICT_SIZE, reduction="sum")
        loss = loss / args.batch_size
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 400.0)
        optimizer.step()
        optimizer.zero_grad()
        return float(loss)
    return step


def run_worker(args: argparse.Namespace) -> dict:
    """Warm up, time ``args.steps`` training steps, and measure cores busy and peak memory."""
    step = paddle_step_fn(args) if args.worker == "paddle" else torch_step_fn(args)
    for _ in range(args.warmup_steps):
        step()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.steps):
        loss = step()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    batch = worker_batch(args)
    return {"framework": args.worker, "rnn_size": args.rnn_size, "loss": loss,
            "audio_sec_per_sec": args.steps * batch * args.seconds / wall,
            "step_sec": wall / args.steps, "cpu_per_wall": cpu / wall,
            "audio_sec_per_cpu_sec": args.steps * batch * args.seconds / cpu,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def ensure_torch_venv(venv: str, version: str) -> str:
    """Python of a plain venv holding numpy and torch (created on first use)."""
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "numpy", f"torch=={version}"], check=True)
    return python


def measure(python: str, framework: str, rnn_size: int, argv: list[str], threads: int, processes: int = 1) -> dict:
    """Run one worker in a fresh process and parse its JSON result line."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
               PYTHONPATH=REPO)
    worker = [os.path.abspath(__file__), *argv, "--worker", framework, "--rnn_size", str(rnn_size),
              "--num_threads", str(threads)]
    if framework == "paddle" and processes > 1:
        with tempfile.TemporaryDirectory() as result_dir:
            command = [python, "-m", "paddle.distributed.launch", "--nproc_per_node", str(processes),
                       "--log_dir", os.path.join(result_dir, "log"), *worker, "--result_dir", result_dir]
            done = subprocess.run(command, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"paddle workers (rnn_size {rnn_size}) failed:\n{done.stdout[-3000:]}")
            ranks = []
            for rank in range(processes):
                with open(os.path.join(result_dir, f"rank{rank}.json"), encoding="utf-8") as handle:
                    ranks.append(json.load(handle))
        return combine_ranks(ranks)
    done = subprocess.run([python, *worker], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{framework} worker (rnn_size {rnn_size}) failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def combine_ranks(ranks: list[dict]) -> dict:
    """One result for data-parallel workers: their audio add up over the slowest one's wall time."""
    wall = max(r["step_sec"] for r in ranks)
    audio = sum(r["audio_sec_per_sec"] * r["step_sec"] for r in ranks)  # audio seconds per step, all ranks
    cpu = sum(r["step_sec"] * r["cpu_per_wall"] for r in ranks)
    return dict(ranks[0], audio_sec_per_sec=audio / wall, step_sec=wall, cpu_per_wall=cpu / wall,
                audio_sec_per_cpu_sec=audio / cpu, peak_rss_mib=sum(r["peak_rss_mib"] for r in ranks))


def main() -> None:
    args = make_parser().parse_args()
    if args.worker:
        result = run_worker(args)
        if args.result_dir:
            with open(os.path.join(args.result_dir, f"rank{os.environ.get('PADDLE_TRAINER_ID', '0')}.json"), "w") as handle:
                json.dump(result, handle)
        print(json.dumps(result))
        return
    print_arguments(args)
    # both workers get the toolkit's MKL setting, made when the network module is imported (the AVX2 path
    # on AMD CPUs; PyTorch's own MKL ignores it)
    import model_utils.network  # noqa: F401
    print("MKL_DEBUG_CPU_TYPE =", os.environ.get("MKL_DEBUG_CPU_TYPE", "(unset)"))
    frameworks = args.frameworks.split(",")
    if args.online and "torch" in frameworks:
        sys.exit("--online True measures Paddle only: the PyTorch reference has no online network "
                 "(add --frameworks paddle)")
    pythons = {"paddle": sys.executable}
    if "torch" in frameworks:
        pythons["torch"] = ensure_torch_venv(args.torch_venv, args.torch_version)
    argv = [a for a in sys.argv[1:]]
    rows = []
    for size in [int(s) for s in args.rnn_sizes.split(",")]:
        best: dict[str, dict] = {}
        for _ in range(args.rounds):
            for framework in frameworks:
                threads = args.num_threads * (args.processes if framework == "torch" else 1)
                result = measure(pythons[framework], framework, size, argv, threads, args.processes)
                print(json.dumps(result), flush=True)
                if framework not in best or result["audio_sec_per_sec"] > best[framework]["audio_sec_per_sec"]:
                    best[framework] = result
        rows.append(best)
    print("\n| rnn size | framework | audio s / wall s | audio s / CPU s | step s | CPU / wall | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|")
    for best in rows:
        for framework, r in best.items():
            print(f"| {r['rnn_size']} | {framework} | {r['audio_sec_per_sec']:.2f} | {r['audio_sec_per_cpu_sec']:.2f} "
                  f"| {r['step_sec']:.1f} "
                  f"| {r['cpu_per_wall']:.2f} | {r['peak_rss_mib']:.0f} |")
        if "paddle" in best and "torch" in best:
            ratio = best["paddle"]["audio_sec_per_sec"] / best["torch"]["audio_sec_per_sec"]
            cpu_ratio = best["paddle"]["audio_sec_per_cpu_sec"] / best["torch"]["audio_sec_per_cpu_sec"]
            print(f"| {best['paddle']['rnn_size']} | paddle / torch | {ratio:.2f}x | {cpu_ratio:.2f}x | | | |")


if __name__ == "__main__":
    main()
