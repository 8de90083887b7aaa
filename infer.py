"""Transcribe speech with a trained DeepSpeech2 model (DS2's flags and defaults).

    python infer.py --model_path examples/tiny/checkpoints/params.latest --audio_file speech.wav
        prints the transcript of one file (any sample rate; WAV, FLAC, OGG or MP3).
    python infer.py --model_path ... --infer_manifest data/tiny/manifest.test --num_samples 10
        prints target and hypothesis of the first ``--num_samples`` utterances, then their error rate.
"""
from __future__ import annotations

import argparse
import functools
import sys

from model_utils.checkpoint import explicit_flags
from data_utils.audio import AudioSegment
from model_utils.decoding import (ErrorCounter, add_decoder_args, add_model_args, batches, load_model,
                                  make_decoder, manifest_dataset, pipelined, run_cli)
from model_utils.recognizer import Recognizer
from utils.utility import add_arguments, print_arguments

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
add_arg = functools.partial(add_arguments, argparser=parser)
add_arg("num_samples", int, 10, "Utterances of --infer_manifest to transcribe.")
add_arg("infer_manifest", str, "data/librispeech/manifest.dev-clean", "Manifest of the utterances to transcribe.")
add_arg("audio_file", str, None, "Transcribe this one audio file instead of --infer_manifest.")
add_model_args(parser)
add_decoder_args(parser)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    if args.audio_file is None:
        print_arguments(args)
    model = load_model(args, explicit_flags(parser, argv))
    decoder = make_decoder(model, args)
    if args.audio_file is not None:
        recognizer = Recognizer(model, args.mean_std_path, decoder)
        print(recognizer.recognize(AudioSegment.from_file(args.audio_file), args.audio_file))
        return
    dataset = manifest_dataset(model, args, args.infer_manifest)
    counter = ErrorCounter(args.error_rate_type)
    for batch, texts in pipelined(model, batches(dataset, args.num_samples, args.num_proc_data, args.num_samples),
                                  decoder.decode_batch):
        for index, hypothesis in zip(batch["indices"], texts):
            target = dataset.entries[int(index)]["text"]
            counter.add(target, hypothesis)
            print(f"\nTarget Transcription: {target}\nOutput Transcription: {hypothesis}")
    print(f"Current error rate [{args.error_rate_type}] = {counter.rate:f}")


if __name__ == "__main__":
    run_cli(main)
