"""Demo-server load benchmark: latency and throughput under 1, 4 and 16 concurrent clients, and memory.

Starts deploy/demo_server.py on loopback, sends a synthesised 5 s utterance over each protocol
from N concurrent clients (each sends its next request as soon as it has a reply), and prints p50
and p95 client-side latency and requests per second. Then it sends ``--memory_requests`` more
requests and prints the server's resident memory (VmRSS) along the way: it must stay flat.

Without ``--model_path`` it serves an untrained network of the tiny example's shape (2 conv,
3 GRU layers of 256, fbank): latency does not depend on the weights.

    python bench/server.py                   # tiny-shaped model
    python bench/server.py --model_path examples/tiny/checkpoints/params.latest
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import os
import string
import subprocess
import sys
import tempfile
import time

import aiohttp
import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from data_utils.audio import AudioSegment  # noqa: E402
from deploy.server_process import running_servers  # noqa: E402
from model_utils.ctc_decoder import DecodingOptions, add_decoding_args  # noqa: E402
from utils.utility import add_arguments, print_arguments  # noqa: E402

SENTENCE = "the quick brown fox jumps over the lazy dog while we wait for the server to answer"

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
add_arg = functools.partial(add_arguments, argparser=parser)
add_arg("model_path", str, None, "Checkpoint to serve (default: an untrained tiny-shaped network).")
add_arg("seconds", float, 5.0, "Length of the utterance every request sends.")
add_arg("concurrency", str, "1,4,16", "Comma-separated numbers of concurrent clients.")
add_arg("requests_per_client", int, 8, "Requests each client sends per measurement.")
add_arg("protocols", str, "tcp,http,ws", "Comma-separated protocols to measure.")
add_arg("memory_requests", int, 1024, "Requests sent (16 clients, TCP) while watching the server's memory.")
add_decoding_args(parser, decoding_method="ctc_greedy")  # the server's, passed on to it


def tiny_shaped_checkpoint(directory: str) -> str:
    """An untrained checkpoint shaped like examples/tiny's model (random weights, unit mean/std)."""
    import paddle

    from model_utils.checkpoint import save_checkpoint
    from model_utils.model import DeepSpeech2Model

    vocab = os.path.join(directory, "vocab.txt")
    with open(vocab, "w", encoding="utf-8") as handle:
        handle.write("\n".join([" ", "'"] + list(string.ascii_lowercase)) + "\n")
    feature = {"specgram_type": "fbank"}
    network = {"num_conv_layers": 2, "num_rnn_layers": 3, "rnn_size": 256, "use_gru": True,
               "share_rnn_weights": True}
    model = DeepSpeech2Model([line.rstrip("\n") for line in open(vocab, encoding="utf-8")],
                             {"network": network, "feature": feature})
    mean_std = os.path.join(directory, "mean_std.npz")
    dim = model.config["feat_size"]
    np.savez(mean_std, mean=np.zeros(dim, np.float32), std=np.ones(dim, np.float32))
    path = os.path.join(directory, "params.latest")
    save_checkpoint(path, network=model.network, optimizer=paddle.optimizer.Adam(parameters=model.network.parameters()),
                    train_state={}, state={}, config=model.config, vocab_path=vocab, mean_std_path=mean_std)
    return path


def utterance(seconds: float, directory: str) -> AudioSegment:
    """espeak-ng speech cut or padded to exactly ``seconds`` at 16 kHz."""
    raw = os.path.join(directory, "speech.wav")
    subprocess.run(["espeak-ng", "-s", "140", "-w", raw, SENTENCE], check=True, capture_output=True)
    audio = AudioSegment.from_file(raw)
    audio.resample(16000)
    samples = np.resize(audio.samples, int(seconds * 16000))
    return AudioSegment(samples, 16000)


class Client:
    """Sends one utterance over a protocol; ``send`` returns once the transcript is back."""

    def __init__(self, server, audio: AudioSegment, wav_bytes: bytes):
        self.server = server
        self.pcm = audio.to_bytes("int16")
        self.wav = wav_bytes

    async def send(self, session: aiohttp.ClientSession, protocol: str) -> None:
        if protocol == "tcp":
            reader, writer = await asyncio.open_connection("127.0.0.1", self.server.tcp_port)
            writer.write(len(self.pcm).to_bytes(4, "big") + self.pcm)
            await writer.drain()
            await reader.read()
            writer.close()
        elif protocol == "http":
            async with session.post(self.server.http_url + "/v1/recognize", data=self.wav) as response:
                if response.status != 200:
                    raise RuntimeError(await response.text())
        else:
            async with session.ws_connect(self.server.ws_url) as ws:
                await ws.send_json({"signal": "start", "sample_rate": 16000})
                await ws.receive_json()
                for start in range(0, len(self.pcm), 8192):
                    await ws.send_bytes(self.pcm[start:start + 8192])
                await ws.send_json({"signal": "end"})
                if (await ws.receive_json())["signal"] != "finished":
                    raise RuntimeError("websocket request failed")


async def measure(client: Client, protocol: str, concurrency: int, per_client: int) -> tuple[list[float], float]:
    """Latencies (s) of ``concurrency`` clients sending ``per_client`` requests each, and the wall time."""
    latencies: list[float] = []

    async def one_client(session):
        for _ in range(per_client):
            start = time.perf_counter()
            await client.send(session, protocol)
            latencies.append(time.perf_counter() - start)

    async with aiohttp.ClientSession() as session:
        start = time.perf_counter()
        await asyncio.gather(*(one_client(session) for _ in range(concurrency)))
        return latencies, time.perf_counter() - start


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        line = next(line for line in handle if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def main() -> None:
    args = parser.parse_args()
    print_arguments(args)
    with tempfile.TemporaryDirectory() as tmp:
        model_path = args.model_path or tiny_shaped_checkpoint(tmp)
        audio = utterance(args.seconds, tmp)
        wav_path = os.path.join(tmp, "utterance.wav")
        audio.to_wav_file(wav_path)
        flags = [f"--model_path={model_path}", *DecodingOptions.from_args(args).to_flags(), "--use_gpu=False",
                 "--warmup_manifest=", "--speech_save_dir=", f"--max_pending={1 << 16}"]
        with running_servers(tmp, flags) as (server,):
            client = Client(server, audio, open(wav_path, "rb").read())
            asyncio.run(measure(client, "tcp", 1, 3))  # warm-up
            print(f"\n{args.seconds:g} s utterance, {args.decoding_method}, client-side latency")
            print("| protocol | clients | requests | p50 ms | p95 ms | requests/s | server CPU ms/request |")
            print("|----------|---------|----------|--------|--------|------------|-----------------------|")
            for protocol in args.protocols.split(","):
                for concurrency in map(int, args.concurrency.split(",")):
                    cpu = cpu_seconds(server.process.pid)
                    latencies, wall = asyncio.run(measure(client, protocol, concurrency, args.requests_per_client))
                    cpu_ms = 1000 * (cpu_seconds(server.process.pid) - cpu) / len(latencies)
                    p50, p95 = np.percentile(latencies, [50, 95]) * 1000
                    print(f"| {protocol:8s} | {concurrency:7d} | {len(latencies):8d} | {p50:6.0f} | {p95:6.0f} | "
                          f"{len(latencies) / wall:10.2f} | {cpu_ms:21.0f} |", flush=True)
            print(f"\nserver memory (VmRSS) over {args.memory_requests} more TCP requests from 16 clients")
            print("| requests | RSS MiB |")
            print("|----------|---------|")
            print(f"| {0:8d} | {rss_mb(server.process.pid):7.1f} |", flush=True)
            per_client, done = max(1, args.memory_requests // 64), 0
            while done < args.memory_requests:
                latencies, _ = asyncio.run(measure(client, "tcp", 16, per_client))
                done += len(latencies)
                print(f"| {done:8d} | {rss_mb(server.process.pid):7.1f} |", flush=True)


if __name__ == "__main__":
    main()
