"""Mandarin text normalisation for the synthetic corpus.

As for English, two steps kept apart:

* ``spoken_form`` makes a source sentence speakable: full-width forms folded (NFKC), Arabic numbers written as
  Chinese numerals, punctuation reduced to the pauses the engine needs (``,`` ``.`` ``?`` ``!``). Anything else
  (Latin letters, symbols) rejects the sentence, since the transcript alphabet is Chinese characters only.
* ``normalize_transcript`` keeps only the Chinese characters: no punctuation (full- or half-width), no spaces.
  This is the form of AISHELL's transcripts and of DS2's character vocabulary.

``to_pinyin`` turns a spoken-form sentence into the tone-numbered pinyin that espeak-ng's ``cmn-latn-pinyin``
voice reads (its ``cmn`` voice reads tone digits as English numbers).

Numbers: four digits before 年 are a year, read digit by digit (2024年 -> 二零二四年); a decimal point is 点
and the fraction is read digit by digit; ``%`` is 百分之; numbers with a leading zero or more than 12 digits
(codes, telephone numbers) are read digit by digit; every other integer is a quantity (123 -> 一百二十三).
"""
from __future__ import annotations

import re
import unicodedata

from pypinyin import Style, lazy_pinyin

DIGITS = "零一二三四五六七八九"
_GROUP_UNITS = ((1000, "千"), (100, "百"), (10, "十"), (1, ""))
_MYRIAD_UNITS = ((10 ** 8, "亿"), (10 ** 4, "万"), (1, ""))
MAX_QUANTITY_DIGITS = 12

_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_HAN_RE = re.compile(f"[{_HAN}]")
_NOT_HAN_RE = re.compile(f"[^{_HAN}]+")
_HAN_RUN_RE = re.compile(f"[{_HAN}]+")
_YEAR_RE = re.compile(r"(?<!\d)(?<!\d\.)(\d{4})(?=年)")
_PERCENT_RE = re.compile(r"(\d+(?:\.\d+)?)%")
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
# Pauses kept for the engine's prosody (after NFKC, which already folds ，！？：；（） to ASCII).
_PAUSES = {"，": ",", "、": ",", ",": ",", ":": ",", ";": ".", "。": ".", ".": ".", "…": ".", "!": "!", "?": "?"}
_DROPPED = "\"'“”‘’《》〈〉「」『』【】()[]—-～~·・ "
_SYLLABLE_RE = re.compile(r"[a-z]+[1-5]")


def read_digits(digits: str) -> str:
    """Digit by digit: ``2024`` -> 二零二四."""
    return "".join(DIGITS[int(digit)] for digit in digits)


def _read_group(number: int) -> str:
    """1-9999 with 千/百/十 and one 零 for each run of inner zeros (``1005`` -> 一千零五)."""
    parts, gap = [], False
    for value, unit in _GROUP_UNITS:
        digit = number // value % 10
        if digit == 0:
            gap = bool(parts)
            continue
        if gap:
            parts.append("零")
            gap = False
        parts.append(DIGITS[digit] + unit)
    return "".join(parts)


def read_integer(number: int) -> str:
    """A quantity in Chinese numerals: ``123`` -> 一百二十三, ``10005`` -> 一万零五, ``15`` -> 十五."""
    if not 0 <= number < 10 ** MAX_QUANTITY_DIGITS:
        raise ValueError(f"{number} is not a quantity of at most {MAX_QUANTITY_DIGITS} digits")
    if number == 0:
        return DIGITS[0]
    parts: list[str] = []
    gap = False
    for value, unit in _MYRIAD_UNITS:
        group = number // value % 10000
        if group == 0:
            gap = bool(parts)
            continue
        if parts and (gap or group < 1000):
            parts.append("零")
        gap = False
        parts.append(_read_group(group) + unit)
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text


def read_number(number: str) -> str:
    """A decimal or integer string as it is read aloud (``3.14`` -> 三点一四)."""
    whole, _, fraction = number.partition(".")
    if len(whole) > 1 and whole.startswith("0") or len(whole) > MAX_QUANTITY_DIGITS:
        spoken = read_digits(whole)
    else:
        spoken = read_integer(int(whole))
    return spoken + "点" + read_digits(fraction) if fraction else spoken


def spell_numbers(text: str) -> str:
    """Replace years, percentages and other numbers by Chinese numerals (see the module docstring)."""
    text = _YEAR_RE.sub(lambda m: read_digits(m.group(1)), text)
    text = _PERCENT_RE.sub(lambda m: "百分之" + read_number(m.group(1)), text)
    return _NUMBER_RE.sub(lambda m: read_number(m.group(0)), text)


def spoken_form(sentence: str) -> str | None:
    """The sentence as the engine should read it (Chinese characters and pause marks), or None if unreadable."""
    text = spell_numbers(unicodedata.normalize("NFKC", sentence))
    out: list[str] = []
    for char in text:
        if _HAN_RE.match(char):
            out.append(char)
        elif char in _PAUSES:
            if out and out[-1] not in ",.!?":
                out.append(_PAUSES[char])
        elif char not in _DROPPED:
            return None
    spoken = "".join(out).lstrip(",.!?")
    return spoken if _HAN_RE.search(spoken) else None


def normalize_transcript(text: str) -> str:
    """Only the Chinese characters of ``text`` (punctuation, spaces and everything else removed)."""
    return _NOT_HAN_RE.sub("", unicodedata.normalize("NFKC", text))


def to_pinyin(spoken: str) -> str | None:
    """Tone-numbered pinyin of a spoken-form sentence (``你好。`` -> ``ni3 hao3.``), None if a character has none.

    Each run of characters is converted as a whole, so pypinyin can pick a polyphonic character's reading from
    its words; ``v`` stands for ü and ``5`` for the neutral tone, as espeak-ng's pinyin voice expects.
    """
    pieces: list[str] = []
    position = 0
    for run in _HAN_RUN_RE.finditer(spoken):
        pieces.append(spoken[position:run.start()])
        syllables = lazy_pinyin(run.group(0), style=Style.TONE3, neutral_tone_with_five=True)
        if len(syllables) != len(run.group(0)) or not all(_SYLLABLE_RE.fullmatch(s) for s in syllables):
            return None
        pieces.append(" ".join(syllables))
        position = run.end()
    pieces.append(spoken[position:])
    return re.sub(r"\s*([,.!?])\s*", r"\1 ", "".join(pieces)).strip()
