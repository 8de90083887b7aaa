"""Helpers for tests/test_corpus_prep.py: a loopback HTTP server with Range support, espeak-ng speech, and
small archives laid out like LibriSpeech, Aishell, VoxForge and the CHiME-3 backgrounds."""
from __future__ import annotations

import http.server
import importlib.util
import io
import os
import re
import subprocess
import tarfile
import tempfile
import threading
import urllib.parse
import zipfile

import numpy as np
import soundfile
import soxr

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE_RATE = 16000


class FileServer(http.server.ThreadingHTTPServer):
    """Serves ``files`` (URL path -> bytes) from 127.0.0.1 on a free port and logs each request's Range header.

    Honours ``Range: bytes=N-`` / ``bytes=N-M`` with 206 (or 416 past the end) unless ``ignore_range`` is set,
    in which case it always answers 200 with the whole body, like servers without range support.
    ``cut_after`` = K makes the next response announce its full length but hang up after K body bytes.
    """

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RangeHandler)
        self.files: dict[str, bytes] = {}
        self.requests: list[tuple[str, str | None]] = []
        self.ignore_range = False
        self.cut_after: int | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{path.lstrip('/')}"

    def paths_requested(self) -> list[str]:
        return [path for path, _ in self.requests]


class _RangeHandler(http.server.BaseHTTPRequestHandler):
    server: FileServer

    def do_GET(self) -> None:
        range_header = self.headers.get("Range")
        path = urllib.parse.urlsplit(self.path).path
        self.server.requests.append((path, range_header))
        body = self.server.files.get(path)
        if body is None:
            self.send_error(404)
            return
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", range_header or "")
        if match is None or self.server.ignore_range:
            self._send(200, body, {})
            return
        start = int(match.group(1))
        end = min(int(match.group(2)) if match.group(2) else len(body) - 1, len(body) - 1)
        if start >= len(body):
            self._send(416, b"", {"Content-Range": f"bytes */{len(body)}"})
            return
        self._send(206, body[start:end + 1], {"Content-Range": f"bytes {start}-{end}/{len(body)}"})

    def _send(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in {**headers, "Content-Length": str(len(payload))}.items():
            self.send_header(key, value)
        self.end_headers()
        cut, self.server.cut_after = self.server.cut_after, None
        self.wfile.write(payload if cut is None else payload[:cut])
        self.close_connection = cut is not None

    def log_message(self, *args) -> None:  # keep pytest output clean
        pass


def start_server() -> FileServer:
    server = FileServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def synthesize(text: str, voice: str = "en") -> np.ndarray:
    """Speak ``text`` with espeak-ng and return 16 kHz float32 mono samples."""
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        subprocess.run(["espeak-ng", "-v", voice, "-w", tmp.name, text], check=True, capture_output=True)
        samples, rate = soundfile.read(tmp.name, dtype="float32")
    return soxr.resample(samples, rate, SAMPLE_RATE).astype(np.float32)


def encode(samples: np.ndarray, fmt: str) -> bytes:
    """Encode 16 kHz samples as a ``WAV`` or ``FLAC`` file (16-bit PCM)."""
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, SAMPLE_RATE, format=fmt, subtype="PCM_16")
    return buffer.getvalue()


def make_tar(members: dict[str, bytes], compression: str = "gz") -> bytes:
    """A tar archive (gzip-compressed by default) holding ``members`` (name -> content)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:" + compression) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def load_script(relative_path: str):
    """Import a preparation script (they live outside packages) as a module, to call its ``main`` in-process."""
    path = os.path.join(REPO_ROOT, relative_path)
    name = "prep_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def script_env(**extra: str) -> dict[str, str]:
    """Environment for a script run as a subprocess; no PYTHONPATH, so the documented invocations are tested."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["OMP_NUM_THREADS"] = "1"
    env.update(extra)
    return env
