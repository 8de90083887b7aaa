"""Run the command-line audio tools of the channel augmentors (sox, ffmpeg) on an utterance's float32 samples.

A missing tool is found when the pipeline is built (a ValueError naming the Debian package to install); a tool that
fails on an utterance raises ExternalToolError with its command and stderr. The encoded audio goes through a private
temporary folder that is removed whatever happens: a file, not a pipe, because an MP3's gapless header (encoder
delay and padding) is written once encoding has finished.
"""
from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

CODED = "{coded}"  # stands for the temporary encoded file in the argv lists given to round_trip
TIMEOUT_S = 120


class ExternalToolError(RuntimeError):
    """An external audio tool failed on an utterance; the message names the tool and quotes its stderr."""


def require_tool(tool: str, package: str) -> None:
    """Raise ValueError naming ``package`` unless ``tool`` is on PATH."""
    if shutil.which(tool) is None:
        raise ValueError(f"{tool} not found on PATH: install the Debian package {package} (setup.sh lists it)")


@functools.lru_cache(maxsize=None)
def tool_listing(*argv: str) -> str:
    """The text a tool prints about itself (sox's formats, ffmpeg's encoders), read once per process."""
    return run_tool(list(argv)).decode("utf-8", "replace")


def run_tool(argv: list[str], stdin: bytes | None = None) -> bytes:
    """Run ``argv`` feeding ``stdin``; return its stdout, or raise ExternalToolError with its stderr."""
    try:
        result = subprocess.run(argv, input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
                                capture_output=True, timeout=TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ExternalToolError(f"{argv[0]} could not run ({' '.join(argv)}): {error}") from None
    if result.returncode != 0:
        stderr = result.stderr.decode("utf-8", "replace").strip()
        raise ExternalToolError(f"{argv[0]} failed with exit status {result.returncode} ({' '.join(argv)}): "
                                f"{stderr or 'no message'}")
    return result.stdout


def round_trip(samples: np.ndarray, suffix: str, encode: list[str], decode: list[str]) -> np.ndarray:
    """Encode ``samples`` (raw float32 on the encoder's stdin) into a temporary ``*.suffix`` file, decode it back
    (raw float32 on the decoder's stdout) and return exactly ``len(samples)`` samples: the end is trimmed or
    zero-padded, as codecs round the length up to whole frames. ``CODED`` in the argv lists stands for the file.
    Empty audio comes back as it is (ffmpeg refuses to encode nothing)."""
    if len(samples) == 0:
        return samples
    with tempfile.TemporaryDirectory(prefix="ds2_channel_") as work_dir:
        coded = str(Path(work_dir) / f"coded.{suffix}")
        run_tool([coded if arg == CODED else arg for arg in encode], np.asarray(samples, "<f4").tobytes())
        decoded = np.frombuffer(run_tool([coded if arg == CODED else arg for arg in decode]), dtype="<f4")
    fitted = np.zeros(len(samples), dtype=np.float32)
    fitted[:min(len(samples), len(decoded))] = decoded[:len(samples)]
    return fitted
