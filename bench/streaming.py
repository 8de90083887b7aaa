"""Live-recognition benchmark: N concurrent WebSocket streams sending speech in real time to the demo server.

Starts deploy/demo_server.py on loopback with an online model. Each of N streams sends the utterance as 16 kHz
16-bit PCM chunks of ``--chunk_ms``, chunk i at ``offset + i * chunk_ms`` (real time; the streams' offsets are
spread evenly over one chunk so that they do not arrive in step), then "end", for ``--rounds`` utterances. It prints
one table row per number of streams:

* partial latency: for chunk i (1-based) of an utterance, the time from just before the client sends it to the
  arrival of the first ``partial`` whose ``chunks`` >= i (the server answers each network step over all the audio
  it has, so one partial can cover several chunks). This is the issue's "audio chunk received -> partial sent" plus
  the loopback round trip. p50, p95 and max over all chunks of all streams.
* final latency: "end" sent -> ``finished`` received, p50.
* RTF per stream: the server's ``compute_ms`` for the utterance (featurizing, decoding and its equal share of
  every batched network step) / the audio's duration; the mean and the worst stream.
* server CPU / audio: the server process's user + system CPU seconds over the row / seconds of audio streamed.

Without ``--model_path`` it trains an online network of the tiny example's shape (80 fbank, 2 conv, 3 forward GRUs
of 256, row convolution) for ``--train_passes`` passes on tests/tiny_corpus's 12 espeak-ng sentences: the weights
are barely trained, which does not change the timings (the compute does not depend on the weights).

    python bench/streaming.py                                   # self-contained, 8 streams
    python bench/streaming.py --streams 1,4,8 --model_path examples/tiny/checkpoints-online/params.avg
"""
from __future__ import annotations

import argparse
import asyncio
import datetime
import functools
import os
import sys
import tempfile
import time

import aiohttp
import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, "tests"))

from bench.server import cpu_seconds, utterance  # noqa: E402
from data_utils.audio import AudioSegment  # noqa: E402
from deploy.server_process import running_servers  # noqa: E402
from model_utils.ctc_decoder import DecodingOptions, add_decoding_args  # noqa: E402
from utils.utility import add_arguments, print_arguments  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
add_arg = functools.partial(add_arguments, argparser=parser)
add_arg("model_path", str, None, "Online checkpoint to serve (default: train a tiny-shaped online network).")
add_arg("mean_std_path", str, None, "The checkpoint's mean/std, if not beside it.")
add_arg("wav", str, None, "Utterance to stream (default: --seconds of espeak-ng speech).")
add_arg("seconds", float, 5.0, "Length of the default utterance.")
add_arg("streams", str, "8", "Comma-separated numbers of concurrent streams, one table row each.")
add_arg("chunk_ms", int, 160, "Milliseconds of audio per WebSocket message.")
add_arg("rounds", int, 2, "Utterances each stream sends, one after the other.")
add_arg("train_passes", int, 1, "Passes of the self-contained model's training.")
add_decoding_args(parser, decoding_method="ctc_greedy")  # the server's, passed on to it


def tiny_online_checkpoint(directory: str, passes: int) -> str:
    """Train an online network of the tiny example's shape on the tests' espeak-ng corpus; its checkpoint."""
    import train
    from data_utils.featurizer.audio_featurizer import AudioFeaturizer
    from data_utils.normalizer import FeatureNormalizer
    from tiny_corpus import make_corpus, train_argv

    corpus = make_corpus(os.path.join(directory, "corpus"))
    corpus["mean_std"] = os.path.join(directory, "fbank_mean_std.npz")
    fbank = AudioFeaturizer(specgram_type="fbank").featurize
    FeatureNormalizer(manifest_path=corpus["manifest"], featurize_func=fbank).write_to_file(corpus["mean_std"])
    output = os.path.join(directory, "checkpoints")
    train.main(train_argv(corpus, output, num_passes=passes, online=True, specgram_type="fbank", num_conv_layers=2,
                          num_rnn_layers=3, rnn_layer_size=256, use_gru=True, num_iter_print=100, test_off=True))
    return os.path.join(output, "params.latest")


async def stream(session: aiohttp.ClientSession, url: str, chunks: list[bytes], chunk_s: float,
                 offset: float) -> dict:
    """One utterance sent in real time from ``offset`` s on: per-chunk latencies (s), final latency, the reply."""
    async with session.ws_connect(url) as ws:
        await ws.send_json({"signal": "start", "sample_rate": 16000})
        await ws.receive_json()
        partials: list[tuple[float, int]] = []  # (arrival, chunks covered)

        async def read() -> tuple[float, dict]:
            while (reply := await ws.receive_json())["signal"] == "partial":
                partials.append((time.perf_counter(), reply["chunks"]))
            if reply["signal"] != "finished":
                raise RuntimeError(f"stream failed: {reply}")
            return time.perf_counter(), reply

        reader = asyncio.create_task(read())
        start, sent = time.perf_counter() + offset, []
        for index, chunk in enumerate(chunks):
            await asyncio.sleep(max(0.0, start + index * chunk_s - time.perf_counter()))
            sent.append(time.perf_counter())
            await ws.send_bytes(chunk)
        ended = time.perf_counter()
        await ws.send_json({"signal": "end"})
        arrived, final = await reader
    latencies = [next((at for at, covered in partials if covered > index), arrived) - sent_at
                 for index, sent_at in enumerate(sent)]
    return {"latencies": latencies, "final": arrived - ended, "rtf": final["compute_ms"] / 1000 / final["duration"]}


async def run_streams(url: str, pcm: bytes, chunk_ms: int, count: int, rounds: int) -> list[dict]:
    chunk_bytes = 32 * chunk_ms
    chunks = [pcm[start:start + chunk_bytes] for start in range(0, len(pcm), chunk_bytes)]

    async def one(index: int) -> list[dict]:
        return [await stream(session, url, chunks, chunk_ms / 1000, index * chunk_ms / 1000 / count)
                for _ in range(rounds)]

    async with aiohttp.ClientSession() as session:
        return [result for results in await asyncio.gather(*(one(i) for i in range(count))) for result in results]


def row(results: list[dict], count: int, chunk_ms: int, cpu: float, audio_s: float) -> str:
    latencies = np.array([latency for result in results for latency in result["latencies"]]) * 1000
    p50, p95 = np.percentile(latencies, [50, 95])
    final = np.median([result["final"] for result in results]) * 1000
    rtfs = [result["rtf"] for result in results]
    return (f"| {count:7d} | {chunk_ms:8d} | {len(latencies):6d} | {p50:6.0f} | {p95:6.0f} | {latencies.max():6.0f} | "
            f"{final:8.0f} | {np.mean(rtfs):8.3f} | {max(rtfs):7.3f} | {cpu / audio_s:10.3f} |")


def main() -> None:
    args = parser.parse_args()
    print_arguments(args)
    print(f"{datetime.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} CPUs, load average before: "
          f"{' '.join(f'{load:.2f}' for load in os.getloadavg())}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        model_path = args.model_path
        if model_path is None:
            model_path = tiny_online_checkpoint(tmp, args.train_passes)
            print(f"self-contained: a tiny-shaped online network trained {args.train_passes} pass(es) on 12 "
                  "sentences; timings do not depend on its weights", flush=True)
        audio = AudioSegment.from_file(args.wav) if args.wav else utterance(args.seconds, tmp)
        audio.resample(16000)
        pcm = audio.to_bytes("int16")
        flags = [f"--model_path={model_path}", *DecodingOptions.from_args(args).to_flags(), "--use_gpu=False",
                 "--warmup_manifest=", "--speech_save_dir=", f"--max_pending={1 << 16}"]
        if args.mean_std_path:
            flags.append(f"--mean_std_path={args.mean_std_path}")
        with running_servers(tmp, flags) as (server,):
            asyncio.run(run_streams(server.ws_url, pcm, args.chunk_ms, 1, 1))  # warm-up
            print(f"\n{audio.duration:.2f} s utterance in {args.chunk_ms} ms chunks at real time, {args.rounds} per "
                  f"stream, {args.decoding_method}; latencies in ms")
            print("| streams | chunk ms | chunks | p50 ms | p95 ms | max ms | final ms | RTF mean | RTF max | "
                  "CPU/audio |")
            print("|---------|----------|--------|--------|--------|--------|----------|----------|---------|"
                  "------------|")
            for count in map(int, args.streams.split(",")):
                cpu = cpu_seconds(server.process.pid)
                results = asyncio.run(run_streams(server.ws_url, pcm, args.chunk_ms, count, args.rounds))
                used = cpu_seconds(server.process.pid) - cpu
                print(row(results, count, args.chunk_ms, used, len(results) * audio.duration), flush=True)
    print(f"load average after: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
