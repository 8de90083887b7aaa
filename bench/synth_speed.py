"""Synthesis speed of each TTS engine of the synthetic corpus, in one process (one core).

Prints, per voice, the seconds of finished 16 kHz audio (engine + resampling, trimming and level) made per
wall-clock second and per CPU second (this process plus the engine subprocesses; robust to a busy machine),
over the same corpus sentences.

    python bench/synth_speed.py --num_sentences 20
    python bench/synth_speed.py --num_sentences 20 --engines rhvoice,pico
"""
import argparse
import os
import resource
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from data.synth.postprocess import SAMPLE_RATE, finish  # noqa: E402
from data.synth.text_sources import book_sentences  # noqa: E402
from data.synth.voices import Voice, festival_voices, speak  # noqa: E402
from utils.utility import add_arguments, print_arguments  # noqa: E402

def cpu_seconds() -> float:
    """User+system CPU time of this process and its finished children (the engine subprocesses)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


VOICES = [Voice("espeak", "en-us+m3"), Voice("flite", "awb"), Voice("flite", "rms", 1.1), Voice("piper", "joe"),
          Voice("hibari", "heart", 1.0, 0.65, 0.9), Voice("mbrola", "us2"), Voice("mbrola", "festival_us2"),
          Voice("festival", "rab_diphone"), Voice("festival", "don_diphone"), Voice("rhvoice", "bdl"),
          Voice("rhvoice", "evgeniy-eng"), Voice("rhvoice", "clb", 1.1), Voice("pico", "en-US"), Voice("pico", "en-GB")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments("num_sentences", int, 20, "Sentences spoken by each voice.", parser)
    add_arguments("text_cache", str, "", "Folder of exported book texts (default: a temporary folder).", parser)
    add_arguments("engines", str, "", "Comma-separated engines to time (default: all).", parser)
    args = parser.parse_args()
    print_arguments(args)
    cache = args.text_cache or tempfile.mkdtemp(prefix="books_")
    sentences = book_sentences(cache)[::997][:args.num_sentences]
    print("| voice | sentences | audio s | wall s | CPU s | audio s per wall s | audio s per CPU s |")
    print("|---|---|---|---|---|---|---|")
    engines = set(args.engines.split(",")) if args.engines else None
    for voice in [voice for voice in VOICES + festival_voices() if engines is None or voice.engine in engines]:
        speak(voice, "Warm up.", 1.0, 0.0)  # piper loads its model here
        start, cpu_start = time.perf_counter(), cpu_seconds()
        audio = 0.0
        for sentence in sentences:
            samples, rate = speak(voice, sentence.spoken, 0.91, 0.0)
            audio += len(finish(samples, rate, voice.morph, -3.0, dither_seed=0)) / SAMPLE_RATE
        wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu_start
        print(f"| {voice.speaker} | {len(sentences)} | {audio:.1f} | {wall:.2f} | {cpu:.2f} | {audio / wall:.1f} "
              f"| {audio / cpu:.1f} |")


if __name__ == "__main__":
    main()
