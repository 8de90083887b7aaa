#!/usr/bin/env bash
# Evaluate on test-clean with beam search and DS2's English LM (DS2's settings).
set -e
cd "$(dirname "$0")/../.."
source examples/librispeech/decode_flags.sh

CUDA_VISIBLE_DEVICES=0 \
python -u test.py "${DECODE_FLAGS[@]}" \
    --batch_size=128 \
    --test_manifest='data/librispeech/manifest.test-clean' \
    || { echo "Failed in evaluation!" >&2; exit 1; }
