#!/usr/bin/env bash
# Test stage: the error rate of each of METHODS on each of SPLITS (manifests DATA_DIR/manifest.<split>). Each run
# writes its per-utterance results to LOG_DIR/test.<split>.<method>.jsonl; ACCURACY_TABLE, when the recipe names
# one, then tabulates them.
#   bash examples/stages/test.sh examples/<recipe>      (usually through examples/<recipe>/run.sh test)
source "$(dirname "$0")/common.sh" "$1"
source examples/stages/decoding.sh
need "${DECODING_VARS[@]}" DATA_DIR DECODE_BATCH_SIZE SPLITS METHODS ACCURACY_TABLE
mkdir -p "$LOG_DIR"

for split in $SPLITS; do
    for method in $METHODS; do
        echo "== $split, $method"
        python test.py "${DECODE_FLAGS[@]}" \
            --batch_size "$DECODE_BATCH_SIZE" \
            --decoding_method "$method" \
            --test_manifest "$DATA_DIR/manifest.$split" \
            --output_file "$LOG_DIR/test.$split.$method.jsonl" \
            || fail "testing $split with $method"
    done
done
if [ -n "$ACCURACY_TABLE" ]; then
    python "$ACCURACY_TABLE" --results_dir "$LOG_DIR" --data_dir "$DATA_DIR" || fail "tabulating the results"
fi
