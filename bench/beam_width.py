"""Beam width against accuracy and decoding time for a trained model; prints a Markdown table.

A weak acoustic model often gives the right word's spelling a low score, so the beam that DS2 sized for strong
models (500) can drop it before the language model sees the finished word. This measures how the error rate of
CTC beam search with the LM, and its cost, change with ``--beam_sizes``. The network's probabilities of every
manifest are computed once; each width then decodes all of them with the same alpha, beta, blank penalty and LM
(wall seconds of decoding alone, on ``--num_proc_bsearch`` threads).

    python bench/beam_width.py --model_path examples/tiny/checkpoints/params.avg \
        --manifests data/tiny/manifest.test,data/tiny/manifest.test-heldout --lang_model_path data/tiny/lm.klm \
        --alpha 3.0 --beta 0.0 --blank_penalty 1.5 --beam_sizes 500,1000,2000,4000,8000
"""
from __future__ import annotations

import argparse
import functools
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from model_utils.checkpoint import explicit_flags  # noqa: E402
from model_utils.ctc_decoder import BEAM_SEARCH, CTCDecoder, DecodingOptions, add_decoding_args  # noqa: E402
from model_utils.decoding import (ErrorCounter, add_error_rate_arg, add_model_args, batches,  # noqa: E402
                                  load_model, manifest_dataset)
from utils.utility import add_arguments, print_arguments  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
add_arg = functools.partial(add_arguments, argparser=parser)
add_arg("manifests", str, "data/tiny/manifest.test,data/tiny/manifest.test-heldout", "Comma-separated manifests.")
add_arg("beam_sizes", str, "500,1000,2000,4000,8000", "Comma-separated beam widths.")
add_arg("batch_size", int, 32, "Utterances per network batch.")
add_decoding_args(parser, exclude=("decoding_method", "beam_size"), lang_model_path="data/tiny/lm.klm",
                  num_proc_bsearch=2)
add_error_rate_arg(parser)
add_model_args(parser)


def manifest_probs(model, args: argparse.Namespace, manifest: str) -> tuple[list[np.ndarray], list[str]]:
    """Every utterance's CTC probabilities and reference text, in the order the batches give them."""
    dataset = manifest_dataset(model, args, manifest)
    probs, references = [], []
    for batch in batches(dataset, args.batch_size, args.num_proc_data):
        probs += model.infer_batch_probs(batch["features"], batch["feature_lengths"])
        references += [dataset.entries[int(index)]["text"] for index in batch["indices"]]
    return probs, references


def main(argv: list[str] | None = None) -> list[dict]:
    """Decode every manifest at every width; print and return one row per width."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    print_arguments(args)
    widths = [int(width) for width in args.beam_sizes.split(",")]
    manifests = args.manifests.split(",")
    model = load_model(args, explicit_flags(parser, argv))
    decoder = CTCDecoder(model.vocab_list, DecodingOptions.from_args(args, decoding_method=BEAM_SEARCH,
                                                                      beam_size=widths[0]))
    inputs = {manifest: manifest_probs(model, args, manifest) for manifest in manifests}
    rows = []
    for width in widths:
        row = {"beam_size": width, "seconds": 0.0, "utterances": 0}
        for manifest, (probs, references) in inputs.items():
            start = time.perf_counter()
            texts = decoder.with_options(beam_size=width).decode_batch(probs)
            row["seconds"] += time.perf_counter() - start
            row["utterances"] += len(texts)
            counter = ErrorCounter(args.error_rate_type)
            for reference, text in zip(references, texts):
                counter.add(reference, text)
            row[manifest] = counter.rate
        rows.append(row)
        print(f"beam {width}: " + ", ".join(f"{os.path.basename(m)} {row[m]:.4f}" for m in manifests), flush=True)
    names = [os.path.basename(manifest) for manifest in manifests]
    print(f"\n| beam | {' | '.join(f'{name} {args.error_rate_type.upper()}' for name in names)} "
          "| decoding s | ms per utterance |")
    print("|---:|" + "---:|" * (len(names) + 2))
    for row in rows:
        rates = " | ".join(f"{100 * row[manifest]:.1f}%" for manifest in manifests)
        per_utterance = 1000 * row["seconds"] / row["utterances"]
        print(f"| {row['beam_size']} | {rates} | {row['seconds']:.1f} | {per_utterance:.0f} |")
    return rows


if __name__ == "__main__":
    main()
