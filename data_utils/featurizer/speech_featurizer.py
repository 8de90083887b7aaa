"""SpeechFeaturizer: a SpeechSegment -> (audio features [T, D], transcript token ids)."""
from __future__ import annotations

import os

import numpy as np

from data_utils.featurizer.audio_featurizer import AudioFeaturizer
from data_utils.featurizer.text_featurizer import TextFeaturizer
from data_utils.speech import SpeechSegment


class SpeechFeaturizer:
    """An AudioFeaturizer and a TextFeaturizer applied together (see those for the arguments)."""

    def __init__(self, vocab_filepath: str | os.PathLike, specgram_type: str = "linear", stride_ms: float = 10.0,
                 window_ms: float = 20.0, max_freq: float | None = None, target_sample_rate: int = 16000,
                 use_dB_normalization: bool = True, target_dB: float = -20, num_mel_bins: int = 80) -> None:
        self._audio_featurizer = AudioFeaturizer(
            specgram_type=specgram_type, stride_ms=stride_ms, window_ms=window_ms, max_freq=max_freq,
            target_sample_rate=target_sample_rate, use_dB_normalization=use_dB_normalization,
            target_dB=target_dB, num_mel_bins=num_mel_bins)
        self._text_featurizer = TextFeaturizer(vocab_filepath)

    def featurize(self, speech_segment: SpeechSegment) -> tuple[np.ndarray, list[int]]:
        """(features [T, D] float32, token ids of the transcript); the text is checked first, being cheap."""
        token_ids = self._text_featurizer.featurize(speech_segment.transcript)
        return self._audio_featurizer.featurize(speech_segment), token_ids

    @property
    def audio_featurizer(self) -> AudioFeaturizer:
        return self._audio_featurizer

    @property
    def text_featurizer(self) -> TextFeaturizer:
        return self._text_featurizer

    @property
    def vocab_size(self) -> int:
        return self._text_featurizer.vocab_size

    @property
    def vocab_list(self) -> list[str]:
        return self._text_featurizer.vocab_list

    @property
    def feature_dim(self) -> int:
        return self._audio_featurizer.feature_dim
