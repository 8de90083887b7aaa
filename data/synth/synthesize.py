"""Build a synthetic corpus (English or Mandarin): sentences spoken by many TTS voices, with DS2 manifests.

Writes <target_dir>/wav/<split>/*.wav (16 kHz mono int16), manifest.{train,dev,test,test-heldout} (JSON lines
with absolute audio_filepath, duration measured from the written file, text, speaker) and lm_text.txt (normalised
sentences that no utterance speaks, for KenLM; Mandarin's with the characters separated by spaces, plus text used
only for the LM, none of it holding a dev or test sentence). Deterministic for a seed; re-running resumes
(finished WAVs are kept); manifests are replaced atomically at the end.

    python data/synth/synthesize.py --target_dir data/tiny --hours 1.0 --seed 0 --num_workers 2
    python data/synth/synthesize.py --target_dir data/tiny_zh --lang zh --hours 1.0
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tqdm import tqdm  # noqa: E402

from data.synth.corpus_plan import Utterance, make_plan  # noqa: E402
from data.synth.languages import LANGUAGES, Language  # noqa: E402
from data.synth.postprocess import finish, wav_duration, write_wav  # noqa: E402
from data.synth.text_sources import restrict_vocabulary, without_leaks  # noqa: E402
from data.synth.voices import ENGINE_PACKAGES, ENGINES, SynthesisError, engine_available, speak  # noqa: E402
from utils.utility import add_arguments, atomic_write, print_arguments, process_pool  # noqa: E402

SPLITS = ("train", "dev", "test", "test-heldout")


def parse_weights(spec: str) -> dict[str, float]:
    """Parse ``espeak:0.25,flite:0.25,piper:0.5`` into engine -> weight (relative share of seen-voice utterances)."""
    weights = {}
    for item in spec.split(","):
        engine, _, value = item.partition(":")
        engine = engine.strip()
        if engine not in ENGINES:
            raise ValueError(f"--engine_weights: unknown engine {engine!r} (choose from {', '.join(ENGINES)})")
        try:
            weights[engine] = float(value)
        except ValueError as error:
            raise ValueError(f"--engine_weights: bad weight in {item!r}") from error
    if not any(weight > 0 for weight in weights.values()):
        raise ValueError("--engine_weights: at least one engine needs a positive weight")
    return weights


def wav_path(wav_dir: str, utterance: Utterance) -> str:
    """Where an utterance's WAV lives: ``<wav_dir>/<split>/<uid>.wav``."""
    return os.path.join(wav_dir, utterance.split, utterance.uid + ".wav")


def make_utterance(job: tuple[Utterance, str]) -> tuple[Utterance, dict | None, str]:
    """Synthesise one planned utterance unless its WAV already exists; returns (utterance, entry, status).

    status is ``made``, ``kept`` (resumed) or the error message of a failed engine (then entry is None).
    """
    utterance, path = job
    duration = wav_duration(path)
    status = "kept"
    if duration is None:
        try:
            samples, sample_rate = speak(utterance.voice, utterance.spoken, utterance.tempo, utterance.pitch)
            audio = finish(samples, sample_rate, utterance.voice.morph, utterance.peak_db, int(utterance.digest, 16))
            duration = write_wav(path, audio)
        except SynthesisError as error:
            return utterance, None, f"{utterance.uid}: {error}"
        status = "made"
    entry = {"audio_filepath": os.path.abspath(path), "duration": round(duration, 4), "text": utterance.text,
             "speaker": utterance.voice.speaker}
    return utterance, entry, status


def synthesize_all(plan: list[Utterance], wav_dir: str, num_workers: int, splits: tuple[str, ...] = SPLITS
                   ) -> tuple[dict[str, list[dict]], collections.Counter]:
    """Run the plan over ``num_workers`` processes (in order); returns manifest entries per split and status counts.

    ``splits`` are the splits the plan's utterances may belong to (data/synth/ood_split.py plans its own).
    """
    for split in splits:
        os.makedirs(os.path.join(wav_dir, split), exist_ok=True)
    jobs = [(utterance, wav_path(wav_dir, utterance)) for utterance in plan]
    entries: dict[str, list[dict]] = {split: [] for split in splits}
    counts: collections.Counter = collections.Counter()
    chunksize = max(1, min(16, len(jobs) // (4 * max(1, num_workers))))
    with process_pool(max(1, num_workers)) as pool:
        for utterance, entry, status in tqdm(pool.imap(make_utterance, jobs, chunksize=chunksize), total=len(jobs),
                                             desc="synthesising", unit="utt"):
            if entry is None:
                counts["failed"] += 1
                tqdm.write(f"skipped (engine failed) {status}", file=sys.stderr)
                continue
            counts[status] += 1
            entries[utterance.split].append(entry)
    return entries, counts


def write_outputs(target_dir: str, entries: dict[str, list[dict]], lm_text: list[str]) -> None:
    """Write the four manifests and the LM text atomically (UTF-8; manifests keep non-ASCII text unescaped)."""
    for split in SPLITS:
        with atomic_write(os.path.join(target_dir, "manifest." + split), encoding="utf-8") as handle:
            for entry in entries[split]:
                handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    with atomic_write(os.path.join(target_dir, "lm_text.txt"), encoding="utf-8") as handle:
        handle.writelines(line + "\n" for line in lm_text)


def print_summary(entries: dict[str, list[dict]], counts: collections.Counter, lm_text: list[str] | None = None
                  ) -> None:
    """Hours per split and per engine, so the engine shares can be checked, and the LM text's size when given."""
    print(f"utterances: {counts['made']} made, {counts['kept']} kept from an earlier run, {counts['failed']} failed")
    for split in entries:
        by_engine: collections.Counter = collections.Counter()
        for entry in entries[split]:
            by_engine[entry["speaker"].split("_")[0]] += entry["duration"]
        total = sum(by_engine.values())
        shares = ", ".join(f"{engine} {seconds / max(total, 1e-9):.0%}"
                           for engine, seconds in sorted(by_engine.items()))
        speakers = len({entry["speaker"] for entry in entries[split]})
        print(f"{split:13s} {len(entries[split]):6d} utts {total / 3600:7.3f} h {speakers:4d} speakers  ({shares})")
    if lm_text is not None:
        print(f"lm_text.txt   {len(lm_text):6d} sentences")


def apply_language_defaults(args: argparse.Namespace, language: Language) -> None:
    """Fill the flags left unset with the language's defaults (sentence lengths, vocabulary, engine weights)."""
    defaults = {"engine_weights": language.engine_weights, "vocab_size": language.vocab_size,
                "min_words": language.min_length, "max_words": language.max_length}
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)


def main() -> None:
    """Parse the flags and build the corpus; bad flags or inputs end with a one-line message."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments("target_dir", str, "data/tiny", "Output folder for wav/, manifests and lm_text.txt.", parser)
    add_arguments("hours", float, 1.0, "Hours of seen-voice speech (train+dev+test); held-out adds ~test size.",
                  parser)
    add_arguments("seed", int, 0, "Seed of the sentence split and of every voice/tempo/pitch choice.", parser)
    add_arguments("num_workers", int, 2, "Synthesis processes.", parser)
    add_arguments("lang", str, "en", "Corpus language.", parser, choices=sorted(LANGUAGES))
    add_arguments("engine_weights", str, None, "Relative share of seen-voice utterances per engine (default: "
                  + ", ".join(f"{language.engine_weights} for {code}" for code, language in LANGUAGES.items())
                  + ").", parser)
    add_arguments("dev_fraction", float, 0.05, "Share of --hours for the dev split.", parser)
    add_arguments("test_fraction", float, 0.10, "Share of --hours for the test split.", parser)
    add_arguments("heldout", bool, True, "Also make manifest.test-heldout with the held-out voices (Festival for "
                  "en, unseen espeak-ng variants for zh).", parser)
    add_arguments("vocab_size", int, None, "Keep sentences whose words (en; default 6000) or characters (zh; "
                  "default 800) are all among this many most frequent ones (0: no limit).", parser)
    add_arguments("min_words", int, None, "Shortest sentence, in words (en; default 4) or characters (zh; 4).",
                  parser)
    add_arguments("max_words", int, None, "Longest sentence, in words (en; default 18) or characters (zh; 20).",
                  parser)
    add_arguments("min_lm_fraction", float, 0.5, "Share of the sentences always kept for lm_text.txt; train re-uses "
                  "its sentences with new voices beyond that.", parser)
    add_arguments("everyday_fraction", float, 0.0, "Share of the train hours that read everyday sentences of "
                  "another genre instead of book sentences (en: Tatoeba's; dev, test and the LM text stay books).",
                  parser)
    add_arguments("text_cache", str, "", "Folder for the exported book texts (default: <target_dir>/books).", parser)
    args = parser.parse_args()
    language = LANGUAGES[args.lang]
    apply_language_defaults(args, language)
    print_arguments(args)
    if args.hours <= 0:
        raise SystemExit("--hours must be positive")
    try:
        weights = parse_weights(args.engine_weights)
    except ValueError as error:
        parser.error(str(error))
    for engine, install in ENGINE_PACKAGES.items():
        if weights.get(engine, 0) > 0 and not engine_available(engine):
            raise SystemExit(f"{engine} voices need `{install}` (or drop {engine} from --engine_weights)")
    heldout = language.heldout_voices() if args.heldout else []
    if args.heldout and not heldout:
        print("warning: no held-out voice installed; manifest.test-heldout will be empty", file=sys.stderr)

    try:
        text_cache = args.text_cache or os.path.join(args.target_dir, "books")
        every_sentence = language.sentences(text_cache, args.min_words, args.max_words)
        sentences, vocabulary = restrict_vocabulary(every_sentence, args.vocab_size, language.tokenize,
                                                    language.ranking_source)
        print(f"{len(sentences)} usable sentences, {len(vocabulary)}-token vocabulary")
        seen = {engine: language.seen_voices(engine) for engine in weights}
        everyday = []
        if args.everyday_fraction > 0:
            if language.everyday_sentences is None:
                raise ValueError(f"--everyday_fraction: no everyday sentences for --lang {args.lang}")
            everyday = language.everyday_sentences(text_cache, args.min_words, args.max_words)
            print(f"{len(everyday)} everyday sentences for {args.everyday_fraction:.0%} of the train hours")
        plan, lm_text = make_plan(sentences, args.hours, args.seed, seen, weights, heldout, args.dev_fraction,
                                  args.test_fraction, args.min_lm_fraction, language.chars_per_second, everyday,
                                  args.everyday_fraction)
        taken = set(lm_text) | {u.text for u in plan}
        lm_text += [text for text in dict.fromkeys(language.lm_extra(text_cache, every_sentence))
                    if text not in taken]
        lm_text = without_leaks(lm_text, (u.text for u in plan), (u.text for u in plan if u.split != "train"))
    except (RuntimeError, ValueError) as error:
        raise SystemExit(f"synthesize.py: {error}") from error
    entries, counts = synthesize_all(plan, os.path.join(args.target_dir, "wav"), args.num_workers)
    write_outputs(args.target_dir, entries, [language.lm_line(text) for text in lm_text])
    print_summary(entries, counts, lm_text)


if __name__ == "__main__":
    main()
