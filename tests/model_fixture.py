"""A small trained model for tests that need one (server, infer): espeak-ng corpus + a few seconds of train.py.

Use it from a session-scoped fixture so the suite trains it once::

    @pytest.fixture(scope="session")
    def tiny_model(tmp_path_factory):
        return train_tiny_model(str(tmp_path_factory.mktemp("tiny_model")))
"""
from __future__ import annotations

import os

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
