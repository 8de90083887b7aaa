"""TextFeaturizer: transcript -> token ids, one token per character, from a vocabulary file."""
from __future__ import annotations

import os


def load_vocabulary(vocab_filepath: str | os.PathLike) -> list[str]:
    """Read one token a line (index = line number - 1); a line holding one space is the space token."""
    vocab_filepath = os.fspath(vocab_filepath)
    with open(vocab_filepath, encoding="utf-8") as handle:
        vocab = [line[:-1] if line.endswith("\n") else line for line in handle]
    if not vocab:
        raise ValueError(f"{vocab_filepath}: the vocabulary is empty")
    seen: dict[str, int] = {}
    for line_no, token in enumerate(vocab, start=1):
        if not token:
            raise ValueError(f"{vocab_filepath}:{line_no}: empty token (a space token is a line with one space)")
        if token in seen:
            raise ValueError(f"{vocab_filepath}:{line_no}: token {token!r} repeats line {seen[token]}")
        seen[token] = line_no
    return vocab


class TextFeaturizer:
    """Map characters to vocabulary indices, as DS2 did (the transcript is stripped first)."""

    def __init__(self, vocab_filepath: str | os.PathLike) -> None:
        self._vocab_filepath = os.fspath(vocab_filepath)
        self._vocab_list = load_vocabulary(vocab_filepath)
        self._vocab_dict = {token: index for index, token in enumerate(self._vocab_list)}

    def featurize(self, text: str) -> list[int]:
        """Token ids of the characters of ``text``; ValueError for an empty text or unknown characters."""
        chars = list(text.strip())
        if not chars:
            raise ValueError(f"empty transcript {text!r}")
        unknown = sorted({char for char in chars if char not in self._vocab_dict})
        if unknown:
            raise ValueError(f"characters {unknown} of transcript {text!r} are not in the vocabulary "
                             f"{self._vocab_filepath}")
        return [self._vocab_dict[char] for char in chars]

    @property
    def vocab_size(self) -> int:
        return len(self._vocab_list)

    @property
    def vocab_list(self) -> list[str]:
        """Tokens in index order."""
        return self._vocab_list

    @property
    def vocab_dict(self) -> dict[str, int]:
        """Token -> index."""
        return self._vocab_dict
