"""Live demo server: one recogniser served three ways (DS2's flags and defaults, plus infer.py's).

    DS2 TCP      --host_ip:--host_port   4-byte big-endian length + raw 16 kHz mono PCM -> transcript
    HTTP         --host_ip:--http_port   POST /v1/recognize (WAV/FLAC/OGG) -> JSON; GET /healthz
    WebSocket    --host_ip:--http_port   /v1/stream (PaddleSpeech's start / PCM / end messages)
    page         http://host:http_port/  hold the button (or space) to talk

See deploy/tcp_protocol.py and deploy/web.py for the protocols. A port of 0 picks a free one; the
bound addresses are printed once the server accepts requests (after the warm-up).
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
import random
import signal
import sys

if __package__ in (None, ""):  # run as a script: put the repository root on sys.path
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from aiohttp import web  # noqa: E402

from data_utils.audio import AudioSegment  # noqa: E402
from data_utils.manifest import read_manifest  # noqa: E402
from deploy.service import RecognitionService  # noqa: E402
from deploy.tcp_protocol import TcpProtocol  # noqa: E402
from deploy.web import WebFrontEnd  # noqa: E402
from model_utils.checkpoint import explicit_flags  # noqa: E402
from model_utils.decoding import add_decoder_args, add_model_args, run_cli  # noqa: E402
from model_utils.recognizer import Recognizer  # noqa: E402
from utils.utility import add_arguments, print_arguments  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
add_arg = functools.partial(add_arguments, argparser=parser)
add_arg("host_ip", str, "localhost", "Server's IP address.")
add_arg("host_port", int, 8086, "Port of DS2's raw TCP protocol (0: any free port).")
add_arg("http_port", int, 8087, "Port of HTTP, the WebSocket and the page (0: any free port).")
add_arg("speech_save_dir", str, "demo_cache", "Directory to save each request's audio as WAV ('' to save nothing).")
add_arg("warmup_manifest", str, "data/librispeech/manifest.test-clean", "Manifest to warm up on ('' to skip).")
add_arg("num_warmup", int, 3, "Utterances of --warmup_manifest recognised before serving.")
add_arg("sample_width", int, 2, "Bytes per PCM sample of the TCP protocol (4: DS2's original 32-bit client).",
        choices=[2, 4])
add_arg("max_audio_seconds", float, 60.0, "Longest utterance a client may send.")
add_arg("read_timeout", float, 10.0, "Seconds a client may stall mid-request before it is disconnected.")
add_arg("max_pending", int, 64, "Requests in flight at once; more are refused as busy.")
add_arg("max_batch_size", int, 16, "Most utterances the network transcribes in one batch.")
add_arg("num_feature_threads", int, 2, "Threads decoding and featurizing audio (the network runs on one).")
add_model_args(parser)
add_decoder_args(parser)

logger = logging.getLogger("demo_server")


def warmup_segments(manifest_path: str, count: int, seed: int = 0) -> list[tuple[str, AudioSegment]]:
    """``count`` random utterances of the manifest (DS2 warmed up on random test utterances)."""
    entries = read_manifest(manifest_path)
    chosen = random.Random(seed).sample(entries, min(count, len(entries)))
    return [(entry["audio_filepath"], AudioSegment.from_file(entry["audio_filepath"])) for entry in chosen]


async def serve(args: argparse.Namespace, service: RecognitionService) -> None:
    """Listen on both ports until SIGINT/SIGTERM."""
    tcp = TcpProtocol(service, args.sample_width, args.read_timeout)
    tcp_server = await asyncio.start_server(tcp.handle, args.host_ip, args.host_port)
    # lingering_time: how long an unread request body is drained before its connection closes
    runner = web.AppRunner(WebFrontEnd(service, args.read_timeout).app(), access_log=None,
                           lingering_time=args.read_timeout)
    await runner.setup()
    site = web.TCPSite(runner, args.host_ip, args.http_port)
    await site.start()
    tcp_port = tcp_server.sockets[0].getsockname()[1]
    http_port = runner.addresses[0][1]
    print(f"DS2 TCP protocol on {args.host_ip}:{tcp_port}", flush=True)
    print(f"HTTP, WebSocket and page on http://{args.host_ip}:{http_port}/", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()
    print("shutting down", flush=True)
    tcp_server.close()
    await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    print_arguments(args)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stdout)
    recognizer = Recognizer.from_args(args, explicit_flags(parser, argv))
    service = RecognitionService(recognizer, args.max_audio_seconds, args.max_pending, args.max_batch_size,
                                 args.num_feature_threads, args.speech_save_dir)
    if args.warmup_manifest:
        print("Warming up ...", flush=True)
        service.warm_up(warmup_segments(args.warmup_manifest, args.num_warmup))
    try:
        asyncio.run(serve(args, service))
    finally:
        service.close()


if __name__ == "__main__":
    run_cli(main)
