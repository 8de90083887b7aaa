"""Average the weights of the last passes' checkpoints into one checkpoint (decode with it like any other).

    python tools/average_checkpoints.py --checkpoint_dir examples/tiny/checkpoints --num_last 2 \\
        --output_path examples/tiny/checkpoints/params.avg

takes ``params.pass-<N>`` of the ``--num_last`` highest N; ``--model_paths`` names the checkpoints instead.
"""
import argparse
import functools
import glob
import os
import re
import sys

import _init_paths  # noqa: F401  (repository root on sys.path)

from model_utils.checkpoint import CheckpointError, average_checkpoints
from utils.utility import add_arguments, print_arguments

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
add_arg = functools.partial(add_arguments, argparser=parser)
add_arg("checkpoint_dir", str, "./checkpoints/libri", "Directory holding the params.pass-<N> checkpoints.")
add_arg("num_last", int, 2, "How many of the last passes to average.")
add_arg("model_paths", str, None, "Comma-separated checkpoints to average instead (the last one's files are kept).")
add_arg("output_path", str, "./checkpoints/libri/params.avg", "Checkpoint directory to write (atomically).")


def last_pass_checkpoints(checkpoint_dir: str, num_last: int) -> list[str]:
    """The ``num_last`` ``params.pass-<N>`` directories of the highest N, oldest first."""
    found = sorted((int(match.group(1)), path) for path in glob.glob(os.path.join(checkpoint_dir, "params.pass-*"))
                   if (match := re.fullmatch(r"params\.pass-(\d+)", os.path.basename(path))))
    if num_last < 1 or len(found) < num_last:
        raise CheckpointError(f"{checkpoint_dir}: {len(found)} params.pass-<N> checkpoints, {num_last} asked for")
    return [path for _, path in found[-num_last:]]


def main() -> None:
    args = parser.parse_args()
    print_arguments(args)
    try:
        paths = (args.model_paths.split(",") if args.model_paths
                 else last_pass_checkpoints(args.checkpoint_dir, args.num_last))
        average_checkpoints(paths, args.output_path)
    except (CheckpointError, OSError) as err:
        sys.exit(f"error: {err}")
    noun = "checkpoint" if len(paths) == 1 else "checkpoints"
    print(f"averaged {len(paths)} {noun} ({', '.join(os.path.basename(p) for p in paths)}) -> {args.output_path}")


if __name__ == "__main__":
    main()
