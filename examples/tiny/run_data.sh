#!/usr/bin/env bash
# Tiny example, data stage: synthesise the ~6 hour English corpus into data/tiny, then build the
# vocabulary and the feature mean/std. Steps whose outputs exist are skipped (delete them to redo).
# Overrides: DATA_DIR (data/tiny), HOURS (6.0), SEED (0), NUM_WORKERS (2), SPECGRAM_TYPE (fbank), NUM_SAMPLES (2000),
#   CORPUS_LANG (en; zh for examples/tiny_zh).
set -e
cd "$(dirname "$0")/../.."

HOURS=${HOURS:-6.0}
SEED=${SEED:-0}
NUM_WORKERS=${NUM_WORKERS:-2}
SPECGRAM_TYPE=${SPECGRAM_TYPE:-fbank}
NUM_SAMPLES=${NUM_SAMPLES:-2000}
DATA_DIR=${DATA_DIR:-data/tiny}

fail() { echo "run_data.sh: $1 failed, terminating." >&2; exit 1; }

# synthesise the corpus (resumable: finished WAVs are kept)
if [ -s "$DATA_DIR/manifest.train" ] && [ -s "$DATA_DIR/lm_text.txt" ]; then
    echo "corpus exists in $DATA_DIR, skipping synthesis"
else
    python data/synth/synthesize.py \
        --target_dir "$DATA_DIR" \
        --hours "$HOURS" \
        --seed "$SEED" \
        --num_workers "$NUM_WORKERS" \
        --lang "${CORPUS_LANG:-en}" || fail "synthesising the corpus"
fi

# build vocabulary
if [ -s "$DATA_DIR/vocab.txt" ]; then
    echo "$DATA_DIR/vocab.txt exists, skipping"
else
    python tools/build_vocab.py \
        --count_threshold 0 \
        --vocab_path "$DATA_DIR/vocab.txt" \
        --manifest_paths "$DATA_DIR/manifest.train" "$DATA_DIR/manifest.dev" || fail "building the vocabulary"
fi

# compute mean and stddev for normalizer
if [ -s "$DATA_DIR/mean_std.npz" ]; then
    echo "$DATA_DIR/mean_std.npz exists, skipping"
else
    python tools/compute_mean_std.py \
        --manifest_path "$DATA_DIR/manifest.train" \
        --num_samples "$NUM_SAMPLES" \
        --specgram_type "$SPECGRAM_TYPE" \
        --output_path "$DATA_DIR/mean_std.npz" || fail "computing mean and stddev"
fi

echo "tiny data preparation done: $DATA_DIR"
