"""Prepare LibriSpeech (openslr.org resource 12): download, unpack and write one manifest per subset.

Each subset archive unpacks to ``LibriSpeech/<subset>/<speaker>/<chapter>/`` holding ``<utt-id>.flac`` files
and one ``<speaker>-<chapter>.trans.txt`` whose lines read ``<utt-id> UPPER CASE WORDS``. A manifest line is
``{"audio_filepath", "duration", "text"}`` with the duration read from the FLAC header and the transcript
lower-cased, as DS2 did. Without --full_download only test-clean and dev-clean are fetched (DS2's default);
merge the train-* manifests yourself for training (see examples/librispeech/data.sh).

Run from the repository root: ``python -m data.librispeech.librispeech --target_dir ...``.
The server is overridable for mirrors and tests: --url_base or LIBRISPEECH_URL_BASE.
"""
from __future__ import annotations

import argparse
import os

import soundfile

from data_utils.download import download, exit_on_failure, is_unpacked, parallel_map, unpack
from data_utils.manifest import write_manifest
from utils.utility import add_arguments, print_arguments

URL_BASE = "http://www.openslr.org/resources/12"
DATA_HOME = os.path.expanduser("~/.cache/paddle/dataset/speech")

# subset -> MD5 of <subset>.tar.gz, in DS2's download order.
MD5SUMS = {
    "test-clean": "32fa31d27d2e1cad72775fee3f4849a9",
    "dev-clean": "42e2234ba48799c1f50f24a7926300a1",
    "train-clean-100": "2a93770f6d5c6c964bc36631d331a522",
    "test-other": "fb5a50374b501bb3bac4815ee91d3135",
    "dev-other": "c8d0bcc9cca99d4f8b62fcc847357931",
    "train-clean-360": "c0e676e450a7ff2f54aeade5171606fa",
    "train-other-500": "d1a0fd59409feb2c614ce4d30c387708",
}
MINIMAL_SUBSETS = ("test-clean", "dev-clean")


def read_transcripts(subset_dir: str) -> list[tuple[str, str]]:
    """All (flac path, lower-cased transcript) pairs under an unpacked subset, in sorted order.

    Raises ValueError naming the ``.trans.txt`` file and line for a line without words or a missing FLAC.
    """
    pairs = []
    for folder, dirs, files in os.walk(subset_dir):
        dirs.sort()
        for name in sorted(f for f in files if f.endswith(".trans.txt")):
            trans_path = os.path.join(folder, name)
            with open(trans_path, encoding="utf-8") as handle:
                for line_no, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    utt_id, _, words = line.strip().partition(" ")
                    audio_path = os.path.join(folder, utt_id + ".flac")
                    if not words.strip():
                        raise ValueError(f"{trans_path}:{line_no}: no transcript after the utterance id")
                    if not os.path.isfile(audio_path):
                        raise ValueError(f"{trans_path}:{line_no}: audio file {audio_path} is missing")
                    pairs.append((audio_path, " ".join(words.split()).lower()))
    return pairs


def create_manifest(subset_dir: str, manifest_path: str, num_workers: int) -> int:
    """Write the manifest of one unpacked subset; returns the number of utterances."""
    pairs = read_transcripts(subset_dir)
    durations = parallel_map(lambda pair: soundfile.info(pair[0]).duration, pairs, num_workers,
                             desc=f"durations {os.path.basename(manifest_path)}")
    write_manifest(manifest_path, ({"audio_filepath": path, "duration": duration, "text": text}
                                   for (path, text), duration in zip(pairs, durations)))
    return len(pairs)


def prepare_subset(subset: str, url_base: str, target_dir: str, manifest_path: str, num_workers: int) -> None:
    """Download and unpack one subset unless already done, then (re)write its manifest."""
    subset_dir = os.path.join(target_dir, subset)
    archive_name = subset + ".tar.gz"
    if is_unpacked(archive_name, subset_dir):
        print(f"Skip downloading and unpacking: {subset} is already in {subset_dir}.")
    else:
        archive = download(f"{url_base.rstrip('/')}/{archive_name}", MD5SUMS[subset], target_dir)
        print(f"Unpacking {archive} ...")
        unpack(archive, subset_dir)
    count = create_manifest(subset_dir, manifest_path, num_workers)
    print(f"Wrote {manifest_path} ({count} utterances).")


def main(argv: list[str] | None = None) -> None:
    """CLI entry point (DS2 flags); `argv` defaults to sys.argv."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments("target_dir", str, os.path.join(DATA_HOME, "libri"), "Directory to save the dataset in.", parser)
    add_arguments("manifest_prefix", str, "manifest", "Filepath prefix for output manifests.", parser)
    add_arguments("full_download", bool, False, "Download all seven subsets; if False only test-clean and "
                  "dev-clean.", parser)
    add_arguments("url_base", str, os.environ.get("LIBRISPEECH_URL_BASE", URL_BASE),
                  "Server directory holding <subset>.tar.gz (env LIBRISPEECH_URL_BASE).", parser)
    add_arguments("num_workers", int, 8, "Threads reading audio headers.", parser)
    args = parser.parse_args(argv)
    print_arguments(args)
    target_dir = os.path.abspath(os.path.expanduser(args.target_dir))  # manifests hold absolute paths
    subsets = list(MD5SUMS) if args.full_download else list(MINIMAL_SUBSETS)
    with exit_on_failure():
        for subset in subsets:
            prepare_subset(subset, args.url_base, target_dir, f"{args.manifest_prefix}.{subset}", args.num_workers)


if __name__ == "__main__":
    main()
