"""AudioSegment: mono float32 samples plus a sample rate, with DS2's loading and editing operations.

Samples are float32 in [-1, 1] (integer input is scaled by 2**(bits-1)); stereo is mixed to mono by
averaging the channels. Editing methods work in place (they rebind ``self._samples``, never writing into
an array the caller passed in) and return None, as in DS2.
"""
from __future__ import annotations

import io
import math
import os
import random
import tarfile

import numpy as np
import soundfile
import soxr
from scipy import signal

from data_utils.utility import is_tar_path, read_tar_member
from utils.utility import atomic_write

MAX_GAIN_DB = 300.0  # DS2's cap on normalisation / noise gain
_WAV_SUBTYPES = {"int16": "PCM_16", "int32": "PCM_32", "float32": "FLOAT", "float64": "DOUBLE"}


class AudioError(ValueError):
    """Audio that cannot be read or used (missing, corrupt, empty, silent, mismatched sample rates)."""


def _to_float32(samples: np.ndarray) -> np.ndarray:
    """Convert samples to float32, scaling integers to [-1, 1) and mixing [N, channels] to mono."""
    samples = np.asarray(samples)
    if np.issubdtype(samples.dtype, np.integer):
        bits = np.iinfo(samples.dtype).bits
        samples = samples.astype(np.float32) / np.float32(2 ** (bits - 1))
    elif not np.issubdtype(samples.dtype, np.floating):
        raise AudioError(f"unsupported sample type {samples.dtype}")
    if samples.ndim == 2:
        samples = samples.mean(axis=1)
    elif samples.ndim != 1:
        raise AudioError(f"samples must be [N] or [N, channels], got shape {samples.shape}")
    return samples.astype(np.float32, copy=False)


def _from_float32(samples: np.ndarray, dtype: str) -> np.ndarray:
    """Convert float samples in [-1, 1] to ``dtype``; integers are scaled by 2**(bits-1) and clipped."""
    dtype = np.dtype(dtype)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        scaled = np.round(samples.astype(np.float64) * 2.0 ** (info.bits - 1))
        return np.clip(scaled, info.min, info.max).astype(dtype)
    return samples.astype(dtype)


def _decode(source: str | io.BytesIO, name: str) -> tuple[np.ndarray, int]:
    try:
        samples, sample_rate = soundfile.read(source, dtype="float32", always_2d=True)
    except (soundfile.SoundFileError, RuntimeError, TypeError, ValueError) as err:
        raise AudioError(f"{name}: cannot decode audio ({err})") from None
    return samples, sample_rate


def _check_rate(sample_rate: int) -> int:
    if isinstance(sample_rate, bool) or int(sample_rate) != sample_rate or sample_rate <= 0:
        raise ValueError(f"sample rate must be a positive integer, got {sample_rate!r}")
    return int(sample_rate)


class AudioSegment:
    """Mono audio: float32 samples in [-1, 1] and an integer sample rate."""

    def __init__(self, samples: np.ndarray, sample_rate: int) -> None:
        self._samples = _to_float32(samples)
        self._sample_rate = _check_rate(sample_rate)

    def __eq__(self, other: object) -> bool:
        return (type(other) is type(self) and self._sample_rate == other._sample_rate
                and np.array_equal(self._samples, other._samples))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.duration:.3f} s at {self._sample_rate} Hz)"

    # ---- construction ----

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "AudioSegment":
        """Load WAV/FLAC/OGG (anything libsndfile reads), or a member of a tar shard via ``tar:``."""
        path = os.fspath(path)
        if is_tar_path(path):
            try:
                data = read_tar_member(path)
            except (OSError, ValueError, EOFError, tarfile.TarError) as err:
                raise AudioError(f"{path}: cannot read tar member ({err})") from None
            return cls(*_decode(io.BytesIO(data), path))
        if not os.path.isfile(path):
            raise AudioError(f"{path}: no such audio file")
        return cls(*_decode(path, path))

    @classmethod
    def from_bytes(cls, data: bytes) -> "AudioSegment":
        """Decode an encoded audio file (WAV/FLAC/OGG) held in memory."""
        return cls(*_decode(io.BytesIO(data), "audio bytes"))

    @classmethod
    def from_pcm(cls, data: bytes, sample_rate: int, sample_width: int = 2,
                 floating: bool = False) -> "AudioSegment":
        """Wrap raw little-endian mono PCM: int16 for width 2, int32 (or float32 if ``floating``) for width 4."""
        formats = {(2, False): "<i2", (4, False): "<i4", (4, True): "<f4"}
        if (sample_width, floating) not in formats:
            raise AudioError(f"unsupported PCM sample width {sample_width} (floating={floating})")
        if len(data) % sample_width:
            raise AudioError(f"PCM data of {len(data)} bytes is not a whole number of {sample_width}-byte samples")
        return cls(np.frombuffer(data, dtype=formats[sample_width, floating]), sample_rate)

    @classmethod
    def concatenate(cls, *segments: "AudioSegment") -> "AudioSegment":
        """Join segments of one type and sample rate end to end."""
        return cls(*cls._joined_samples(segments))

    @classmethod
    def _joined_samples(cls, segments: tuple["AudioSegment", ...]) -> tuple[np.ndarray, int]:
        if not segments:
            raise ValueError("concatenate needs at least one segment")
        rate = segments[0].sample_rate
        for seg in segments:
            if type(seg) is not cls:
                raise TypeError(f"cannot concatenate {type(seg).__name__} into {cls.__name__}")
            if seg.sample_rate != rate:
                raise AudioError(f"cannot concatenate audio at {seg.sample_rate} Hz with audio at {rate} Hz")
        return np.concatenate([seg._samples for seg in segments]), rate

    @classmethod
    def make_silence(cls, duration: float, sample_rate: int) -> "AudioSegment":
        """A segment of ``duration`` seconds of zeros."""
        if duration < 0:
            raise ValueError(f"silence duration must be >= 0, got {duration}")
        return cls(np.zeros(int(duration * sample_rate), dtype=np.float32), sample_rate)

    # ---- properties ----

    @property
    def samples(self) -> np.ndarray:
        """A copy of the float32 samples (use the in-place methods to edit)."""
        return self._samples.copy()

    @property
    def sample_rate(self) -> int:
        return self._sample_rate

    @property
    def num_samples(self) -> int:
        return self._samples.shape[0]

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.num_samples / float(self._sample_rate)

    @property
    def rms_db(self) -> float:
        """Root-mean-square level in dB relative to full scale (-inf for digital silence)."""
        self._require_samples("rms_db")
        mean_square = np.mean(np.square(self._samples, dtype=np.float64))
        with np.errstate(divide="ignore"):
            return float(10.0 * np.log10(mean_square))

    def _require_samples(self, operation: str) -> None:
        if self.num_samples == 0:
            raise AudioError(f"{operation}: the audio is empty")

    # ---- export ----

    def to_bytes(self, dtype: str = "float32") -> bytes:
        """Raw little-endian samples converted to ``dtype`` (int16/int32 are scaled and clipped)."""
        return _from_float32(self._samples, dtype).astype(np.dtype(dtype).newbyteorder("<")).tobytes()

    def to_wav_file(self, path: str | os.PathLike, dtype: str = "int16") -> None:
        """Atomically write a WAV file with samples of ``dtype`` (int16, int32, float32 or float64)."""
        if dtype not in _WAV_SUBTYPES:
            raise ValueError(f"unsupported WAV sample type {dtype!r}; choose from {sorted(_WAV_SUBTYPES)}")
        with atomic_write(path, "wb") as handle:
            soundfile.write(handle, _from_float32(self._samples, dtype), self._sample_rate,
                            format="WAV", subtype=_WAV_SUBTYPES[dtype])

    # ---- in-place edits ----

    def _set(self, samples: np.ndarray) -> None:
        self._samples = np.asarray(samples, dtype=np.float32)

    def replace_samples(self, samples: np.ndarray) -> None:
        """Replace the samples, keeping the rate: for transforms run outside this class (the external codecs)."""
        self._set(_to_float32(samples))

    def resample(self, target_sample_rate: int) -> None:
        """Resample with soxr (high quality) to ``target_sample_rate``."""
        target_sample_rate = _check_rate(target_sample_rate)
        if target_sample_rate != self._sample_rate:
            self._set(soxr.resample(self._samples, self._sample_rate, target_sample_rate, quality="HQ"))
            self._sample_rate = target_sample_rate

    def gain_db(self, gain: float | np.ndarray) -> None:
        """Scale by ``gain`` dB (a scalar, or one value per sample)."""
        self._set(self._samples * 10.0 ** (np.asarray(gain) / 20.0))

    def normalize(self, target_db: float = -20, max_gain_db: float = MAX_GAIN_DB) -> None:
        """Scale to an RMS level of ``target_db``; a gain above ``max_gain_db`` is an error (silence)."""
        gain = target_db - self.rms_db
        if gain > max_gain_db:
            raise AudioError(f"cannot normalize to {target_db} dB: it needs {gain} dB of gain, more than "
                             f"max_gain_db={max_gain_db} (is the audio silent?)")
        self.gain_db(gain)

    def normalize_online_bayesian(self, target_db: float, prior_db: float, prior_samples: float,
                                  startup_delay: float = 0.0) -> None:
        """DS2's causal normalisation: the gain at sample t uses only the RMS of samples up to t.

        The running mean square is combined with a prior (``prior_samples`` pseudo-samples at
        ``prior_db``); during the first ``startup_delay`` seconds the estimate at the end of that
        period is used, so the start is not over-amplified by a few samples.
        """
        self._require_samples("normalize_online_bayesian")
        if prior_samples <= 0:
            raise ValueError(f"prior_samples must be > 0, got {prior_samples}")
        if startup_delay < 0:
            raise ValueError(f"startup_delay must be >= 0, got {startup_delay}")
        startup = min(self.num_samples - 1, int(self._sample_rate * startup_delay))
        cumsum = np.cumsum(np.square(self._samples, dtype=np.float64))
        count = np.arange(1, self.num_samples + 1, dtype=np.float64)
        cumsum[:startup] = cumsum[startup]
        count[:startup] = count[startup]
        prior_mean_square = 10.0 ** (prior_db / 10.0)
        mean_square = (cumsum + prior_mean_square * prior_samples) / (count + prior_samples)
        self.gain_db(target_db - 10.0 * np.log10(mean_square))

    def change_speed(self, speed_rate: float) -> None:
        """Play ``speed_rate`` times faster (duration / speed_rate) by linear interpolation, pitch not kept."""
        if speed_rate <= 0:
            raise ValueError(f"speed_rate must be > 0, got {speed_rate}")
        self._require_samples("change_speed")
        if speed_rate == 1.0:
            return
        old_length = self.num_samples
        new_length = int(old_length / speed_rate)
        new_positions = np.linspace(0, old_length, num=new_length)
        self._set(np.interp(new_positions, np.arange(old_length), self._samples))

    def shift(self, shift_ms: float) -> None:
        """Shift in time keeping the length, filling with zeros.

        As in DS2, a positive ``shift_ms`` moves the audio earlier (drops the first ``shift_ms`` and
        pads zeros at the end); a negative one delays it. ``|shift_ms|`` must not exceed the duration.
        """
        if abs(shift_ms) / 1000.0 > self.duration:
            raise ValueError(f"|shift_ms|={abs(shift_ms)} exceeds the audio duration of {self.duration * 1000:.1f} ms")
        shift = int(shift_ms * self._sample_rate / 1000)
        shifted = np.zeros_like(self._samples)
        if shift > 0:
            shifted[:-shift] = self._samples[shift:]
        elif shift < 0:
            shifted[-shift:] = self._samples[:shift]
        else:
            return
        self._samples = shifted

    def pad_silence(self, duration: float, sides: str = "both") -> None:
        """Add ``duration`` seconds of zeros at the 'beginning', the 'end' or 'both' sides."""
        if duration < 0:
            raise ValueError(f"pad duration must be >= 0, got {duration}")
        if sides not in ("beginning", "end", "both"):
            raise ValueError(f"sides must be 'beginning', 'end' or 'both', got {sides!r}")
        pad = np.zeros(int(duration * self._sample_rate), dtype=np.float32)
        before = pad if sides in ("beginning", "both") else pad[:0]
        after = pad if sides in ("end", "both") else pad[:0]
        self._samples = np.concatenate([before, self._samples, after])

    def subsegment(self, start_sec: float | None = None, end_sec: float | None = None) -> None:
        """Keep [start_sec, end_sec); negative times count from the end, None means the start/end."""
        duration = self.duration
        start = 0.0 if start_sec is None else start_sec
        end = duration if end_sec is None else end_sec
        start = duration + start if start < 0 else start
        end = duration + end if end < 0 else end
        if not 0.0 <= start <= end <= duration:
            raise ValueError(f"subsegment [{start_sec}, {end_sec}] is outside the audio "
                             f"[0, {duration}] or has start after end")
        self._samples = self._samples[int(round(start * self._sample_rate)):int(round(end * self._sample_rate))]

    def random_subsegment(self, subsegment_length: float, rng: random.Random | None = None) -> None:
        """Keep a uniformly placed window of ``subsegment_length`` seconds."""
        rng = random.Random() if rng is None else rng
        if subsegment_length > self.duration:
            raise ValueError(f"subsegment_length {subsegment_length} exceeds the duration {self.duration}")
        start = rng.uniform(0.0, self.duration - subsegment_length)
        self.subsegment(start, start + subsegment_length)

    def add_noise(self, noise: "AudioSegment", snr_dB: float, allow_downsampling: bool = False,
                  rng: random.Random | None = None) -> None:
        """Add ``noise`` at a signal-to-noise ratio of ``snr_dB``.

        A random stretch of the noise as long as this audio is used; noise shorter than this audio
        is tiled (read cyclically from a random offset). With ``allow_downsampling`` a noise at a
        higher sample rate is resampled; otherwise the rates must match. Silent noise adds nothing.
        """
        rng = random.Random() if rng is None else rng
        if allow_downsampling and noise.sample_rate > self._sample_rate:
            noise = AudioSegment(noise._samples, noise.sample_rate)
            noise.resample(self._sample_rate)
        if noise.sample_rate != self._sample_rate:
            raise AudioError(f"noise sample rate {noise.sample_rate} Hz differs from the audio's "
                             f"{self._sample_rate} Hz (allow_downsampling={allow_downsampling})")
        noise._require_samples("add_noise (noise)")
        signal_db = self.rms_db
        length, noise_length = self.num_samples, noise.num_samples
        if noise_length >= length:
            start = rng.randint(0, noise_length - length)
            stretch = noise._samples[start:start + length]
        else:
            start = rng.randrange(noise_length)
            stretch = noise._samples[(start + np.arange(length)) % noise_length]
        stretch = AudioSegment(stretch, self._sample_rate)
        noise_db = stretch.rms_db
        if math.isinf(noise_db):
            return
        stretch.gain_db(min(signal_db - noise_db - snr_dB, MAX_GAIN_DB))
        self._set(self._samples + stretch._samples)

    def convolve(self, impulse_segment: "AudioSegment", allow_resample: bool = False) -> None:
        """Convolve with an impulse response (FFT), keeping the original length."""
        self._require_samples("convolve")
        impulse_segment._require_samples("convolve (impulse)")
        impulse = impulse_segment._samples
        if impulse_segment.sample_rate != self._sample_rate:
            if not allow_resample:
                raise AudioError(f"impulse sample rate {impulse_segment.sample_rate} Hz differs from the "
                                 f"audio's {self._sample_rate} Hz (allow_resample=False)")
            impulse = soxr.resample(impulse, impulse_segment.sample_rate, self._sample_rate, quality="HQ")
        self._set(signal.fftconvolve(self._samples, impulse, mode="full")[:self.num_samples])

    def equalize(self, anchor_freqs: np.ndarray, gains_db: np.ndarray) -> None:
        """Filter by a gain curve through (``anchor_freqs`` Hz, ``gains_db``), linear in log frequency and flat
        outside the anchors (one FFT of the whole signal), then restore the RMS level: only the balance changes."""
        self._require_samples("equalize")
        level = self.rms_db
        spectrum = np.fft.rfft(self._samples)
        freqs = np.fft.rfftfreq(self.num_samples, 1.0 / self._sample_rate)
        log_freqs = np.log(np.clip(freqs, anchor_freqs[0], anchor_freqs[-1]))
        spectrum *= 10.0 ** (np.interp(log_freqs, np.log(anchor_freqs), gains_db) / 20.0)
        self._set(np.fft.irfft(spectrum, self.num_samples))
        if not math.isinf(level):
            self.normalize(level)

    def convolve_and_normalize(self, impulse_segment: "AudioSegment", allow_resample: bool = False) -> None:
        """Convolve, then restore the original RMS level (digital silence stays silent)."""
        level = self.rms_db
        self.convolve(impulse_segment, allow_resample=allow_resample)
        if not math.isinf(level):
            self.normalize(level)
