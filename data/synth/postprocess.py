"""Turn an engine's raw output into a corpus utterance: 16 kHz mono, silence trimmed, level set, int16 WAV."""
from __future__ import annotations

import os

import numpy as np
import soundfile
import soxr

from data.synth.voices import SynthesisError

SAMPLE_RATE = 16000
FRAME_S = 0.01
SILENCE_DB = -45.0  # frames this far below the loudest frame count as silence
KEEP_SILENCE_S = 0.12  # silence kept before the first and after the last voiced frame
MIN_DURATION_S = 0.5
MIN_PEAK = 1e-3
DITHER_RMS = 10.0 ** (-75.0 / 20.0)


def to_corpus_rate(samples: np.ndarray, sample_rate: int, morph: float = 1.0) -> np.ndarray:
    """Resample to 16 kHz; ``morph`` != 1 reads the input as if recorded at ``sample_rate * morph``.

    That scales pitch and formants by ``morph`` (and tempo too, which ``voices.speak`` pre-compensates).
    """
    source_rate = sample_rate * morph
    if source_rate == SAMPLE_RATE:
        return samples.astype(np.float32)
    return soxr.resample(samples.astype(np.float32), source_rate, SAMPLE_RATE, quality="HQ")


def trim_silence(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Cut leading/trailing silence longer than ``KEEP_SILENCE_S`` (frame energy relative to the loudest frame)."""
    frame = int(FRAME_S * sample_rate)
    num_frames = len(samples) // frame
    if num_frames == 0:
        return samples
    energy = np.square(samples[:num_frames * frame].reshape(num_frames, frame)).mean(axis=1)
    level_db = 10.0 * np.log10(energy + 1e-12)
    voiced = np.flatnonzero(level_db > level_db.max() + SILENCE_DB)
    keep = int(KEEP_SILENCE_S * sample_rate)
    start = max(0, voiced[0] * frame - keep)
    end = min(len(samples), (voiced[-1] + 1) * frame + keep)
    return samples[start:end]


def finish(samples: np.ndarray, sample_rate: int, morph: float, peak_db: float, dither_seed: int) -> np.ndarray:
    """Resample, trim, scale to a peak of ``peak_db`` dBFS (< 0, so never clipping) and dither; reject bad audio.

    The dither (a -75 dBFS noise floor, seeded) replaces the engines' digital silence, whose log spectrum would be
    an engine-specific extreme value rather than the quiet floor of a real recording.
    """
    if samples.size == 0 or not np.all(np.isfinite(samples)):
        raise SynthesisError("engine returned empty or non-finite audio")
    samples = trim_silence(to_corpus_rate(samples, sample_rate, morph))
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    if peak < MIN_PEAK:
        raise SynthesisError(f"engine returned silence (peak {peak:.2e})")
    if len(samples) < MIN_DURATION_S * SAMPLE_RATE:
        raise SynthesisError(f"utterance too short ({len(samples) / SAMPLE_RATE:.2f} s)")
    dither = np.random.default_rng(dither_seed).normal(0.0, DITHER_RMS, len(samples))
    return (samples * (10.0 ** (peak_db / 20.0) / peak) + dither).astype(np.float32)


def write_wav(path: str, samples: np.ndarray) -> float:
    """Write 16 kHz int16 mono via a temp file and rename, so an existing WAV is always complete; returns seconds."""
    tmp = path + ".part"
    soundfile.write(tmp, samples, SAMPLE_RATE, subtype="PCM_16", format="WAV")
    os.replace(tmp, path)
    return wav_duration(path)


def wav_duration(path: str) -> float | None:
    """Duration of a finished corpus WAV, or None if it is missing or not 16 kHz mono 16-bit (to be remade)."""
    try:
        info = soundfile.info(path)
    except (RuntimeError, soundfile.LibsndfileError):
        return None
    if info.samplerate != SAMPLE_RATE or info.channels != 1 or info.subtype != "PCM_16" or info.frames == 0:
        return None
    return info.frames / SAMPLE_RATE
