#!/usr/bin/env bash
# LM stage: the language model at LM_PATH. A recipe that names LM_DOWNLOAD fetches a released LM with that script
# (it resumes, checks the MD5 and skips a finished download); otherwise an LM_ORDER-gram is trained on LM_TEXT
# with models/lm/train_lm.py into a KenLM trie binary, skipped when LM_PATH exists.
#   bash examples/stages/lm.sh examples/<recipe>        (usually through examples/<recipe>/run.sh lm)
source "$(dirname "$0")/common.sh" "$1"
if [ -n "${LM_DOWNLOAD:-}" ]; then
    need LM_PATH LM_DOWNLOAD
    bash "$LM_DOWNLOAD" || fail "downloading the language model"
    exit 0
fi
need LM_PATH LM_DOWNLOAD LM_TEXT LM_ORDER

if [ -s "$LM_PATH" ]; then
    echo "$LM_PATH exists, skipping"
    exit 0
fi
python models/lm/train_lm.py \
    --text_path "$LM_TEXT" \
    --order "$LM_ORDER" \
    --arpa_path "${LM_PATH%.*}.arpa" \
    --binary_path "$LM_PATH" \
    --data_structure trie \
    || fail "training the language model"
echo "language model: $LM_PATH"
