#!/usr/bin/env bash
# Evaluate a released Aishell model on the test set. MODEL_PATH must be a checkpoint in this project's
# format (model.pdparams + config.json + vocab.txt + mean_std.npz); DS2's own release
# (models/aishell/download_model.sh) is in PaddlePaddle 1.x format, which test.py reports as such.
set -e
cd "$(dirname "$0")/../.."
bash models/aishell/download_model.sh || { echo "Downloading the model failed. Terminated." >&2; exit 1; }
MODEL_PATH=${MODEL_PATH:-models/aishell} bash examples/aishell/run_test.sh
