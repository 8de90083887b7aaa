"""Compute the per-dimension mean and std of audio features over a random sample of a manifest."""
import argparse
import functools
import sys

import _init_paths  # noqa: F401  (repository root on sys.path)

from data_utils.featurizer.audio_featurizer import SPECGRAM_TYPES, AudioFeaturizer
from data_utils.normalizer import FeatureNormalizer
from utils.utility import add_arguments, print_arguments

parser = argparse.ArgumentParser(description=__doc__)
add_arg = functools.partial(add_arguments, argparser=parser)
add_arg("num_samples", int, 2000, "Number of utterances sampled for the statistics.")
add_arg("specgram_type", str, "linear", "Audio feature type.", choices=list(SPECGRAM_TYPES))
add_arg("manifest_path", str, "data/librispeech/manifest.train",
        "Filepath of the manifest to compute the normalizer's mean and std from.")
add_arg("output_path", str, "data/librispeech/mean_std.npz", "Filepath to write the mean and std to (.npz).")
add_arg("num_mel_bins", int, 80, "Number of mel filters of the 'fbank' features.")
add_arg("num_workers", int, 2, "Processes extracting features (0: in this process).")


def main() -> None:
    args = parser.parse_args()
    print_arguments(args)
    featurizer = AudioFeaturizer(specgram_type=args.specgram_type, num_mel_bins=args.num_mel_bins)
    try:
        normalizer = FeatureNormalizer(manifest_path=args.manifest_path, featurize_func=featurizer.featurize,
                                       num_samples=args.num_samples, num_workers=args.num_workers)
    except (OSError, ValueError) as err:
        sys.exit(f"compute_mean_std: error: {err}")
    normalizer.write_to_file(args.output_path)
    print(f"Wrote mean/std of {featurizer.feature_dim}-dim {args.specgram_type} features to {args.output_path}")


if __name__ == "__main__":
    main()
