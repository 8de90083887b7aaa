"""Benchmark the augmentation pipeline: audio-seconds processed per CPU-second, per augmentor and in total.

Each augmentor runs alone (prob 1) over the same utterances; then the whole of ``--augment_conf_path`` (its own
probabilities), and finally one data worker's full path per utterance: read the file, augment the audio,
featurise, augment the features. Time is CPU time, which other jobs on a shared machine disturb less than wall
time: this process's (``time.process_time``) plus that of the tools it runs and waits for (sox and ffmpeg for
``telephone`` and ``codec``). Utterances come from ``--manifest`` (espeak-ng speech when it does not exist);
the noise and room manifests named by the config are generated with data/noise/make_local_noise.py if missing.

    python -m bench.augment --augment_conf_path conf/augmentation.config.example
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time

import numpy as np
from tqdm import tqdm

from data.noise import make_local_noise
from data.noise.noise_sources import espeak_speech
from data_utils.audio import AudioSegment
from data_utils.augmentor.augmentation import AugmentationPipeline
from data_utils.featurizer.audio_featurizer import AudioFeaturizer
from data_utils.manifest import read_manifest
from utils.utility import add_arguments, print_arguments

SAMPLE_RATE = 16000
# Parameters for the augmentors the example config does not set (or sets with prob 0).
EXTRA_ENTRIES = [
    {"type": "resample", "params": {"new_sample_rate": 8000}, "prob": 1.0},
]

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
add_arguments("augment_conf_path", str, "conf/augmentation.config.example", "Augmentation config to time.", parser)
add_arguments("manifest", str, "data/tiny/manifest.train", "Utterances to augment.", parser)
add_arguments("num_utterances", int, 40, "How many utterances to time (each augmentor sees all of them).", parser)
add_arguments("repeats", int, 3, "Passes over the utterances per measurement.", parser)
add_arguments("specgram_type", str, "fbank", "Features the data worker computes (fbank, as examples/tiny).", parser)
add_arguments("seed", int, 0, "Random seed.", parser)


def utterance_paths(manifest: str, count: int, work_dir: str) -> list[str]:
    """Audio files to augment: the manifest's first ``count``, or espeak-ng utterances written to ``work_dir``."""
    if os.path.isfile(manifest):
        return [entry["audio_filepath"] for entry in read_manifest(manifest)[:count]]
    print(f"{manifest} not found: timing espeak-ng utterances instead")
    paths = []
    for index, samples in enumerate(espeak_speech(SAMPLE_RATE)):
        paths.append(os.path.join(work_dir, f"utt_{index}.wav"))
        AudioSegment(samples.astype(np.float32), SAMPLE_RATE).to_wav_file(paths[-1])
    return paths


def ensure_clip_manifests(entries: list[dict]) -> None:
    """Generate the local noise and room manifests a config names (both in one folder) if any is missing."""
    paths = [entry["params"][key] for entry in entries
             for key in ("noise_manifest_path", "impulse_manifest_path") if key in entry["params"]]
    missing = [path for path in paths if not os.path.isfile(path)]
    if missing:
        make_local_noise.generate(os.path.dirname(missing[0]), 50, 50, 10.0, "data/tiny/manifest.train", 0)


def cpu_time() -> float:
    """CPU seconds used by this process and by the child processes it has waited for (the external audio tools)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def audio_rate(pipeline: AugmentationPipeline, segments: list[AudioSegment], repeats: int) -> float:
    """Audio-seconds per CPU-second of ``pipeline.transform_audio`` (copying the input is not timed)."""
    elapsed, audio = 0.0, 0.0
    for _ in range(repeats):
        for segment in segments:
            copy = AudioSegment(segment.samples, segment.sample_rate)
            start = cpu_time()
            pipeline.transform_audio(copy)
            elapsed += cpu_time() - start
            audio += segment.duration
    return audio / elapsed


def feature_rate(pipeline: AugmentationPipeline, features: list[np.ndarray], repeats: int) -> float:
    """Audio-seconds per CPU-second of ``pipeline.transform_feature`` at 100 frames per second."""
    start = cpu_time()
    for _ in range(repeats):
        for matrix in features:
            pipeline.transform_feature(matrix.copy())
    return sum(m.shape[0] for m in features) * repeats / 100.0 / (cpu_time() - start)


def worker_rate(pipeline: AugmentationPipeline, featurizer: AudioFeaturizer, paths: list[str],
                repeats: int) -> float:
    """Audio-seconds per CPU-second of one data worker: read, augment audio, featurise, augment features."""
    audio = 0.0
    start = cpu_time()
    for _ in range(repeats):
        for path in paths:
            segment = AudioSegment.from_file(path)
            audio += segment.duration
            pipeline.transform_audio(segment)
            pipeline.transform_feature(featurizer.featurize(segment))
    return audio / (cpu_time() - start)


def main() -> None:
    args = parser.parse_args()
    print_arguments(args)
    with open(args.augment_conf_path, encoding="utf-8") as handle:
        config = handle.read()
    entries = json.loads(config)
    ensure_clip_manifests(entries)
    featurizer = AudioFeaturizer(specgram_type=args.specgram_type)
    with tempfile.TemporaryDirectory() as work_dir:
        paths = utterance_paths(args.manifest, args.num_utterances, work_dir)
        segments = [AudioSegment.from_file(path) for path in paths]
        features = [featurizer.featurize(segment) for segment in segments]
        rows = []
        for entry in tqdm(entries + EXTRA_ENTRIES, desc="augmentors"):
            alone = AugmentationPipeline(json.dumps([{**entry, "prob": 1.0}]), args.seed)
            if entry["type"] == "specaugment":
                rows.append((entry["type"], feature_rate(alone, features, args.repeats)))
            else:
                rows.append((entry["type"], audio_rate(alone, segments, args.repeats)))
        pipeline = AugmentationPipeline(config, args.seed)
        rows.append(("whole pipeline (config probs)", audio_rate(pipeline, segments, args.repeats)))
        rows.append(("data worker: read+augment+featurise", worker_rate(pipeline, featurizer, paths, args.repeats)))
    total = sum(segment.duration for segment in segments)
    print(f"\n{len(segments)} utterances, {total:.1f} audio-s, {args.repeats} passes, one process\n")
    print("| stage | audio-s per CPU-s |")
    print("| --- | ---: |")
    for name, rate in rows:
        print(f"| {name} | {rate:,.0f} |")


if __name__ == "__main__":
    main()
