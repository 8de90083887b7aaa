"""Prepare the CHiME-3 background noise recordings for noise augmentation: download, unpack, write a manifest.

The download is one zip holding four zips, ``CHiME3_background_{bus,caf,ped,str}.zip`` (bus, cafe, pedestrian
area, street); each unpacks to ``CHiME3/data/audio/16kHz/backgrounds/*.wav``. The manifest lists every
``.wav`` under ``CHiME3/`` with its duration from the header and an empty transcript, as DS2 did; point the
``noise`` augmentor's ``noise_manifest_path`` at it.

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


def create_manifest(data_dir: str, manifest_path: str, num_workers: int) -> int:
    """List every ``.wav`` under ``data_dir`` with its duration and an empty text; returns the count."""
    paths = sorted(glob.glob(os.path.join(data_dir, "**", "*.wav"), recursive=True))
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
    add_arguments("num_workers", int, 8, "Threads reading audio headers.", parser)
    args = parser.parse_args(argv)
    print_arguments(args)
    target_dir = os.path.expanduser(args.target_dir)
    with exit_on_failure():
        fetch_and_unpack(args.url, target_dir)
        count = create_manifest(os.path.join(target_dir, "CHiME3"), args.manifest_filepath, args.num_workers)
    print(f"Wrote {args.manifest_filepath} ({count} noise recordings).")


if __name__ == "__main__":
    main()
