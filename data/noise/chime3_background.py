"""Prepare the CHiME-3 background noise recordings for noise augmentation: download, unpack, write a manifest.

The download is one zip holding four zips, ``CHiME3_background_{bus,caf,ped,str}.zip`` (bus, cafe, pedestrian
area, street); each unpacks to ``CHiME3/data/audio/16kHz/backgrounds/*.wav``. The manifest lists noise files with their
duration from the header and an empty transcript; point the ``noise`` augmentor's ``noise_manifest_path`` at it.

The recordings run for many minutes and the augmentor reads a whole noise file for every utterance it
perturbs, so by default each one is cut into mono 16-bit WAV pieces of --segment_seconds under
``segments_<N>s/`` (a last piece shorter than half a segment is dropped; a recording shorter than one segment
is kept whole). ``--segment_seconds 0`` lists the original recordings instead, as DS2 did.

Run from the repository root: ``python -m data.noise.chime3_background --target_dir ...``.
The URL is overridable for mirrors and tests: --url or CHIME3_URL.
"""
from __future__ import annotations

import argparse
import glob
import os

import soundfile

from data_utils.download import DownloadError, download, exit_on_failure, is_unpacked, parallel_map, unpack
from data_utils.manifest import write_manifest
from utils.utility import add_arguments, print_arguments

URL = "https://d4s.myairbridge.com/packagev2/AG0Y3DNBE5IWRRTV/?dlid=W19XG7T0NNHB027139H0EQ"
MD5 = "c3ff512618d7a67d4f85566ea1bc39ec"
ARCHIVE_NAME = "myairbridge-AG0Y3DNBE5IWRRTV.zip"  # the URL ends in a query string, so name the file
ENVIRONMENTS = ("bus", "caf", "ped", "str")
DATA_HOME = os.path.expanduser("~/.cache/paddle/dataset/speech")


def fetch_and_unpack(url: str, target_dir: str) -> None:
    """Download the outer zip and unpack it and the four inner zips; each step is skipped when done."""
    if not is_unpacked(ARCHIVE_NAME, target_dir):
        archive = download(url, MD5, target_dir, filename=ARCHIVE_NAME)
        print(f"Unpacking {archive} ...")
        unpack(archive, target_dir)
    for environment in ENVIRONMENTS:
        inner = os.path.join(target_dir, f"CHiME3_background_{environment}.zip")
        if is_unpacked(inner, target_dir):
            continue
        if not os.path.isfile(inner):
            raise DownloadError(f"{inner}: missing from {ARCHIVE_NAME}; delete {target_dir} and run again")
        print(f"Unpacking {inner} ...")
        unpack(inner, target_dir)


def segment_recording(path: str, out_dir: str, segment_seconds: float) -> list[str]:
    """Cut one recording into mono pieces ``<name>_<index>.wav`` of ``segment_seconds``; returns their paths.

    Skipped (returning the pieces already written) when a finished marker for this recording exists.
    """
    stem = os.path.splitext(os.path.basename(path))[0]
    marker = os.path.join(out_dir, f".{stem}.done")
    if not os.path.exists(marker):
        info = soundfile.info(path)
        frames = max(1, round(segment_seconds * info.samplerate))
        with soundfile.SoundFile(path) as source:
            for index, block in enumerate(source.blocks(blocksize=frames, dtype="float32", always_2d=True)):
                if index > 0 and len(block) * 2 < frames:
                    break
                piece = os.path.join(out_dir, f"{stem}_{index:04d}.wav")
                soundfile.write(piece, block.mean(axis=1), info.samplerate, subtype="PCM_16")
        with open(marker, "w", encoding="utf-8") as handle:
            handle.write(path + "\n")
    return sorted(glob.glob(os.path.join(out_dir, glob.escape(stem) + "_[0-9][0-9][0-9][0-9].wav")))


def create_manifest(target_dir: str, manifest_path: str, segment_seconds: float, num_workers: int) -> int:
    """Segment (unless ``segment_seconds`` is 0) and list the noise files with their durations; returns the count."""
    paths = sorted(glob.glob(os.path.join(target_dir, "CHiME3", "**", "*.wav"), recursive=True))
    if segment_seconds > 0:
        out_dir = os.path.join(target_dir, f"segments_{segment_seconds:g}s")
        os.makedirs(out_dir, exist_ok=True)
        pieces = parallel_map(lambda path: segment_recording(path, out_dir, segment_seconds), paths, num_workers,
                              desc="segment")
        paths = [piece for recording in pieces for piece in recording]
    durations = parallel_map(lambda path: soundfile.info(path).duration, paths, num_workers, desc="durations")
    write_manifest(manifest_path, ({"audio_filepath": path, "duration": duration, "text": ""}
                                   for path, duration in zip(paths, durations)))
    return len(paths)


def main(argv: list[str] | None = None) -> None:
    """CLI entry point (DS2 flags); `argv` defaults to sys.argv."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments("target_dir", str, os.path.join(DATA_HOME, "chime3_background"),
                  "Directory to save the dataset in.", parser)
    add_arguments("manifest_filepath", str, "manifest.chime3.background", "Filepath of the output manifest.",
                  parser)
    add_arguments("url", str, os.environ.get("CHIME3_URL", URL), "URL of the background zip (env CHIME3_URL).",
                  parser)
    add_arguments("segment_seconds", float, 10.0, "Cut the recordings into pieces this long (0: list them "
                  "whole, as DS2 did).", parser)
    add_arguments("num_workers", int, 8, "Threads segmenting recordings and reading audio headers.", parser)
    args = parser.parse_args(argv)
    print_arguments(args)
    target_dir = os.path.abspath(os.path.expanduser(args.target_dir))  # manifests hold absolute paths
    with exit_on_failure():
        fetch_and_unpack(args.url, target_dir)
        count = create_manifest(target_dir, args.manifest_filepath, args.segment_seconds, args.num_workers)
    print(f"Wrote {args.manifest_filepath} ({count} noise files).")


if __name__ == "__main__":
    main()
