#!/usr/bin/env bash
# Stats stage: the vocabulary (every character of the VOCAB_SPLITS manifests) and the feature mean/std of
# MEAN_STD_SAMPLES training utterances, into DATA_DIR. Each is skipped when it exists (delete it to redo).
#   bash examples/stages/stats.sh examples/<recipe>     (usually through examples/<recipe>/run.sh stats)
source "$(dirname "$0")/common.sh" "$1"
need DATA_DIR VOCAB_SPLITS SPECGRAM_TYPE MEAN_STD_SAMPLES

if [ -s "$DATA_DIR/vocab.txt" ]; then
    echo "$DATA_DIR/vocab.txt exists, skipping"
else
    manifests=()
    for split in $VOCAB_SPLITS; do
        manifests+=("$DATA_DIR/manifest.$split")
    done
    python tools/build_vocab.py \
        --count_threshold 0 \
        --vocab_path "$DATA_DIR/vocab.txt" \
        --manifest_paths "${manifests[@]}" \
        || fail "building the vocabulary"
fi

if [ -s "$DATA_DIR/mean_std.npz" ]; then
    echo "$DATA_DIR/mean_std.npz exists, skipping"
else
    python tools/compute_mean_std.py \
        --manifest_path "$DATA_DIR/manifest.train" \
        --num_samples "$MEAN_STD_SAMPLES" \
        --specgram_type "$SPECGRAM_TYPE" \
        --output_path "$DATA_DIR/mean_std.npz" \
        || fail "computing the feature mean and stddev"
fi
