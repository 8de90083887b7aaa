"""Transcribe speech with a trained DeepSpeech2 model (DS2's flags and defaults).

    python infer.py --model_path examples/tiny/checkpoints/params.latest --audio_file speech.wav
        prints the transcript of one file (any sample rate; WAV, FLAC, OGG or MP3).
    python infer.py --model_path ... --infer_manifest data/tiny/manifest.test --num_samples 10
        prints target and hypothesis of the first ``--num_samples`` utterances, then their error rate.

``--timestamps True`` adds each word's start and end (seconds from the audio's start) and confidence: with
``--audio_file`` the output is one JSON line {"transcript", "word_timings": [{"word", "start", "end", "confidence"}]};
with a manifest each hypothesis is followed by a "Word Timings:" line holding that JSON list.
"""
from __future__ import annotations

import argparse
import functools
import json
import sys

import numpy as np

from model_utils.checkpoint import explicit_flags
from data_utils.audio import AudioSegment
from model_utils.ctc_decoder import batch_decode_function, word_records
from model_utils.decoding import (ErrorCounter, add_decoder_args, add_model_args, batches, load_model,
                                  make_decoder, manifest_dataset, pipelined, run_cli)
from model_utils.recognizer import Recognizer
from utils.utility import add_arguments, print_arguments

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
add_arg = functools.partial(add_arguments, argparser=parser)
add_arg("num_samples", int, 10, "Utterances of --infer_manifest to transcribe.")
add_arg("infer_manifest", str, "data/librispeech/manifest.dev-clean", "Manifest of the utterances to transcribe.")
add_arg("audio_file", str, None, "Transcribe this one audio file instead of --infer_manifest.")
add_arg("timestamps", bool, False, "Also give each word's start and end time (seconds) and confidence "
        "(--audio_file: as one JSON line).")
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
        print(transcribe_file(Recognizer(model, args.mean_std_path, decoder), args.audio_file, args.timestamps))
        return
    dataset = manifest_dataset(model, args, args.infer_manifest)
    counter = ErrorCounter(args.error_rate_type)
    decode = batch_decode_function(decoder, model.frame_duration if args.timestamps else None)
    for batch, decoded in pipelined(model, batches(dataset, args.num_samples, args.num_proc_data, args.num_samples),
                                    decode):
        for index, (hypothesis, words) in zip(batch["indices"], decoded):
            entry = dataset.entries[int(index)]
            counter.add(entry["text"], hypothesis)
            print(f"\nTarget Transcription: {entry['text']}\nOutput Transcription: {hypothesis}")
            if words is not None:
                print(f"Word Timings: {json.dumps(word_records(words, entry['duration']), ensure_ascii=False)}")
    print(f"Current error rate [{args.error_rate_type}] = {counter.rate:f}")


def transcribe_file(recognizer: Recognizer, path: str, timestamps: bool) -> str:
    """What infer.py prints for one audio file: its transcript, or with ``timestamps`` a JSON line that adds the
    words' timings."""
    audio = AudioSegment.from_file(path)
    if not timestamps:
        return recognizer.recognize(audio, path)
    features = recognizer.features(audio, path)
    model = recognizer.model
    probs = model.infer_batch_probs(features[None], np.array([len(features)], dtype=np.int64))
    [(text, words)] = recognizer.decoder.decode_batch_words(probs, model.frame_duration)
    return json.dumps({"transcript": text, "word_timings": word_records(words, audio.duration)}, ensure_ascii=False)


if __name__ == "__main__":
    run_cli(main)
