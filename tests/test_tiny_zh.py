"""examples/tiny_zh's data, stats and lm stages on a minute of Mandarin: character vocabulary, character LM,
LM-steered decoding."""
import collections
import os
import re
import subprocess

import numpy as np
import pytest

from data_utils.featurizer.text_featurizer import load_vocabulary
from data_utils.manifest import read_manifest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """The data, stats and lm stages of examples/tiny_zh/run.sh on a minute of speech."""
    target = tmp_path_factory.mktemp("tiny_zh")
    env = dict(os.environ, DATA_DIR=str(target), LOG_DIR=str(target / "logs"), HOURS="0.015",
               MEAN_STD_SAMPLES="20", OMP_NUM_THREADS="1")
    result = subprocess.run(["bash", os.path.join(REPO, "examples", "tiny_zh", "run.sh"), "data", "stats", "lm"],
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-1500:] + result.stderr[-1500:]
    return target


def test_vocabulary_is_one_chinese_character_a_line_and_covers_every_split(data_dir):
    vocab = load_vocabulary(data_dir / "vocab.txt")
    assert all(len(token) == 1 and HAN.match(token) for token in vocab), "no space or punctuation token"
    for split in ("dev", "test", "test-heldout"):
        for entry in read_manifest(str(data_dir / f"manifest.{split}")):
            assert set(entry["text"]) <= set(vocab)
    assert (data_dir / "mean_std.npz").is_file()


def test_character_lm_is_detected_and_steers_the_beam(data_dir):
    swig = pytest.importorskip("decoders.swig_wrapper", reason="CTC decoder not built (decoders/build.sh)")
    vocab = load_vocabulary(data_dir / "vocab.txt")
    scorer = swig.Scorer(2.0, 0.0, str(data_dir / "lm.klm"), vocab)
    assert scorer.is_character_based()

    # The LM pool's most frequent character pair "ab", and a character c that never follows a there: with the
    # acoustics slightly preferring c, greedy decoding says "ac" and beam search with the LM says "ab".
    with open(data_dir / "lm_text.txt", encoding="utf-8") as handle:
        lines = [line.split() for line in handle]
    pairs = collections.Counter((x, y) for chars in lines for x, y in zip(chars, chars[1:]))
    (a, b), _ = next(((pair, n) for pair, n in pairs.most_common() if set(pair) <= set(vocab)))
    c = next(char for char in vocab if char not in (a, b) and (a, char) not in pairs)
    blank = len(vocab)
    probs = np.full((3, len(vocab) + 1), 1e-4, dtype=np.float32)
    probs[0, vocab.index(a)], probs[1, blank] = 0.9, 0.9
    probs[2, vocab.index(c)], probs[2, vocab.index(b)] = 0.5, 0.4
    probs /= probs.sum(axis=1, keepdims=True)
    assert swig.ctc_greedy_decoder(probs, vocab) == a + c
    best = swig.ctc_beam_search_decoder(probs, vocab, beam_size=20, ext_scoring_func=scorer)[0][1]
    assert best == a + b
