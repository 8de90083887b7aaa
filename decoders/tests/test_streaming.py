"""Streaming beam search (C++ and reference.py) against the offline decoders, and word timings on known posteriors."""
import threading

import numpy as np
import pytest

from decoders import reference
from decoders import swig_wrapper as decoders
from decoders.tests.conftest import CHAR_VOCABULARY, VOCABULARY

CLASSES = len(VOCABULARY) + 1


def random_probs(rng, frames, concentration):
    """Random posteriors: 0.5 spreads the mass, 0.05 puts most of it on one class per frame (peaky)."""
    return rng.dirichlet(np.full(CLASSES, concentration), size=frames).astype(np.float32)


def chunks(probs, chunking, rng):
    """probs cut into consecutive chunks: 1 frame, 7 frames, random sizes (empty ones included) or all at once."""
    if chunking == "all":
        return [probs]
    if chunking == "random":
        cuts = np.sort(rng.integers(0, len(probs) + 1, size=6))
        return np.split(probs, cuts)
    return [probs[i:i + chunking] for i in range(0, len(probs), chunking)]


def scorers(lm_files, kind, end_of_sentence=True):
    """(vocabulary, C++ Scorer, ReferenceScorer) for no LM, the word LM or the character LM."""
    if kind is None:
        return VOCABULARY, None, None
    vocabulary = VOCABULARY if kind == "word" else CHAR_VOCABULARY
    return (vocabulary, decoders.Scorer(2.0, 0.4, lm_files[kind], vocabulary, end_of_sentence),
            reference.ReferenceScorer(2.0, 0.4, lm_files[kind], vocabulary, end_of_sentence))


@pytest.mark.parametrize("blank_penalty", [0.0, 1.5])
@pytest.mark.parametrize("kind", [None, "word", "char"])
@pytest.mark.parametrize("concentration", [0.5, 0.05])
def test_stream_gives_the_offline_results_bit_for_bit(lm_files, kind, blank_penalty, concentration):
    vocabulary, scorer, _ = scorers(lm_files, kind)
    rng = np.random.default_rng(17)
    for _ in range(3):
        probs = random_probs(rng, 40, concentration)
        offline = decoders.ctc_beam_search_decoder(probs, vocabulary, 12, ext_scoring_func=scorer,
                                                   blank_penalty=blank_penalty)
        [(beams, words)] = decoders.ctc_beam_search_decoder_batch_words([probs], vocabulary, 12, 1, 0.01,
                                                                        ext_scoring_func=scorer,
                                                                        blank_penalty=blank_penalty)
        assert beams == offline
        assert "".join(w.text for w in words) == offline[0][1].replace(" ", "")
        for chunking in (1, 7, "random", "all"):
            stream = decoders.BeamSearchStream(vocabulary, 12, ext_scoring_func=scorer, blank_penalty=blank_penalty)
            for chunk in chunks(probs, chunking, rng):
                stream.feed(chunk)
            assert stream.frames == len(probs)
            assert stream.finish() == offline, chunking  # scores and texts, to the bit
            assert stream.words(0.01) == words


@pytest.mark.parametrize("kind", [None, "char"])
def test_partial_is_the_offline_best_of_the_frames_so_far(lm_files, kind):
    """Without final LM scores (no LM, or a character LM without end_of_sentence) the beam's best is the offline
    decoder's best on the same frames."""
    vocabulary, scorer, _ = scorers(lm_files, kind, end_of_sentence=False)
    rng = np.random.default_rng(5)
    probs = random_probs(rng, 45, 0.3)
    stream = decoders.BeamSearchStream(vocabulary, 10, ext_scoring_func=scorer, blank_penalty=0.5)
    assert stream.partial() == ""
    fed = 0
    for chunk in chunks(probs, "random", rng) + chunks(probs[:0], 1, rng):
        stream.feed(chunk)
        fed += len(chunk)
        offline = decoders.ctc_beam_search_decoder(probs[:fed], vocabulary, 10, ext_scoring_func=scorer,
                                                   blank_penalty=0.5)
        assert stream.partial() == offline[0][1]
        assert "".join(w.text for w in stream.partial_words(0.01)) == offline[0][1].replace(" ", "")


@pytest.mark.parametrize("kind", [None, "word", "char"])
def test_partial_matches_the_reference_stream(lm_files, kind):
    """With a word LM the best prefix differs from the offline best (finish() scores the unfinished last word), so
    partial() is held to the reference's beam, chunk by chunk."""
    vocabulary, scorer, ref_scorer = scorers(lm_files, kind)
    rng = np.random.default_rng(29)
    probs = random_probs(rng, 30, 0.3)
    stream = decoders.BeamSearchStream(vocabulary, 8, ext_scoring_func=scorer)
    ref_stream = reference.BeamSearchStream(vocabulary, 8, ext_scoring_func=ref_scorer)
    for chunk in chunks(probs, 4, rng):
        stream.feed(chunk)
        ref_stream.feed(chunk)
        assert stream.partial() == ref_stream.partial()
    expected, actual = ref_stream.finish(), stream.finish()
    assert [text for _, text in actual] == [text for _, text in expected]
    np.testing.assert_allclose([s for s, _ in actual], [s for s, _ in expected], rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("kind", [None, "word", "char"])
def test_reference_stream_gives_the_reference_offline_results(lm_files, kind):
    vocabulary, _, ref_scorer = scorers(lm_files, kind)
    rng = np.random.default_rng(3)
    probs = random_probs(rng, 25, 0.3)
    offline = reference.ctc_beam_search_decoder(probs, vocabulary, 8, ext_scoring_func=ref_scorer, blank_penalty=1.0)
    for chunking in (1, 7, "random"):
        stream = reference.BeamSearchStream(vocabulary, 8, ext_scoring_func=ref_scorer, blank_penalty=1.0)
        for chunk in chunks(probs, chunking, rng):
            stream.feed(chunk)
        assert stream.finish() == offline


def test_streams_run_concurrently_on_threads(lm_files):
    """Each thread feeds its own stream frame by frame; the scorer is shared. Every stream ends as offline."""
    vocabulary, scorer, _ = scorers(lm_files, "word")
    rng = np.random.default_rng(8)
    utterances = [random_probs(rng, 60, 0.2) for _ in range(4)]
    expected = [decoders.ctc_beam_search_decoder(p, vocabulary, 16, ext_scoring_func=scorer) for p in utterances]
    results = [None] * len(utterances)

    def run(i):
        stream = decoders.BeamSearchStream(vocabulary, 16, ext_scoring_func=scorer)
        for frame in utterances[i]:
            stream.feed(frame[None])
            stream.partial()
        results[i] = stream.finish()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(utterances))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == expected


def test_a_finished_stream_refuses_more_work():
    stream = decoders.BeamSearchStream(VOCABULARY, 4)
    with pytest.raises(ValueError, match="expected"):
        stream.feed(np.full((2, 5), 0.2, np.float32))
    assert stream.finish() == decoders.ctc_beam_search_decoder(np.zeros((0, CLASSES), np.float32), VOCABULARY, 4)
    for call in (lambda: stream.feed(np.full((1, CLASSES), 1 / CLASSES)), stream.partial, stream.finish):
        with pytest.raises(RuntimeError, match="finished"):
            call()


# "the cat" spoken over 20 frames: each token's frames and peak probability. The rest of a peak frame's mass, and
# of every other frame's, goes mostly to the blank and a little to each other class.
CAT_VOCABULARY = [" ", "a", "c", "e", "h", "t"]
CAT_PEAKS = [("t", [2], 0.9), ("h", [4], 0.8), ("e", [5], 0.6), (" ", [8], 0.7), ("c", [11, 12], 0.75),
             ("a", [14], 0.95), ("t", [17, 18], 0.85)]


def cat_probs():
    probs = np.full((20, len(CAT_VOCABULARY) + 1), 0.01)
    probs[:, -1] = 0.94
    for token, frames, peak in CAT_PEAKS:
        for frame in frames:
            probs[frame] = (1.0 - peak) / len(CAT_VOCABULARY)
            probs[frame, CAT_VOCABULARY.index(token)] = peak
    return probs.astype(np.float32)


def expected_cat_words(greedy):
    """(text, start, end, confidence) from CAT_PEAKS: the beam search emits a token in its first peak frame, the
    greedy decoder spans all its frames; confidence is the mean of the tokens' peaks (as float32 probabilities)."""
    peaks = [(token, frames, float(np.float32(peak))) for token, frames, peak in CAT_PEAKS]
    words, current = [], []
    for item in peaks + [(" ", [], 0.0)]:
        if item[0] != " ":
            current.append(item)
            continue
        if current:
            words.append(("".join(t for t, _, _ in current), current[0][1][0],
                          current[-1][1][-1] if greedy else current[-1][1][0], np.mean([p for _, _, p in current])))
        current = []
    return words


def as_tuples(words):
    return [(w.text, w.start_frame, w.end_frame, w.confidence) for w in words]


def assert_words(actual, expected, frame_duration):
    assert [(t, s, e) for t, s, e, _ in as_tuples(actual)] == [(t, s, e) for t, s, e, _ in expected]
    np.testing.assert_allclose([w.confidence for w in actual], [c for _, _, _, c in expected], rtol=1e-6)
    for word in actual:
        assert word.start == pytest.approx(word.start_frame * frame_duration)
        assert word.end == pytest.approx((word.end_frame + 1) * frame_duration)


@pytest.mark.parametrize("beam_size", [1, 16, 500])
def test_beam_search_word_timings_of_the_cat(beam_size):
    """A wide beam keeps prefixes created from weak frames long before their token's peak: the emission frame must
    still be the peak."""
    probs = cat_probs()
    expected = expected_cat_words(greedy=False)
    [(beams, words)] = decoders.ctc_beam_search_decoder_batch_words([probs], CAT_VOCABULARY, beam_size, 1, 0.04)
    assert beams[0][1] == "the cat"
    assert_words(words, expected, 0.04)
    stream = decoders.BeamSearchStream(CAT_VOCABULARY, beam_size)
    stream.feed(probs[:9])
    assert_words(stream.partial_words(0.04), expected[:1], 0.04)
    stream.feed(probs[9:])
    assert stream.finish() == beams
    assert_words(stream.words(0.04), expected, 0.04)


def test_greedy_word_timings_of_the_cat():
    probs = cat_probs()
    assert decoders.ctc_greedy_decoder(probs, CAT_VOCABULARY) == "the cat"
    assert_words(decoders.ctc_greedy_word_timings(probs, CAT_VOCABULARY, 0.04), expected_cat_words(greedy=True), 0.04)
    assert decoders.ctc_greedy_word_timings(probs[:0], CAT_VOCABULARY, 0.04) == []


def test_without_a_space_token_every_token_is_a_word(lm_files):
    """Character vocabularies (Mandarin; here '_' joins words): each token is a word, with or without a char LM."""
    probs = np.full((9, CLASSES), 0.02, np.float32)
    probs[:, -1] = 0.88
    for frame, token, peak in ((1, "a", 0.9), (4, "b", 0.7), (7, "c", 0.8)):
        probs[frame] = 0.1 / (CLASSES - 1)
        probs[frame, CHAR_VOCABULARY.index(token)] = peak
    expected = [("a", 1, 1, 0.9), ("b", 4, 4, 0.7), ("c", 7, 7, 0.8)]
    scorer = decoders.Scorer(0.1, 0.0, lm_files["char"], CHAR_VOCABULARY)
    for ext_scoring_func in (None, scorer):
        [(beams, words)] = decoders.ctc_beam_search_decoder_batch_words([probs], CHAR_VOCABULARY, 8, 1, 0.02,
                                                                        ext_scoring_func=ext_scoring_func)
        assert beams[0][1] == "abc"
        assert_words(words, expected, 0.02)
    assert_words(decoders.ctc_greedy_word_timings(probs, CHAR_VOCABULARY, 0.02), expected, 0.02)
