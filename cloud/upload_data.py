"""Pack the audio listed in manifests into tar shards and write "cloud" manifests whose paths point into them.

DS2 uploaded such shards to PaddleCloud. Today they go to any directory every training node can read (NFS, a
Kubernetes volume, a mounted bucket); the data provider reads ``tar:/dir/shard.tar#member`` paths directly, so a
node opens a few large files instead of millions of small ones. Shards are filled in manifest order and a new
one starts before a shard would exceed --shard_size_mb. Members get fixed metadata, so packing the same input
twice gives byte-identical shards.

Run from the repository root::

    PYTHONPATH=. python cloud/upload_data.py --in_manifest_paths data/tiny/manifest.train \\
        --out_manifest_paths data/cloud/manifest.train --out_dir /mnt/nfs/ds2 --shard_size_mb 256
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tarfile

from tqdm import tqdm

from data_utils.manifest import read_manifest, write_manifest
from data_utils.utility import is_tar_path, read_tar_member
from utils.utility import add_arguments, atomic_write, print_arguments

TAR_BLOCK = 512


def member_size(num_bytes: int) -> int:
    """Bytes a regular member takes in a tar file: one header block plus the data padded to whole blocks."""
    return TAR_BLOCK + -(-num_bytes // TAR_BLOCK) * TAR_BLOCK


class ShardWriter:
    """Write members into ``<prefix>-00000.tar``, ``<prefix>-00001.tar``, ... holding at most ``shard_size`` bytes
    of members each (plus tar's end-of-archive padding); a member larger than that gets a shard of its own.
    Each shard is written atomically: a crash leaves earlier shards complete and no partial one.
    """

    def __init__(self, prefix: str, shard_size: int) -> None:
        if shard_size <= 0:
            raise ValueError(f"shard size must be positive, got {shard_size} bytes")
        self.prefix, self.shard_size = prefix, shard_size
        self.paths: list[str] = []
        self._stack: contextlib.ExitStack | None = None
        self._tar: tarfile.TarFile | None = None
        self._used = 0

    def add(self, name: str, data: bytes) -> str:
        """Store ``data`` as member ``name``; return the path of the shard that holds it."""
        size = member_size(len(data))
        if self._tar is None or (self._used and self._used + size > self.shard_size):
            self._start_shard()
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), 0o644, 0
        self._tar.addfile(info, io.BytesIO(data))
        self._used += size
        return self.paths[-1]

    def _start_shard(self) -> None:
        self._finish_shard(None, None, None)
        self.paths.append(f"{self.prefix}-{len(self.paths):05d}.tar")
        self._stack = contextlib.ExitStack()
        handle = self._stack.enter_context(atomic_write(self.paths[-1], "wb"))
        self._tar = self._stack.enter_context(tarfile.open(fileobj=handle, mode="w"))
        self._used = 0

    def _finish_shard(self, *exc_info) -> None:
        if self._stack is not None:
            self._stack.__exit__(*exc_info)
            self._stack, self._tar = None, None

    def __enter__(self) -> "ShardWriter":
        return self

    def __exit__(self, *exc_info) -> None:
        self._finish_shard(*exc_info)


def read_audio_bytes(path: str) -> bytes:
    """The encoded bytes of an audio file or of a ``tar:`` member (so cloud manifests can be re-sharded)."""
    if is_tar_path(path):
        return read_tar_member(path)
    with open(path, "rb") as handle:
        return handle.read()


def pack_manifest(manifest_path: str, shard_prefix: str, shard_size: int, node_dir: str) -> list[dict]:
    """Pack one manifest's audio into shards ``<shard_prefix>-NNNNN.tar``.

    Returns the manifest's entries with ``audio_filepath`` rewritten to ``tar:<node_dir>/<shard>#<member>``, where
    ``node_dir`` is the directory holding the shards as the training nodes see it.
    """
    entries = read_manifest(manifest_path)
    packed = []
    with ShardWriter(shard_prefix, shard_size) as writer:
        for index, entry in enumerate(tqdm(entries, desc=os.path.basename(manifest_path), unit="utt")):
            source = entry["audio_filepath"]
            member = f"{index:08d}-{os.path.basename(source.rpartition('#')[2])}"
            try:
                data = read_audio_bytes(source)
            except (OSError, ValueError, EOFError, tarfile.TarError) as err:
                raise OSError(f"{manifest_path}:{entry['line_no']}: cannot read audio {source} ({err})") from None
            shard = writer.add(member, data)
            packed.append(dict(entry, audio_filepath=f"tar:{node_dir}/{os.path.basename(shard)}#{member}"))
    return packed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments("in_manifest_paths", str, ["data/tiny/manifest.train"], "Manifests whose audio is packed.",
                  parser, nargs="+")
    add_arguments("out_manifest_paths", str, ["data/cloud/manifest.train"],
                  "Cloud manifests to write, one per input manifest; shards are named after them.", parser, nargs="+")
    add_arguments("out_dir", str, "data/cloud", "Directory the tar shards are written to.", parser)
    add_arguments("cloud_data_dir", str, "",
                  "Directory where the training nodes see the shards (the tar: paths point there); "
                  "empty: the absolute path of --out_dir.", parser)
    add_arguments("shard_size_mb", float, 256.0, "Largest shard size in MiB.", parser)
    args = parser.parse_args()
    print_arguments(args)
    if len(args.in_manifest_paths) != len(args.out_manifest_paths):
        parser.error("--in_manifest_paths and --out_manifest_paths must have the same number of paths")
    node_dir = (args.cloud_data_dir or os.path.abspath(args.out_dir)).rstrip("/")
    try:
        for in_path, out_path in zip(args.in_manifest_paths, args.out_manifest_paths):
            prefix = os.path.join(args.out_dir, os.path.basename(out_path))
            entries = pack_manifest(in_path, prefix, int(args.shard_size_mb * 2 ** 20), node_dir)
            write_manifest(out_path, entries)
            print(f"{in_path}: {len(entries)} utterances -> {out_path}")
    except (OSError, ValueError) as err:
        sys.exit(f"upload_data.py: {err}")


if __name__ == "__main__":
    main()
