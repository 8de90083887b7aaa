#!/usr/bin/env bash
# Tiny example, language model: a word 4-gram on the LM text pool (data/tiny/lm_text.txt, sentences no
# utterance speaks), as a KenLM trie binary, with models/lm/train_lm.py. Skipped when the binary exists.
# Overrides: DATA_DIR (data/tiny), LM_ORDER (4).
set -e
cd "$(dirname "$0")/../.."

DATA_DIR=${DATA_DIR:-data/tiny}
LM_PATH=$DATA_DIR/lm.klm

if [ -s "$LM_PATH" ]; then
    echo "$LM_PATH exists, skipping"
    exit 0
fi
python models/lm/train_lm.py \
    --text_path "$DATA_DIR/lm_text.txt" \
    --order "${LM_ORDER:-4}" \
    --arpa_path "$DATA_DIR/lm.arpa" \
    --binary_path "$LM_PATH" \
    --data_structure trie \
    || { echo "run_lm.sh: training the language model failed, terminating." >&2; exit 1; }
echo "language model: $LM_PATH"
