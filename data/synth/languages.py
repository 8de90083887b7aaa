"""The corpus languages: what each one plugs into the shared plan / synthesis / post-processing path.

English: book sentences (and, if asked, Tatoeba's everyday sentences for part of the training speech), a word
vocabulary, espeak-ng + flite + piper + hibari + MBROLA + Festival's British voices (its other voices held out), an
LM text of plain sentences. Mandarin: HSK and fortune sentences as pinyin, a character inventory ranked on the
modern HSK text, espeak-ng's pinyin voice (variants held out), an LM text with the characters separated by spaces
(DS2's Mandarin LM format, for a character-level KenLM) that also takes every sentence the 800-character inventory
left out and the LM-only sources of lm_text_zh.py (Tatoeba, news, reviews): they are never spoken, and a character
LM needs far more text than the inventory's sentences give.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from data.synth.lm_text_en import everyday_sentences
from data.synth.lm_text_zh import lm_only_sentences
from data.synth.text_sources import Sentence, book_sentences
from data.synth.text_sources_zh import mandarin_sentences
from data.synth.voices import Voice, festival_voices, mandarin_heldout_voices, mandarin_seen_voices, seen_voices


@dataclass(frozen=True)
class Language:
    """Everything language-specific about a corpus; the defaults apply when the matching flag is not given."""

    code: str
    sentences: Callable[[str, int, int], list[Sentence]]  # (text cache folder, min length, max length)
    tokenize: Callable[[str], list[str]]  # the units of --vocab_size and of the length limits
    ranking_source: str | None  # sentence source whose token counts rank the vocabulary (None: all)
    seen_voices: Callable[[str], list[Voice]]  # engine -> training/dev/test voices
    heldout_voices: Callable[[], list[Voice]]
    engine_weights: str
    vocab_size: int
    min_length: int
    max_length: int
    chars_per_second: float  # transcript characters a second at tempo 1.0, for planning hours
    lm_line: Callable[[str], str]  # transcript -> line of lm_text.txt
    # (text cache folder, every sentence of the sources) -> more LM-only transcripts; the LM text takes those no
    # utterance speaks, once each, and then drops any line that holds a dev/test sentence
    lm_extra: Callable[[str, list[Sentence]], list[str]]
    # (text cache folder, min length, max length) -> sentences of another genre that --everyday_fraction of the
    # training speech reads (never dev, test or LM text); None where the language has none
    everyday_sentences: Callable[[str, int, int], list[Sentence]] | None = None


def _characters(text: str) -> list[str]:
    return list(text)


def _spaced_characters(text: str) -> str:
    return " ".join(text)


def _identity(text: str) -> str:
    return text


def _english_lm_extra(text_cache: str, every_sentence: list[Sentence]) -> list[str]:
    """Every book sentence or clause of any length (the corpus speaks only those of 4-18 words)."""
    return [sentence.text for sentence in book_sentences(text_cache, 1, 10**6, clause_words=18)]


def _mandarin_lm_extra(text_cache: str, every_sentence: list[Sentence]) -> list[str]:
    """The sentences the character inventory left out, then the LM-only sources of lm_text_zh.py."""
    return [sentence.text for sentence in every_sentence] + lm_only_sentences()


LANGUAGES = {
    "en": Language("en", book_sentences, str.split, None, seen_voices, festival_voices,
                   "espeak:0.1,flite:0.15,piper:0.15,hibari:0.25,mbrola:0.25,festival:0.1", vocab_size=6000,
                   min_length=4, max_length=18, chars_per_second=17.5, lm_line=_identity, lm_extra=_english_lm_extra,
                   everyday_sentences=everyday_sentences),
    "zh": Language("zh", lambda cache, low, high: mandarin_sentences(low, high), _characters, "hsk",
                   mandarin_seen_voices, mandarin_heldout_voices, "espeak:1", vocab_size=800, min_length=4,
                   max_length=20, chars_per_second=4.3, lm_line=_spaced_characters, lm_extra=_mandarin_lm_extra),
}
