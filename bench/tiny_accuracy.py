"""Accuracy table of the tiny example: WER and CER per split and decoder, and WER per voice family.

Reads the per-utterance results that examples/stages/test.sh (test.py --output_file) and
bench/pocketsphinx_baseline.py write as ``<results_dir>/test.<split>.<method>.jsonl``; the voice
family (espeak, flite, piper, hibari, mbrola, festival) is the engine part of the manifest's ``speaker`` field.
A split of a few voices (the held-out Festival voices, the out-of-domain split) is broken down by voice instead.
Under the table, for each split with both, beam search's WER minus PocketSphinx's on the same utterances, with a
95% interval from a paired bootstrap (utterances resampled with replacement, both systems on each resample); then
for each channel version of the out-of-domain split (test-ood-reverb, -noise, ...) and decoder, its WER as a
multiple of the clean split's.

    python bench/tiny_accuracy.py --results_dir examples/tiny/logs --data_dir data/tiny
"""
from __future__ import annotations

import argparse
import collections
import functools
import glob
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from data_utils.manifest import read_manifest  # noqa: E402
from utils.error_rate import char_errors, word_errors  # noqa: E402
from utils.utility import add_arguments  # noqa: E402

METHOD_ORDER = ("ctc_greedy", "ctc_beam_search", "pocketsphinx")
BOOTSTRAP_RESAMPLES = 2000
MAX_VOICES_LISTED = 6  # a split with this many voices or fewer gets its WER per voice, not per voice family


def voice_families(data_dir: str, split: str) -> dict[str, str]:
    """audio_filepath -> voice family, from the manifest's ``speaker`` (e.g. ``espeak_en-us_m5`` -> espeak).

    A split of at most MAX_VOICES_LISTED voices (the held-out and out-of-domain ones) is broken down by voice
    instead: the voice's name when all are of one family (``festival_kal_diphone`` -> kal_diphone), else the
    speaker (``flite_slt``).
    """
    path = os.path.join(data_dir, f"manifest.{split}")
    if not os.path.isfile(path):
        return {}
    speakers = {entry["audio_filepath"]: str(entry.get("speaker", "?")) for entry in read_manifest(path)}
    families = {audio: speaker.split("_")[0] for audio, speaker in speakers.items()}
    if len(set(speakers.values())) > MAX_VOICES_LISTED:
        return families
    if len(set(families.values())) == 1:
        return {audio: speaker.split("_", 1)[-1] for audio, speaker in speakers.items()}
    return speakers


def read_results(results_path: str) -> list[dict]:
    """The records of a results file, each with its ``word_errors``/``words``/``char_errors``/``chars`` counted."""
    records = []
    with open(results_path, encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            try:
                record = json.loads(line)
                target, hypothesis = record["target"], record["hypothesis"]
                audio = record["audio_filepath"]
            except (json.JSONDecodeError, KeyError, TypeError) as err:
                raise ValueError(f"{results_path}:{line_no}: not a test.py result line ({err})") from None
            word_err, words = word_errors(target, hypothesis)
            char_err, chars = char_errors(target, hypothesis)
            records.append({"audio_filepath": audio, "word_errors": word_err, "words": words,
                            "char_errors": char_err, "chars": chars})
    return records


def score(results_path: str, families: dict[str, str]) -> dict:
    """Corpus WER and CER of one results file, and WER per voice family."""
    totals = collections.Counter()
    per_family: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for record in read_results(results_path):
        totals.update(utterances=1, **{key: record[key] for key in ("word_errors", "words", "char_errors", "chars")})
        per_family[families.get(record["audio_filepath"], "?")].update(word_errors=record["word_errors"],
                                                                      words=record["words"])
    return {"utterances": totals["utterances"], "wer": totals["word_errors"] / max(totals["words"], 1),
            "cer": totals["char_errors"] / max(totals["chars"], 1),
            "family_wer": {family: c["word_errors"] / max(c["words"], 1) for family, c in sorted(per_family.items())}}


def paired_bootstrap(ours_path: str, theirs_path: str, resamples: int = BOOTSTRAP_RESAMPLES,
                     seed: int = 0) -> tuple[float, float, float, int]:
    """WER of ``ours`` minus ``theirs`` in points on their common utterances, its 95% bootstrap interval, and the
    number of utterances; each resample draws utterances with replacement and scores both systems on it."""
    ours = {r["audio_filepath"]: r for r in read_results(ours_path)}
    theirs = {r["audio_filepath"]: r for r in read_results(theirs_path)}
    common = sorted(set(ours) & set(theirs))
    if not common:
        raise ValueError(f"{ours_path} and {theirs_path} share no utterance")
    diff = np.array([ours[a]["word_errors"] - theirs[a]["word_errors"] for a in common])
    words = np.array([max(ours[a]["words"], 1) for a in common])
    draws = np.random.default_rng(seed).integers(0, len(common), size=(resamples, len(common)))
    rates = 100 * diff[draws].sum(axis=1) / words[draws].sum(axis=1)
    low, high = np.percentile(rates, [2.5, 97.5])
    return 100 * diff.sum() / words.sum(), float(low), float(high), len(common)


def comparisons(results_dir: str) -> list[str]:
    """One line per split that has beam-search and PocketSphinx results: the paired WER difference."""
    lines = []
    for ours in sorted(glob.glob(os.path.join(results_dir, "test.*.ctc_beam_search.jsonl"))):
        theirs = ours.replace(".ctc_beam_search.jsonl", ".pocketsphinx.jsonl")
        if os.path.isfile(theirs):
            split = os.path.basename(ours)[len("test."):-len(".ctc_beam_search.jsonl")]
            diff, low, high, count = paired_bootstrap(ours, theirs)
            lines.append(f"{split}: ctc_beam_search minus pocketsphinx WER {diff:+.1f} points, 95% interval "
                         f"[{low:+.1f}, {high:+.1f}] (paired bootstrap, {count} utterances, "
                         f"{BOOTSTRAP_RESAMPLES} resamples)")
    return lines


def channel_ratios(results_dir: str, clean_split: str) -> list[str]:
    """One line per channel split ``<clean_split>-<channel>`` and decoder: its WER against the clean split's."""
    lines = []
    pattern = os.path.join(results_dir, f"test.{clean_split}-*.jsonl")
    for path in sorted(glob.glob(pattern)):
        split, method = _split_and_method(path)
        clean = os.path.join(results_dir, f"test.{clean_split}.{method}.jsonl")
        if os.path.isfile(clean):
            degraded, reference = score(path, {})["wer"], score(clean, {})["wer"]
            ratio = f"{degraded / reference:.2f}x" if reference > 0 else "n/a (clean WER 0)"
            lines.append(f"{split}: {method} WER {degraded * 100:.1f}% = {ratio} the clean {clean_split}'s "
                         f"{reference * 100:.1f}%")
    return lines


def _split_and_method(path: str) -> tuple[str, str]:
    """(split, method) of a ``test.<split>.<method>.jsonl`` path."""
    split, method = os.path.basename(path)[len("test."):-len(".jsonl")].rsplit(".", 1)
    return split, method


def table(results_dir: str, data_dir: str) -> str:
    """The markdown table of every ``test.<split>.<method>.jsonl`` in ``results_dir``."""
    rows = []
    for path in glob.glob(os.path.join(results_dir, "test.*.jsonl")):
        split, method = _split_and_method(path)
        rows.append((split, method, score(path, voice_families(data_dir, split))))
    if not rows:
        raise FileNotFoundError(f"{results_dir}: no test.<split>.<method>.jsonl results")
    rank = {method: i for i, method in enumerate(METHOD_ORDER)}
    rows.sort(key=lambda row: (row[0], rank.get(row[1], len(rank)), row[1]))
    lines = ["| split | decoder | utterances | WER | CER | WER per voice family (per voice if few) |",
             "|---|---|---:|---:|---:|---|"]
    for split, method, result in rows:
        families = ", ".join(f"{family} {rate * 100:.1f}%" for family, rate in result["family_wer"].items())
        lines.append(f"| {split} | {method} | {result['utterances']} | {result['wer'] * 100:.1f}% | "
                     f"{result['cer'] * 100:.1f}% | {families} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arg = functools.partial(add_arguments, argparser=parser)
    add_arg("results_dir", str, "examples/tiny/logs", "Folder of test.<split>.<method>.jsonl files.")
    add_arg("data_dir", str, "data/tiny", "Folder of the manifests (for the voice families).")
    add_arg("clean_split", str, "test-ood", "Split whose channel versions <clean_split>-<channel> are compared "
            "with it.")
    args = parser.parse_args()
    print(table(args.results_dir, args.data_dir))
    for line in comparisons(args.results_dir) + channel_ratios(args.results_dir, args.clean_split):
        print(line)


if __name__ == "__main__":
    main()
