"""CTC decoding: one frozen ``DecodingOptions`` and a ``CTCDecoder`` that owns its language model.

Every decoding setting is a field of ``DecodingOptions``, whose default and help text are also its command-line
flag's (``add_decoding_args``), so infer.py, test.py, tools/tune.py, the demo server and the benches share one
definition. A ``CTCDecoder`` loads its KenLM scorer once; ``with_options`` gives decoders at other weights or beam
widths that share it (tools/tune.py's grid)::

    decoder = CTCDecoder(model.vocab_list, DecodingOptions.from_args(args))
    texts = decoder.decode_batch(model.infer_batch_probs(features, lengths))
    texts = decoder.with_options(alpha=1.5, beta=0.2).decode_batch(probs)

``decode_batch_words`` also gives each transcript's words with their times and confidences (``word_records``
makes them JSON for test.py, infer.py and the server)::

    for text, words in decoder.decode_batch_words(probs, model.frame_duration): ...

Greedy decoding runs the C++ decoder, or NumPy where decoders/ is not built (training needs no build); beam search
and word timings need the build.
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
import functools
import logging
import os
import threading
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from utils.utility import add_arguments

if TYPE_CHECKING:
    from decoders.swig_wrapper import WordTiming

logger = logging.getLogger(__name__)

BEAM_SEARCH, GREEDY = "ctc_beam_search", "ctc_greedy"
DECODING_METHODS = (BEAM_SEARCH, GREEDY)
# What the scorer is built from: decoders that share one must agree on these.
SCORER_FIELDS = ("decoding_method", "lang_model_path", "lm_end_of_sentence")


def _option(default: Any, help: str, **argparse_kwargs: Any) -> Any:
    """A DecodingOptions field whose default and flag help are defined here, once."""
    return dataclasses.field(default=default, metadata={"help": help, "argparse": argparse_kwargs})


@dataclasses.dataclass(frozen=True)
class DecodingOptions:
    """How CTC probabilities become text; field names, defaults and help are DS2's decoding flags."""

    decoding_method: str = _option(BEAM_SEARCH, "Decoding method.", choices=DECODING_METHODS)
    beam_size: int = _option(500, "Beam search width.")
    num_proc_bsearch: int = _option(8, "Threads of the batch beam-search decoder.")
    alpha: float = _option(2.5, "Language-model weight of beam search.")
    beta: float = _option(0.3, "Word-insertion bonus of beam search.")
    cutoff_prob: float = _option(1.0, "Keep the most likely characters up to this cumulative probability.")
    cutoff_top_n: int = _option(40, "Keep at most this many characters per frame.")
    lm_end_of_sentence: bool = _option(
        True, "Add the language model's end-of-sentence probability to each finished beam-search hypothesis, so "
              "that it scores whole sentences (not in DS2; False decodes as DS2).")
    blank_penalty: float = _option(
        0.0, "Subtracted from the blank's natural-log probability in every frame before beam search (the frame is "
             "then renormalised). A positive value keeps more spellings in the beam for the language model to "
             "choose among; 0 decodes as DS2.")
    lang_model_path: str = _option("models/lm/common_crawl_00.prune01111.trie.klm",
                                   "KenLM language model for beam search ('' for none).")

    def __post_init__(self):
        if self.decoding_method not in DECODING_METHODS:
            raise ValueError(f"--decoding_method must be one of {', '.join(DECODING_METHODS)}, "
                             f"got {self.decoding_method!r}")

    @property
    def beam_search(self) -> bool:
        return self.decoding_method == BEAM_SEARCH

    @classmethod
    def from_args(cls, args: argparse.Namespace, **overrides: Any) -> "DecodingOptions":
        """The options parsed by ``add_decoding_args``; ``overrides`` give the fields a CLI has no flag for."""
        values = {}
        for field in dataclasses.fields(cls):
            if field.name in overrides:
                values[field.name] = overrides.pop(field.name)
            elif hasattr(args, field.name):
                values[field.name] = getattr(args, field.name)
            else:
                raise ValueError(f"no --{field.name} flag and no override for it")
        if overrides:
            raise TypeError(f"not decoding options: {', '.join(sorted(overrides))}")
        return cls(**values)

    def to_flags(self) -> list[str]:
        """The command-line flags that parse back into these options (to start another CLI with them)."""
        return [f"--{field.name}={getattr(self, field.name)}" for field in dataclasses.fields(self)]


def add_decoding_args(parser: argparse.ArgumentParser, exclude: Sequence[str] = (), **defaults: Any) -> None:
    """Add a flag per DecodingOptions field but ``exclude``; ``defaults`` replace some fields' defaults."""
    names = {field.name for field in dataclasses.fields(DecodingOptions)}
    unknown = (set(exclude) | set(defaults)) - names
    if unknown:
        raise TypeError(f"not decoding options: {', '.join(sorted(unknown))}")
    for field in dataclasses.fields(DecodingOptions):
        if field.name not in exclude:
            add_arguments(field.name, type(field.default), defaults.get(field.name, field.default),
                          field.metadata["help"], parser, **field.metadata["argparse"])


class CTCDecoder:
    """Decodes batches of CTC probabilities [T, len(vocabulary) + 1] (blank last) as its options say.

    Beam search loads the options' language model once, here: a missing C++ build or LM file is a clear error now,
    not at the first batch. Decoders made by ``with_options`` share that scorer; a lock keeps their decodes (which
    re-weight it) from overlapping.
    """

    def __init__(self, vocabulary: Sequence[str], options: DecodingOptions):
        self.vocabulary = list(vocabulary)
        self.options = options
        self.scorer = _load_scorer(options, self.vocabulary) if options.beam_search else None
        self._scorer_lock = threading.Lock()

    def with_options(self, **changes: Any) -> "CTCDecoder":
        """This decoder with some options changed (alpha, beta, beam_size, ...), sharing its language model."""
        reloads = sorted(set(changes) & set(SCORER_FIELDS))
        if reloads:
            raise ValueError(f"changing {', '.join(reloads)} needs a new scorer: build a new CTCDecoder")
        other = copy.copy(self)
        other.options = dataclasses.replace(self.options, **changes)
        return other

    def decode_batch(self, probs_split: Sequence[np.ndarray]) -> list[str]:
        """The best transcript of each utterance's probabilities."""
        if not self.options.beam_search:
            return greedy_decode_batch(probs_split, self.vocabulary)
        from decoders.swig_wrapper import ctc_beam_search_decoder_batch
        results = self._beam_search(ctc_beam_search_decoder_batch, probs_split)
        return [beams[0][1] if beams else "" for beams in results]

    def decode_batch_words(self, probs_split: Sequence[np.ndarray],
                           frame_duration: float) -> list[tuple[str, list[WordTiming]]]:
        """decode_batch's transcripts, each with its words' timings and confidences (decoders.swig_wrapper's
        WordTiming; times in seconds at ``frame_duration`` per frame: DeepSpeech2Model.frame_duration)."""
        if not self.options.beam_search:
            return [greedy_words(probs, self.vocabulary, frame_duration) for probs in probs_split]
        from decoders.swig_wrapper import ctc_beam_search_decoder_batch_words
        results = self._beam_search(ctc_beam_search_decoder_batch_words, probs_split, frame_duration=frame_duration)
        return [(beams[0][1] if beams else "", words) for beams, words in results]

    def _beam_search(self, batch_decoder: Callable, probs_split: Sequence[np.ndarray], **more: Any) -> list:
        """A swig_wrapper batch beam search at these options, with the scorer at this decoder's weights."""
        options = self.options
        with self._scorer_lock:
            if self.scorer is not None:
                self.scorer.reset_params(options.alpha, options.beta)
            return batch_decoder(
                probs_split=list(probs_split), vocabulary=self.vocabulary, beam_size=options.beam_size,
                num_processes=options.num_proc_bsearch, cutoff_prob=options.cutoff_prob,
                cutoff_top_n=options.cutoff_top_n, ext_scoring_func=self.scorer, blank_penalty=options.blank_penalty,
                **more)

def _load_scorer(options: DecodingOptions, vocabulary: list[str]):
    """The KenLM scorer of ``options.lang_model_path`` (None for ''), or an error saying how to fix the setup."""
    try:
        from decoders.swig_wrapper import Scorer
    except ImportError as err:
        raise RuntimeError(f"the CTC beam-search decoder is not built ({err}); run `bash decoders/build.sh` "
                           "or use --decoding_method ctc_greedy") from None
    path = options.lang_model_path
    if not path:
        logger.warning("no language model given: beam search decodes without one")
        return None
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such language model (--lang_model_path; '' for none)")
    logger.info("loading language model %s", path)
    return Scorer(options.alpha, options.beta, path, vocabulary, options.lm_end_of_sentence)


def greedy_decode_batch(probs_split: Sequence[np.ndarray], vocabulary: Sequence[str]) -> list[str]:
    """Best-path decoding of each utterance's probabilities (C++, or NumPy without the build)."""
    decode = _greedy_decoder()
    return [decode(probs, list(vocabulary)) for probs in probs_split]


@functools.lru_cache(maxsize=None)
def _greedy_decoder() -> Callable[[np.ndarray, list[str]], str]:
    """The C++ greedy decoder, or the NumPy one where decoders/ is not built."""
    try:
        from decoders.swig_wrapper import ctc_greedy_decoder
    except ImportError as err:
        logger.warning("%s; greedy decoding falls back to NumPy", err)
        return greedy_numpy
    return ctc_greedy_decoder


def greedy_numpy(probs: np.ndarray, vocabulary: Sequence[str]) -> str:
    """Best path without the C++ decoder: argmax, merge repeats, drop blanks (the last class)."""
    best = np.argmax(probs, axis=1)
    keep = np.ones(len(best), dtype=bool)
    keep[1:] = best[1:] != best[:-1]
    return "".join(vocabulary[i] for i in best[keep] if i < len(vocabulary))


def batch_decode_function(decoder: CTCDecoder, frame_duration: float | None
                          ) -> Callable[[Sequence[np.ndarray]], list[tuple[str, list[WordTiming] | None]]]:
    """A CLI's batch decode: ``decoder.decode_batch_words`` at ``frame_duration``, or (None: no timings wanted, no
    C++ build needed for greedy decoding) decode_batch's texts, each paired with None."""
    if frame_duration is not None:
        return functools.partial(decoder.decode_batch_words, frame_duration=frame_duration)
    return lambda probs_split: [(text, None) for text in decoder.decode_batch(probs_split)]


def greedy_words(probs: np.ndarray, vocabulary: Sequence[str], frame_duration: float) -> tuple[str, list[WordTiming]]:
    """Best-path transcript and its timed words (C++ only: without the build, a RuntimeError says how to build)."""
    try:
        from decoders.swig_wrapper import ctc_greedy_decoder, ctc_greedy_word_timings
    except ImportError as err:
        raise RuntimeError(f"word timings need the C++ CTC decoder: run `bash decoders/build.sh` ({err})") from None
    return ctc_greedy_decoder(probs, vocabulary), ctc_greedy_word_timings(probs, vocabulary, frame_duration)


def word_records(words: Sequence[WordTiming], duration: float | None = None) -> list[dict]:
    """``words`` as JSON-ready {"word", "start", "end", "confidence"}: seconds to the millisecond, at most
    ``duration`` (the audio's; the last output frame may reach past it), confidence to 4 decimals."""
    def clip(seconds: float) -> float:
        return round(seconds, 3) if duration is None else min(round(seconds, 3), duration)
    return [{"word": w.text, "start": clip(w.start), "end": clip(w.end), "confidence": round(w.confidence, 4)}
            for w in words]
