"""Build a character vocabulary from manifest transcripts: one character a line, most frequent first.

Characters seen fewer than ``--count_threshold`` times are left out; ties are ordered by character.
"""
import argparse
import collections
import functools
import sys

import _init_paths  # noqa: F401  (repository root on sys.path)
from tqdm import tqdm

from data_utils.manifest import ManifestError, read_manifest
from utils.utility import add_arguments, atomic_write, print_arguments

parser = argparse.ArgumentParser(description=__doc__)
add_arg = functools.partial(add_arguments, argparser=parser)
add_arg("count_threshold", int, 0, "Leave out characters seen fewer times than this.")
add_arg("vocab_path", str, "data/librispeech/vocab.txt", "Filepath to write the vocabulary to.")
parser.add_argument("--manifest_paths", type=str, nargs="+", required=True,
                    help="Filepaths of the manifests whose transcripts are counted.")


def count_characters(manifest_paths: list[str]) -> collections.Counter:
    """Character counts over the transcripts of all manifests (line breaks are rejected)."""
    counter: collections.Counter = collections.Counter()
    for manifest_path in manifest_paths:
        for entry in tqdm(read_manifest(manifest_path), desc=manifest_path, unit="utt"):
            if "\n" in entry["text"] or "\r" in entry["text"]:
                raise ManifestError(f"{manifest_path}:{entry['line_no']}: transcript contains a line break")
            counter.update(entry["text"])
    return counter


def vocabulary(counter: collections.Counter, count_threshold: int) -> list[str]:
    """Characters with at least ``count_threshold`` occurrences, by count descending then character."""
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    return [char for char, count in ranked if count >= count_threshold]


def main() -> None:
    args = parser.parse_args()
    print_arguments(args)
    try:
        vocab = vocabulary(count_characters(args.manifest_paths), args.count_threshold)
    except (OSError, ValueError) as err:
        sys.exit(f"build_vocab: error: {err}")
    with atomic_write(args.vocab_path, "w", encoding="utf-8") as handle:
        handle.writelines(char + "\n" for char in vocab)
    print(f"Wrote {len(vocab)} characters to {args.vocab_path}")


if __name__ == "__main__":
    main()
