"""Manifests: one JSON object a line with ``audio_filepath``, ``duration`` (seconds) and ``text``.

``audio_filepath`` is a file path or ``tar:/path/shard.tar#member``. Blank lines are skipped; any other
malformed line raises ManifestError whose message starts with ``path:line:``.
"""
from __future__ import annotations

import json
import math
import os
from typing import Iterable

from utils.utility import atomic_write

REQUIRED_KEYS = ("audio_filepath", "duration", "text")


class ManifestError(ValueError):
    """A manifest line that cannot be used; the message starts with ``path:line:``."""


def _parse_line(line: str, where: str) -> dict:
    try:
        entry = json.loads(line)
    except json.JSONDecodeError as err:
        raise ManifestError(f"{where}: not valid JSON ({err.msg} at column {err.colno})") from None
    if not isinstance(entry, dict):
        raise ManifestError(f"{where}: expected a JSON object, got {type(entry).__name__}")
    missing = [key for key in REQUIRED_KEYS if key not in entry]
    if missing:
        raise ManifestError(f"{where}: missing key(s) {', '.join(missing)}")
    path, duration, text = entry["audio_filepath"], entry["duration"], entry["text"]
    if not isinstance(path, str) or not path:
        raise ManifestError(f"{where}: audio_filepath must be a non-empty string, got {path!r}")
    if isinstance(duration, bool) or not isinstance(duration, (int, float)) \
            or not math.isfinite(duration) or duration < 0:
        raise ManifestError(f"{where}: duration must be a finite number >= 0, got {duration!r}")
    if not isinstance(text, str):
        raise ManifestError(f"{where}: text must be a string, got {text!r}")
    return entry


def read_manifest(manifest_path: str | os.PathLike, min_duration: float = 0.0,
                  max_duration: float = float("inf")) -> list[dict]:
    """Read and validate a manifest, keeping entries with ``min_duration <= duration <= max_duration``.

    Each returned dict holds the line's JSON keys plus ``line_no`` (1-based) for later error messages.
    """
    manifest_path = os.fspath(manifest_path)
    entries = []
    with open(manifest_path, "rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            where = f"{manifest_path}:{line_no}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise ManifestError(f"{where}: not valid UTF-8") from None
            if not line.strip():
                continue
            entry = _parse_line(line, where)
            if min_duration <= entry["duration"] <= max_duration:
                entry["line_no"] = line_no
                entries.append(entry)
    return entries


def write_manifest(path: str | os.PathLike, entries: Iterable[dict]) -> None:
    """Atomically write entries as JSON lines (UTF-8, non-ASCII kept), dropping ``line_no``."""
    with atomic_write(path, "w", encoding="utf-8") as handle:
        for entry in entries:
            record = {key: value for key, value in entry.items() if key != "line_no"}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
