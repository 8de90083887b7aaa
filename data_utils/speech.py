"""SpeechSegment: an AudioSegment with its transcript."""
from __future__ import annotations

import os

import numpy as np

from data_utils.audio import AudioSegment


class SpeechSegment(AudioSegment):
    """Audio plus the text spoken in it; equality also compares the transcript."""

    def __init__(self, samples: np.ndarray, sample_rate: int, transcript: str) -> None:
        super().__init__(samples, sample_rate)
        self._transcript = transcript

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and self._transcript == other._transcript

    @property
    def transcript(self) -> str:
        return self._transcript

    @classmethod
    def from_file(cls, path: str | os.PathLike, transcript: str) -> "SpeechSegment":
        audio = AudioSegment.from_file(path)
        return cls(audio._samples, audio.sample_rate, transcript)

    @classmethod
    def from_bytes(cls, data: bytes, transcript: str) -> "SpeechSegment":
        audio = AudioSegment.from_bytes(data)
        return cls(audio._samples, audio.sample_rate, transcript)

    @classmethod
    def concatenate(cls, *segments: "SpeechSegment") -> "SpeechSegment":
        """Join audio end to end and the non-empty transcripts with single spaces.

        (DS2 glued transcripts without a separator, which merges the last and first words.)
        """
        samples, sample_rate = cls._joined_samples(segments)
        transcript = " ".join(seg.transcript.strip() for seg in segments if seg.transcript.strip())
        return cls(samples, sample_rate, transcript)

    @classmethod
    def make_silence(cls, duration: float, sample_rate: int) -> "SpeechSegment":
        """Silence with an empty transcript."""
        silence = AudioSegment.make_silence(duration, sample_rate)
        return cls(silence._samples, sample_rate, "")
