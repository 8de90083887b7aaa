"""Fetch and unpack corpus archives: HTTP downloads that resume, MD5 checks, and idempotent extraction.

A download goes to ``<file>.part`` first. An interrupted run leaves the ``.part`` behind and the next run asks
the server for the rest with an HTTP Range request; only a complete file whose MD5 matches is renamed to its
final name, so a final name on disk always means "downloaded and verified". Unpacking writes a marker file
when it finishes, so re-running skips archives that are already extracted but redoes half-finished ones.

Also a CLI for the model and language-model download scripts::

    python -m data_utils.download --url URL --md5sum MD5 --target_dir DIR [--unpack True]
"""
from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import hashlib
import http.client
import os
import re
import sys
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from typing import Callable, Iterable, Iterator, TypeVar

import soundfile
from tqdm import tqdm

from utils.utility import add_arguments, print_arguments

CHUNK_BYTES = 1 << 20
TIMEOUT_S = 60.0

T = TypeVar("T")
R = TypeVar("R")


class DownloadError(RuntimeError):
    """A download that failed: bad HTTP status, a short transfer, or an MD5 mismatch. Names the file."""


def md5file(path: str | os.PathLike) -> str:
    """Hex MD5 digest of a file, read in 1 MiB chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(block)
    return digest.hexdigest()


def filename_from_url(url: str) -> str:
    """The last path component of a URL (query string ignored), e.g. ``test-clean.tar.gz``."""
    name = os.path.basename(urllib.parse.urlsplit(url).path)
    if not name:
        raise ValueError(f"{url}: cannot derive a file name from this URL; pass one explicitly")
    return name


def read_url(url: str) -> bytes:
    """The whole body of a small resource (an index page); DownloadError on any HTTP or network failure."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            return response.read()
    except urllib.error.HTTPError as err:
        raise DownloadError(f"{url}: HTTP {err.code} {err.reason}") from None
    except urllib.error.URLError as err:
        raise DownloadError(f"cannot reach {url}: {err.reason}") from None


def _content_range_start(response) -> int:
    """The first byte offset of a 206 response, from ``Content-Range: bytes START-END/TOTAL``."""
    match = re.match(r"bytes (\d+)-", response.headers.get("Content-Range", ""))
    return int(match.group(1)) if match else -1


def _fetch(url: str, part_path: str, show_progress: bool) -> None:
    """Fill ``part_path`` with the body of ``url``, continuing from its current size with a Range request."""
    offset = os.path.getsize(part_path) if os.path.exists(part_path) else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={offset}-"} if offset else {})
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT_S)
    except urllib.error.HTTPError as err:
        if err.code == 416 and offset:  # nothing left to send: the .part is already complete
            return
        raise DownloadError(f"{part_path}: HTTP {err.code} {err.reason} for {url}") from None
    except urllib.error.URLError as err:
        raise DownloadError(f"{part_path}: cannot reach {url}: {err.reason}") from None
    with response:
        if offset and response.status == 200:
            offset = 0  # the server ignored the Range request and sends the whole file
        elif offset and _content_range_start(response) != offset:
            raise DownloadError(f"{part_path}: {url} answered bytes={offset}- with Content-Range "
                                f"{response.headers.get('Content-Range')!r}; delete the .part file and retry")
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length is not None else None
        with open(part_path, "ab" if offset else "wb") as out, \
                tqdm(total=total, initial=offset, unit="B", unit_scale=True, desc=os.path.basename(part_path),
                     disable=not show_progress, leave=False) as bar:
            try:
                for block in iter(lambda: response.read(CHUNK_BYTES), b""):
                    out.write(block)
                    bar.update(len(block))
            except (OSError, http.client.HTTPException) as err:
                raise DownloadError(f"{part_path}: transfer from {url} broke off ({err!r}); run again to "
                                    f"resume") from None
    if total is not None and os.path.getsize(part_path) < total:
        raise DownloadError(f"{part_path}: transfer from {url} ended early at {os.path.getsize(part_path)} "
                            f"of {total} bytes; run again to resume")


def download(url: str, md5sum: str | None, target_dir: str | os.PathLike, filename: str | None = None,
             verbose: bool = True) -> str:
    """Download ``url`` into ``target_dir`` and return the file's path.

    Skips the download when the file is already there (and matches ``md5sum``, if one is given). Resumes a
    ``.part`` left by an interrupted run. On an MD5 mismatch the bad ``.part`` is deleted (so the next run starts
    afresh) and DownloadError names the file, the URL and both checksums. ``verbose=False`` silences the
    messages and the byte progress bar (for callers that fetch many small files under their own bar).
    """
    target_dir = os.fspath(target_dir)
    os.makedirs(target_dir, exist_ok=True)
    filepath = os.path.join(target_dir, filename or filename_from_url(url))
    if os.path.exists(filepath):
        if md5sum is None or md5file(filepath) == md5sum:
            if verbose:
                print(f"File exists, skip downloading ({filepath}).")
            return filepath
        print(f"{filepath}: MD5 does not match {md5sum}; downloading it again.")
        os.remove(filepath)
    part_path = filepath + ".part"
    if verbose:
        print(f"Downloading {url} ...")
    _fetch(url, part_path, verbose)
    if md5sum is not None:
        actual = md5file(part_path)
        if actual != md5sum:
            os.remove(part_path)
            raise DownloadError(f"{filepath}: MD5 checksum mismatch for {url}: expected {md5sum}, got {actual} "
                                f"(the bad download was deleted)")
    os.replace(part_path, filepath)
    return filepath


def _marker_path(archive_path: str, target_dir: str) -> str:
    return os.path.join(target_dir, "." + os.path.basename(archive_path) + ".unpacked")


def is_unpacked(archive_path: str | os.PathLike, target_dir: str | os.PathLike) -> bool:
    """True when ``unpack`` already finished extracting this archive into ``target_dir``."""
    return os.path.exists(_marker_path(os.fspath(archive_path), os.fspath(target_dir)))


def unpack(archive_path: str | os.PathLike, target_dir: str | os.PathLike, remove: bool = False) -> None:
    """Extract a tar (any compression) or zip archive into ``target_dir``, then write a marker file.

    Re-running skips archives whose marker exists. Members that would land outside ``target_dir`` (absolute
    paths, ``..``, links out of the tree) are refused. ``remove`` deletes the archive afterwards.
    """
    archive_path, target_dir = os.fspath(archive_path), os.fspath(target_dir)
    if is_unpacked(archive_path, target_dir):
        return
    os.makedirs(target_dir, exist_ok=True)
    try:
        if zipfile.is_zipfile(archive_path):
            with zipfile.ZipFile(archive_path) as archive:
                archive.extractall(target_dir)  # zipfile strips absolute paths and ".." itself
        else:
            with tarfile.open(archive_path) as archive:
                archive.extractall(target_dir, filter="data")
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as err:
        raise DownloadError(f"{archive_path}: cannot unpack: {err}") from None
    with open(_marker_path(archive_path, target_dir), "w", encoding="utf-8") as marker:
        marker.write(archive_path + "\n")
    if remove:
        os.remove(archive_path)


def parallel_map(func: Callable[[T], R], items: Iterable[T], num_workers: int, desc: str) -> list[R]:
    """``[func(x) for x in items]`` on a thread pool with a tqdm bar; results keep the input order.

    Threads suit this module's work (network reads, zlib inflation and libsndfile calls all release the
    GIL). On the first exception (or Ctrl-C) the items not yet started are cancelled and it is re-raised.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, num_workers)) as pool:
        futures = [pool.submit(func, item) for item in items]
        try:
            for future in tqdm(concurrent.futures.as_completed(futures), total=len(futures), desc=desc,
                               unit="file"):
                future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        return [future.result() for future in futures]


@contextlib.contextmanager
def exit_on_failure() -> Iterator[None]:
    """For a preparation CLI's body: a failed download, a bad archive or a bad file becomes one
    ``error: <file>: <reason>`` line on stderr and exit status 1 instead of a traceback."""
    try:
        yield
    except (DownloadError, OSError, ValueError, soundfile.LibsndfileError) as err:
        sys.exit(f"error: {err}")


def main(argv: list[str] | None = None) -> None:
    """CLI: download one file with resume and MD5 check, optionally unpack it beside itself."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments("url", str, None, "URL to download.", parser, required=True)
    add_arguments("md5sum", str, None, "Expected MD5 (hex) of the file; omit to skip the check.", parser)
    add_arguments("target_dir", str, ".", "Directory to save the file in.", parser)
    add_arguments("filename", str, None, "File name to save as (default: the URL's last path component).",
                  parser)
    add_arguments("unpack", bool, False, "Extract the archive into target_dir after downloading.", parser)
    args = parser.parse_args(argv)
    print_arguments(args)
    with exit_on_failure():
        path = download(args.url, args.md5sum, args.target_dir, args.filename)
        if args.unpack:
            print(f"Unpacking {path} ...")
            unpack(path, args.target_dir)
    print(f"Done: {path}")


if __name__ == "__main__":
    main()
