#! /usr/bin/env bash
# Download the BaiduEN8k acoustic model (DS2 release, 8k hours of English) into this directory (or the directory given as $1).
# DS2's released parameters are in the PaddlePaddle 1.x (fluid) format: see README before loading them.
# Resumes an interrupted download, checks the MD5 and skips a finished one. Mirror: set BAIDU_EN8K_MODEL_URL.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET_DIR=${1:-$(dirname "$0")}
URL=${BAIDU_EN8K_MODEL_URL:-https://deepspeech.bj.bcebos.com/demo_models/baidu_en8k_model_fluid.tar.gz}
MD5=7e58fbf64aa4ecf639b049792ddcf788

echo "Download the BaiduEN8k acoustic model (DS2 release, 8k hours of English) ..."
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" "${PYTHON:-python3}" -m data_utils.download \
  --url="$URL" --md5sum="$MD5" --target_dir="$TARGET_DIR" --filename=baidu_en8k_model_fluid.tar.gz --unpack=True
