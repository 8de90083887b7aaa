"""tools/build_vocab.py and tools/compute_mean_std.py run as scripts from the repository root."""
import json
import os
import subprocess
import sys

import numpy as np
import soundfile

from data_utils.audio import AudioSegment
from data_utils.featurizer.audio_featurizer import AudioFeaturizer

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_tool(script, *args):
    return subprocess.run([sys.executable, f"tools/{script}", *map(str, args)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})


def write_manifest(path, rows):
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def test_build_vocab_orders_by_count_then_char(tmp_path):
    first = write_manifest(tmp_path / "a.json", [{"audio_filepath": "x.wav", "duration": 1, "text": "abba c"}])
    second = write_manifest(tmp_path / "b.json", [{"audio_filepath": "y.wav", "duration": 1, "text": "ca é"}])
    # counts: a=3, b=2, c=2, ' '=2, é=1  -> ties (count 2) ordered by character: ' ' < 'b' < 'c'
    vocab = tmp_path / "out" / "vocab.txt"
    result = run_tool("build_vocab.py", "--manifest_paths", first, second, "--vocab_path", vocab)
    assert result.returncode == 0, result.stderr
    assert vocab.read_text(encoding="utf-8").split("\n") == ["a", " ", "b", "c", "é", ""]
    result = run_tool("build_vocab.py", "--manifest_paths", first, second, "--vocab_path", vocab,
                      "--count_threshold", 2)
    assert result.returncode == 0 and vocab.read_text(encoding="utf-8") == "a\n \nb\nc\n"


def test_build_vocab_bad_manifest_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"audio_filepath": "x.wav", "duration": 1, "text": "ok"}) + "\n{broken\n")
    vocab = tmp_path / "vocab.txt"
    result = run_tool("build_vocab.py", "--manifest_paths", bad, "--vocab_path", vocab)
    assert result.returncode != 0 and f"{bad}:2:" in result.stderr and "Traceback" not in result.stderr
    assert not vocab.exists()
    newline = write_manifest(tmp_path / "nl.json", [{"audio_filepath": "x.wav", "duration": 1, "text": "a\nb"}])
    result = run_tool("build_vocab.py", "--manifest_paths", newline, "--vocab_path", vocab)
    assert result.returncode != 0 and f"{newline}:1: transcript contains a line break" in result.stderr


def test_compute_mean_std_writes_statistics_of_all_frames(tmp_path):
    rows, features = [], []
    for i in range(3):
        t = np.arange(4000 + 800 * i) / 16000
        path = tmp_path / f"u{i}.wav"
        soundfile.write(path, 0.3 * np.sin(2 * np.pi * 500 * (i + 1) * t), 16000)
        rows.append({"audio_filepath": str(path), "duration": len(t) / 16000, "text": "a"})
        features.append(AudioFeaturizer("fbank", num_mel_bins=40).featurize(AudioSegment.from_file(path)))
    manifest = write_manifest(tmp_path / "train.json", rows)
    output = tmp_path / "mean_std.npz"
    result = run_tool("compute_mean_std.py", "--manifest_path", manifest, "--output_path", output,
                      "--specgram_type", "fbank", "--num_mel_bins", 40, "--num_workers", 2, "--num_samples", 10)
    assert result.returncode == 0, result.stderr
    stacked = np.concatenate(features)
    with np.load(output) as stats:
        np.testing.assert_allclose(stats["mean"], stacked.mean(axis=0), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(stats["std"], stacked.std(axis=0), rtol=1e-4, atol=1e-5)
    missing = write_manifest(tmp_path / "missing.json", [{"audio_filepath": str(tmp_path / "gone.wav"),
                                                          "duration": 1, "text": "a"}])
    result = run_tool("compute_mean_std.py", "--manifest_path", missing, "--output_path", tmp_path / "x.npz",
                      "--num_workers", 0)
    assert result.returncode != 0 and "gone.wav" in result.stderr and "Traceback" not in result.stderr
    result = run_tool("compute_mean_std.py", "--specgram_type", "cqt")
    assert result.returncode == 2 and "invalid choice" in result.stderr
