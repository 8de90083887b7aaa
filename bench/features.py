"""Feature extraction speed: audio-seconds per CPU-second on one thread.

Our featurizer (linear / mfcc / fbank, including dB normalisation) against python_speech_features'
mfcc and logfbank as a reference, on synthesised noise plus tones at 16 kHz. Each row is the best
of ``--repeats`` runs (CPU time of this process), which is the least disturbed by other load.

    python bench/features.py --seconds 60 --repeats 5
"""
import os

os.environ["OMP_NUM_THREADS"] = "1"  # one thread, set before numpy is imported

import argparse  # noqa: E402
import functools  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
from python_speech_features import delta, logfbank, mfcc  # noqa: E402

from data_utils.audio import AudioSegment  # noqa: E402
from data_utils.featurizer.audio_featurizer import AudioFeaturizer  # noqa: E402
from utils.utility import add_arguments, print_arguments  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
add_arg = functools.partial(add_arguments, argparser=parser)
add_arg("seconds", float, 60.0, "Length of the synthesised audio.")
add_arg("repeats", int, 5, "Timed runs per method (the best and the median are reported).")
add_arg("sample_rate", int, 16000, "Sample rate of the synthesised audio.")


def synthesise(seconds: float, sample_rate: int) -> np.ndarray:
    """Pink-ish noise plus a few gliding tones, float32 in [-1, 1]."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    noise = np.cumsum(rng.normal(0, 0.02, len(t)))
    noise = 0.05 * (noise - np.convolve(noise, np.ones(400) / 400, mode="same"))
    tones = sum(0.1 * np.sin(2 * np.pi * (f + 50 * np.sin(0.5 * t)) * t) for f in (220, 660, 1500, 3200))
    return np.clip(noise + tones, -1, 1).astype(np.float32)


def psf_mfcc_with_deltas(samples: np.ndarray, rate: int) -> np.ndarray:
    """What DS2 did for 'mfcc': python_speech_features mfcc + delta + delta-delta."""
    cepstra = mfcc(samples, rate, winlen=0.02, winstep=0.01)
    first = delta(cepstra, 2)
    return np.concatenate([cepstra, first, delta(first, 2)], axis=1)


def cpu_seconds(func, repeats: int) -> list[float]:
    func()  # warm-up (caches, lazy imports)
    times = []
    for _ in range(repeats):
        start = time.process_time()
        func()
        times.append(time.process_time() - start)
    return times


def main() -> None:
    args = parser.parse_args()
    print_arguments(args)
    rate = args.sample_rate
    samples = synthesise(args.seconds, rate)
    segment = AudioSegment(samples, rate)
    methods = {
        "ours linear (161)": AudioFeaturizer("linear").featurize,
        "ours mfcc (39, with deltas)": AudioFeaturizer("mfcc").featurize,
        "ours fbank (80)": AudioFeaturizer("fbank").featurize,
        "psf mfcc (13, no deltas)": lambda seg: mfcc(samples, rate, winlen=0.02, winstep=0.01),
        "psf mfcc + deltas (39, DS2)": lambda seg: psf_mfcc_with_deltas(samples, rate),
        "psf logfbank (26)": lambda seg: logfbank(samples, rate, winlen=0.02, winstep=0.01),
        "psf logfbank (80)": lambda seg: logfbank(samples, rate, winlen=0.02, winstep=0.01, nfilt=80),
    }
    print(f"\n{args.seconds:g} s of audio at {rate} Hz, OMP_NUM_THREADS=1, best/median of {args.repeats}")
    print(f"| {'method':30s} | {'shape':>12s} | {'audio-s/CPU-s best':>18s} | {'median':>8s} |")
    print(f"|{'-' * 32}|{'-' * 14}|{'-' * 20}|{'-' * 10}|")
    for name, func in methods.items():
        shape = func(segment).shape
        times = cpu_seconds(lambda: func(segment), args.repeats)
        best, median = args.seconds / min(times), args.seconds / statistics.median(times)
        print(f"| {name:30s} | {str(shape):>12s} | {best:18.0f} | {median:8.0f} |")


if __name__ == "__main__":
    main()
