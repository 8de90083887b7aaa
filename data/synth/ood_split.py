"""The out-of-domain test split (manifest.test-ood): sentences of another kind, read by voices never trained on.

Sentences: the 720 Harvard sentences (r-cran-stringr's ``sentences``): short everyday sentences, unlike the novels
the corpus and its LM text come from, and reserved for evaluation (data/synth/text_sources.py never reads them).
A Harvard sentence that nevertheless equals a text of the corpus' manifests or occurs in an LM text is left out.
Voices: only speakers no split trains on: Festival's held-out voices (kal, ked, slt; ``festival_voices``) and
flite's slt (Festival's slt speaker, through another engine). The sentences are shuffled with the seed, each is
read by one voice, and the voices take turns, so each reads about the same number. Synthesis and post-processing
are the corpus' own (synthesize.py), so the WAVs are made, named and resumed like every other split's.

    python data/synth/ood_split.py --target_dir data/tiny --utterances 300 --exclude_text data/tiny/lm_text.txt
"""
from __future__ import annotations

import argparse
import glob
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from data.synth.corpus_plan import Utterance, plan_utterance  # noqa: E402
from data.synth.lm_text_en import export_reserved  # noqa: E402
from data.synth.normalize_text import normalize_transcript, spoken_form  # noqa: E402
from data.synth.synthesize import print_summary, synthesize_all  # noqa: E402
from data.synth.text_sources import Sentence  # noqa: E402
from data.synth.voices import Voice, festival_voices  # noqa: E402
from data_utils.manifest import read_manifest, write_manifest  # noqa: E402
from utils.utility import add_arguments, print_arguments  # noqa: E402

SPLIT = "test-ood"
HARVARD_SOURCE = "harvard"
FLITE_HELD_OUT_VOICES = ("slt",)  # flite voices whose speakers no split trains on (voices.FLITE_HELD_OUT_TWINS)


def harvard_sentences(cache_dir: str) -> list[Sentence]:
    """The Harvard sentences (r-cran-stringr, exported under ``cache_dir`` once), in their published order, in the
    corpus' spoken and transcript forms."""
    sentences = []
    with open(export_reserved(cache_dir)["harvard"], encoding="utf-8") as handle:
        for line in handle:
            spoken = spoken_form(line.strip())
            if spoken is not None:
                sentences.append(Sentence(spoken, normalize_transcript(spoken), HARVARD_SOURCE))
    if not sentences:
        raise RuntimeError("r-cran-stringr's sentences gave no readable sentence")
    return sentences


def ood_voices() -> list[Voice]:
    """The held-out speakers that read the split: Festival's held-out voices and flite's slt."""
    return festival_voices() + [Voice("flite", name) for name in FLITE_HELD_OUT_VOICES]


def corpus_texts(target_dir: str, text_paths: list[str]) -> tuple[set[str], str]:
    """The transcripts of ``target_dir``'s manifests (but this split's) and the LM texts ``text_paths`` joined.

    A missing text file is an error naming it: the split must be checked against every LM text it is kept from.
    """
    spoken = set()
    for path in sorted(glob.glob(os.path.join(target_dir, "manifest.*"))):
        if not os.path.basename(path).startswith(f"manifest.{SPLIT}"):
            spoken.update(entry["text"] for entry in read_manifest(path))
    lines = []
    for path in text_paths:
        if not os.path.isfile(path):
            raise ValueError(f"{path}: LM text not found (the split is kept apart from every --exclude_text)")
        with open(path, encoding="utf-8") as handle:
            lines.append(handle.read())
    return spoken, "\n".join(lines)


def plan_ood(sentences: list[Sentence], count: int, seed: int, voices: list[Voice], spoken: set[str],
             lm_text: str) -> list[Utterance]:
    """``count`` utterances of distinct sentences, none spoken in the corpus nor found in ``lm_text``.

    The sentences are shuffled with ``seed``; utterance i is read by ``voices[i % len(voices)]`` with the tempo,
    pitch and level the corpus plan draws for it.
    """
    if not voices:
        raise ValueError("no held-out voice is installed (Festival's kal, ked, slt or flite's slt)")
    usable = [s for s in sentences if s.text not in spoken and s.text not in lm_text]
    if count > len(usable):
        raise ValueError(f"{count} utterances asked for, but only {len(usable)} sentences are usable")
    random.Random(seed).shuffle(usable)
    return [plan_utterance(SPLIT, index, sentence, seed, {"ood": [voices[index % len(voices)]]}, {"ood": 1.0})
            for index, sentence in enumerate(usable[:count])]


def main() -> None:
    """Parse the flags, plan and synthesise the split and write manifest.test-ood atomically."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments("target_dir", str, "data/tiny", "Corpus folder: its manifests are read, wav/test-ood/ and "
                  "manifest.test-ood written.", parser)
    add_arguments("utterances", int, 300, "Utterances (distinct sentences) in the split.", parser)
    add_arguments("seed", int, 0, "Seed of the sentence order and of each utterance's tempo, pitch and level.",
                  parser)
    add_arguments("num_workers", int, 2, "Synthesis processes.", parser)
    add_arguments("exclude_text", str, "", "Comma-separated LM text files no sentence of the split may occur in "
                  "(default: <target_dir>/lm_text.txt).", parser)
    add_arguments("text_cache", str, "", "Folder for the exported Harvard sentences (default: <target_dir>/books).",
                  parser)
    args = parser.parse_args()
    print_arguments(args)
    if args.utterances <= 0:
        raise SystemExit("ood_split.py: --utterances must be positive")
    text_paths = args.exclude_text.split(",") if args.exclude_text else [os.path.join(args.target_dir, "lm_text.txt")]
    try:
        spoken, lm_text = corpus_texts(args.target_dir, text_paths)
        text_cache = args.text_cache or os.path.join(args.target_dir, "books")
        plan = plan_ood(harvard_sentences(text_cache), args.utterances, args.seed, ood_voices(), spoken, lm_text)
    except (RuntimeError, ValueError) as error:
        raise SystemExit(f"ood_split.py: {error}") from error
    entries, counts = synthesize_all(plan, os.path.join(args.target_dir, "wav"), args.num_workers, (SPLIT,))
    write_manifest(os.path.join(args.target_dir, f"manifest.{SPLIT}"), entries[SPLIT])
    print_summary(entries, counts)


if __name__ == "__main__":
    main()
