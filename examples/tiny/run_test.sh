#!/usr/bin/env bash
# Tiny example, evaluation: WER of greedy and of beam search with the tiny LM on the test split (seen
# voices, unseen sentences) and on test-heldout (Festival voices never trained on). Each run writes its
# per-utterance results to logs/test.<split>.<method>.jsonl; bench/tiny_accuracy.py tabulates them.
# ALPHA/BETA come from logs/tuned_params.sh (run_tune.sh) when it exists, else DS2's 2.5/0.3.
# Overrides: DATA_DIR, CKPT_DIR, LOG_DIR, MODEL_PATH ($CKPT_DIR/params.avg), ALPHA, BETA,
#   BEAM_SIZE (4000), BLANK_PENALTY (1.5; both decode_env.sh), NUM_PROC_BSEARCH (2), SPLITS ("test test-heldout"),
#   METHODS ("ctc_greedy ctc_beam_search"), ERROR_RATE_TYPE (wer; cer for Mandarin).
set -e
cd "$(dirname "$0")/../.."

source examples/tiny/decode_env.sh

for split in ${SPLITS:-test test-heldout}; do
    for method in ${METHODS:-ctc_greedy ctc_beam_search}; do
        echo "== $split, $method"
        python test.py \
            --batch_size 32 \
            --beam_size "$BEAM_SIZE" \
            --blank_penalty "$BLANK_PENALTY" \
            --num_proc_bsearch "${NUM_PROC_BSEARCH:-2}" \
            --alpha "${ALPHA:-2.5}" \
            --beta "${BETA:-0.3}" \
            --cutoff_prob 1.0 \
            --cutoff_top_n 40 \
            --use_gpu "${USE_GPU:-False}" \
            --decoding_method "$method" \
            --error_rate_type "${ERROR_RATE_TYPE:-wer}" \
            --test_manifest "$DATA_DIR/manifest.$split" \
            --lang_model_path "$DATA_DIR/lm.klm" \
            --model_path "$MODEL_PATH" \
            --output_file "$LOG_DIR/test.$split.$method.jsonl" \
            || { echo "run_test.sh: testing $split with $method failed, terminating." >&2; exit 1; }
    done
done
python bench/tiny_accuracy.py --results_dir "$LOG_DIR" --data_dir "$DATA_DIR"
