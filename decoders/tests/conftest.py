"""Shared fixtures for the decoder tests: small KenLM models trained in the test session with lmplz."""
import random

import pytest

from models.lm.train_lm import build_binary, train_arpa

VOCABULARY = ["'", " ", "a", "b", "c", "d"]
# Character-LM vocabulary: a character LM cannot hold a space token, so words are joined by '_' (DS2's Mandarin LMs
# have no space at all).
CHAR_VOCABULARY = ["'", "_", "a", "b", "c", "d"]
WORDS = ["a", "ab", "abc", "bad", "cab", "dab", "add", "bac", "cad", "dad", "b'a", "c'd", "ca", "dc"]


@pytest.fixture(scope="session")
def lm_files(tmp_path_factory):
    """ARPA, probing and trie binaries of a word trigram LM, and an ARPA character 4-gram LM."""
    root = tmp_path_factory.mktemp("lm")
    rng = random.Random(1)
    sentences = [[rng.choice(WORDS) for _ in range(rng.randint(2, 7))] for _ in range(300)]
    (root / "words.txt").write_text("".join(" ".join(s) + "\n" for s in sentences))
    (root / "chars.txt").write_text("".join(" ".join("_".join(s)) + "\n" for s in sentences))
    files = {"word": str(root / "words.arpa"), "probing": str(root / "words.probing"),
             "trie": str(root / "words.trie"), "char": str(root / "chars.arpa")}
    train_arpa(str(root / "words.txt"), files["word"], order=3)
    build_binary(files["word"], files["probing"], "probing")
    build_binary(files["word"], files["trie"], "trie")
    train_arpa(str(root / "chars.txt"), files["char"], order=4)
    return files
