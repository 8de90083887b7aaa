"""Shared data helpers: reading members of tar shards named by ``tar:/path/shard.tar#member`` paths.

Each process keeps a small LRU of open ``TarFile`` objects together with a name -> member index,
so reading many utterances from one shard scans its headers only once. The cache belongs to the
process that filled it: after a fork (DataLoader workers) the child sees a different pid and opens
its own file handles instead of sharing the parent's file offsets.
"""
from __future__ import annotations

import collections
import os
import tarfile
import threading

TAR_PREFIX = "tar:"
MAX_OPEN_TARS = 16


def is_tar_path(path: str) -> bool:
    """True for a ``tar:/path/shard.tar#member`` path."""
    return isinstance(path, str) and path.startswith(TAR_PREFIX)


def split_tar_path(path: str) -> tuple[str, str]:
    """Split ``tar:/path/shard.tar#member/name.wav`` at the first ``#`` into (tar path, member name)."""
    tar_path, sep, member = path[len(TAR_PREFIX):].partition("#")
    if not sep or not tar_path or not member:
        raise ValueError(f"{path}: expected 'tar:/path/to/shard.tar#member/name'")
    return tar_path, member


class _TarCache:
    """An LRU of open tar files with their member index, valid only in the process that made it."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.open: collections.OrderedDict[str, tuple[tarfile.TarFile, dict[str, tarfile.TarInfo]]] = \
            collections.OrderedDict()

    def read(self, tar_path: str, member: str) -> bytes:
        with self.lock:
            tar, index = self._get(tar_path)
            info = index.get(member)
            if info is None or not info.isfile():
                raise FileNotFoundError(f"{tar_path}: no file member {member!r} in the archive")
            return tar.extractfile(info).read()

    def _get(self, tar_path: str) -> tuple[tarfile.TarFile, dict[str, tarfile.TarInfo]]:
        if tar_path in self.open:
            self.open.move_to_end(tar_path)
            return self.open[tar_path]
        tar = tarfile.open(tar_path, mode="r:")
        entry = (tar, {info.name: info for info in tar.getmembers()})
        self.open[tar_path] = entry
        if len(self.open) > MAX_OPEN_TARS:
            self.open.popitem(last=False)[1][0].close()
        return entry


_cache = _TarCache()


def read_tar_member(path: str) -> bytes:
    """Return the bytes of the member named by a ``tar:`` path, without unpacking the archive.

    Raises FileNotFoundError for a missing archive or member, ``tarfile.TarError`` for a corrupt one.
    """
    global _cache
    tar_path, member = split_tar_path(path)
    if _cache.pid != os.getpid():
        _cache = _TarCache()
    return _cache.read(tar_path, member)
