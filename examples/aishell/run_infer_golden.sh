#!/usr/bin/env bash
# Transcribe 10 Aishell test utterances with a released model (see run_test_golden.sh).
set -e
cd "$(dirname "$0")/../.."
bash models/aishell/download_model.sh || { echo "Downloading the model failed. Terminated." >&2; exit 1; }
MODEL_PATH=${MODEL_PATH:-models/aishell} bash examples/aishell/run_infer.sh
