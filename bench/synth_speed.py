"""Synthesis speed of each TTS engine of the synthetic corpus, in one process (one core).

Prints, per voice, the seconds of finished 16 kHz audio made per wall-clock second (engine + resampling,
trimming and level), over the same corpus sentences.

    python bench/synth_speed.py --num_sentences 20
"""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from data.synth.postprocess import SAMPLE_RATE, finish  # noqa: E402
from data.synth.text_sources import book_sentences  # noqa: E402
from data.synth.voices import Voice, festival_voices, speak  # noqa: E402
from utils.utility import add_arguments, print_arguments  # noqa: E402

VOICES = [Voice("espeak", "en-us+m3"), Voice("flite", "awb"), Voice("flite", "rms", 1.1), Voice("piper", "joe")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments("num_sentences", int, 20, "Sentences spoken by each voice.", parser)
    add_arguments("text_cache", str, "", "Folder of exported book texts (default: a temporary folder).", parser)
    args = parser.parse_args()
    print_arguments(args)
    cache = args.text_cache or tempfile.mkdtemp(prefix="books_")
    sentences = book_sentences(cache)[::997][:args.num_sentences]
    print(f"| voice | sentences | audio s | wall s | audio s per wall s |")
    print(f"|---|---|---|---|---|")
    for voice in VOICES + festival_voices():
        speak(voice, "Warm up.", 1.0, 0.0)  # piper loads its model here
        start = time.perf_counter()
        audio = 0.0
        for sentence in sentences:
            samples, rate = speak(voice, sentence.spoken, 0.91, 0.0)
            audio += len(finish(samples, rate, voice.morph, -3.0)) / SAMPLE_RATE
        wall = time.perf_counter() - start
        print(f"| {voice.speaker} | {len(sentences)} | {audio:.1f} | {wall:.2f} | {audio / wall:.1f} |")


if __name__ == "__main__":
    main()
