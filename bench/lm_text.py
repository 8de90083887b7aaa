"""The books LM against the general-purpose English LM: size, load time, perplexity and OOV rate; a Markdown table.

Both LMs are word 4-grams (lmplz, KenLM trie) built here in ``--work_dir``:

* books: every sentence or clause of the corpus's books of any length, as the tiny example's ``lm_text.txt`` holds
  them (there without the ~6 h of sentences its utterances speak, which this machine may not have synthesised);
* general: books + Tatoeba's everyday English, the World English Bible and the English fortunes
  (``data/synth/lm_text_en.py``), unpruned and with each ``--prunes`` setting; and, to show what each source
  brings, books plus each of the three, and general without it.

They are scored on two texts that no LM line equals or contains: the Harvard sentences (the out-of-domain split's
text, normalised as transcripts) and, standing in for the tiny example's test split, the 4-18-word sentences of
Persuasion's last two chapters (from chapter 23 on), held out of both LMs. Load time is the median of
``--loads`` loads, cold (the binary evicted from the page cache before each load) and warm: KenLM alone, and the
decoder's Scorer (KenLM plus the dictionary of the LM's words that restricts the beam search, built from the tiny
example's character vocabulary).

    python bench/lm_text.py --work_dir /tmp/lm_text_bench
"""
from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from data.synth.lm_text_en import (GENERAL_SOURCES, build_pool, harvard_sentences, normalised_units,  # noqa: E402
                                   reserved_texts)
from data.synth.text_sources import MOBY_DICK, MOBY_DICK_END, MOBY_DICK_START, export_books  # noqa: E402
from data.synth.text_sources import read_paragraphs  # noqa: E402
from decoders.swig_wrapper import Scorer  # noqa: E402
from models.lm.evaluate_lm import load_kenlm, lm_coverage  # noqa: E402
from models.lm.train_lm import build_binary, train_arpa  # noqa: E402
from utils.utility import add_arguments, atomic_write, print_arguments  # noqa: E402

HELD_OUT_BOOK = "persuasion"
HELD_OUT_START = "Chapter 23"
CHARACTERS = list(" 'abcdefghijklmnopqrstuvwxyz")  # the tiny example's vocabulary

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
add_arg = functools.partial(add_arguments, argparser=parser)
add_arg("work_dir", str, "/tmp/lm_text_bench", "Scratch folder: texts, ARPA files, binaries, exported books.")
add_arg("order", int, 4, "N-gram order of every LM.")
add_arg("prunes", str, "0 0 1 1;0 1 1 1", "Semicolon-separated lmplz --prune settings tried on the general text.")
add_arg("loads", int, 3, "Loads per LM for the load time.")
add_arg("ablation", bool, True, "Also books plus each general source, and general without it (first --prunes).")


def book_texts(cache_dir: str) -> tuple[list[str], list[str]]:
    """(the books' units but Persuasion's last chapters, those chapters' 4-18-word sentences)."""
    paragraphs = []
    for name, path in export_books(cache_dir).items():
        if name == MOBY_DICK:
            paragraphs += read_paragraphs(path, MOBY_DICK_START, MOBY_DICK_END)
        elif name == HELD_OUT_BOOK:
            paragraphs += read_paragraphs(path, end=HELD_OUT_START)
            held_out = read_paragraphs(path, start=HELD_OUT_START)
        else:
            paragraphs += read_paragraphs(path)
    test = [text for text in normalised_units(held_out) if 4 <= len(text.split()) <= 18]
    return normalised_units(paragraphs), test


def write_lines(path: str, lines: list[str]) -> None:
    with atomic_write(path, encoding="utf-8") as handle:
        handle.writelines(line + "\n" for line in lines)


def evict(path: str) -> None:
    """Drop ``path``'s pages from the page cache, so that the next load reads it from the disk (a cold start)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fdatasync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def median_seconds(load, loads: int, cold_path: str | None = None) -> float:
    """Median wall time of ``loads`` calls of ``load``, each after evicting ``cold_path`` from the page cache."""
    times = []
    for _ in range(loads):
        if cold_path:
            evict(cold_path)
        start = time.perf_counter()
        load()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(name: str, lines: list[str], prune: str, args: argparse.Namespace, tests: dict[str, list[str]]) -> dict:
    """Train one LM on ``lines`` and measure it; returns the table row's values."""
    stem = os.path.join(args.work_dir, name.replace(" ", "_") + ("_prune" + prune.replace(" ", "") if prune else ""))
    write_lines(stem + ".txt", lines)
    start = time.perf_counter()
    train_arpa(stem + ".txt", stem + ".arpa", args.order, prune)
    build_binary(stem + ".arpa", stem + ".klm")
    row = {"text": name, "prune": prune or "none", "lines": len(lines),
           "words": sum(len(line.split()) for line in lines),
           "build_s": time.perf_counter() - start, "mb": os.path.getsize(stem + ".klm") / 1e6,
           "kenlm_s": median_seconds(lambda: load_kenlm(stem + ".klm"), args.loads),
           "kenlm_cold_s": median_seconds(lambda: load_kenlm(stem + ".klm"), args.loads, stem + ".klm"),
           "scorer_s": median_seconds(lambda: Scorer(2.5, 0.3, stem + ".klm", CHARACTERS), args.loads),
           "scorer_cold_s": median_seconds(lambda: Scorer(2.5, 0.3, stem + ".klm", CHARACTERS), args.loads,
                                           stem + ".klm")}
    model = load_kenlm(stem + ".klm")
    row["types"] = len({word for line in lines for word in line.split()})
    row.update({test: lm_coverage(model, sentences) for test, sentences in tests.items()})
    print(f"{name}, prune {row['prune']}: {row['mb']:.1f} MB, cold load {row['scorer_cold_s']:.2f} s", flush=True)
    return row


def table(rows: list[dict], tests: dict[str, list[str]]) -> str:
    """The Markdown table: one row per LM, then per test text its perplexity ("ppl"), the share of its words outside
    the LM's vocabulary ("OOV") and the share of its sentences holding such a word ("OOV sent.")."""
    header = ("| LM text | prune | lines | words | types | MB | KenLM load s | Scorer load s | "
              + " | ".join(f"{test} ppl | OOV | OOV sent." for test in tests) + " |")
    lines = [header, "|---|---|" + "---:|" * (6 + 3 * len(tests))]
    for row in rows:
        cells = [row["text"], row["prune"], f"{row['lines']:,}", f"{row['words']:,}", f"{row['types']:,}",
                 f"{row['mb']:.1f}", f"{row['kenlm_cold_s']:.2f} / {row['kenlm_s']:.2f}",
                 f"{row['scorer_cold_s']:.2f} / {row['scorer_s']:.2f}"]
        for test in tests:
            coverage = row[test]
            cells += [f"{coverage.perplexity:.0f}", f"{coverage.oov_rate:.1%}", f"{coverage.oov_sentence_rate:.1%}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict]:
    """Build the texts and LMs, print the table; returns the rows."""
    args = parser.parse_args(argv)
    print_arguments(args)
    cache = os.path.join(args.work_dir, "cache")
    books, persuasion = book_texts(cache)
    harvard = harvard_sentences(cache)
    tests = {"Harvard": harvard, "Persuasion": persuasion}
    print(f"{len(harvard)} Harvard sentences ({sum(len(text.split()) for text in harvard)} words), "
          f"{len(persuasion)} Persuasion sentences ({sum(len(text.split()) for text in persuasion)} words)")
    novel, contained = reserved_texts(cache)
    spoken, evaluated = novel + persuasion, contained + persuasion
    general = {name: source(cache) for name, source in GENERAL_SOURCES.items()}
    general_pool = build_pool([books, *general.values()], spoken, evaluated)
    rows = [measure("books", build_pool([books], spoken, evaluated), "", args, tests),
            measure("general", general_pool, "", args, tests)]
    rows += [measure("general", general_pool, prune, args, tests) for prune in args.prunes.split(";") if prune]
    if args.ablation:
        prune = args.prunes.split(";")[0]
        for name in general:
            rows.append(measure(f"books + {name}", build_pool([books, general[name]], spoken, evaluated), prune,
                                args, tests))
            others = [paragraphs for other, paragraphs in general.items() if other != name]
            rows.append(measure(f"general without {name}", build_pool([books, *others], spoken, evaluated), prune,
                                args, tests))
    print()
    print(table(rows, tests))
    return rows


if __name__ == "__main__":
    main()
