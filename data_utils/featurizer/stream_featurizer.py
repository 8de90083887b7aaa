"""StreamFeaturizer: AudioFeaturizer's features of audio that arrives in pieces (a live stream).

    featurizer = StreamFeaturizer(model.config["feature"], sample_rate=48000)
    for chunk in chunks:                       # float32 samples in [-1, 1] at sample_rate, any sizes
        frames = featurizer.accept(chunk)      # [new frames, D]: those whose window is complete
    frames = featurizer.finish()               # the frames the resampler still held

Frames are cut across chunk borders exactly as from the whole signal: at the target rate, the frames of all chunks
equal ``AudioFeaturizer(use_dB_normalization=False).featurize`` of the chunks' (gained) samples joined. Another
rate goes through a streaming soxr resampler, whose output matches whole-signal resampling up to its edge handling.

Loudness normalisation (``use_dB_normalization``) cannot wait for the whole utterance: each chunk is scaled by
``target_dB`` minus the RMS level of all the audio so far, pooled with PRIOR_SECONDS of prior audio at
``target_dB`` (DS2's online Bayesian normalisation, held constant within a chunk). Once the speech has gone on for a
while, the gain is close to the whole utterance's. Only linear and fbank features stream: MFCC's deltas and its
zero-padded last frame depend on the end of the utterance.
"""
from __future__ import annotations

import numpy as np
import soxr

from data_utils.audio import AudioSegment
from data_utils.featurizer.audio_featurizer import AudioFeaturizer

PRIOR_SECONDS = 0.5
STREAMABLE_SPECGRAMS = ("linear", "fbank")


class StreamFeaturizer:
    """Features [T, D] of a stream of sample chunks at ``sample_rate``, under the feature settings of a model's
    config (AudioFeaturizer's keyword arguments)."""

    def __init__(self, feature_config: dict, sample_rate: int):
        settings = {**feature_config, "use_dB_normalization": False}
        self._framer = AudioFeaturizer(**settings)
        if settings.get("specgram_type", "linear") not in STREAMABLE_SPECGRAMS:
            raise ValueError(f"only {' and '.join(STREAMABLE_SPECGRAMS)} features can stream, "
                             f"not {settings['specgram_type']}")
        self._rate = int(settings.get("target_sample_rate", 16000))
        self._window = int(0.001 * self._rate * settings.get("window_ms", 20.0))
        self._stride = int(0.001 * self._rate * settings.get("stride_ms", 10.0))
        self._normalize = feature_config.get("use_dB_normalization", True)
        self._target_db = feature_config.get("target_dB", -20)
        self._resampler = None if sample_rate == self._rate else \
            soxr.ResampleStream(sample_rate, self._rate, 1, dtype="float32", quality="HQ")
        prior = PRIOR_SECONDS * self._rate
        self._square_sum, self._count = prior * 10.0 ** (self._target_db / 10.0), prior
        self._buffer = np.zeros(0, dtype=np.float32)
        self.gain_db = 0.0  # the gain of the last chunk

    def accept(self, samples: np.ndarray) -> np.ndarray:
        """Take the next samples; return the feature frames they complete [n, D] (n may be 0)."""
        samples = np.asarray(samples, dtype=np.float32)
        if self._resampler is not None:
            samples = self._resampler.resample_chunk(samples)
        return self._frames(samples)

    def finish(self) -> np.ndarray:
        """The frames of the samples the resampler still holds; the stream is then over."""
        if self._resampler is None:
            return self._frames(np.zeros(0, dtype=np.float32))
        return self._frames(self._resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True))

    def _frames(self, samples: np.ndarray) -> np.ndarray:
        if self._normalize and len(samples):
            samples = self._gained(samples)
        self._buffer = np.concatenate([self._buffer, samples])
        count = 1 + (len(self._buffer) - self._window) // self._stride if len(self._buffer) >= self._window else 0
        if count == 0:
            return np.zeros([0, self._framer.feature_dim], dtype=np.float32)
        used = self._buffer[:(count - 1) * self._stride + self._window]
        self._buffer = self._buffer[count * self._stride:]
        return self._framer.featurize(AudioSegment(used, self._rate))

    def _gained(self, samples: np.ndarray) -> np.ndarray:
        """The samples scaled to the target level estimated from the audio so far (them included)."""
        self._square_sum += float(np.sum(np.square(samples, dtype=np.float64)))
        self._count += len(samples)
        self.gain_db = self._target_db - 10.0 * np.log10(self._square_sum / self._count)
        audio = AudioSegment(samples, self._rate)
        audio.gain_db(self.gain_db)
        return audio.samples
