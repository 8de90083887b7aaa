#!/usr/bin/env bash
# Data stage of the tiny examples (examples/tiny, examples/tiny_zh): synthesises HOURS of CORPUS_LANG speech with
# data/synth into DATA_DIR: WAVs, the manifests of the train, dev, test and test-heldout splits, and the LM text
# pool lm_text.txt. Skipped when the manifests and the LM text exist; an interrupted synthesis keeps finished WAVs.
#   bash examples/tiny/data.sh [examples/tiny_zh]     (usually through examples/tiny/run.sh data)
source "$(dirname "$0")/../stages/common.sh" "${1:-$(dirname "$0")}"
need DATA_DIR CORPUS_LANG HOURS SEED NUM_WORKERS

if [ -s "$DATA_DIR/manifest.train" ] && [ -s "$DATA_DIR/lm_text.txt" ]; then
    echo "corpus exists in $DATA_DIR, skipping synthesis"
    exit 0
fi
python data/synth/synthesize.py \
    --target_dir "$DATA_DIR" \
    --hours "$HOURS" \
    --seed "$SEED" \
    --num_workers "$NUM_WORKERS" \
    --lang "$CORPUS_LANG" \
    || fail "synthesising the corpus"
echo "tiny corpus: $DATA_DIR"
