#!/usr/bin/env bash
# Aishell data preparation (DS2's settings): download, write manifests, build the character vocabulary
# and the linear-spectrogram mean/std. Needs ~20 GB and internet access.
set -e
cd "$(dirname "$0")/../.."

# download data, generate manifests
python -m data.aishell.aishell \
    --manifest_prefix='data/aishell/manifest' \
    --target_dir="$HOME/.cache/paddle/dataset/speech/Aishell" \
    || { echo "Prepare Aishell failed. Terminated." >&2; exit 1; }

# build vocabulary
python tools/build_vocab.py \
    --count_threshold=0 \
    --vocab_path='data/aishell/vocab.txt' \
    --manifest_paths 'data/aishell/manifest.train' 'data/aishell/manifest.dev' \
    || { echo "Build vocabulary failed. Terminated." >&2; exit 1; }

# compute mean and stddev for normalizer
python tools/compute_mean_std.py \
    --manifest_path='data/aishell/manifest.train' \
    --num_samples=2000 \
    --specgram_type='linear' \
    --output_path='data/aishell/mean_std.npz' \
    || { echo "Compute mean and stddev failed. Terminated." >&2; exit 1; }

echo "Aishell data preparation done."
