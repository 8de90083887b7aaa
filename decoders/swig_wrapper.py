"""Python API of the C++ CTC decoders (DS2's decoders/swig_wrapper.py).

Probabilities are NumPy arrays of shape [T, len(vocabulary) + 1] with the blank last. They reach C++ as a buffer
address and shape (float32, C order; other arrays are converted once), never element by element.
"""
from __future__ import annotations

import os
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
    _check_beam(beam_size)
    if int(num_processes) < 1:
        raise ValueError(f"num_processes must be at least 1, got {num_processes}")
    vocabulary = _vocabulary(vocabulary)
    frames = [_as_frames(probs, vocabulary, f"probs_split[{i}]") for i, probs in enumerate(probs_split)]
    results = swig_decoders.ctc_beam_search_decoder_batch(
        [f.ctypes.data for f in frames], [f.shape[0] for f in frames], len(vocabulary) + 1, vocabulary,
        int(beam_size), int(num_processes), float(cutoff_prob), int(cutoff_top_n), ext_scoring_func,
        float(blank_penalty), bool(plain))
    return [[tuple(item) for item in utterance] for utterance in results]
