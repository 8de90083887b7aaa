"""Prepare Aishell-1 (openslr.org resource 33): download, unpack and write train/dev/test manifests.

``data_aishell.tgz`` unpacks to ``data_aishell/wav/<speaker>.tar.gz`` (one archive per speaker, each holding
``<split>/<speaker>/<utt-id>.wav``) and ``data_aishell/transcript/aishell_transcript_v0.8.txt`` whose lines
read ``<utt-id> 而 对 楼市 ...`` (words separated by spaces). The speaker archives are unpacked in place and
deleted, as DS2 did; ``resource_aishell.tgz`` (lexicon, speaker info) is fetched beside it. Transcripts lose
their spaces (the model is character based); audio without a transcript line is skipped, as in DS2.

Run from the repository root: ``python -m data.aishell.aishell --target_dir ...``.
The server is overridable for mirrors and tests: --url_base or AISHELL_URL_BASE.
"""
from __future__ import annotations

import argparse
import glob
import os

import soundfile

from data_utils.download import download, exit_on_failure, is_unpacked, parallel_map, unpack
from data_utils.manifest import write_manifest
from utils.utility import add_arguments, print_arguments

URL_BASE = "http://www.openslr.org/resources/33"
DATA_HOME = os.path.expanduser("~/.cache/paddle/dataset/speech")
MD5SUMS = {
    "data_aishell.tgz": "2f494334227864a8a8fec932999db9d8",
    "resource_aishell.tgz": "957d480a0fcac85fc18e550756f624e5",
}
SPLITS = ("train", "dev", "test")
TRANSCRIPT = os.path.join("transcript", "aishell_transcript_v0.8.txt")


def read_transcripts(path: str) -> dict[str, str]:
    """Map utterance id -> transcript with all whitespace removed. Raises ValueError naming file:line."""
    transcripts = {}
    with open(path, encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            fields = line.split()
            if len(fields) < 2:
                raise ValueError(f"{path}:{line_no}: expected '<utterance id> <words>', got {line.strip()!r}")
            transcripts[fields[0]] = "".join(fields[1:])
    return transcripts


def fetch_and_unpack(url_base: str, target_dir: str, num_workers: int) -> None:
    """Download and unpack both archives, then the per-speaker archives inside; each step skipped when done."""
    for name, md5sum in MD5SUMS.items():
        if is_unpacked(name, target_dir):
            print(f"Skip downloading and unpacking {name}: already in {target_dir}.")
            continue
        archive = download(f"{url_base.rstrip('/')}/{name}", md5sum, target_dir)
        print(f"Unpacking {archive} ...")
        unpack(archive, target_dir)
    wav_dir = os.path.join(target_dir, "data_aishell", "wav")
    speaker_archives = sorted(glob.glob(os.path.join(wav_dir, "*.tar.gz")))
    if speaker_archives:
        parallel_map(lambda path: unpack(path, wav_dir, remove=True), speaker_archives, num_workers,
                     desc="unpack speakers")


def create_manifests(data_dir: str, manifest_prefix: str, num_workers: int) -> None:
    """Write ``<prefix>.train``, ``.dev`` and ``.test`` from the unpacked ``data_aishell`` directory."""
    transcripts = read_transcripts(os.path.join(data_dir, TRANSCRIPT))
    for split in SPLITS:
        wav_paths = sorted(glob.glob(os.path.join(data_dir, "wav", split, "*", "*.wav")))
        labelled = [path for path in wav_paths if os.path.basename(path)[:-4] in transcripts]
        durations = parallel_map(lambda path: soundfile.info(path).duration, labelled, num_workers,
                                 desc=f"durations {split}")
        manifest_path = f"{manifest_prefix}.{split}"
        write_manifest(manifest_path, ({"audio_filepath": path, "duration": duration,
                                        "text": transcripts[os.path.basename(path)[:-4]]}
                                       for path, duration in zip(labelled, durations)))
        print(f"Wrote {manifest_path} ({len(labelled)} utterances, "
              f"{len(wav_paths) - len(labelled)} without transcript skipped).")


def main(argv: list[str] | None = None) -> None:
    """CLI entry point (DS2 flags); `argv` defaults to sys.argv."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments("target_dir", str, os.path.join(DATA_HOME, "Aishell"), "Directory to save the dataset in.",
                  parser)
    add_arguments("manifest_prefix", str, "manifest", "Filepath prefix for output manifests.", parser)
    add_arguments("url_base", str, os.environ.get("AISHELL_URL_BASE", URL_BASE),
                  "Server directory holding data_aishell.tgz and resource_aishell.tgz (env AISHELL_URL_BASE).",
                  parser)
    add_arguments("num_workers", int, 8, "Threads unpacking speaker archives and reading audio headers.", parser)
    args = parser.parse_args(argv)
    print_arguments(args)
    target_dir = os.path.abspath(os.path.expanduser(args.target_dir))  # manifests hold absolute paths
    with exit_on_failure():
        fetch_and_unpack(args.url_base, target_dir, args.num_workers)
        create_manifests(os.path.join(target_dir, "data_aishell"), args.manifest_prefix, args.num_workers)


if __name__ == "__main__":
    main()
