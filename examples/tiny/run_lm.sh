#!/usr/bin/env bash
# Tiny example, language model: a word 3-gram on the LM text pool (data/tiny/lm_text.txt, sentences no
# utterance speaks), as a KenLM trie binary. Skipped when the binary exists.
# Overrides: DATA_DIR (data/tiny), LM_ORDER (3), KENLM_BIN (third_party/kenlm/bin, built by setup.sh).
set -e
cd "$(dirname "$0")/../.."

DATA_DIR=${DATA_DIR:-data/tiny}
LM_ORDER=${LM_ORDER:-3}
KENLM_BIN=${KENLM_BIN:-third_party/kenlm/bin}
LM_PATH=$DATA_DIR/lm.klm

if [ -s "$LM_PATH" ]; then
    echo "$LM_PATH exists, skipping"
    exit 0
fi
for tool in lmplz build_binary; do
    [ -x "$KENLM_BIN/$tool" ] || { echo "run_lm.sh: $KENLM_BIN/$tool not found; run setup.sh first" >&2; exit 1; }
done
"$KENLM_BIN/lmplz" -o "$LM_ORDER" --discount_fallback -S 20% -T "$DATA_DIR" \
    < "$DATA_DIR/lm_text.txt" > "$DATA_DIR/lm.arpa" \
    || { echo "run_lm.sh: lmplz failed, terminating." >&2; exit 1; }
"$KENLM_BIN/build_binary" -T "$DATA_DIR" trie "$DATA_DIR/lm.arpa" "$LM_PATH.tmp" \
    || { echo "run_lm.sh: build_binary failed, terminating." >&2; exit 1; }
mv "$LM_PATH.tmp" "$LM_PATH"
rm -f "$DATA_DIR/lm.arpa"
echo "language model: $LM_PATH"
