"""Optimised C++ path == plain C++ path == reference.py beyond the 6-token vocabulary of test_ctc_decoders.py.

Vocabularies of 64 tokens or more take other code in C++ (no per-node bit masks and tables): a few hundred CJK
characters with a character LM (the Mandarin path), and a word LM over a vocabulary widened with extra tokens.
Multi-character tokens (word pieces) are checked without an LM, with a word LM and with a character LM. Every LM is
trained here by lmplz; posteriors are random with fixed seeds.
"""
import numpy as np
import pytest

from decoders import reference
from decoders import swig_wrapper as decoders
from models.lm.train_lm import train_arpa

CJK = [chr(0x4E00 + 7 * i) for i in range(300)]  # 300 distinct CJK characters
PIECES = ["th", "ing", "an", "er", "ed", "qu"]  # multi-character tokens
LETTERS = ["'", " ", "a", "b", "c", "d"]
WIDE = LETTERS + [chr(c) for c in range(ord("e"), ord("z") + 1)] + PIECES + [str(d) for d in range(10)] + \
    [chr(0x4E00 + i) for i in range(20)]  # 68 tokens: letters, word pieces, digits, CJK


def peaky_probs(rng, frames, classes, concentration=0.05):
    """Random posteriors with most mass on a few classes per frame, as a trained network gives."""
    return rng.dirichlet(np.full(classes, concentration), size=frames).astype(np.float32)


def decode_three_ways(probs, vocabulary, beam_size, cutoff_prob, cutoff_top_n, scorers, blank_penalty=0.0):
    """Results of reference.py, the plain and the optimised C++ path; scorers: (ReferenceScorer, Scorer) or None."""
    ref_scorer, scorer = scorers or (None, None)
    expected = reference.ctc_beam_search_decoder(probs, vocabulary, beam_size, cutoff_prob, cutoff_top_n, ref_scorer,
                                                 blank_penalty)
    plain = decoders.ctc_beam_search_decoder(probs, vocabulary, beam_size, cutoff_prob, cutoff_top_n, scorer,
                                             blank_penalty, plain=True)
    optimised = decoders.ctc_beam_search_decoder(probs, vocabulary, beam_size, cutoff_prob, cutoff_top_n, scorer,
                                                 blank_penalty)
    return expected, plain, optimised


def assert_all_agree(expected, plain, optimised):
    assert optimised == plain  # same float arithmetic: equal to the bit
    assert [text for _, text in plain] == [text for _, text in expected]
    np.testing.assert_allclose([s for s, _ in plain], [s for s, _ in expected], rtol=1e-4, atol=1e-3)


@pytest.fixture(scope="module")
def cjk_lm(tmp_path_factory):
    """A character 4-gram LM over sentences of 250 of the 300 characters (the other 50 are OOV for it)."""
    rng = np.random.default_rng(21)
    known = CJK[:250]
    # Sentences from a sparse first-order chain, so that the LM has real bigram structure.
    successors = {c: list(rng.choice(known, 6, replace=False)) for c in known}
    lines = []
    for _ in range(600):
        ch = known[int(rng.integers(len(known)))]
        sentence = [ch]
        for _ in range(int(rng.integers(4, 15))):
            ch = successors[ch][int(rng.integers(6))] if rng.random() < 0.85 else known[int(rng.integers(250))]
            sentence.append(ch)
        lines.append(" ".join(sentence))
    root = tmp_path_factory.mktemp("cjk_lm")
    (root / "chars.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    train_arpa(str(root / "chars.txt"), str(root / "chars.arpa"), order=4)
    return str(root / "chars.arpa")


@pytest.mark.parametrize("end_of_sentence", [False, True])
@pytest.mark.parametrize("beam_size,cutoff_prob,cutoff_top_n", [(1, 1.0, 40), (8, 0.99, 40), (24, 1.0, 40),
                                                                (24, 0.95, 10)])
def test_mandarin_path_with_character_lm(cjk_lm, beam_size, cutoff_prob, cutoff_top_n, end_of_sentence):
    """300 CJK tokens, 50 of them OOV for the LM: the >= 64-token code (child table, LM state cache, OOV rule)."""
    scorers = (reference.ReferenceScorer(2.6, 5.0, cjk_lm, CJK, end_of_sentence),
               decoders.Scorer(2.6, 5.0, cjk_lm, CJK, end_of_sentence))
    assert scorers[1].is_character_based()
    rng = np.random.default_rng(beam_size)
    for _ in range(4):
        probs = peaky_probs(rng, 20, len(CJK) + 1)
        assert_all_agree(*decode_three_ways(probs, CJK, beam_size, cutoff_prob, cutoff_top_n, scorers))


def test_mandarin_path_keeps_oov_characters_under_a_small_alpha(cjk_lm):
    """With alpha 0.0002 an OOV character costs 0.2 nats in each n-gram that holds it (DS2 scores such an n-gram
    -1000), so prefixes with OOV characters stay in the beam and the rule is exercised."""
    scorers = (reference.ReferenceScorer(0.0002, 0.5, cjk_lm, CJK, True),
               decoders.Scorer(0.0002, 0.5, cjk_lm, CJK, True))
    oov = set(CJK[250:])
    rng = np.random.default_rng(8)
    texts = []
    for _ in range(6):
        probs = peaky_probs(rng, 20, len(CJK) + 1)
        results = decode_three_ways(probs, CJK, 16, 1.0, 40, scorers)
        assert_all_agree(*results)
        texts += [text for _, text in results[2]]
    assert sum(any(ch in oov for ch in text) for text in texts) > 10


def test_mandarin_path_with_blank_penalty_and_batch(cjk_lm):
    scorers = (reference.ReferenceScorer(1.5, 0.5, cjk_lm, CJK), decoders.Scorer(1.5, 0.5, cjk_lm, CJK))
    rng = np.random.default_rng(5)
    probs = [peaky_probs(rng, int(rng.integers(5, 25)), len(CJK) + 1) for _ in range(4)]
    for p in probs:
        assert_all_agree(*decode_three_ways(p, CJK, 12, 0.99, 40, scorers, blank_penalty=1.0))
    batch = decoders.ctc_beam_search_decoder_batch(probs, CJK, 12, 2, 0.99, 40, scorers[1], blank_penalty=1.0)
    plain = decoders.ctc_beam_search_decoder_batch(probs, CJK, 12, 2, 0.99, 40, scorers[1], blank_penalty=1.0,
                                                   plain=True)
    assert batch == plain


@pytest.mark.parametrize("beam_size,cutoff_prob", [(1, 1.0), (10, 1.0), (30, 0.99)])
def test_multi_character_tokens_without_lm(beam_size, cutoff_prob):
    vocabulary = LETTERS + PIECES
    rng = np.random.default_rng(beam_size)
    for _ in range(6):
        probs = peaky_probs(rng, 25, len(vocabulary) + 1, concentration=0.3)
        assert_all_agree(*decode_three_ways(probs, vocabulary, beam_size, cutoff_prob, 40, None))
        assert decoders.ctc_greedy_decoder(probs, vocabulary) == reference.ctc_greedy_decoder(probs, vocabulary)


@pytest.mark.parametrize("vocabulary", [LETTERS + PIECES, WIDE], ids=["12_tokens", "68_tokens"])
@pytest.mark.parametrize("end_of_sentence", [False, True])
def test_word_lm_with_multi_character_and_wide_vocabularies(lm_files, vocabulary, end_of_sentence):
    """The word LM's trie spells words with single-character tokens only; 68 tokens take the >= 64-token code."""
    scorers = (reference.ReferenceScorer(2.0, 0.4, lm_files["word"], vocabulary, end_of_sentence),
               decoders.Scorer(2.0, 0.4, lm_files["word"], vocabulary, end_of_sentence))
    rng = np.random.default_rng(len(vocabulary))
    # Mass on the letters a-d, space and the apostrophe (what the LM's words use), a little on the rest.
    weights = np.full(len(vocabulary) + 1, 0.02)
    weights[[vocabulary.index(t) for t in LETTERS]] = 0.4
    weights[-1] = 0.6
    for _ in range(5):
        probs = rng.dirichlet(weights, size=20).astype(np.float32)
        for beam_size in (4, 16):
            assert_all_agree(*decode_three_ways(probs, vocabulary, beam_size, 1.0, 40, scorers))


def test_character_lm_with_multi_character_tokens(lm_files):
    """Word pieces are OOV for a character LM: -1000 for every n-gram that holds one (end_of_sentence off: the
    reference scores the sentence end by characters, the C++ paths by tokens)."""
    vocabulary = ["'", "_", "a", "b", "c", "d", "ab", "cad"]
    scorers = (reference.ReferenceScorer(1.0, 2.0, lm_files["char"], vocabulary),
               decoders.Scorer(1.0, 2.0, lm_files["char"], vocabulary))
    rng = np.random.default_rng(17)
    for _ in range(6):
        probs = peaky_probs(rng, 20, len(vocabulary) + 1, concentration=0.3)
        for beam_size in (4, 16):
            assert_all_agree(*decode_three_ways(probs, vocabulary, beam_size, 1.0, 40, scorers))
