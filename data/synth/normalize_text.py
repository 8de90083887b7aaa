"""Text normalisation for the synthetic corpus.

Two steps, kept apart on purpose:

* ``spoken_form`` turns a book sentence into the exact words a TTS engine should say (abbreviations and
  numbers written out, typography made plain) while keeping punctuation for prosody. The engines are fed this
  text, so what they say and what the transcript says can never disagree (``Mr.`` or ``1811`` would otherwise be
  read differently by each engine).
* ``normalize_transcript`` reduces any text to DS2's transcript alphabet: lower-case a-z, space and apostrophe.
"""
from __future__ import annotations

import re
import unicodedata

from num2words import num2words

# Abbreviations that end in a period in the source books, with the words every engine should say.
ABBREVIATIONS = {
    "Mr": "Mister", "Mrs": "Missus", "Dr": "Doctor", "St": "Saint", "Esq": "Esquire", "Capt": "Captain",
    "Col": "Colonel", "Gen": "General", "Rev": "Reverend", "Lieut": "Lieutenant", "Messrs": "Messieurs",
}
_ABBREVIATION_RE = re.compile(r"\b(" + "|".join(ABBREVIATIONS) + r")\.")

_UNICODE_PUNCTUATION = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2013": " - ", "\u2014": " - ", "\u2015": " - ", "\u2212": " - ", "\u2026": "...", "\u00a0": " ",
}
_UNICODE_RE = re.compile("|".join(map(re.escape, _UNICODE_PUNCTUATION)))

_ORDINAL_RE = re.compile(r"\b(\d+)(st|nd|rd|th)\b", re.IGNORECASE)
_POUNDS_RE = re.compile(r"[£L](\d[\d,]*)\b")
_DOLLARS_RE = re.compile(r"\$(\d[\d,]*)\b")
_NUMBER_RE = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
_ROMAN_RE = re.compile(r"\b[IVXLCDM]{2,}\b")
_SHOUTED_RE = re.compile(r"\b[A-Z]{2,}\b")
# What may remain in a spoken-form sentence; anything else (symbols, foreign letters) rejects it.
_SPEAKABLE_RE = re.compile(r"^[A-Za-z' ,.;:!?\"()-]+$")


def plain_typography(text: str) -> str:
    """Map unicode quotes, dashes and ellipses to ASCII and drop italics underscores and brackets."""
    text = unicodedata.normalize("NFKC", text)
    text = _UNICODE_RE.sub(lambda m: _UNICODE_PUNCTUATION[m.group(0)], text)
    text = text.replace("--", " - ").replace("_", "").replace("[", "").replace("]", "")
    return re.sub(r"\s+", " ", text).strip()


def expand_abbreviations(text: str) -> str:
    """Write out ``Mr.``-style abbreviations and ``&c.``; done before sentence splitting so their periods do not split."""
    text = text.replace("&c.", "et cetera.").replace("&c", "et cetera").replace("&", " and ")
    return _ABBREVIATION_RE.sub(lambda m: ABBREVIATIONS[m.group(1)], text)


def number_to_words(number: str) -> str:
    """Spell a plain number (``7``, ``1,200``, ``3.5``) as words without hyphens or commas.

    Four-digit numbers 1100-1999 written without a comma are read as years (``1811`` -> eighteen eleven).
    """
    digits = number.replace(",", "")
    if "." in digits:
        words = num2words(float(digits))
    elif "," not in number and len(digits) == 4 and 1100 <= int(digits) <= 1999:
        words = num2words(int(digits), to="year")
    else:
        words = num2words(int(digits))
    return words.replace("-", " ").replace(",", "")


def spell_numbers(text: str) -> str:
    """Replace ordinals, pound/dollar amounts and plain numbers by words."""
    text = _ORDINAL_RE.sub(lambda m: num2words(int(m.group(1)), to="ordinal").replace("-", " "), text)
    text = _POUNDS_RE.sub(lambda m: number_to_words(m.group(1)) + " pounds", text)
    text = _DOLLARS_RE.sub(lambda m: number_to_words(m.group(1)) + " dollars", text)
    text = _NUMBER_RE.sub(lambda m: number_to_words(m.group(0)), text)
    return text


def spoken_form(sentence: str) -> str | None:
    """The sentence as a TTS engine should read it, or None when it cannot be read unambiguously.

    Rejected: Roman numerals and all-capital words (chapter headings, ``CHAPTER IV``), and any symbol left after
    numbers, abbreviations and typography were handled. Intra-word hyphens become spaces (``to-morrow``), since
    the transcript has no hyphen either; leading dashes and commas go (an engine could take ``-`` for an option).
    """
    text = spell_numbers(expand_abbreviations(plain_typography(sentence)))
    if _ROMAN_RE.search(text) or _SHOUTED_RE.search(text) or not _SPEAKABLE_RE.match(text):
        return None
    text = re.sub(r"(?<=\w)-(?=\w)", " ", text)
    text = re.sub(r"\s+", " ", text).strip().lstrip(" -,;:.")
    return text or None


def normalize_transcript(text: str) -> str:
    """Lower-case ``text`` and keep only a-z, space and apostrophes between letters (DS2's English alphabet)."""
    text = plain_typography(text).lower()
    text = re.sub(r"[^a-z']+", " ", text)
    text = re.sub(r"(?<![a-z])'|'(?![a-z])", " ", text)
    return re.sub(r"\s+", " ", text).strip()
