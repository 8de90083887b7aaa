#! /usr/bin/env bash
# Download DS2's English language model (KenLM, CommonCrawl, 8.3 GB) into this directory (or the directory given as $1).
# A binary KenLM model for the CTC beam search scorer (--lang_model_path).
# Resumes an interrupted download, checks the MD5 and skips a finished one. Mirror: set LM_EN_URL.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET_DIR=${1:-$(dirname "$0")}
URL=${LM_EN_URL:-https://deepspeech.bj.bcebos.com/en_lm/common_crawl_00.prune01111.trie.klm}
MD5=099a601759d467cd0a8523ff939819c5

echo "Download DS2's English language model (KenLM, CommonCrawl, 8.3 GB) ..."
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" "${PYTHON:-python3}" -m data_utils.download \
  --url="$URL" --md5sum="$MD5" --target_dir="$TARGET_DIR" --filename=common_crawl_00.prune01111.trie.klm --unpack=False
