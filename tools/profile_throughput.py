"""Helpers for tools/profile.sh: pick the fixed profiling subset, and turn finished runs into a speed-up table.

``subset`` writes the first --num_utterances utterances of a manifest whose duration lies in
[--min_duration, --max_duration] (DS2 profiled on 6-7 s utterances, so every batch costs about the same).
``table`` reads each run's ``params.latest/state.json``; a run's throughput is the seconds of audio its last
pass trained on per second of wall time (earlier passes warm up), and the speed-up is relative to the run
with the fewest devices, normalised to one device::

    devices  global batch  pass time (s)  audio s/s  speed-up  efficiency
          1            32          101.2      123.4     1.00x        100%
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from data_utils.manifest import read_manifest, write_manifest
from model_utils.checkpoint import STATE_FILE, resolve
from utils.utility import add_arguments, print_arguments


def make_subset(manifest: str, out_path: str, min_duration: float, max_duration: float, num_utterances: int) -> int:
    """Write the profiling subset; returns its size. ValueError if the manifest has no utterance in range."""
    entries = read_manifest(manifest, min_duration, max_duration)[:num_utterances]
    if not entries:
        raise ValueError(f"{manifest}: no utterance between {min_duration} and {max_duration} s")
    write_manifest(out_path, entries)
    return len(entries)


def run_throughput(run_dir: str) -> dict:
    """Devices, global batch, last pass time and audio seconds per second of one finished run."""
    path = os.path.join(resolve(os.path.join(run_dir, "params.latest")), STATE_FILE)
    with open(path, encoding="utf-8") as handle:
        state = json.load(handle)
    history, sampler = state["progress"]["history"], state["sampler"]
    if not history:
        raise ValueError(f"{path}: the run finished no pass")
    last = history[-1]
    return {"devices": sampler["num_ranks"], "global_batch": sampler["batch_size"] * sampler["num_ranks"],
            "seconds": last["seconds"], "audio_per_s": last["audio_hours"] * 3600.0 / last["seconds"]}


def speedup_table(runs: list[dict]) -> str:
    """The table of ``run_throughput`` results, speed-ups relative to the smallest run scaled to one device."""
    runs = sorted(runs, key=lambda run: run["devices"])
    base = runs[0]["audio_per_s"] / runs[0]["devices"]
    lines = [f"{'devices':>7}  {'global batch':>12}  {'pass time (s)':>13}  {'audio s/s':>9}  {'speed-up':>8}  "
             f"{'efficiency':>10}"]
    for run in runs:
        speedup = run["audio_per_s"] / base
        lines.append(f"{run['devices']:>7}  {run['global_batch']:>12}  {run['seconds']:>13.1f}  "
                     f"{run['audio_per_s']:>9.1f}  {speedup:>7.2f}x  {speedup / run['devices']:>10.0%}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    subset = commands.add_parser("subset", help="write the fixed profiling subset")
    add_arguments("manifest", str, "data/librispeech/manifest.train", "Manifest to draw from.", subset)
    add_arguments("out_path", str, "manifest.profile", "Subset manifest to write.", subset)
    add_arguments("min_duration", float, 6.0, "Shortest utterance (s).", subset)
    add_arguments("max_duration", float, 7.0, "Longest utterance (s).", subset)
    add_arguments("num_utterances", int, 512, "Subset size.", subset)
    table = commands.add_parser("table", help="print the speed-up table of finished runs")
    table.add_argument("run_dirs", nargs="+", help="train.py --output_model_dir of each run")
    args = parser.parse_args()
    try:
        if args.command == "subset":
            print_arguments(args)
            count = make_subset(args.manifest, args.out_path, args.min_duration, args.max_duration,
                                args.num_utterances)
            print(f"{args.out_path}: {count} utterances of {args.min_duration}-{args.max_duration} s")
        else:
            print(speedup_table([run_throughput(run_dir) for run_dir in args.run_dirs]))
    except (OSError, ValueError, KeyError) as err:
        sys.exit(f"profile_throughput.py: {err}")


if __name__ == "__main__":
    main()
