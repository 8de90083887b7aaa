"""Python API of the C++ CTC decoders (DS2's decoders/swig_wrapper.py).

Probabilities are NumPy arrays of shape [T, len(vocabulary) + 1] with the blank last. They reach C++ as a buffer
address and shape (float32, C order; other arrays are converted once), never element by element.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Sequence

import numpy as np

try:
    from decoders.swig import swig_decoders
except ImportError as error:  # the extension is a build output
    raise ImportError("the C++ CTC decoder is not built: run decoders/build.sh (setup.sh does)") from error


def _as_frames(probs, vocabulary: Sequence[str], what: str = "probs_seq") -> np.ndarray:
    """A C-contiguous float32 [T, len(vocabulary) + 1] view or copy of ``probs``, or ValueError."""
    array = np.ascontiguousarray(probs, dtype=np.float32)
    if array.ndim != 2 or array.shape[1] != len(vocabulary) + 1:
        raise ValueError(f"{what} has shape {array.shape}, expected [T, {len(vocabulary) + 1}] "
                         f"(len(vocabulary) + 1 classes, blank last)")
    return array


_CONVERTED: dict[tuple, "swig_decoders.StringVector"] = {}  # the last few vocabularies, already in C++ form
_MAX_CONVERTED = 8


def _vocabulary(vocabulary: Sequence[str]) -> "swig_decoders.StringVector":
    """The vocabulary as a C++ vector of strings, converted once per distinct vocabulary: a Mandarin vocabulary of
    several thousand tokens otherwise costs a conversion per decoded utterance."""
    key = tuple(vocabulary)
    converted = _CONVERTED.get(key)
    if converted is None:
        if len(key) == 0:
            raise ValueError("vocabulary is empty")
        converted = swig_decoders.StringVector([str(token) for token in key])
        if len(_CONVERTED) >= _MAX_CONVERTED:
            _CONVERTED.clear()
        _CONVERTED[key] = converted
    return converted


class Scorer(swig_decoders.Scorer):
    """KenLM scorer: LM score = alpha * log10 P(word | history) + beta, added as each word (or character) completes.

    ``model_path`` is an ARPA file or a KenLM binary (probing or trie); ``vocabulary`` is the decoder's token list.
    With ``end_of_sentence`` the beam search also adds alpha * log10 P(</s> | last words) to each finished
    hypothesis, so that the LM scores whole sentences; DS2 does not (False decodes exactly as DS2).
    """

    def __init__(self, alpha: float, beta: float, model_path: str, vocabulary: Sequence[str],
                 end_of_sentence: bool = False):
        if not os.path.isfile(model_path):
            raise FileNotFoundError(f"language model file not found: {model_path}")
        swig_decoders.Scorer.__init__(self, float(alpha), float(beta), os.fspath(model_path), _vocabulary(vocabulary),
                                      bool(end_of_sentence))


def ctc_greedy_decoder(probs_seq, vocabulary: Sequence[str]) -> str:
    """Best-path decoding: most probable class per frame, repeats merged, blanks dropped."""
    vocabulary = _vocabulary(vocabulary)
    frames = _as_frames(probs_seq, vocabulary)
    return swig_decoders.ctc_greedy_decoder(frames.ctypes.data, frames.shape[0], frames.shape[1], vocabulary)


def _check_beam(beam_size: int) -> None:
    if int(beam_size) < 1:
        raise ValueError(f"beam_size must be at least 1, got {beam_size}")


def ctc_beam_search_decoder(probs_seq, vocabulary: Sequence[str], beam_size: int, cutoff_prob: float = 1.0,
                            cutoff_top_n: int = 40, ext_scoring_func: Scorer | None = None,
                            blank_penalty: float = 0.0, plain: bool = False) -> list[tuple[float, str]]:
    """CTC prefix beam search; returns up to ``beam_size`` (score, text) pairs, best first.

    As in DS2, score is the negated approximate CTC log probability (LM and insertion bonus removed).
    ``blank_penalty`` is subtracted from the blank's natural-log probability in every frame, which is then
    renormalised (0: DS2's search; at most 50 either way). A positive penalty keeps more spellings in the beam for
    the LM to choose among. ``plain`` runs the plain C++ path (DS2's loop as decoders/reference.py writes it), which
    gives the same results more slowly: for comparing with the optimised path on the same inputs.
    """
    _check_beam(beam_size)
    vocabulary = _vocabulary(vocabulary)
    frames = _as_frames(probs_seq, vocabulary)
    results = swig_decoders.ctc_beam_search_decoder(frames.ctypes.data, frames.shape[0], frames.shape[1], vocabulary,
                                                    int(beam_size), float(cutoff_prob), int(cutoff_top_n),
                                                    ext_scoring_func, float(blank_penalty), bool(plain))
    return [tuple(item) for item in results]


def ctc_beam_search_decoder_batch(probs_split, vocabulary: Sequence[str], beam_size: int, num_processes: int,
                                  cutoff_prob: float = 1.0, cutoff_top_n: int = 40,
                                  ext_scoring_func: Scorer | None = None,
                                  blank_penalty: float = 0.0, plain: bool = False) -> list[list[tuple[float, str]]]:
    """ctc_beam_search_decoder on every array of ``probs_split``, over ``num_processes`` C++ threads."""
    results = _batch(swig_decoders.ctc_beam_search_decoder_batch, probs_split, vocabulary, beam_size, num_processes,
                     cutoff_prob, cutoff_top_n, ext_scoring_func, blank_penalty, bool(plain))
    return [[tuple(item) for item in utterance] for utterance in results]


def _batch(function, probs_split, vocabulary: Sequence[str], beam_size: int, num_processes: int, cutoff_prob: float,
           cutoff_top_n: int, ext_scoring_func: Scorer | None, blank_penalty: float, *more):
    """A C++ batch decoder called on checked arguments (``more``: its arguments after blank_penalty)."""
    _check_beam(beam_size)
    if int(num_processes) < 1:
        raise ValueError(f"num_processes must be at least 1, got {num_processes}")
    vocabulary = _vocabulary(vocabulary)
    frames = [_as_frames(probs, vocabulary, f"probs_split[{i}]") for i, probs in enumerate(probs_split)]
    return function([f.ctypes.data for f in frames], [f.shape[0] for f in frames], len(vocabulary) + 1, vocabulary,
                    int(beam_size), int(num_processes), float(cutoff_prob), int(cutoff_top_n), ext_scoring_func,
                    float(blank_penalty), *more)


@dataclass(frozen=True)
class WordTiming:
    """A decoded word with its timing and confidence.

    start_frame / end_frame: the output frames (0 = the utterance's first) where its first and last tokens were
    emitted; start / end: the same in seconds, start_frame * frame_duration and (end_frame + 1) * frame_duration (the
    end of the last frame, so a one-frame word lasts one frame). confidence, in [0, 1]: the mean over its tokens of
    the network's probability of the token in its emission frame. ctc_decoders.h (WordTiming) says how emission
    frames are chosen and what a word is.
    """
    text: str
    start_frame: int
    end_frame: int
    confidence: float
    start: float
    end: float


def _words(timings, frame_duration: float) -> list[WordTiming]:
    return [WordTiming(w.text, w.start_frame, w.end_frame, w.confidence, w.start_frame * frame_duration,
                       (w.end_frame + 1) * frame_duration) for w in timings]


def ctc_greedy_word_timings(probs_seq, vocabulary: Sequence[str], frame_duration: float) -> list[WordTiming]:
    """The words of ctc_greedy_decoder's text with timings: each token spans its run of frames on the best path
    (start: the first token's first frame, end: the last token's last frame), its probability the run's highest."""
    vocabulary = _vocabulary(vocabulary)
    frames = _as_frames(probs_seq, vocabulary)
    return _words(swig_decoders.ctc_greedy_word_timings(frames.ctypes.data, frames.shape[0], frames.shape[1],
                                                        vocabulary), frame_duration)


def ctc_beam_search_decoder_batch_words(probs_split, vocabulary: Sequence[str], beam_size: int, num_processes: int,
                                        frame_duration: float, cutoff_prob: float = 1.0, cutoff_top_n: int = 40,
                                        ext_scoring_func: Scorer | None = None, blank_penalty: float = 0.0
                                        ) -> list[tuple[list[tuple[float, str]], list[WordTiming]]]:
    """ctc_beam_search_decoder_batch (optimised path) with each utterance's best text as timed words: a list of
    (results, words), results exactly those of ctc_beam_search_decoder_batch."""
    results = _batch(swig_decoders.ctc_beam_search_decoder_batch_timed, probs_split, vocabulary, beam_size,
                     num_processes, cutoff_prob, cutoff_top_n, ext_scoring_func, blank_penalty)
    return [([tuple(item) for item in result.beams], _words(result.words, frame_duration)) for result in results]


class BeamSearchStream:
    """ctc_beam_search_decoder (optimised path) as a stream: feed() probabilities in chunks of any size, partial()
    for the best text so far, finish() once for the results.

    feed() of all frames in any chunking, then finish(), gives ctc_beam_search_decoder's results to the bit: the
    offline decoder is this search fed all frames at once. partial() is the current beam's best prefix by its search
    score, not a re-decode: the LM scores of the words (word LM) or characters (character LM) completed so far are
    in it, the final ones that finish() adds (a word LM's unfinished last word, </s>) are not. So without an LM, or
    with a character LM without end_of_sentence, it is the best text of ctc_beam_search_decoder on the frames fed so
    far. It costs a pass over the beam (beam_size score reads) plus the text's length; feed() costs what decoding
    those frames offline costs. Streams are independent: many can run at once on different threads (the C++ work
    releases the GIL); one stream serialises its own calls. The scorer is shared read-only and kept alive here.
    plain=True has no stream: the plain path exists to check the optimised one offline.
    """

    def __init__(self, vocabulary: Sequence[str], beam_size: int, cutoff_prob: float = 1.0, cutoff_top_n: int = 40,
                 ext_scoring_func: Scorer | None = None, blank_penalty: float = 0.0):
        _check_beam(beam_size)
        self._vocabulary = _vocabulary(vocabulary)
        self._scorer = ext_scoring_func
        self._lock = threading.Lock()
        self._stream = swig_decoders.BeamSearchStream(self._vocabulary, int(beam_size), float(cutoff_prob),
                                                      int(cutoff_top_n), ext_scoring_func, float(blank_penalty))
        self._words: list = []

    def feed(self, probs: np.ndarray) -> None:
        """Decode the next frames: an array [T, len(vocabulary) + 1], blank last (T may be 0)."""
        frames = _as_frames(probs, self._vocabulary, "probs")
        with self._lock:
            self._stream.feed(frames.ctypes.data, frames.shape[0], frames.shape[1])

    def partial(self) -> str:
        """The text of the prefix the beam ranks first now (see the class docstring)."""
        with self._lock:
            return self._stream.partial()

    def partial_words(self, frame_duration: float) -> list[WordTiming]:
        """partial()'s words with their timings so far."""
        with self._lock:
            return _words(self._stream.partial_words(), frame_duration)

    def finish(self) -> list[tuple[float, str]]:
        """The final LM scores and the (score, text) results, best first, as ctc_beam_search_decoder returns them.
        Ends the stream: feed(), partial() and finish() raise RuntimeError afterwards; words() stays."""
        with self._lock:
            result = self._stream.finish()
            self._words = list(result.words)
            return [tuple(item) for item in result.beams]

    def words(self, frame_duration: float) -> list[WordTiming]:
        """The best result's words with timings, once finish() has run (before: [])."""
        return _words(self._words, frame_duration)

    @property
    def frames(self) -> int:
        """Frames fed so far: the next frame's index."""
        return self._stream.frames()
