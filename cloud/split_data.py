"""Give each training node its share of a (cloud) manifest, as DS2's cloud/split_data.py did.

Every node runs this with its own --node_rank and gets a disjoint part; all nodes' parts together are the
manifest, less the few utterances trimmed so that every node holds the same number (so all trainers run the same
number of steps). With --whole_shards (the default) the utterances of one tar shard stay together, so a node
needs only its own shards: --shard_list_path lists them for copying to local disk. Shards go to the node with
the fewest utterances so far, largest shards first, which keeps the shares within about one shard of each other.
The split is a pure function of the manifest and --num_nodes, so the nodes agree without talking to each other.

    PYTHONPATH=. python cloud/split_data.py --in_manifest_path /mnt/nfs/ds2/manifest.train \\
        --out_manifest_path data/manifest.train.local --num_nodes 4 --node_rank 2
"""
from __future__ import annotations

import argparse
import sys

from data_utils.manifest import read_manifest, write_manifest
from data_utils.utility import is_tar_path, split_tar_path
from utils.utility import add_arguments, atomic_write, print_arguments


def storage_unit(entry: dict, whole_shards: bool) -> str:
    """What must stay on one node: the entry's tar shard, or the entry itself."""
    path = entry["audio_filepath"]
    if whole_shards and is_tar_path(path):
        return split_tar_path(path)[0]
    return f"{path}@{entry['line_no']}"


def split_entries(entries: list[dict], num_nodes: int, whole_shards: bool = True) -> list[list[dict]]:
    """Split entries into ``num_nodes`` disjoint shares of equal length, each in manifest order."""
    if num_nodes < 1:
        raise ValueError(f"num_nodes must be >= 1, got {num_nodes}")
    units: dict[str, list[dict]] = {}
    for entry in entries:
        units.setdefault(storage_unit(entry, whole_shards), []).append(entry)
    if len(units) < num_nodes:
        raise ValueError(f"{len(units)} shard(s) cannot feed {num_nodes} nodes; pack smaller shards "
                         f"(upload_data.py --shard_size_mb) or pass --whole_shards False")
    shares: list[list[dict]] = [[] for _ in range(num_nodes)]
    for _, unit in sorted(units.items(), key=lambda item: (-len(item[1]), item[0])):
        min(shares, key=len).extend(unit)
    size = min(len(share) for share in shares)
    position = {id(entry): index for index, entry in enumerate(entries)}
    return [sorted(share, key=lambda entry: position[id(entry)])[:size] for share in shares]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments("in_manifest_path", str, "data/cloud/manifest.train", "Manifest to split.", parser)
    add_arguments("out_manifest_path", str, "data/cloud/manifest.train.local", "This node's share.", parser)
    add_arguments("num_nodes", int, 1, "Number of training nodes.", parser)
    add_arguments("node_rank", int, 0, "This node's rank, 0 .. num_nodes-1.", parser)
    add_arguments("whole_shards", bool, True, "Keep each tar shard's utterances on one node.", parser)
    add_arguments("shard_list_path", str, "", "If set, write the tar shards this node reads, one a line.", parser)
    args = parser.parse_args()
    print_arguments(args)
    if not 0 <= args.node_rank < args.num_nodes:
        parser.error(f"--node_rank must be in [0, {args.num_nodes}), got {args.node_rank}")
    try:
        entries = read_manifest(args.in_manifest_path)
        share = split_entries(entries, args.num_nodes, args.whole_shards)[args.node_rank]
    except (OSError, ValueError) as err:
        sys.exit(f"split_data.py: {err}")
    write_manifest(args.out_manifest_path, share)
    dropped = len(entries) - args.num_nodes * len(share)
    print(f"node {args.node_rank}/{args.num_nodes}: {len(share)} of {len(entries)} utterances "
          f"({dropped} trimmed to equalise the nodes) -> {args.out_manifest_path}")
    if args.shard_list_path:
        shards = sorted({split_tar_path(e["audio_filepath"])[0] for e in share if is_tar_path(e["audio_filepath"])})
        with atomic_write(args.shard_list_path) as handle:
            handle.writelines(shard + "\n" for shard in shards)


if __name__ == "__main__":
    main()
