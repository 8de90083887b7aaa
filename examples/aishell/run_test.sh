#!/usr/bin/env bash
# Evaluate on the Aishell test set with beam search and DS2's Mandarin LM (DS2's settings).
set -e
cd "$(dirname "$0")/../.."
source examples/aishell/decode_flags.sh

CUDA_VISIBLE_DEVICES=0 \
python -u test.py "${DECODE_FLAGS[@]}" \
    --batch_size=128 \
    --test_manifest='data/aishell/manifest.test' \
    || { echo "Failed in evaluation!" >&2; exit 1; }
