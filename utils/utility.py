"""Helpers shared by every CLI: DS2-style flags, argument printing, atomic writes and worker pools."""
from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import multiprocessing.pool
import os
import tempfile
from typing import IO, Any, Callable, Iterator


def str2bool(value: str | bool) -> bool:
    """Parse DS2's boolean flag values (``True``/``False``, ``1``/``0``, ``yes``/``no``)."""
    if isinstance(value, bool):
        return value
    lowered = value.strip().lower()
    if lowered in ("true", "t", "yes", "y", "1"):
        return True
    if lowered in ("false", "f", "no", "n", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected a boolean (True/False), got {value!r}")


def add_arguments(argname: str, type: Any, default: Any, help: str,
                  argparser: argparse.ArgumentParser, **kwargs: Any) -> None:
    """Add ``--argname`` with DS2's conventions: bools accept True/False, help shows the default."""
    type = str2bool if type == bool else type
    argparser.add_argument("--" + argname, default=default, type=type,
                           help=help + " Default: %(default)s.", **kwargs)


def print_arguments(args: argparse.Namespace) -> None:
    """Print every parsed flag, sorted, as DS2's scripts do at start-up."""
    print("-----------  Configuration Arguments -----------")
    for name, value in sorted(vars(args).items()):
        print(f"{name}: {value}")
    print("------------------------------------------------")


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", **open_kwargs: Any) -> Iterator[IO]:
    """Open a temp file beside ``path`` and rename it over ``path`` only if the block succeeds.

    A crash or kill mid-write leaves the previous file intact, never a truncated one.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the mode open() would have
    try:
        with os.fdopen(fd, mode, **open_kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def process_pool(num_workers: int, initializer: Callable[[], None] | None = None) -> multiprocessing.pool.Pool:
    """A pool of ``num_workers`` processes started by a fork server, never forked from this process.

    A process forked from one that runs threads (tqdm's monitor, paddle's, a decoder's) can inherit a lock that
    some thread held and hang for ever; the fork server is a fresh process without threads, so its children
    cannot. Jobs and the initializer must be picklable (module-level functions, partials of them).
    """
    return multiprocessing.get_context("forkserver").Pool(num_workers, initializer=initializer)
