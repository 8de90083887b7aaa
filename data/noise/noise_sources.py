"""Background noises made from scratch: coloured noise, mains hum and multi-talker babble.

All generators return float64 samples at the caller's sample rate with an arbitrary level; the caller sets
the level (the noise augmentor rescales to the sampled SNR anyway).
"""
from __future__ import annotations

import os
import subprocess
import tempfile

import numpy as np

from data_utils.audio import AudioSegment
from data_utils.manifest import read_manifest

# Power spectral density ~ 1 / f**exponent.
NOISE_COLOURS = {"white": 0.0, "pink": 1.0, "brown": 2.0, "blue": -1.0}

# Fallback babble text when no speech manifest is given: espeak-ng says these in a few voices.
FALLBACK_SENTENCES = (
    "the quick brown fox jumps over the lazy dog near the river bank",
    "please call stella and ask her to bring these things with her from the store",
    "we will meet again on tuesday morning to talk about the new plans",
    "she sells sea shells by the sea shore every summer",
    "a large crowd gathered outside the station waiting for the last train",
    "he opened the window and the cold air filled the quiet room",
)
FALLBACK_VOICES = ("en-us", "en-gb", "en-us+f3", "en-gb-scotland", "en-gb-x-rp+f2", "en-us+m5")


def coloured_noise(num_samples: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise whose power spectrum falls as 1/f**exponent (0 white, 1 pink, 2 brown, -1 blue)."""
    spectrum = np.fft.rfft(rng.standard_normal(num_samples))
    freqs = np.arange(spectrum.shape[0], dtype=np.float64)
    freqs[0] = freqs[1] if freqs.shape[0] > 1 else 1.0  # keep the DC bin finite
    spectrum *= freqs ** (-exponent / 2.0)
    return np.fft.irfft(spectrum, n=num_samples)


def mains_hum(num_samples: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """50 or 60 Hz hum: a fundamental with decaying random harmonics, a slow wobble and a little hiss."""
    t = np.arange(num_samples) / sample_rate
    fundamental = rng.choice([50.0, 60.0]) * rng.uniform(0.995, 1.005)
    hum = np.zeros(num_samples)
    for harmonic in range(1, 9):
        amplitude = rng.uniform(0.2, 1.0) / harmonic
        hum += amplitude * np.sin(2 * np.pi * fundamental * harmonic * t + rng.uniform(0, 2 * np.pi))
    wobble = 1.0 + 0.1 * np.sin(2 * np.pi * rng.uniform(0.1, 1.0) * t)
    hiss = 0.01 * rng.standard_normal(num_samples)
    return hum * wobble + hiss


def babble(num_samples: int, speech: list[np.ndarray], num_talkers: int,
           rng: np.random.Generator) -> np.ndarray:
    """Sum ``num_talkers`` streams, each random utterances (equal RMS) played back to back from a random offset."""
    mixture = np.zeros(num_samples)
    for _ in range(num_talkers):
        stream = []
        length = 0
        while length < 2 * num_samples:
            utterance = speech[rng.integers(len(speech))]
            stream.append(utterance / np.sqrt(np.mean(utterance ** 2)))
            length += utterance.shape[0]
        stream = np.concatenate(stream)
        offset = rng.integers(stream.shape[0] - num_samples + 1)
        mixture += stream[offset:offset + num_samples]
    return mixture


def load_speech(manifest_path: str, sample_rate: int, max_utterances: int,
                rng: np.random.Generator) -> list[np.ndarray]:
    """Up to ``max_utterances`` random non-silent utterances from a speech manifest, at ``sample_rate``."""
    entries = read_manifest(manifest_path)
    if not entries:
        raise ValueError(f"{manifest_path}: the speech manifest has no entries")
    chosen = rng.permutation(len(entries))[:max_utterances]
    return [_load_at_rate(entries[i]["audio_filepath"], sample_rate) for i in chosen]


def espeak_speech(sample_rate: int) -> list[np.ndarray]:
    """Synthesise FALLBACK_SENTENCES with espeak-ng, each in a different voice."""
    utterances = []
    with tempfile.TemporaryDirectory() as work_dir:
        for index, (sentence, voice) in enumerate(zip(FALLBACK_SENTENCES, FALLBACK_VOICES)):
            path = os.path.join(work_dir, f"{index}.wav")
            subprocess.run(["espeak-ng", "-v", voice, "-w", path, sentence], check=True, capture_output=True)
            utterances.append(_load_at_rate(path, sample_rate))
    return utterances


def _load_at_rate(path: str, sample_rate: int) -> np.ndarray:
    segment = AudioSegment.from_file(path)
    segment.resample(sample_rate)
    if segment.num_samples == 0 or not np.any(segment.samples):
        raise ValueError(f"{path}: speech for babble is empty or silent")
    return segment.samples.astype(np.float64)
