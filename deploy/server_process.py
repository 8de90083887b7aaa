"""Run deploy/demo_server.py as a real process on loopback ports chosen by the OS (for tests and bench/server.py)."""
from __future__ import annotations

import contextlib
import os
import pathlib
import re
import subprocess
import sys
import time
from typing import Iterator

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STARTUP_SECONDS = 120


class ServerProcess:
    """A started demo server: ``tcp_port``, ``http_url``, ``ws_url``, ``speech_dir``, its ``log()`` so far
    and ``alive()``."""

    def __init__(self, process: subprocess.Popen, log_path: str, speech_dir: str):
        self.process = process
        self.log_path = log_path
        self.speech_dir = pathlib.Path(speech_dir)
        self.tcp_port = self.http_url = self.ws_url = None

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            log = self.log()
            tcp, http = re.search(r"DS2 TCP protocol on [\d.]+:(\d+)", log), re.search(r"page on (http://\S+)/", log)
            if tcp and http:
                self.tcp_port, self.http_url = int(tcp.group(1)), http.group(1)
                self.ws_url = self.http_url.replace("http://", "ws://") + "/v1/stream"
                return
            if not self.alive():
                raise RuntimeError(f"demo server exited with {self.process.returncode}:\n{log[-3000:]}")
            time.sleep(0.2)
        raise RuntimeError(f"demo server not ready after {STARTUP_SECONDS} s:\n{self.log()[-3000:]}")


@contextlib.contextmanager
def running_servers(directory: str, *flag_sets: list[str]) -> Iterator[list[ServerProcess]]:
    """Start one server per flag list (in parallel) on 127.0.0.1; stop them on exit.

    Server i logs to ``directory/server<i>.log`` and saves speech under ``directory/speech<i>``
    (unless its flags give another ``--speech_save_dir``).
    """
    servers = []
    try:
        for index, flags in enumerate(flag_sets):
            log_path = os.path.join(directory, f"server{index}.log")
            speech_dir = os.path.join(directory, f"speech{index}")
            argv = [sys.executable, os.path.join(REPO_ROOT, "deploy", "demo_server.py"),
                    "--host_ip=127.0.0.1", "--host_port=0", "--http_port=0", f"--speech_save_dir={speech_dir}",
                    *flags]
            with open(log_path, "w", encoding="utf-8") as log:
                process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT,
                                           env={**os.environ, "OMP_NUM_THREADS": "1"})
            servers.append(ServerProcess(process, log_path, speech_dir))
        for server in servers:
            server.wait_ready()
        yield servers
    finally:
        for server in servers:
            server.process.terminate()
        for server in servers:
            try:
                server.process.wait(10)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()
