#!/usr/bin/env bash
# Transcribe 10 Aishell test utterances with beam search and DS2's Mandarin LM (DS2's settings).
set -e
cd "$(dirname "$0")/../.."
source examples/aishell/decode_flags.sh

CUDA_VISIBLE_DEVICES=0 \
python -u infer.py "${DECODE_FLAGS[@]}" \
    --num_samples=10 \
    --infer_manifest='data/aishell/manifest.test' \
    || { echo "Failed in inference!" >&2; exit 1; }
