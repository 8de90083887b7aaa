"""Evaluate a trained DeepSpeech2 model on a whole manifest: WER or CER (DS2's flags and defaults).

    python test.py --model_path examples/tiny/checkpoints/params.latest --test_manifest data/tiny/manifest.test \
        --lang_model_path data/tiny/lm.klm --output_file results.jsonl

``--output_file`` gets one JSON line per utterance, in manifest order: audio_filepath, target,
hypothesis, errors and words (or chars, with ``--error_rate_type cer``), for reading the mistakes, and
word_timings: the hypothesis's words as {"word", "start", "end", "confidence"} (seconds from the audio's start).
"""
from __future__ import annotations

import argparse
import functools
import json
import sys

from tqdm import tqdm

from model_utils.checkpoint import explicit_flags
from model_utils.ctc_decoder import batch_decode_function, word_records
from model_utils.decoding import (ErrorCounter, add_decoder_args, add_model_args, batches, load_model,
                                  make_decoder, manifest_dataset, pipelined, run_cli)
from utils.utility import add_arguments, atomic_write, print_arguments

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
add_arg = functools.partial(add_arguments, argparser=parser)
add_arg("batch_size", int, 128, "Utterances per network batch.")
add_arg("test_manifest", str, "data/librispeech/manifest.test-clean", "Manifest of the test utterances.")
add_arg("output_file", str, None, "Write each utterance's target, hypothesis and errors here (JSON lines).")
add_model_args(parser)
add_decoder_args(parser)


def main(argv: list[str] | None = None) -> float:
    """Decode ``--test_manifest``; returns the error rate."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    print_arguments(args)
    model = load_model(args, explicit_flags(parser, argv))
    decoder = make_decoder(model, args)
    dataset = manifest_dataset(model, args, args.test_manifest)
    counter = ErrorCounter(args.error_rate_type)
    results: dict[int, dict] = {}
    unit = "words" if args.error_rate_type == "wer" else "chars"
    progress = tqdm(total=len(dataset), desc="test", unit="utt")
    decode = batch_decode_function(decoder, model.frame_duration if args.output_file else None)
    for batch, decoded in pipelined(model, batches(dataset, args.batch_size, args.num_proc_data), decode):
        for index, (hypothesis, words) in zip(batch["indices"], decoded):
            entry = dataset.entries[int(index)]
            errors, length = counter.add(entry["text"], hypothesis)
            results[int(index)] = {"audio_filepath": entry["audio_filepath"], "target": entry["text"],
                                   "hypothesis": hypothesis, "errors": errors, unit: length}
            if words is not None:
                results[int(index)]["word_timings"] = word_records(words, entry["duration"])
        progress.update(len(decoded))
        progress.set_postfix({args.error_rate_type: f"{counter.rate:.4f}"})
    progress.close()
    if args.output_file:
        with atomic_write(args.output_file) as handle:
            for index in sorted(results):
                handle.write(json.dumps(results[index], ensure_ascii=False) + "\n")
    print(f"Final error rate [{args.error_rate_type}] ({counter.utterances}/{len(dataset)}) = {counter.rate:f}")
    return counter.rate


if __name__ == "__main__":
    run_cli(main)
