#!/usr/bin/env bash
# LibriSpeech data preparation (DS2's settings): download all 960 h, write manifests, merge the training
# subsets, build the vocabulary and the linear-spectrogram mean/std. Needs ~60 GB and internet access.
set -e
cd "$(dirname "$0")/../.."

# download data, generate manifests
python -m data.librispeech.librispeech \
    --manifest_prefix='data/librispeech/manifest' \
    --target_dir="$HOME/.cache/paddle/dataset/speech/libri" \
    --full_download='True' \
    || { echo "Prepare LibriSpeech failed. Terminated." >&2; exit 1; }

cat data/librispeech/manifest.train-* | shuf > data/librispeech/manifest.train

# build vocabulary
python tools/build_vocab.py \
    --count_threshold=0 \
    --vocab_path='data/librispeech/vocab.txt' \
    --manifest_paths='data/librispeech/manifest.train' \
    || { echo "Build vocabulary failed. Terminated." >&2; exit 1; }

# compute mean and stddev for normalizer
python tools/compute_mean_std.py \
    --manifest_path='data/librispeech/manifest.train' \
    --num_samples=2000 \
    --specgram_type='linear' \
    --output_path='data/librispeech/mean_std.npz' \
    || { echo "Compute mean and stddev failed. Terminated." >&2; exit 1; }

echo "LibriSpeech Data preparation done."
