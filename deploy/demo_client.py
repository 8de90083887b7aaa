"""Push-to-talk console client for the demo server's DS2 TCP protocol (DS2's flags and keys).

Live mode: hold the space bar to talk, release it to send the recording; ESC quits. It needs the
optional packages pyaudio and pynput (``pip install pyaudio pynput``; pyaudio builds against
PortAudio: ``apt-get install portaudio19-dev``). File mode sends one audio file and needs neither::

    python deploy/demo_client.py --file speech.wav --host_port 8086

``--sample_width`` must match the server's (4 for a server started with ``--sample_width 4``, the
framing of DS2's original 32-bit client).
"""
from __future__ import annotations

import argparse
import functools
import os
import socket
import struct
import sys
import threading

if __package__ in (None, ""):  # run as a script: put the repository root on sys.path
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from data_utils.audio import AudioError, AudioSegment  # noqa: E402
from utils.utility import add_arguments, print_arguments  # noqa: E402

SAMPLE_RATE = 16000
PCM_DTYPES = {2: "int16", 4: "int32"}

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
add_arg = functools.partial(add_arguments, argparser=parser)
add_arg("host_ip", str, "localhost", "Server's IP address.")
add_arg("host_port", int, 8086, "Server's TCP port (DS2 protocol).")
add_arg("sample_width", int, 2, "Bytes per PCM sample (the server's --sample_width).", choices=[2, 4])
add_arg("file", str, None, "Send this audio file (any rate, WAV/FLAC/OGG) instead of recording.")
add_arg("timeout", float, 60.0, "Seconds to wait for the server.")


def recognize_pcm(host: str, port: int, pcm: bytes, timeout: float = 60.0) -> str:
    """Send one utterance of raw 16 kHz PCM and return the transcript (empty if the server refused it)."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(struct.pack(">i", len(pcm)) + pcm)
        chunks = []
        while chunk := sock.recv(4096):
            chunks.append(chunk)
    return b"".join(chunks).decode("utf-8")


def file_pcm(path: str, sample_width: int) -> bytes:
    """An audio file as 16 kHz mono PCM of ``sample_width`` bytes per sample."""
    audio = AudioSegment.from_file(path)
    audio.resample(SAMPLE_RATE)
    return audio.to_bytes(PCM_DTYPES[sample_width])


class PushToTalk:
    """Records from the microphone while space is held; sends each recording on release."""

    def __init__(self, args: argparse.Namespace, pyaudio, keyboard):
        self.args = args
        self.pyaudio, self.keyboard = pyaudio, keyboard
        self.audio = pyaudio.PyAudio()
        sample_format = pyaudio.paInt16 if args.sample_width == 2 else pyaudio.paInt32
        self.stream = self.audio.open(format=sample_format, channels=1, rate=SAMPLE_RATE, input=True,
                                      stream_callback=self._record, start=False)
        self.frames: list[bytes] = []
        self.lock = threading.Lock()

    def _record(self, data, frame_count, time_info, status):
        with self.lock:
            self.frames.append(data)
        return None, self.pyaudio.paContinue

    def on_press(self, key) -> None:
        if key == self.keyboard.Key.space and not self.stream.is_active():
            with self.lock:
                self.frames = []
            self.stream.start_stream()
            print("Speech[length=0]", end="", flush=True)

    def on_release(self, key):
        if key == self.keyboard.Key.esc:
            return False
        if key == self.keyboard.Key.space and self.stream.is_active():
            self.stream.stop_stream()
            with self.lock:
                pcm = b"".join(self.frames)
            print(f"\rSpeech[length={len(pcm)}] sent.", flush=True)
            text = recognize_pcm(self.args.host_ip, self.args.host_port, pcm, self.args.timeout)
            print(f"Recognition Results: {text}", flush=True)
        return None

    def run(self) -> None:
        print("Hold the space bar to talk, release to recognise; ESC quits.", flush=True)
        with self.keyboard.Listener(on_press=self.on_press, on_release=self.on_release) as listener:
            listener.join()
        self.stream.close()
        self.audio.terminate()


def main(argv: list[str] | None = None) -> int:
    args = parser.parse_args(argv)
    print_arguments(args)
    try:
        if args.file:
            text = recognize_pcm(args.host_ip, args.host_port, file_pcm(args.file, args.sample_width), args.timeout)
            print(f"Recognition Results: {text}", flush=True)
            return 0
        try:
            import pyaudio
            from pynput import keyboard
        except ImportError as err:
            print(f"demo_client.py: live mode needs pyaudio and pynput ({err}); install them with "
                  "`pip install pyaudio pynput` (pyaudio needs `apt-get install portaudio19-dev`), "
                  "or send a file with --file", file=sys.stderr)
            return 2
        PushToTalk(args, pyaudio, keyboard).run()
    except (AudioError, OSError) as err:
        print(f"demo_client.py: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
