"""Scorer: KenLM loading (ARPA, probing, trie), LM scores against the `kenlm` Python module, bad LM files."""
import kenlm
import pytest

from decoders import swig_wrapper as decoders
from decoders.tests.conftest import CHAR_VOCABULARY, VOCABULARY

SENTENCES = [["bad", "cab"], ["a", "ab", "abc", "dad"], ["c'd", "zzz", "ca"], ["dc"]]


def kenlm_cond_prob(model, words):
    """log10 P(last word | the others) from an empty context, with the kenlm module."""
    state, out = kenlm.State(), kenlm.State()
    model.NullContextWrite(state)
    prob = 0.0
    for word in words:
        prob = model.BaseScore(state, word, out)
        state, out = out, state
    return prob


@pytest.mark.parametrize("kind", ["word", "probing", "trie"])
def test_word_lm_scores_match_kenlm_module(lm_files, kind):
    model = kenlm.Model(lm_files["word"])
    scorer = decoders.Scorer(2.5, 0.3, lm_files[kind], VOCABULARY)
    assert not scorer.is_character_based()
    assert scorer.get_max_order() == 3
    assert scorer.get_dict_size() == 14
    for words in SENTENCES:
        expected = -1000.0 if "zzz" in words else kenlm_cond_prob(model, words)
        assert scorer.get_log_cond_prob(words) == pytest.approx(expected, abs=1e-5)
        if "zzz" not in words:
            expected = model.score(" ".join(words), bos=True, eos=True)
            assert scorer.get_sent_log_prob(words) == pytest.approx(expected, abs=1e-4)


def test_char_lm_is_detected_and_scored(lm_files):
    model = kenlm.Model(lm_files["char"])
    scorer = decoders.Scorer(1.0, 0.0, lm_files["char"], CHAR_VOCABULARY)
    assert scorer.is_character_based()
    assert scorer.get_max_order() == 4
    chars = list("bad_cab")
    assert scorer.get_log_cond_prob(chars) == pytest.approx(kenlm_cond_prob(model, chars), abs=1e-5)
    assert scorer.get_sent_log_prob(chars) == pytest.approx(model.score(" ".join(chars)), abs=1e-4)


def test_reset_params(lm_files):
    scorer = decoders.Scorer(2.5, 0.3, lm_files["word"], VOCABULARY)
    scorer.reset_params(0.5, 1.5)
    assert (scorer.alpha, scorer.beta) == (0.5, 1.5)


def test_missing_lm_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.arpa"):
        decoders.Scorer(1.0, 1.0, str(tmp_path / "nothing.arpa"), VOCABULARY)


@pytest.mark.parametrize("content", [b"this is not a language model\n", b"\\data\\\nngram 1=3\n\n\\1-grams:\n-1.0\ta\n",
                                     b"mmap lm http://kheafield.com/code format version 5\0" + b"\x07" * 300, b""])
def test_corrupt_lm_file_raises(tmp_path, content):
    path = tmp_path / "broken.klm"
    path.write_bytes(content)
    with pytest.raises(RuntimeError, match="broken.klm"):
        decoders.Scorer(1.0, 1.0, str(path), VOCABULARY)


def test_truncated_binary_raises(tmp_path, lm_files):
    path = tmp_path / "truncated.trie"
    data = open(lm_files["trie"], "rb").read()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError, match="truncated.trie"):
        decoders.Scorer(1.0, 1.0, str(path), VOCABULARY)
