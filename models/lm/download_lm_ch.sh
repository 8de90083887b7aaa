#! /usr/bin/env bash
# Download DS2's Mandarin language model (KenLM, character-based, 2.8 GB) into this directory (or the directory given as $1).
# A binary KenLM model for the CTC beam search scorer (--lang_model_path).
# Resumes an interrupted download, checks the MD5 and skips a finished one. Mirror: set LM_CH_URL.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET_DIR=${1:-$(dirname "$0")}
URL=${LM_CH_URL:-https://deepspeech.bj.bcebos.com/zh_lm/zh_giga.no_cna_cmn.prune01244.klm}
MD5=29e02312deb2e59b3c8686c7966d4fe3

echo "Download DS2's Mandarin language model (KenLM, character-based, 2.8 GB) ..."
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" "${PYTHON:-python3}" -m data_utils.download \
  --url="$URL" --md5sum="$MD5" --target_dir="$TARGET_DIR" --filename=zh_giga.no_cna_cmn.prune01244.klm --unpack=False
