#!/usr/bin/env bash
# Tiny example, tuning: grid search of beam search's alpha (LM weight) and beta (word bonus) on the dev
# split. Writes logs/tune.csv, logs/tune_surface.png and logs/tuned_params.sh (read by run_test.sh).
# Overrides: DATA_DIR, CKPT_DIR, LOG_DIR (examples/tiny/logs), MODEL_PATH ($CKPT_DIR/params.avg),
#   BEAM_SIZE (4000), BLANK_PENALTY (1.5; both decode_env.sh), NUM_ALPHAS (7), NUM_BETAS (5), ALPHA_FROM (1.0),
#   ALPHA_TO (4.0), BETA_FROM (0.0), BETA_TO (2.4), NUM_PROC_BSEARCH (2), ERROR_RATE_TYPE (wer; cer for Mandarin).
set -e
cd "$(dirname "$0")/../.."

source examples/tiny/decode_env.sh
mkdir -p "$LOG_DIR"

python tools/tune.py \
    --num_batches -1 \
    --batch_size 32 \
    --beam_size "$BEAM_SIZE" \
    --blank_penalty "$BLANK_PENALTY" \
    --num_proc_bsearch "${NUM_PROC_BSEARCH:-2}" \
    --num_alphas "${NUM_ALPHAS:-7}" \
    --num_betas "${NUM_BETAS:-5}" \
    --alpha_from "${ALPHA_FROM:-1.0}" \
    --alpha_to "${ALPHA_TO:-4.0}" \
    --beta_from "${BETA_FROM:-0.0}" \
    --beta_to "${BETA_TO:-2.4}" \
    --cutoff_prob 1.0 \
    --cutoff_top_n 40 \
    --use_gpu "${USE_GPU:-False}" \
    --error_rate_type "${ERROR_RATE_TYPE:-wer}" \
    --tune_manifest "$DATA_DIR/manifest.dev" \
    --lang_model_path "$DATA_DIR/lm.klm" \
    --model_path "$MODEL_PATH" \
    --table_path "$LOG_DIR/tune.csv" \
    --plot_path "$LOG_DIR/tune_surface.png" \
    || { echo "run_tune.sh: tuning failed, terminating." >&2; exit 1; }

# the grid point with the lowest error, for run_test.sh and run_infer.sh
tail -n +2 "$LOG_DIR/tune.csv" | sort -t, -k3,3g | head -n 1 \
    | awk -F, '{printf "ALPHA=%s\nBETA=%s\n", $1, $2}' > "$LOG_DIR/tuned_params.sh"
echo "tuned parameters:" && cat "$LOG_DIR/tuned_params.sh"
