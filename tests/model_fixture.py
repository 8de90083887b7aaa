"""A small trained model for tests that need one (server, infer): espeak-ng corpus + a few seconds of train.py.

Test modules share one training run per session through ``tiny_model``::

    from model_fixture import tiny_model  # noqa: F401  (the fixture)
"""
from __future__ import annotations

import json
import os

import pytest

import infer
import train
from tiny_corpus import make_corpus, train_argv

# Enough passes at a high learning rate that greedy decoding emits characters, not only blanks.
NUM_PASSES = 8
LEARNING_RATE = 0.01


def train_tiny_model(directory: str) -> dict:
    """Synthesise the tiny corpus and train on it; the corpus dict (see tiny_corpus) plus ``model_path``."""
    corpus = make_corpus(os.path.join(directory, "corpus"))
    output = os.path.join(directory, "checkpoints")
    train.main(train_argv(corpus, output, num_passes=NUM_PASSES, learning_rate=LEARNING_RATE, test_off=True,
                          num_iter_print=100))
    return {**corpus, "model_path": os.path.join(output, "params.latest")}


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> dict:
    """The model of ``train_tiny_model``, trained once per session whichever test modules import this."""
    directory = tmp_path_factory.getbasetemp() / "tiny_model"
    summary = directory / "model.json"
    if not summary.exists():
        model = train_tiny_model(str(directory))
        summary.write_text(json.dumps(model))
    return json.loads(summary.read_text())


def infer_transcript(model: dict, path: str, capsys) -> str:
    """What ``infer.py --audio_file path`` prints with greedy decoding (``capsys``: pytest's fixture)."""
    capsys.readouterr()
    infer.main([f"--model_path={model['model_path']}", f"--audio_file={path}", "--decoding_method=ctc_greedy",
                "--use_gpu=False"])
    return capsys.readouterr().out.rstrip("\n")


def server_flags(model: dict) -> list[str]:
    """demo_server.py flags serving ``model`` on CPU with greedy decoding, warmed up on one utterance."""
    return [f"--model_path={model['model_path']}", "--decoding_method=ctc_greedy", "--use_gpu=False",
            f"--warmup_manifest={model['manifest']}", "--num_warmup=1"]
