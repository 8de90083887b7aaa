"""Small trained models for tests that need one (server, infer): espeak-ng corpus + a few seconds of train.py.

Test modules share one training run per session through ``tiny_model`` (offline) and ``tiny_online_model``
(``--online True``, for streaming)::

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
# The forward-only network learns slower: at 8 passes it emits nothing but spaces, at 24 a few letters as audio comes.
ONLINE_PASSES = 24


def train_tiny_model(directory: str, online: bool = False) -> dict:
    """Synthesise the tiny corpus and train on it; the corpus dict (see tiny_corpus) plus ``model_path``."""
    corpus = make_corpus(os.path.join(directory, "corpus"))
    output = os.path.join(directory, "checkpoints")
    train.main(train_argv(corpus, output, num_passes=ONLINE_PASSES if online else NUM_PASSES,
                          learning_rate=LEARNING_RATE, test_off=True, num_iter_print=100, online=online))
    return {**corpus, "model_path": os.path.join(output, "params.latest")}


def trained_once(tmp_path_factory, name: str, online: bool) -> dict:
    """``train_tiny_model``'s result under the session's base directory ``name``, trained on the first call."""
    directory = tmp_path_factory.getbasetemp() / name
    summary = directory / "model.json"
    if not summary.exists():
        model = train_tiny_model(str(directory), online)
        summary.write_text(json.dumps(model))
    return json.loads(summary.read_text())


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> dict:
    """The model of ``train_tiny_model``, trained once per session whichever test modules import this."""
    return trained_once(tmp_path_factory, "tiny_model", online=False)


@pytest.fixture(scope="session")
def tiny_online_model(tmp_path_factory) -> dict:
    """An online (streaming) model trained like ``tiny_model``, once per session."""
    return trained_once(tmp_path_factory, "tiny_online_model", online=True)


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
