"""Data parallel: train.py --trainer_count 2 (two CPU processes, gloo) agrees with one process on the same global batches.

Batch-norm statistics are per rank, so to compare exactly every utterance uses the same audio (its own
transcript): statistics are then the same on any split of a batch, while the loss and gradients
still depend on which transcripts each rank holds, so a missing all-reduce or a wrong shard shows.
"""
import json
import os
import signal
import subprocess
import sys

import numpy as np
import paddle
import pytest

import train
from model_utils.checkpoint import MODEL_FILE
from tiny_corpus import make_corpus, train_argv, write_manifest_lines

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAUNCH_TIMEOUT = 600  # seconds; the run takes ~15 s, so only a hang gets near it


def weights(out):
    state = paddle.load(os.path.join(out, "params.pass-0", MODEL_FILE))
    return {name: np.asarray(value) for name, value in state.items()}


def fraction_differing(a, b):
    """Fraction of all weights that differ by more than 1e-4 (+1e-4 relative); lr is 1e-3."""
    off = sum(int(np.sum(np.abs(a[k] - b[k]) > 1e-4 + 1e-4 * np.abs(a[k]))) for k in a)
    return off / sum(a[k].size for k in a)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("corpus"))
    corpus = make_corpus(directory, ["the cat sat", "a dog ran home", "see the bird", "open the door"])
    longest = max(corpus["entries"], key=lambda entry: entry["duration"])
    texts = ["the cat sat", "a dog ran home", "red sun", "we go now", "big blue sea", "hot tea", "my old hat", "ten men"]
    same_audio = [dict(longest, text=text) for text in texts]
    corpus["same_audio"] = write_manifest_lines(os.path.join(directory, "same_audio"), same_audio)
    # what rank 0 alone holds of each global batch (utterances 0, 2, 4, 6 in the batch order)
    corpus["rank0_half"] = write_manifest_lines(os.path.join(directory, "rank0_half"), same_audio[::2])
    return corpus


def launch_two(argv: list[str], output_dir: str) -> int:
    """train.py --trainer_count 2 in its own process group; a hang fails with the workers' logs, never stalls CI."""
    process = subprocess.Popen([sys.executable, "train.py", *argv], cwd=REPO, start_new_session=True)
    try:
        return process.wait(timeout=LAUNCH_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        logs = os.path.join(output_dir, "launch_logs")
        tails = {name: open(os.path.join(logs, name), errors="replace").read()[-3000:]
                 for name in sorted(os.listdir(logs))} if os.path.isdir(logs) else {}
        pytest.fail(f"train.py --trainer_count 2 still running after {LAUNCH_TIMEOUT} s; launch logs: {tails}")


def test_two_processes_match_one_process_on_the_same_global_batch(corpus, tmp_path):
    common = dict(train_manifest=corpus["same_audio"], num_passes=1, test_off=True)
    one, two, half = str(tmp_path / "one"), str(tmp_path / "two"), str(tmp_path / "half")
    train.main(train_argv(corpus, one, batch_size=4, **common))
    assert launch_two(train_argv(corpus, two, batch_size=2, trainer_count=2, **common), two) == 0
    train.main(train_argv(corpus, half, batch_size=2, **{**common, "train_manifest": corpus["rank0_half"]}))

    history = [json.load(open(os.path.join(out, "params.latest", "state.json")))["progress"]["history"][0]
               for out in (one, two)]
    assert history[1]["train_loss"] == pytest.approx(history[0]["train_loss"], rel=1e-5)
    assert fraction_differing(weights(one), weights(two)) < 1e-3
    assert fraction_differing(weights(one), weights(half)) > 0.2  # the comparison can tell a wrong gradient
    with open(os.path.join(two, "launch_logs", "workerlog.1"), encoding="utf-8") as handle:
        rank1_log = handle.read()
    assert "[rank 1] INFO pass 0 done" in rank1_log
