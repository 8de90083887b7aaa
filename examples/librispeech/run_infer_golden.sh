#!/usr/bin/env bash
# Transcribe 10 test-clean utterances with a released LibriSpeech model (see run_test_golden.sh).
set -e
cd "$(dirname "$0")/../.."
bash models/librispeech/download_model.sh || { echo "Downloading the model failed. Terminated." >&2; exit 1; }
MODEL_PATH=${MODEL_PATH:-models/librispeech} bash examples/librispeech/run_infer.sh
