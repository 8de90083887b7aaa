"""English sentences for the synthetic corpus, from books that Debian ships as R packages.

Jane Austen's novels come from r-cran-janeaustenr and Moby Dick from r-cran-tokenizers. Reserved for evaluation
elsewhere and therefore never read here: Sense and Sensibility and the Harvard sentences (r-cran-stringr).
Also ``without_leaks``, the filter that keeps every language's LM text free of dev/test sentences.
"""
from __future__ import annotations

import collections
import os
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Callable

from data.synth.normalize_text import expand_abbreviations, normalize_transcript, plain_typography, spoken_form

AUSTEN_BOOKS = ("emma", "mansfieldpark", "northangerabbey", "persuasion", "prideprejudice")
MOBY_DICK = "mobydick"
# Moby Dick's Gutenberg file: the novel proper lies between these lines (front matter and licence are dropped).
MOBY_DICK_START = "CHAPTER 1. Loomings."
MOBY_DICK_END = "End of Project Gutenberg"

_SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"')]*\s+(?=[\"'(]*[A-Z])")
_CLAUSE_END_RE = re.compile(r"(?<=[;:])\s+")


@dataclass(frozen=True)
class Sentence:
    """One usable sentence: ``spoken`` is fed to the TTS engines, ``text`` is its normalised transcript."""

    spoken: str
    text: str
    source: str


def export_books(cache_dir: str) -> dict[str, str]:
    """Write each book as a UTF-8 text file under ``cache_dir`` (once) with Rscript; returns name -> path."""
    os.makedirs(cache_dir, exist_ok=True)
    paths = {name: os.path.join(cache_dir, name + ".txt") for name in AUSTEN_BOOKS + (MOBY_DICK,)}
    if all(os.path.exists(path) for path in paths.values()):
        return paths
    commands = ["library(janeaustenr)"]
    for name in AUSTEN_BOOKS:
        commands.append(f'writeLines(get("{name}"), "{paths[name]}.part", useBytes = TRUE)')
    commands.append(f'writeLines(tokenizers::mobydick, "{paths[MOBY_DICK]}.part", useBytes = TRUE)')
    try:
        subprocess.run(["Rscript", "-e", "; ".join(commands)], check=True, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise RuntimeError("Rscript not found: install r-base-core, r-cran-janeaustenr, r-cran-tokenizers") from error
    except subprocess.CalledProcessError as error:
        raise RuntimeError(f"Rscript failed to export the books into {cache_dir}: {error.stderr.strip()}") from error
    for path in paths.values():
        os.replace(path + ".part", path)
    return paths


def read_paragraphs(path: str, start: str | None = None, end: str | None = None) -> list[str]:
    """Paragraphs (blank-line separated, line breaks joined) of a text file, optionally between two marker lines."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        text = handle.read().replace("\r", "").lstrip("\ufeff")
    if start is not None:
        if start not in text:
            raise ValueError(f"{path}: start marker {start!r} not found")
        text = text[text.index(start):]
    if end is not None and end in text:
        text = text[:text.index(end)]
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", text) if block.strip()]


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph at sentence-final punctuation followed by a capitalised word (abbreviations expanded first)."""
    return [part.strip() for part in _SENTENCE_END_RE.split(expand_abbreviations(plain_typography(paragraph)))
            if part.strip()]


def speakable_units(sentence: str, max_words: int) -> list[str]:
    """The sentence itself, or when longer than ``max_words`` its clauses split at semicolons and colons.

    The books' sentences are long; their ``;``/``:`` clauses are natural spoken units and double the usable text.
    """
    if len(sentence.split()) <= max_words:
        return [sentence]
    clauses = [clause.rstrip(",;: ") for clause in _CLAUSE_END_RE.split(sentence)]
    return [clause if clause.rstrip("\"')").endswith((".", "!", "?")) else clause + "." for clause in clauses]


def book_sentences(cache_dir: str, min_words: int = 4, max_words: int = 18,
                   clause_words: int | None = None) -> list[Sentence]:
    """All speakable, de-duplicated sentences (or clauses) of ``min_words``-``max_words`` words, in book order.

    Sentences longer than ``clause_words`` words (default ``max_words``) are split into their clauses.
    """
    seen: set[str] = set()
    sentences = []
    for name, path in export_books(cache_dir).items():
        bounds = (MOBY_DICK_START, MOBY_DICK_END) if name == MOBY_DICK else (None, None)
        sentences += speakable_sentences(read_paragraphs(path, *bounds), name, min_words, max_words,
                                         clause_words or max_words, seen)
    return sentences


def speakable_sentences(paragraphs: Iterable[str], source: str, min_words: int, max_words: int,
                        clause_words: int, seen: set[str] | None = None) -> list[Sentence]:
    """The speakable sentences (or clauses) of ``paragraphs`` with ``min_words``-``max_words`` words, in order.

    Sentences longer than ``clause_words`` words are split into their clauses; a transcript already in ``seen``
    is skipped, and each one kept is added to it.
    """
    seen = set() if seen is None else seen
    sentences = []
    for paragraph in paragraphs:
        for raw in split_sentences(paragraph):
            for unit in speakable_units(raw, clause_words):
                spoken = spoken_form(unit)
                if spoken is None:
                    continue
                text = normalize_transcript(spoken)
                if min_words <= len(text.split()) <= max_words and text not in seen:
                    seen.add(text)
                    sentences.append(Sentence(spoken, text, source))
    return sentences


def restrict_vocabulary(sentences: list[Sentence], vocab_size: int, tokenize: Callable[[str], list[str]] = str.split,
                        ranking_source: str | None = None) -> tuple[list[Sentence], list[str]]:
    """Keep the sentences whose tokens are all among the ``vocab_size`` most frequent tokens.

    A moderate, closed vocabulary lets a small model and a small LM cover the test text; 0 keeps everything.
    Tokens are ``tokenize(text)``: words for English, characters for Mandarin. They are ranked by their counts in
    all ``sentences``, or only in those of ``ranking_source`` (e.g. modern Mandarin ranks the characters while
    classical text may still use them). Returns the kept sentences (order preserved) and the vocabulary (most
    frequent first, ties by token).
    """
    counts = collections.Counter(token for sentence in sentences
                                 if ranking_source is None or sentence.source == ranking_source
                                 for token in tokenize(sentence.text))
    ranked = sorted(counts, key=lambda token: (-counts[token], token))
    if vocab_size <= 0:
        return list(sentences), ranked
    vocabulary = set(ranked[:vocab_size])
    kept = [s for s in sentences if all(token in vocabulary for token in tokenize(s.text))]
    return kept, ranked[:vocab_size]


def without_leaks(sentences: Iterable[str], spoken: Iterable[str], evaluated: Iterable[str]) -> list[str]:
    """``sentences`` less those equal to a ``spoken`` text or containing an ``evaluated`` (dev/test) one.

    Evaluated texts are indexed by their first ``key`` characters (the shortest one's length), so each sentence
    costs one dictionary look-up per position instead of a search for every evaluated text.
    """
    spoken = set(spoken)
    evaluated = {text for text in evaluated if text}
    key = min(map(len, evaluated), default=1)
    by_prefix: dict[str, list[str]] = {}
    for text in evaluated:
        by_prefix.setdefault(text[:key], []).append(text)

    def leaks(sentence: str) -> bool:
        return sentence in spoken or any(
            sentence.startswith(text, start)
            for start in range(len(sentence) - key + 1)
            for text in by_prefix.get(sentence[start:start + key], ()))

    return [sentence for sentence in sentences if not leaks(sentence)]
