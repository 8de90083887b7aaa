"""cloud/train_multinode.sh end to end on CPU (gloo) over loopback: a killed trainer fails the job at once and a rerun
resumes from the last checkpoint; two launcher "nodes" on one machine train a step together.

Every wait has a timeout, so a hang fails the test instead of stalling the suite."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

from data_utils.manifest import read_manifest
from model_utils.checkpoint import STATE_FILE, resolve
from tiny_corpus import make_corpus, train_argv, write_manifest_lines
from tools.profile_throughput import make_subset, run_throughput, speedup_table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "cloud", "train_multinode.sh")
TIMEOUT_S = 120


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_corpus(str(tmp_path_factory.mktemp("corpus")))


def start(log_dir, argv, **env):
    """train_multinode.sh in its own process group (so a failed test can stop all of it), output in log_dir."""
    os.makedirs(log_dir, exist_ok=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "LOG_DIR": str(log_dir), **env}
    with open(os.path.join(log_dir, "launch.out"), "w") as out:
        return subprocess.Popen(["bash", SCRIPT, *argv], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def finish(process, timeout=TIMEOUT_S):
    """Wait for the launcher; on timeout kill its whole process group and fail."""
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        pytest.fail(f"launcher still running after {timeout} s")


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def trainer_pids(launcher_pid):
    """{rank: pid} of the trainer processes the launcher started (found through /proc)."""
    pids = {}
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            if int(read(f"/proc/{name}/stat").rsplit(")", 1)[1].split()[1]) != launcher_pid:
                continue
            with open(f"/proc/{name}/environ", "rb") as handle:
                env = dict(item.split(b"=", 1) for item in handle.read().split(b"\0") if b"=" in item)
        except (FileNotFoundError, ProcessLookupError):
            continue
        if b"PADDLE_TRAINER_ID" in env:
            pids[int(env[b"PADDLE_TRAINER_ID"])] = int(name)
    return pids


def checkpoint_state(out_dir):
    return json.loads(read(os.path.join(resolve(os.path.join(out_dir, "params.latest")), STATE_FILE)))


def wait_for(condition, what, timeout=TIMEOUT_S):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def test_killed_trainer_fails_the_job_and_a_rerun_resumes(corpus, tmp_path):
    out = str(tmp_path / "out")
    argv = train_argv(corpus, out, batch_size=2, num_passes=100, save_every=1, test_off=True, num_iter_print=1)
    env = {"NPROC_PER_NODE": "2", "JOB_ID": "killtest", "RESUME_DIR": out}
    launcher = start(tmp_path / "log1", argv, **env)
    try:
        def progressed():
            try:
                return checkpoint_state(out)["progress"]["global_step"] >= 2
            except (OSError, ValueError):
                return False

        wait_for(progressed, "two checkpointed steps")
        pids = wait_for(lambda: (found := trainer_pids(launcher.pid)) and len(found) == 2 and found, "trainers")
        os.kill(pids[1], signal.SIGKILL)
        started = time.time()
        assert finish(launcher, timeout=60) != 0
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
    assert time.time() - started < 30  # the launcher noticed, it did not wait for a collective timeout
    assert "Container failed" in read(tmp_path / "log1" / "launch.out")
    assert not os.path.exists(f"/proc/{pids[0]}/stat") or read(f"/proc/{pids[0]}/stat").split()[2] == "Z"

    progress = checkpoint_state(out)["progress"]
    pass_id, batches_done, step = progress["pass_id"], progress["batches_done"], progress["global_step"]
    argv = train_argv(corpus, out, batch_size=2, num_passes=pass_id + 2, save_every=1, test_off=True)
    assert finish(start(tmp_path / "log2", argv, **env)) == 0, read(tmp_path / "log2" / "launch.out")
    assert f"at pass {pass_id}, batch {batches_done} (step {step})" in read(os.path.join(out, "train.log"))
    final = checkpoint_state(out)
    assert final["progress"]["pass_id"] == pass_id + 2 and final["progress"]["global_step"] > step
    run = run_throughput(out)  # what tools/profile.sh reads from each of its runs
    assert run["devices"] == 2 and run["global_batch"] == 4 and run["audio_per_s"] > 0


def free_port(host):
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def test_two_nodes_on_one_machine_train_a_step_together_on_their_shares(corpus, tmp_path):
    """The multi-machine path on loopback: audio packed into tar shards, each node's share split off, and two
    launchers with distinct addresses (127.0.0.2, 127.0.0.3) training one step as one job."""
    env = {**os.environ, "PYTHONPATH": ROOT}
    cloud_manifest = str(tmp_path / "shards" / "manifest.train")
    subprocess.run([sys.executable, os.path.join(ROOT, "cloud", "upload_data.py"), "--in_manifest_paths",
                    corpus["manifest"], "--out_manifest_paths", cloud_manifest, "--out_dir", str(tmp_path / "shards"),
                    "--shard_size_mb", "0.1"], env=env, check=True, capture_output=True, timeout=60)
    shares = []
    for rank in range(2):
        share = str(tmp_path / f"manifest.node{rank}")
        subprocess.run([sys.executable, os.path.join(ROOT, "cloud", "split_data.py"), "--in_manifest_path",
                        cloud_manifest, "--out_manifest_path", share, "--num_nodes", "2", "--node_rank", str(rank)],
                       env=env, check=True, capture_output=True, timeout=60)
        shares.append(read_manifest(share))
    assert len(shares[0]) == len(shares[1]) > 0

    out = str(tmp_path / "out")
    ips, port = ["127.0.0.2", "127.0.0.3"], str(free_port("127.0.0.2"))
    nodes = []
    for rank, ip in enumerate(ips):
        argv = train_argv(corpus, out, train_manifest=tmp_path / f"manifest.node{rank}", batch_size=len(shares[0]),
                          num_passes=1, test_off=True, split_by_node=True)
        nodes.append(start(tmp_path / f"node{rank}", argv, IPS=",".join(ips), HOST=ip, START_PORT=port,
                           NPROC_PER_NODE="1", JOB_ID=f"twonodes{rank}"))
    try:
        codes = [finish(node) for node in nodes]
    finally:
        for node in nodes:
            if node.poll() is None:
                os.killpg(node.pid, signal.SIGKILL)
    assert codes == [0, 0], [read(tmp_path / f"node{rank}" / "launch.out")[-3000:] for rank in range(2)]
    assert checkpoint_state(out)["progress"]["global_step"] == 1
    for rank in range(2):  # each node trained on the audio of its own share
        done = re.search(r"\[rank (\d)\] INFO pass 0 done: .*audio_hours=([\d.e-]+)",
                         read(tmp_path / f"node{rank}" / "workerlog.0"))
        assert int(done.group(1)) == rank
        assert float(done.group(2)) * 3600 == pytest.approx(sum(e["duration"] for e in shares[rank]), rel=1e-3)


def test_speedup_table_is_relative_to_one_device():
    runs = [{"devices": 4, "global_batch": 128, "seconds": 5.0, "audio_per_s": 30.0},
            {"devices": 1, "global_batch": 32, "seconds": 20.0, "audio_per_s": 10.0},
            {"devices": 2, "global_batch": 64, "seconds": 10.5, "audio_per_s": 19.0}]
    rows = [line.split() for line in speedup_table(runs).splitlines()[1:]]
    assert [(row[0], row[-2], row[-1]) for row in rows] == [("1", "1.00x", "100%"), ("2", "1.90x", "95%"),
                                                           ("4", "3.00x", "75%")]
    without_one = speedup_table([dict(run, devices=run["devices"] * 2) for run in runs[1:]]).splitlines()[1:]
    assert [line.split()[-2:] for line in without_one] == [["2.00x", "100%"], ["3.80x", "95%"]]


def test_profile_subset_keeps_the_duration_range_in_order(tmp_path):
    durations = [5.5, 6.2, 7.4, 6.9, 6.0, 3.0, 6.5]
    manifest = write_manifest_lines(str(tmp_path / "m"), [{"audio_filepath": f"/a{i}.wav", "duration": d, "text": "a"}
                                                          for i, d in enumerate(durations)])
    assert make_subset(manifest, str(tmp_path / "subset"), 6.0, 7.0, 3) == 3
    with open(tmp_path / "subset", encoding="utf-8") as handle:
        assert [json.loads(line)["audio_filepath"] for line in handle] == ["/a1.wav", "/a3.wav", "/a4.wav"]
    with pytest.raises(ValueError, match="no utterance between 8.0 and 9.0 s"):
        make_subset(manifest, str(tmp_path / "none"), 8.0, 9.0, 3)
