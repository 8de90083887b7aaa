#!/usr/bin/env bash
# Tiny example, inference: transcribe a few held-out-voice utterances (beam search with the tiny LM and
# the tuned alpha/beta when logs/tuned_params.sh exists) and one file through infer.py --audio_file.
# Overrides: DATA_DIR, CKPT_DIR, LOG_DIR, MODEL_PATH ($CKPT_DIR/params.avg), NUM_SAMPLES (5), ALPHA, BETA,
#   BEAM_SIZE (4000), BLANK_PENALTY (1.5; both decode_env.sh), ERROR_RATE_TYPE (wer).
set -e
cd "$(dirname "$0")/../.."

source examples/tiny/decode_env.sh
DECODER=(--decoding_method ctc_beam_search --beam_size "$BEAM_SIZE" --blank_penalty "$BLANK_PENALTY"
         --num_proc_bsearch 2 --alpha "${ALPHA:-2.5}" --beta "${BETA:-0.3}" --lang_model_path "$DATA_DIR/lm.klm"
         --model_path "$MODEL_PATH" --use_gpu "${USE_GPU:-False}"
         --error_rate_type "${ERROR_RATE_TYPE:-wer}")

python infer.py "${DECODER[@]}" \
    --num_samples "${NUM_SAMPLES:-5}" \
    --infer_manifest "$DATA_DIR/manifest.test-heldout" \
    || { echo "run_infer.sh: inference failed, terminating." >&2; exit 1; }

first_wav=$(head -n 1 "$DATA_DIR/manifest.test-heldout" | python -c "import json, sys; print(json.load(sys.stdin)['audio_filepath'])")
echo "== python infer.py --audio_file $first_wav"
python infer.py "${DECODER[@]}" --audio_file "$first_wav" \
    || { echo "run_infer.sh: transcribing $first_wav failed, terminating." >&2; exit 1; }
