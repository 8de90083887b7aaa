"""Word and character error rates with DS2's text conventions, on the C ``editdistance`` package."""
from __future__ import annotations

import editdistance


def word_errors(reference: str, hypothesis: str, ignore_case: bool = False,
                delimiter: str = " ") -> tuple[float, int]:
    """(word-level Levenshtein distance, number of reference words); empty words are dropped."""
    if ignore_case:
        reference, hypothesis = reference.lower(), hypothesis.lower()
    ref_words = [word for word in reference.split(delimiter) if word]
    hyp_words = [word for word in hypothesis.split(delimiter) if word]
    return float(editdistance.eval(ref_words, hyp_words)), len(ref_words)


def char_errors(reference: str, hypothesis: str, ignore_case: bool = False,
                remove_space: bool = False) -> tuple[float, int]:
    """(character-level Levenshtein distance, reference length) after collapsing runs of spaces
    and trimming the ends, or removing spaces altogether with ``remove_space``."""
    if ignore_case:
        reference, hypothesis = reference.lower(), hypothesis.lower()
    join_char = "" if remove_space else " "
    reference = join_char.join(word for word in reference.split(" ") if word)
    hypothesis = join_char.join(word for word in hypothesis.split(" ") if word)
    return float(editdistance.eval(reference, hypothesis)), len(reference)


def wer(reference: str, hypothesis: str, ignore_case: bool = False, delimiter: str = " ") -> float:
    """Word error rate: word edits / reference words; a reference without words is a ValueError."""
    distance, ref_len = word_errors(reference, hypothesis, ignore_case, delimiter)
    if ref_len == 0:
        raise ValueError("Reference's word number should be greater than 0.")
    return distance / ref_len


def cer(reference: str, hypothesis: str, ignore_case: bool = False, remove_space: bool = False) -> float:
    """Character error rate: character edits / reference characters; an empty reference is a ValueError."""
    distance, ref_len = char_errors(reference, hypothesis, ignore_case, remove_space)
    if ref_len == 0:
        raise ValueError("Length of reference should be greater than 0.")
    return distance / ref_len
