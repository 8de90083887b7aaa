#!/usr/bin/env bash
# Evaluate a released LibriSpeech model on test-clean. MODEL_PATH must be a checkpoint in this project's
# format (model.pdparams + config.json + vocab.txt + mean_std.npz); DS2's own release
# (models/librispeech/download_model.sh) is in PaddlePaddle 1.x format, which test.py reports as such.
set -e
cd "$(dirname "$0")/../.."
bash models/librispeech/download_model.sh || { echo "Downloading the model failed. Terminated." >&2; exit 1; }
MODEL_PATH=${MODEL_PATH:-models/librispeech} bash examples/librispeech/run_test.sh
