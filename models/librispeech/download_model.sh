#! /usr/bin/env bash
# Download the LibriSpeech acoustic model (DS2 release) into this directory (or the directory given as $1).
# DS2's released parameters are in the PaddlePaddle 1.x (fluid) format: see README before loading them.
# Resumes an interrupted download, checks the MD5 and skips a finished one. Mirror: set LIBRISPEECH_MODEL_URL.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET_DIR=${1:-$(dirname "$0")}
URL=${LIBRISPEECH_MODEL_URL:-https://deepspeech.bj.bcebos.com/eng_models/librispeech_model_fluid.tar.gz}
MD5=fafb11fe57c3ecd107147056453f5348

echo "Download the LibriSpeech acoustic model (DS2 release) ..."
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" "${PYTHON:-python3}" -m data_utils.download \
  --url="$URL" --md5sum="$MD5" --target_dir="$TARGET_DIR" --filename=librispeech_model_fluid.tar.gz --unpack=True
