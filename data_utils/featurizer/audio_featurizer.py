"""AudioFeaturizer: audio -> float32 [T, D] features (linear spectrogram, MFCC or log mel filterbank).

All three frame the whole signal at once (a strided view) and take one batched real FFT, so a
second of audio costs a few small matrix operations instead of a Python loop over frames.
"""
from __future__ import annotations

import numpy as np
import scipy.fft
from python_speech_features.base import get_filterbanks, lifter

from data_utils.audio import AudioError, AudioSegment

SPECGRAM_TYPES = ("linear", "mfcc", "fbank")
NUM_CEPSTRA = 13  # MFCC: python_speech_features' defaults (26 filters, 512-point FFT, lifter 22, pre-emphasis 0.97)
MFCC_FILTERS, MFCC_NFFT, MFCC_LIFTER, MFCC_PREEMPHASIS = 26, 512, 22, 0.97
DELTA_WINDOW = 2
FBANK_LOW_FREQ = 20.0
EPS = 1e-14


def frame_signal(samples: np.ndarray, window_size: int, stride_size: int) -> np.ndarray:
    """[T, window_size] read-only view of the full windows (a partial last window is dropped, as in DS2)."""
    if len(samples) < window_size:
        raise ValueError(f"audio of {len(samples)} samples is shorter than one {window_size}-sample window")
    return np.lib.stride_tricks.sliding_window_view(samples, window_size)[::stride_size]


def power_spectrum(frames: np.ndarray, n_fft: int, sample_rate: int) -> np.ndarray:
    """DS2's scaled power spectrum of Hann-windowed frames: [T, n_fft // 2 + 1].

    |rfft|^2 is divided by (window energy * sample rate) and every bin but the first and last is
    doubled, giving a one-sided power spectral density that does not depend on the window length.
    """
    window = np.hanning(frames.shape[1]).astype(np.float32)
    spectrum = scipy.fft.rfft(frames * window, n=n_fft, axis=1, workers=1)
    power = np.square(spectrum.real) + np.square(spectrum.imag)
    power[:, 1:-1] *= 2.0
    return power / np.float32(np.sum(window.astype(np.float64) ** 2) * sample_rate)


def linear_bins(sample_rate: int, window_size: int, max_freq: float) -> int:
    """How many FFT bins of a ``window_size`` FFT lie at or below ``max_freq`` Hz."""
    freqs = float(sample_rate) / window_size * np.arange(window_size // 2 + 1)
    return int(np.count_nonzero(freqs <= max_freq))


def linear_specgram(samples: np.ndarray, sample_rate: int, stride_ms: float, window_ms: float,
                    max_freq: float) -> np.ndarray:
    """DS2's log power spectrogram: [T, bins up to max_freq] with FFT size = window length."""
    stride_size, window_size = int(0.001 * sample_rate * stride_ms), int(0.001 * sample_rate * window_ms)
    power = power_spectrum(frame_signal(samples, window_size, stride_size), window_size, sample_rate)
    return np.log(power[:, :linear_bins(sample_rate, window_size, max_freq)] + np.float32(EPS))


def mel_filterbank(num_mel_bins: int, n_fft: int, sample_rate: int, low_freq: float,
                   high_freq: float) -> np.ndarray:
    """[n_fft // 2 + 1, num_mel_bins] triangular filters evenly spaced on the HTK mel scale."""
    def to_mel(hz):
        return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)

    edges = 700.0 * (10.0 ** (np.linspace(to_mel(low_freq), to_mel(high_freq), num_mel_bins + 2) / 2595.0) - 1.0)
    freqs = np.arange(n_fft // 2 + 1) * sample_rate / n_fft
    lower, center, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs - lower) / (center - lower)
    falling = (upper - freqs) / (upper - center)
    return np.maximum(0.0, np.minimum(rising, falling)).T.astype(np.float32)


def deltas(features: np.ndarray, window: int = DELTA_WINDOW) -> np.ndarray:
    """Regression deltas over +-window frames, edges repeated (python_speech_features.delta, vectorised)."""
    num_frames = len(features)
    padded = np.pad(features, ((window, window), (0, 0)), mode="edge")
    result = np.zeros_like(features)
    for n in range(1, window + 1):
        result += n * (padded[window + n:window + n + num_frames] - padded[window - n:window - n + num_frames])
    return result / (2 * sum(n * n for n in range(1, window + 1)))


class AudioFeaturizer:
    """Turn an AudioSegment into time-major float32 features after resampling and dB normalisation.

    ``linear``: DS2's log power spectrogram (Hann window, FFT of the window length: 161 bins for
    20 ms at 16 kHz). ``mfcc``: 13 cepstra + deltas + delta-deltas, numerically python_speech_features'
    ``mfcc`` / ``delta`` as DS2 called them (rectangular window). ``fbank``: log mel filterbank
    energies of the same Hann-windowed frames as ``linear``, zero-padded to a power-of-two FFT, with
    ``num_mel_bins`` triangular HTK-mel filters from 20 Hz to ``max_freq`` (not Kaldi's povey window).
    """

    def __init__(self, specgram_type: str = "linear", stride_ms: float = 10.0, window_ms: float = 20.0,
                 max_freq: float | None = None, target_sample_rate: int = 16000,
                 use_dB_normalization: bool = True, target_dB: float = -20, num_mel_bins: int = 80) -> None:
        if specgram_type not in SPECGRAM_TYPES:
            raise ValueError(f"specgram_type must be one of {SPECGRAM_TYPES}, got {specgram_type!r}")
        if not 0 < stride_ms <= window_ms:
            raise ValueError(f"need 0 < stride_ms <= window_ms, got stride_ms={stride_ms}, window_ms={window_ms}")
        nyquist = target_sample_rate / 2
        max_freq = nyquist if max_freq is None else max_freq
        if not 0 < max_freq <= nyquist:
            raise ValueError(f"max_freq must be in (0, {nyquist}] for target_sample_rate={target_sample_rate}, "
                             f"got {max_freq}")
        self._window_size = int(0.001 * target_sample_rate * window_ms)
        self._stride_size = int(0.001 * target_sample_rate * stride_ms)
        if self._stride_size < 1 or self._window_size < 2:
            raise ValueError(f"stride_ms={stride_ms}, window_ms={window_ms} give under 1 and 2 samples "
                             f"at {target_sample_rate} Hz")
        if num_mel_bins < 1:
            raise ValueError(f"num_mel_bins must be >= 1, got {num_mel_bins}")
        self._specgram_type = specgram_type
        self._stride_ms, self._window_ms, self._max_freq = stride_ms, window_ms, max_freq
        self._target_sample_rate = target_sample_rate
        self._use_dB_normalization, self._target_dB = use_dB_normalization, target_dB
        self._num_mel_bins = num_mel_bins
        if specgram_type == "fbank":
            self._fbank_nfft = 1 << (self._window_size - 1).bit_length()
            self._filters = mel_filterbank(num_mel_bins, self._fbank_nfft, target_sample_rate,
                                           min(FBANK_LOW_FREQ, max_freq / 2), max_freq)
        elif specgram_type == "mfcc":
            filters = get_filterbanks(MFCC_FILTERS, MFCC_NFFT, target_sample_rate, 0, max_freq)
            self._filters = filters.T.astype(np.float32)

    @property
    def feature_dim(self) -> int:
        """D of the [T, D] features."""
        if self._specgram_type == "mfcc":
            return 3 * NUM_CEPSTRA
        if self._specgram_type == "fbank":
            return self._num_mel_bins
        return linear_bins(self._target_sample_rate, self._window_size, self._max_freq)

    def featurize(self, audio_segment: AudioSegment, allow_downsampling: bool = True,
                  allow_upsampling: bool = True) -> np.ndarray:
        """Features [T, D] float32 of the audio; the segment itself is left unchanged."""
        if audio_segment.num_samples == 0:
            raise AudioError("cannot featurize empty audio")
        audio = AudioSegment(audio_segment.samples, audio_segment.sample_rate)
        rate, target = audio.sample_rate, self._target_sample_rate
        if (rate > target and allow_downsampling) or (rate < target and allow_upsampling):
            audio.resample(target)
        if audio.sample_rate != target:
            raise ValueError(f"audio sample rate {rate} Hz is not the target {target} Hz and resampling is "
                             f"disallowed (allow_downsampling={allow_downsampling}, "
                             f"allow_upsampling={allow_upsampling})")
        if self._use_dB_normalization:
            audio.normalize(target_db=self._target_dB)
        samples = audio.samples
        if self._specgram_type == "linear":
            features = linear_specgram(samples, target, self._stride_ms, self._window_ms, self._max_freq)
        elif self._specgram_type == "mfcc":
            features = self._mfcc(samples)
        else:
            features = self._fbank(samples)
        return features.astype(np.float32, copy=False)

    def _fbank(self, samples: np.ndarray) -> np.ndarray:
        frames = frame_signal(samples, self._window_size, self._stride_size)
        power = power_spectrum(frames, self._fbank_nfft, self._target_sample_rate)
        return np.log(power @ self._filters + np.float32(EPS))

    def _mfcc(self, samples: np.ndarray) -> np.ndarray:
        """python_speech_features.mfcc (+ delta, delta-delta) on all frames at once, in float32."""
        rate = self._target_sample_rate
        emphasized = np.empty_like(samples)
        emphasized[0] = samples[0]
        emphasized[1:] = samples[1:] - np.float32(MFCC_PREEMPHASIS) * samples[:-1]
        frame_len = int(np.floor(0.001 * self._window_ms * rate + 0.5))
        frame_step = int(np.floor(0.001 * self._stride_ms * rate + 0.5))
        num_frames = 1 + max(0, int(np.ceil((len(emphasized) - frame_len) / frame_step)))
        padded = np.zeros((num_frames - 1) * frame_step + frame_len, dtype=np.float32)
        padded[:len(emphasized)] = emphasized
        frames = np.zeros((num_frames, MFCC_NFFT), dtype=np.float32)
        used = min(frame_len, MFCC_NFFT)  # like numpy's rfft(frames, n), a longer frame is truncated
        frames[:, :used] = np.lib.stride_tricks.sliding_window_view(padded, frame_len)[::frame_step, :used]
        spectrum = scipy.fft.rfft(frames, axis=1, workers=1, overwrite_x=True)
        power = (np.square(spectrum.real) + np.square(spectrum.imag)) / np.float32(MFCC_NFFT)
        tiny = np.float32(np.finfo(float).eps)
        energy = np.sum(power, axis=1)
        mel = power @ self._filters
        cepstra = scipy.fft.dct(np.log(np.where(mel == 0, tiny, mel)), type=2, axis=1, norm="ortho")
        cepstra = lifter(cepstra[:, :NUM_CEPSTRA], MFCC_LIFTER).astype(np.float32)
        cepstra[:, 0] = np.log(np.where(energy == 0, tiny, energy))
        delta = deltas(cepstra)
        return np.concatenate([cepstra, delta, deltas(delta)], axis=1)
