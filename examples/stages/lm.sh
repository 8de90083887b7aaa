#!/usr/bin/env bash
# LM stage: the language model at LM_PATH. A recipe that names LM_DOWNLOAD fetches a released LM with that script
# (it resumes, checks the MD5 and skips a finished download); otherwise an LM_ORDER-gram is trained on LM_TEXT
# with models/lm/train_lm.py into a KenLM trie binary (pruned by LM_PRUNE, if set), skipped when LM_PATH exists.
# LM_TEXT_SOURCES=general (English only) first writes LM_TEXT with data/synth/lm_text_en.py from DATA_DIR's
# lm_text.txt and manifests and the general text sources, unless it exists; books (the default) uses LM_TEXT as is.
#   bash examples/stages/lm.sh examples/<recipe>        (usually through examples/<recipe>/run.sh lm)
source "$(dirname "$0")/common.sh" "$1"
if [ -n "${LM_DOWNLOAD:-}" ]; then
    need LM_PATH LM_DOWNLOAD
    bash "$LM_DOWNLOAD" || fail "downloading the language model"
    exit 0
fi
LM_TEXT_SOURCES=${LM_TEXT_SOURCES:-books}
if [ "$LM_TEXT_SOURCES" != books ] && [ "$LM_TEXT_SOURCES" != general ]; then
    echo "$STAGE stage: $RECIPE_DIR/conf.sh: LM_TEXT_SOURCES must be books or general, got '$LM_TEXT_SOURCES'" >&2
    exit 1
fi
need LM_PATH LM_DOWNLOAD LM_TEXT LM_ORDER

if [ -s "$LM_PATH" ]; then
    echo "$LM_PATH exists, skipping"
    exit 0
fi
if [ "$LM_TEXT_SOURCES" = general ] && [ ! -s "$LM_TEXT" ]; then
    python data/synth/lm_text_en.py --data_dir "$DATA_DIR" --output "$LM_TEXT" || fail "writing the general LM text"
fi
python models/lm/train_lm.py \
    --text_path "$LM_TEXT" \
    --order "$LM_ORDER" \
    --arpa_path "${LM_PATH%.*}.arpa" \
    --binary_path "$LM_PATH" \
    --data_structure trie \
    --prune "${LM_PRUNE:-}" \
    || fail "training the language model"
echo "language model: $LM_PATH"
