"""C++ CTC decoders: DS2's golden vectors, agreement with the pure-Python reference, threads, bad input."""
import numpy as np
import pytest

from decoders import reference
from decoders import swig_wrapper as decoders
from decoders.tests.conftest import CHAR_VOCABULARY, VOCABULARY, WORDS

# DS2's decoder test: two 7-class posteriors over this vocabulary.
PROBS_1 = np.array([
    [0.06390443, 0.21124858, 0.27323887, 0.06870235, 0.0361254, 0.18184413, 0.16493624],
    [0.03309247, 0.22866108, 0.24390638, 0.09699597, 0.31895462, 0.0094893, 0.06890021],
    [0.218104, 0.19992557, 0.18245131, 0.08503348, 0.14903535, 0.08424043, 0.08120984],
    [0.12094152, 0.19162472, 0.01473646, 0.28045061, 0.24246305, 0.05206269, 0.09772094],
    [0.1333387, 0.00550838, 0.00301669, 0.21745861, 0.20803985, 0.41317442, 0.01946335],
    [0.16468227, 0.1980699, 0.1906545, 0.18963251, 0.19860937, 0.04377724, 0.01457421]])
PROBS_2 = np.array([
    [0.08034842, 0.22671944, 0.05799633, 0.36814645, 0.11307441, 0.04468023, 0.10903471],
    [0.09742457, 0.12959763, 0.09435383, 0.21889204, 0.15113123, 0.10219457, 0.20640612],
    [0.45033529, 0.09091417, 0.15333208, 0.07939558, 0.08649316, 0.12298585, 0.01654384],
    [0.02512238, 0.22079203, 0.19664364, 0.11906379, 0.07816055, 0.22538587, 0.13483311],
    [0.17928453, 0.06065261, 0.41153005, 0.1172041, 0.11880313, 0.07113197, 0.04139363],
    [0.15882358, 0.1235788, 0.23376776, 0.20510435, 0.00279306, 0.05294827, 0.22298418]])


def random_probs(rng, frames=15, classes=7, concentration=0.5):
    return rng.dirichlet(np.full(classes, concentration), size=frames).astype(np.float32)


def assert_same_results(expected, actual):
    assert [text for _, text in actual] == [text for _, text in expected]
    np.testing.assert_allclose([s for s, _ in actual], [s for s, _ in expected], rtol=1e-4, atol=1e-3)


def test_ds2_golden_vectors():
    assert decoders.ctc_greedy_decoder(PROBS_1, VOCABULARY) == "ac'bdc"
    assert decoders.ctc_greedy_decoder(PROBS_2, VOCABULARY) == "b'da"
    assert decoders.ctc_beam_search_decoder(PROBS_1, VOCABULARY, 20)[0][1] == "acdc"
    assert decoders.ctc_beam_search_decoder(PROBS_2, VOCABULARY, 20)[0][1] == "b'a"
    batch = decoders.ctc_beam_search_decoder_batch([PROBS_1, PROBS_2], VOCABULARY, 20, 2)
    assert [results[0][1] for results in batch] == ["acdc", "b'a"]


def test_greedy_matches_reference_on_random_input():
    rng = np.random.default_rng(3)
    for _ in range(20):
        probs = random_probs(rng, frames=30)
        assert decoders.ctc_greedy_decoder(probs, VOCABULARY) == reference.ctc_greedy_decoder(probs, VOCABULARY)


@pytest.mark.parametrize("beam_size,cutoff_prob,cutoff_top_n", [(1, 1.0, 40), (5, 1.0, 40), (40, 1.0, 40),
                                                                (8, 0.9, 40), (8, 1.0, 3), (8, 0.99, 2)])
def test_beam_search_matches_reference_without_lm(beam_size, cutoff_prob, cutoff_top_n):
    rng = np.random.default_rng(beam_size)
    for _ in range(10):
        probs = random_probs(rng)
        expected = reference.ctc_beam_search_decoder(probs, VOCABULARY, beam_size, cutoff_prob, cutoff_top_n)
        actual = decoders.ctc_beam_search_decoder(probs, VOCABULARY, beam_size, cutoff_prob, cutoff_top_n)
        assert_same_results(expected, actual)


@pytest.mark.parametrize("end_of_sentence", [False, True])
@pytest.mark.parametrize("kind", ["word", "char"])
@pytest.mark.parametrize("alpha,beta", [(0.5, 0.3), (2.5, -0.5)])
def test_beam_search_matches_reference_with_lm(lm_files, kind, alpha, beta, end_of_sentence):
    vocabulary = VOCABULARY if kind == "word" else CHAR_VOCABULARY
    ref_scorer = reference.ReferenceScorer(alpha, beta, lm_files[kind], vocabulary, end_of_sentence)
    scorer = decoders.Scorer(alpha, beta, lm_files[kind], vocabulary, end_of_sentence)
    rng = np.random.default_rng(7)
    for _ in range(8):
        probs = random_probs(rng)
        for beam_size in (1, 4, 16):
            expected = reference.ctc_beam_search_decoder(probs, vocabulary, beam_size, ext_scoring_func=ref_scorer)
            actual = decoders.ctc_beam_search_decoder(probs, vocabulary, beam_size, ext_scoring_func=scorer)
            assert_same_results(expected, actual)


@pytest.mark.parametrize("kind", ["word", "char"])
def test_end_of_sentence_changes_the_ranking(lm_files, kind):
    """The sentence-end term is not a constant shift: on some inputs it reorders the beam."""
    vocabulary = VOCABULARY if kind == "word" else CHAR_VOCABULARY
    scorers = [decoders.Scorer(2.0, 0.0, lm_files[kind], vocabulary, end) for end in (False, True)]
    rng = np.random.default_rng(3)
    probs = [random_probs(rng) for _ in range(20)]
    texts = [[[text for _, text in beams] for beams in decoders.ctc_beam_search_decoder_batch(
        probs, vocabulary, 8, 1, ext_scoring_func=scorer)] for scorer in scorers]
    assert texts[0] != texts[1]
    assert not scorers[0].end_of_sentence and scorers[1].end_of_sentence


@pytest.mark.parametrize("blank_penalty", [1.5, -0.7])
@pytest.mark.parametrize("with_lm", [False, True])
def test_blank_penalty_matches_reference(lm_files, blank_penalty, with_lm):
    ref_scorer = reference.ReferenceScorer(2.0, 0.3, lm_files["word"], VOCABULARY, True) if with_lm else None
    scorer = decoders.Scorer(2.0, 0.3, lm_files["word"], VOCABULARY, True) if with_lm else None
    rng = np.random.default_rng(13)
    for _ in range(8):
        probs = random_probs(rng)
        expected = reference.ctc_beam_search_decoder(probs, VOCABULARY, 8, ext_scoring_func=ref_scorer,
                                                     blank_penalty=blank_penalty)
        actual = decoders.ctc_beam_search_decoder(probs, VOCABULARY, 8, ext_scoring_func=scorer,
                                                  blank_penalty=blank_penalty)
        assert_same_results(expected, actual)


def test_blank_penalty_lets_a_letter_outscore_the_blank():
    """One frame: 'a' at 0.4 loses to the blank at 0.6 until the blank is divided by e (0.22 after scaling)."""
    probs = np.array([[0.0, 0.0, 0.4, 0.0, 0.0, 0.0, 0.6]], np.float32)
    assert decoders.ctc_beam_search_decoder(probs, VOCABULARY, 4)[0][1] == ""
    assert decoders.ctc_beam_search_decoder(probs, VOCABULARY, 4, blank_penalty=0.0)[0][1] == ""
    best = decoders.ctc_beam_search_decoder(probs, VOCABULARY, 4, blank_penalty=1.0)[0]
    assert best[1] == "a"
    np.testing.assert_allclose(best[0], -np.log(0.4 / (0.4 + 0.6 / np.e)), rtol=1e-5)  # the renormalised frame
    batch = decoders.ctc_beam_search_decoder_batch([probs, PROBS_1], VOCABULARY, 4, 2, blank_penalty=1.0)
    assert batch[0][0][1] == "a"
    assert batch[1] == decoders.ctc_beam_search_decoder(PROBS_1, VOCABULARY, 4, blank_penalty=1.0)


def test_word_lm_restricts_prefixes_to_lm_words(lm_files):
    scorer = decoders.Scorer(1.0, 0.5, lm_files["word"], VOCABULARY)
    rng = np.random.default_rng(11)
    for _ in range(5):
        for _, text in decoders.ctc_beam_search_decoder(random_probs(rng, 25), VOCABULARY, 10, ext_scoring_func=scorer):
            words = text.split(" ")
            assert all(word in WORDS for word in words[:-1]), text
            assert any(known.startswith(words[-1]) for known in WORDS), text


def test_binary_lms_decode_like_arpa(lm_files):
    rng = np.random.default_rng(5)
    probs = [random_probs(rng, 20) for _ in range(4)]
    results = {}
    for kind in ("word", "probing", "trie"):
        scorer = decoders.Scorer(1.5, 0.2, lm_files[kind], VOCABULARY)
        results[kind] = decoders.ctc_beam_search_decoder_batch(probs, VOCABULARY, 8, 1, ext_scoring_func=scorer)
    for kind in ("probing", "trie"):
        for expected, actual in zip(results["word"], results[kind]):
            assert_same_results(expected, actual)


@pytest.mark.parametrize("with_lm", [False, True])
def test_batch_results_do_not_depend_on_thread_count(lm_files, with_lm):
    scorer = decoders.Scorer(2.0, 0.3, lm_files["word"], VOCABULARY) if with_lm else None
    rng = np.random.default_rng(9)
    probs = [random_probs(rng, frames=int(rng.integers(5, 40))) for _ in range(12)]
    single = [decoders.ctc_beam_search_decoder(p, VOCABULARY, 10, ext_scoring_func=scorer) for p in probs]
    for threads in (1, 2, 5):
        assert decoders.ctc_beam_search_decoder_batch(probs, VOCABULARY, 10, threads, ext_scoring_func=scorer) == single


@pytest.mark.parametrize("with_lm", [False, True])
def test_empty_utterance_decodes_to_the_empty_text(lm_files, with_lm):
    """Zero frames: greedy gives "", beam search the empty transcript alone (DS2's result), and in a batch the other
    utterances decode exactly as they do alone."""
    scorer = decoders.Scorer(2.0, 0.3, lm_files["word"], VOCABULARY, True) if with_lm else None
    ref_scorer = reference.ReferenceScorer(2.0, 0.3, lm_files["word"], VOCABULARY, True) if with_lm else None
    empty = np.zeros((0, len(VOCABULARY) + 1), np.float32)
    assert decoders.ctc_greedy_decoder(empty, VOCABULARY) == ""
    expected = reference.ctc_beam_search_decoder(empty, VOCABULARY, 4, ext_scoring_func=ref_scorer)
    assert [text for _, text in expected] == [""]
    for plain in (False, True):
        assert_same_results(expected, decoders.ctc_beam_search_decoder(empty, VOCABULARY, 4, ext_scoring_func=scorer,
                                                                       plain=plain))
        batch = decoders.ctc_beam_search_decoder_batch([PROBS_1, empty, PROBS_2], VOCABULARY, 4, 2,
                                                       ext_scoring_func=scorer, plain=plain)
        assert_same_results(expected, batch[1])
        for probs, results in zip((PROBS_1, PROBS_2), (batch[0], batch[2])):
            assert results == decoders.ctc_beam_search_decoder(probs, VOCABULARY, 4, ext_scoring_func=scorer)


def test_accepts_float64_and_non_contiguous_arrays():
    wide = np.asfortranarray(PROBS_1.astype(np.float64))
    assert decoders.ctc_beam_search_decoder(wide, VOCABULARY, 20)[0][1] == "acdc"
    assert decoders.ctc_greedy_decoder(PROBS_2.tolist(), VOCABULARY) == "b'da"


@pytest.mark.parametrize("probs,message", [
    (np.full((4, 6), 1 / 6, np.float32), "expected \\[T, 7\\]"),
    (np.full(7, 1 / 7, np.float32), "expected \\[T, 7\\]"),
    (np.where(np.eye(3, 7) > 0, np.nan, 0.1).astype(np.float32), "NaN"),
    (np.full((3, 7), -0.1, np.float32), "negative"),
])
def test_bad_probabilities_raise(probs, message):
    with pytest.raises(ValueError, match=message):
        decoders.ctc_greedy_decoder(probs, VOCABULARY)
    with pytest.raises(ValueError, match=message):
        decoders.ctc_beam_search_decoder(probs, VOCABULARY, 4)
    with pytest.raises(ValueError, match=message):
        decoders.ctc_beam_search_decoder_batch([PROBS_1, probs], VOCABULARY, 4, 2)


def test_bad_search_parameters_raise():
    with pytest.raises(ValueError, match="beam_size"):
        decoders.ctc_beam_search_decoder(PROBS_1, VOCABULARY, 0)
    with pytest.raises(ValueError, match="beam_size"):
        decoders.ctc_beam_search_decoder_batch([PROBS_1], VOCABULARY, 0, 1)
    with pytest.raises(ValueError, match="num_processes"):
        decoders.ctc_beam_search_decoder_batch([PROBS_1], VOCABULARY, 4, 0)
    for penalty in (float("nan"), float("inf"), -50.5):
        with pytest.raises(ValueError, match="blank_penalty"):
            decoders.ctc_beam_search_decoder(PROBS_1, VOCABULARY, 4, blank_penalty=penalty)
        with pytest.raises(ValueError, match="blank_penalty"):
            decoders.ctc_beam_search_decoder_batch([PROBS_1], VOCABULARY, 4, 1, blank_penalty=penalty)
    with pytest.raises(ValueError, match="vocabulary is empty"):
        decoders.ctc_greedy_decoder(PROBS_1[:, :1], [])
