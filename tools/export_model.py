"""Export a trained DS2 checkpoint for deployment: a static model taking any batch size and length.

Writes ``<output_dir>/model.json`` (Paddle 3.x) or ``model.pdmodel`` (Paddle 2.6), ``model.pdiparams``,
and copies of the checkpoint's config.json, vocab.txt and mean_std.npz, which the features and the
decoder need. Run the result with ``model_utils.inference.ExportedNetwork(<output_dir>/model)``.
"""
import argparse
import functools
import os
import shutil
import sys

import _init_paths  # noqa: F401  (repository root on sys.path)

from model_utils.checkpoint import CONFIG_FILE, CheckpointError, resolve
from model_utils.inference import export_network
from model_utils.model import DeepSpeech2Model
from utils.utility import add_arguments, print_arguments

parser = argparse.ArgumentParser(description=__doc__)
add_arg = functools.partial(add_arguments, argparser=parser)
add_arg("model_path", str, "./checkpoints/libri/params.latest",
        "Checkpoint directory (or its model.pdparams) to export.")
add_arg("output_dir", str, "./exported", "Directory for the exported model and its side files.")


def main() -> None:
    args = parser.parse_args()
    print_arguments(args)
    try:
        model = DeepSpeech2Model.from_checkpoint(args.model_path)
        checkpoint_dir = resolve(args.model_path)
    except (CheckpointError, OSError) as err:
        sys.exit(f"error: {err}")
    if not os.path.isdir(checkpoint_dir):
        checkpoint_dir = os.path.dirname(checkpoint_dir)
    os.makedirs(args.output_dir, exist_ok=True)
    export_network(model.network, model.config["feat_size"], os.path.join(args.output_dir, "model"))
    side_files = [os.path.join(checkpoint_dir, CONFIG_FILE), model.vocab_path, model.mean_std_path]
    for path in side_files:
        if path and os.path.exists(path):
            shutil.copyfile(path, os.path.join(args.output_dir, os.path.basename(path)))
    print(f"exported {args.model_path} to {args.output_dir}")


if __name__ == "__main__":
    main()
