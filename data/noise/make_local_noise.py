"""Make noise and room-impulse-response manifests locally, with nothing to download.

Writes 16 kHz WAV files and two manifests under ``--target_dir``:

* ``manifest.noise``: coloured noise (white, pink, brown, blue), mains hum, and babble mixed from the
  speech in ``--speech_manifest`` (the synthetic corpus' own speakers) or, when that file does not exist,
  from a few espeak-ng utterances;
* ``manifest.impulse``: impulse responses of simulated rooms (see room_simulation.py).

Every clip is drawn from its own generator seeded by (``--seed``, kind, index), so a rerun reproduces it.
Usage, from the repository root::

    python -m data.noise.make_local_noise --target_dir data/noise/generated --num_noise 50 --num_rirs 50
"""
from __future__ import annotations

import argparse
import os

import numpy as np
from tqdm import tqdm

from data.noise.noise_sources import (NOISE_COLOURS, babble, coloured_noise, espeak_speech, load_speech,
                                      mains_hum)
from data.noise.room_simulation import simulate_rir
from data_utils.audio import AudioSegment
from data_utils.manifest import write_manifest
from utils.utility import add_arguments, print_arguments

SAMPLE_RATE = 16000
NOISE_KINDS = (*NOISE_COLOURS, "hum", "babble")
NOISE_RMS_DB = -30.0
MAX_BABBLE_UTTERANCES = 200
PEAK_LIMIT = 0.99

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
add_arguments("target_dir", str, "data/noise/generated", "Folder for the WAV files and manifests.", parser)
add_arguments("num_noise", int, 50, "Number of noise clips (the kinds take turns).", parser)
add_arguments("num_rirs", int, 50, "Number of simulated room impulse responses.", parser)
add_arguments("noise_duration", float, 10.0, "Length of each noise clip in seconds.", parser)
add_arguments("speech_manifest", str, "data/tiny/manifest.train",
              "Speech for babble; espeak-ng utterances are used when this file does not exist.", parser)
add_arguments("seed", int, 0, "Random seed.", parser)


def make_noise(target_dir: str, num_noise: int, duration: float, speech: list[np.ndarray],
               seed: int) -> list[dict]:
    """Write ``num_noise`` clips of ``duration`` seconds, cycling through NOISE_KINDS; return manifest entries."""
    num_samples = int(duration * SAMPLE_RATE)
    entries = []
    for index in tqdm(range(num_noise), desc="noise"):
        kind = NOISE_KINDS[index % len(NOISE_KINDS)]
        rng = np.random.default_rng([seed, 0, index])
        if kind == "hum":
            samples = mains_hum(num_samples, SAMPLE_RATE, rng)
        elif kind == "babble":
            samples = babble(num_samples, speech, int(rng.integers(3, 8)), rng)
        else:
            samples = coloured_noise(num_samples, NOISE_COLOURS[kind], rng)
        clip = AudioSegment(samples.astype(np.float32), SAMPLE_RATE)
        clip.normalize(NOISE_RMS_DB)
        _limit_peak(clip)
        path = os.path.join(target_dir, "noise", f"{kind}_{index:04d}.wav")
        clip.to_wav_file(path)
        entries.append({"audio_filepath": path, "duration": clip.duration, "text": "", "noise_type": kind})
    return entries


def make_rirs(target_dir: str, num_rirs: int, seed: int) -> list[dict]:
    """Write ``num_rirs`` simulated room impulse responses (float WAV, so the quiet tail survives)."""
    entries = []
    for index in tqdm(range(num_rirs), desc="rooms"):
        rir, info = simulate_rir(SAMPLE_RATE, np.random.default_rng([seed, 1, index]))
        clip = AudioSegment(rir.astype(np.float32), SAMPLE_RATE)
        path = os.path.join(target_dir, "impulse", f"room_{index:04d}.wav")
        clip.to_wav_file(path, dtype="float32")
        entries.append({"audio_filepath": path, "duration": clip.duration, "text": "", **info})
    return entries


def _limit_peak(clip: AudioSegment) -> None:
    """Scale down so no sample clips when written as 16-bit PCM."""
    peak = float(np.max(np.abs(clip.samples)))
    if peak > PEAK_LIMIT:
        clip.gain_db(20.0 * np.log10(PEAK_LIMIT / peak))


def generate(target_dir: str, num_noise: int, num_rirs: int, noise_duration: float, speech_manifest: str,
             seed: int) -> None:
    """Write the noise clips, room responses and both manifests under ``target_dir``."""
    target_dir = os.path.abspath(target_dir)
    speech_rng = np.random.default_rng([seed, 2])
    if os.path.isfile(speech_manifest):
        speech = load_speech(speech_manifest, SAMPLE_RATE, MAX_BABBLE_UTTERANCES, speech_rng)
    else:
        print(f"{speech_manifest} not found: babble from espeak-ng utterances")
        speech = espeak_speech(SAMPLE_RATE)
    noise = make_noise(target_dir, num_noise, noise_duration, speech, seed)
    write_manifest(os.path.join(target_dir, "manifest.noise"), noise)
    rirs = make_rirs(target_dir, num_rirs, seed)
    write_manifest(os.path.join(target_dir, "manifest.impulse"), rirs)
    print(f"wrote {len(noise)} noise clips and {len(rirs)} impulse responses under {target_dir}")


def main() -> None:
    args = parser.parse_args()
    print_arguments(args)
    generate(args.target_dir, args.num_noise, args.num_rirs, args.noise_duration, args.speech_manifest, args.seed)


if __name__ == "__main__":
    main()
