"""Grid search for beam search's language-model weight alpha and word bonus beta (DS2's flags).

The network's probabilities of each batch are computed once and decoded at every grid point; one
CTCDecoder loads the language model once and ``with_options(alpha=..., beta=...)`` re-weights it. Prints the error
at each point and the optimum, writes the table (CSV) and the error surface (PNG, optimum marked).

    python tools/tune.py --model_path examples/tiny/checkpoints/params.latest \
        --tune_manifest data/tiny/manifest.dev --lang_model_path data/tiny/lm.klm
"""
from __future__ import annotations

import argparse
import csv
import functools
import itertools
import sys

import _init_paths  # noqa: F401  (puts the repository root on sys.path)
import matplotlib
import numpy as np
from tqdm import tqdm

from model_utils.checkpoint import explicit_flags
from model_utils.ctc_decoder import BEAM_SEARCH, CTCDecoder, DecodingOptions, add_decoding_args
from model_utils.decoding import (add_error_rate_arg, add_model_args, batches, load_model, manifest_dataset,
                                  pipelined, run_cli)
from utils.error_rate import char_errors, word_errors
from utils.utility import add_arguments, atomic_write, print_arguments

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the file-only backend)

# Decoding options that tuning does not take as flags: it always beam-searches, over a grid of weights.
GRID_OPTIONS = ("decoding_method", "alpha", "beta")

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
add_arg = functools.partial(add_arguments, argparser=parser)
add_arg("num_batches", int, -1, "Batches of --tune_manifest to use (-1: all).")
add_arg("batch_size", int, 256, "Utterances per network batch.")
add_arg("num_alphas", int, 45, "Grid points for alpha.")
add_arg("num_betas", int, 8, "Grid points for beta.")
add_arg("alpha_from", float, 1.0, "Smallest alpha.")
add_arg("alpha_to", float, 3.2, "Largest alpha.")
add_arg("beta_from", float, 0.1, "Smallest beta.")
add_arg("beta_to", float, 0.45, "Largest beta.")
add_arg("tune_manifest", str, "data/librispeech/manifest.dev-clean", "Manifest of the tuning utterances.")
add_arg("table_path", str, "tune_results.csv", "CSV of the error rate at every grid point.")
add_arg("plot_path", str, "tune_surface.png", "PNG of the error surface over (alpha, beta).")
add_decoding_args(parser, exclude=GRID_OPTIONS)
add_error_rate_arg(parser)
add_model_args(parser)


def grid(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    """The alpha and beta values searched."""
    if args.num_alphas < 1 or args.num_betas < 1:
        raise ValueError(f"--num_alphas and --num_betas must be at least 1, got {args.num_alphas}, {args.num_betas}")
    return (np.linspace(args.alpha_from, args.alpha_to, args.num_alphas),
            np.linspace(args.beta_from, args.beta_to, args.num_betas))


def write_table(path: str, alphas: np.ndarray, betas: np.ndarray, rates: np.ndarray, error_rate_type: str) -> None:
    with atomic_write(path, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["alpha", "beta", error_rate_type])
        for (i, alpha), (j, beta) in itertools.product(enumerate(alphas), enumerate(betas)):
            writer.writerow([f"{alpha:.4f}", f"{beta:.4f}", f"{rates[i, j]:.6f}"])


def plot_surface(path: str, alphas: np.ndarray, betas: np.ndarray, rates: np.ndarray, error_rate_type: str) -> None:
    """Error rate as colour over alpha (x) and beta (y), the optimum marked with a star."""
    best_i, best_j = np.unravel_index(np.nanargmin(rates), rates.shape)
    figure, axes = plt.subplots(figsize=(7, 5))
    mesh = axes.pcolormesh(alphas, betas, rates.T * 100, shading="nearest", cmap="viridis")
    if len(alphas) > 1 and len(betas) > 1:
        contours = axes.contour(alphas, betas, rates.T * 100, colors="white", linewidths=0.6)
        axes.clabel(contours, fmt="%.1f", fontsize=7)
    axes.plot(alphas[best_i], betas[best_j], marker="*", color="red", markersize=16, markeredgecolor="white",
              label=f"optimum: alpha {alphas[best_i]:.2f}, beta {betas[best_j]:.2f}, "
                    f"{error_rate_type.upper()} {rates[best_i, best_j] * 100:.2f}%")
    figure.colorbar(mesh, ax=axes, label=f"{error_rate_type.upper()} (%)")
    axes.set_xlabel("alpha (language-model weight)")
    axes.set_ylabel("beta (word bonus)")
    axes.set_title("Beam-search error surface")
    axes.legend(loc="upper right", fontsize=8)
    figure.tight_layout()
    with atomic_write(path, "wb") as handle:
        figure.savefig(handle, format="png", dpi=120)
    plt.close(figure)


def main(argv: list[str] | None = None) -> tuple[float, float, float]:
    """Run the grid search; returns the best (alpha, beta, error rate)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    print_arguments(args)
    alphas, betas = grid(args)
    if not args.lang_model_path:
        raise ValueError("tuning alpha and beta needs a language model: give --lang_model_path")
    model = load_model(args, explicit_flags(parser, argv))
    options = DecodingOptions.from_args(args, decoding_method=BEAM_SEARCH, alpha=alphas[0], beta=betas[0])
    decoder = CTCDecoder(model.vocab_list, options)
    dataset = manifest_dataset(model, args, args.tune_manifest)
    limit = None if args.num_batches < 0 else args.num_batches * args.batch_size
    points = list(itertools.product(range(len(alphas)), range(len(betas))))
    measure = word_errors if args.error_rate_type == "wer" else char_errors
    errors = np.zeros((len(alphas), len(betas)))
    length = 0

    def decode_grid(probs: list[np.ndarray]) -> list[list[str]]:
        texts = []
        for i, j in points:
            texts.append(decoder.with_options(alpha=alphas[i], beta=betas[j]).decode_batch(probs))
            progress.update(len(probs))
        return texts

    total = min(len(dataset), limit or len(dataset))
    progress = tqdm(total=total * len(points), desc="tune", unit="decode")
    for batch, grid_texts in pipelined(model, batches(dataset, args.batch_size, args.num_proc_data, limit),
                                       decode_grid):
        references = [dataset.entries[int(index)]["text"] for index in batch["indices"]]
        length += sum(measure(reference, "")[1] for reference in references)
        for (i, j), texts in zip(points, grid_texts):
            errors[i, j] += sum(measure(reference, text)[0] for reference, text in zip(references, texts))
    progress.close()
    rates = errors / length
    for i, j in points:
        print(f"alpha {alphas[i]:.3f} beta {betas[j]:.3f}: {args.error_rate_type} {rates[i, j]:.4f}")
    best_i, best_j = np.unravel_index(np.argmin(rates), rates.shape)
    best = (float(alphas[best_i]), float(betas[best_j]), float(rates[best_i, best_j]))
    print(f"Best: alpha {best[0]:.3f} beta {best[1]:.3f} {args.error_rate_type} {best[2]:.4f} "
          f"({total} utterances)")
    write_table(args.table_path, alphas, betas, rates, args.error_rate_type)
    plot_surface(args.plot_path, alphas, betas, rates, args.error_rate_type)
    print(f"wrote {args.table_path} and {args.plot_path}")
    return best


if __name__ == "__main__":
    run_cli(main)
