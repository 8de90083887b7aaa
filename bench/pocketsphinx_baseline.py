"""Reference recogniser for the tiny example: PocketSphinx 5 with its bundled US-English acoustic model,
language model and dictionary, on the same WAVs as test.py.

Writes ``<results_dir>/test.<split>.pocketsphinx.jsonl`` in test.py's --output_file format, so that
bench/tiny_accuracy.py puts its WER/CER beside DeepSpeech2's; by default for every test split of the corpus
(test, test-heldout, the out-of-domain test-ood and its channels test-ood-<channel>). Audio at another sample rate
is resampled to PocketSphinx's 16 kHz.

    pip install pocketsphinx
    python bench/pocketsphinx_baseline.py --data_dir data/tiny --results_dir examples/tiny/logs
"""
from __future__ import annotations

import argparse
import functools
import glob
import json
import multiprocessing.pool
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tqdm import tqdm  # noqa: E402

from data_utils.audio import AudioSegment  # noqa: E402
from data_utils.manifest import read_manifest  # noqa: E402
from utils.error_rate import word_errors  # noqa: E402
from utils.utility import add_arguments, atomic_write, print_arguments, process_pool  # noqa: E402

SAMPLE_RATE = 16000
_decoder = None


def _init_worker() -> None:
    global _decoder
    from pocketsphinx import Decoder
    _decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")


def normalise(text: str) -> str:
    """Lower case, letters and apostrophes only (the corpus' transcript conventions)."""
    return " ".join(re.sub(r"[^a-z' ]", " ", text.lower()).split())


def recognise(audio_filepath: str) -> str:
    """PocketSphinx's best hypothesis for one file, resampled to 16 kHz 16-bit mono."""
    audio = AudioSegment.from_file(audio_filepath)
    audio.resample(SAMPLE_RATE)
    _decoder.start_utt()
    _decoder.process_raw(audio.to_bytes("int16"), full_utt=True)
    _decoder.end_utt()
    hypothesis = _decoder.hyp()
    return normalise(hypothesis.hypstr) if hypothesis is not None else ""


def decode_manifest(pool: multiprocessing.pool.Pool, manifest_path: str, output: str, desc: str) -> None:
    """Recognise every utterance of a manifest with ``pool`` (started with ``_init_worker``) and write test.py's
    --output_file records (audio_filepath, target, hypothesis, errors, words) to ``output``."""
    entries = read_manifest(manifest_path)
    paths = [entry["audio_filepath"] for entry in entries]
    hypotheses = list(tqdm(pool.imap(recognise, paths), total=len(paths), desc=desc, unit="utt"))
    with atomic_write(output) as handle:
        for entry, hypothesis in zip(entries, hypotheses):
            errors, words = word_errors(entry["text"], hypothesis)
            handle.write(json.dumps({"audio_filepath": entry["audio_filepath"], "target": entry["text"],
                                     "hypothesis": hypothesis, "errors": errors, "words": words}) + "\n")


def test_splits(data_dir: str) -> list[str]:
    """The test splits of a corpus folder: the suffixes of its ``manifest.test*`` files, sorted."""
    return sorted(os.path.basename(path)[len("manifest."):]
                  for path in glob.glob(os.path.join(data_dir, "manifest.test*")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arg = functools.partial(add_arguments, argparser=parser)
    add_arg("data_dir", str, "data/tiny", "Folder with manifest.<split>.")
    add_arg("results_dir", str, "examples/tiny/logs", "Where to write test.<split>.pocketsphinx.jsonl.")
    add_arg("splits", str, "", "Comma-separated manifest splits to decode (default: every manifest.test* of "
            "data_dir: test, test-heldout, test-ood and its channels).")
    add_arg("num_workers", int, 2, "Decoding processes.")
    args = parser.parse_args()
    print_arguments(args)
    splits = args.splits.split(",") if args.splits else test_splits(args.data_dir)
    missing = [split for split in splits if not os.path.isfile(os.path.join(args.data_dir, f"manifest.{split}"))]
    if missing or not splits:
        sys.exit(f"pocketsphinx_baseline.py: no manifest.{{{','.join(missing) or 'test*'}}} in {args.data_dir}")
    with process_pool(args.num_workers, initializer=_init_worker) as pool:
        for split in splits:
            output = os.path.join(args.results_dir, f"test.{split}.pocketsphinx.jsonl")
            decode_manifest(pool, os.path.join(args.data_dir, f"manifest.{split}"), output, split)
            print(f"wrote {output}")


if __name__ == "__main__":
    main()
