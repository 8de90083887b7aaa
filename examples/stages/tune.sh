#!/usr/bin/env bash
# Tune stage: grid search of beam search's alpha (LM weight) and beta (word bonus) on the dev split. Writes
# LOG_DIR/tune.csv, LOG_DIR/tune_surface.png and LOG_DIR/tuned_params.sh, the optimum that the test and infer
# stages decode with when the recipe leaves ALPHA empty.
#   bash examples/stages/tune.sh examples/<recipe>      (usually through examples/<recipe>/run.sh tune)
source "$(dirname "$0")/common.sh" "$1"
source examples/stages/decoding.sh
need "${DECODING_VARS[@]}" DATA_DIR DEV_SPLIT DECODE_BATCH_SIZE TUNE_PROC_BSEARCH NUM_ALPHAS NUM_BETAS ALPHA_FROM \
    ALPHA_TO BETA_FROM BETA_TO
mkdir -p "$LOG_DIR"

python tools/tune.py "${BEAM_FLAGS[@]}" \
    --num_batches -1 \
    --batch_size "$DECODE_BATCH_SIZE" \
    --num_proc_bsearch "$TUNE_PROC_BSEARCH" \
    --num_alphas "$NUM_ALPHAS" \
    --num_betas "$NUM_BETAS" \
    --alpha_from "$ALPHA_FROM" \
    --alpha_to "$ALPHA_TO" \
    --beta_from "$BETA_FROM" \
    --beta_to "$BETA_TO" \
    --tune_manifest "$DATA_DIR/manifest.$DEV_SPLIT" \
    --table_path "$LOG_DIR/tune.csv" \
    --plot_path "$LOG_DIR/tune_surface.png" \
    || fail "tuning"

# the grid point with the lowest error
tail -n +2 "$LOG_DIR/tune.csv" | sort -t, -k3,3g \
    | awk -F, 'NR == 1 {printf "ALPHA=%s\nBETA=%s\n", $1, $2}' > "$LOG_DIR/tuned_params.sh.part"
mv "$LOG_DIR/tuned_params.sh.part" "$LOG_DIR/tuned_params.sh"
echo "tuned parameters:" && cat "$LOG_DIR/tuned_params.sh"
