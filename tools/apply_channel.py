"""Pass every utterance of a manifest through a channel (a room, background noise, a telephone line, a codec) and
write the degraded WAVs and their manifest: the test splits that show how a model copes with real conditions.

The channel is a list of the project's augmentors in DS2's JSON config format (data_utils/augmentor), applied to
the waveform as in training, e.g. examples/tiny/channels/noise.json. ``${NOISE_DIR}`` in the config stands for
``--noise_dir``, the folder of data/noise/make_local_noise.py's manifest.noise and manifest.impulse. Each utterance
draws from its own random stream, seeded by (``--seed``, its line in the manifest), so a rerun writes the same
files. A degraded utterance is written at its original sample rate (a telephone channel's 8 kHz band is resampled
back), scaled down if noise took its peak past full scale; its manifest entry keeps every field of the original
but the audio path and the duration, which is measured from the written file.

    python tools/apply_channel.py --manifest data/tiny/manifest.test-ood \
        --augment_conf examples/tiny/channels/noise.json --noise_dir data/tiny/channel_noise \
        --output_dir data/tiny/wav/test-ood-noise --output_manifest data/tiny/manifest.test-ood-noise --seed 0
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import string
import sys

import numpy as np
import soundfile
from tqdm import tqdm

import _init_paths  # noqa: F401  (repository root on sys.path)

from data_utils.audio import AudioSegment
from data_utils.augmentor.augmentation import AUGMENTORS, AugmentationConfigError, AugmentationPipeline
from data_utils.manifest import read_manifest, write_manifest
from utils.utility import add_arguments, print_arguments, process_pool

PEAK_LIMIT = 0.99  # a louder degraded utterance is scaled down rather than clipped by the 16-bit WAV


def load_channel(conf_path: str, noise_dir: str = "") -> AugmentationPipeline:
    """The augmentation pipeline of a channel config; any problem is a ValueError naming ``conf_path``."""
    try:
        with open(conf_path, encoding="utf-8") as handle:
            template = handle.read()
    except OSError as error:
        raise ValueError(f"{conf_path}: cannot read the channel config ({error.strerror})") from None
    if "NOISE_DIR" in template and not noise_dir:
        raise ValueError(f"{conf_path}: the config names ${{NOISE_DIR}}; pass --noise_dir")
    try:
        config = string.Template(template).substitute(NOISE_DIR=noise_dir)
    except (KeyError, ValueError) as error:
        raise ValueError(f"{conf_path}: only ${{NOISE_DIR}} may be filled in, found {error}") from None
    try:
        pipeline = AugmentationPipeline(config)
    except AugmentationConfigError as error:
        raise ValueError(f"{conf_path}: {error}") from None
    features = [entry["type"] for entry in json.loads(config) if AUGMENTORS[entry["type"]].acts_on_features]
    if features:
        raise ValueError(f"{conf_path}: {', '.join(features)} acts on features, not on the audio a channel writes")
    return pipeline


def degrade(entry: dict, index: int, pipeline: AugmentationPipeline, seed: int, output_dir: str) -> dict:
    """Write ``entry``'s audio through the channel to ``output_dir``; returns the new manifest entry."""
    audio = AudioSegment.from_file(entry["audio_filepath"])
    sample_rate = audio.sample_rate
    pipeline.reseed((seed, index))
    pipeline.transform_audio(audio)
    audio.resample(sample_rate)
    peak = float(np.max(np.abs(audio.samples))) if audio.num_samples else 0.0
    if peak > PEAK_LIMIT:
        audio.gain_db(20.0 * np.log10(PEAK_LIMIT / peak))
    path = os.path.join(os.path.abspath(output_dir), os.path.basename(entry["audio_filepath"]))
    audio.to_wav_file(path)
    info = soundfile.info(path)
    record = {key: value for key, value in entry.items() if key != "line_no"}
    return {**record, "audio_filepath": path, "duration": round(info.frames / info.samplerate, 4)}


def _degrade_line(entry: dict, manifest: str, pipeline: AugmentationPipeline, seed: int, output_dir: str) -> dict:
    """``degrade`` with a failure named by the manifest's file and line."""
    try:
        return degrade(entry, entry["line_no"], pipeline, seed, output_dir)
    except (OSError, ValueError) as error:
        raise ValueError(f"{manifest}:{entry['line_no']}: {error}") from None


def apply_channel(manifest: str, pipeline: AugmentationPipeline, seed: int, output_dir: str,
                  output_manifest: str, num_workers: int = 1) -> int:
    """Degrade every utterance of ``manifest`` over ``num_workers`` processes and write ``output_manifest``;
    returns the number written (the files do not depend on ``num_workers``)."""
    entries = read_manifest(manifest)
    names: dict[str, int] = {}
    for entry in entries:
        name = os.path.basename(entry["audio_filepath"])
        if name in names:
            raise ValueError(f"{manifest}:{entry['line_no']}: {name} has the file name of line {names[name]}; "
                             f"the degraded files would overwrite each other in {output_dir}")
        names[name] = entry["line_no"]
    job = functools.partial(_degrade_line, manifest=manifest, pipeline=pipeline, seed=seed, output_dir=output_dir)
    progress = functools.partial(tqdm, total=len(entries), desc=os.path.basename(output_manifest), unit="utt")
    if num_workers > 1:
        with process_pool(num_workers) as pool:
            degraded = list(progress(pool.imap(job, entries, chunksize=4)))
    else:
        degraded = [job(entry) for entry in progress(entries)]
    write_manifest(output_manifest, degraded)
    return len(degraded)


def main() -> None:
    """Parse the flags and write the channel's WAVs and manifest; bad input ends with a one-line message."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arg = functools.partial(add_arguments, argparser=parser)
    add_arg("manifest", str, "data/tiny/manifest.test-ood", "Manifest of the clean utterances.")
    add_arg("augment_conf", str, "examples/tiny/channels/noise.json", "The channel: an augmentation config (JSON).")
    add_arg("noise_dir", str, "", "Folder of manifest.noise and manifest.impulse, for ${NOISE_DIR} in the config.")
    add_arg("output_dir", str, "data/tiny/wav/test-ood-noise", "Folder for the degraded WAVs.")
    add_arg("output_manifest", str, "data/tiny/manifest.test-ood-noise", "Manifest of the degraded WAVs.")
    add_arg("seed", int, 0, "Seed of every random choice (noise clip, SNR, room, ...), per utterance.")
    add_arg("num_workers", int, 2, "Processes (codecs and telephone lines run sox or ffmpeg per utterance).")
    args = parser.parse_args()
    print_arguments(args)
    try:
        pipeline = load_channel(args.augment_conf, args.noise_dir)
        count = apply_channel(args.manifest, pipeline, args.seed, args.output_dir, args.output_manifest,
                              args.num_workers)
    except (OSError, ValueError) as error:
        sys.exit(f"apply_channel.py: {error}")
    print(f"wrote {count} utterances through {args.augment_conf} to {args.output_manifest}")


if __name__ == "__main__":
    main()
