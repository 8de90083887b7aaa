# Sourced after common.sh by the stages that decode (tune, test, infer) and by the demo server: alpha and beta
# from the tune stage's LOG_DIR/tuned_params.sh when the recipe leaves ALPHA empty, the GPU to decode on, and the
# flags of the model and the beam search: BEAM_FLAGS for tools/tune.py, DECODE_FLAGS for test.py and infer.py.
DECODING_VARS=(MODEL_PATH USE_GPU DECODE_GPUS LM_PATH BEAM_SIZE BLANK_PENALTY CUTOFF_PROB CUTOFF_TOP_N
               ERROR_RATE_TYPE NUM_PROC_BSEARCH DECODE_PROC_DATA ALPHA BETA LOG_DIR)

if [ -z "${ALPHA:-}" ] && [ -f "$LOG_DIR/tuned_params.sh" ]; then
    source "$LOG_DIR/tuned_params.sh"
fi
if [ -n "${DECODE_GPUS:-}" ]; then
    export CUDA_VISIBLE_DEVICES=$DECODE_GPUS
fi
BEAM_FLAGS=(--model_path "$MODEL_PATH" --use_gpu "$USE_GPU" --lang_model_path "$LM_PATH" --beam_size "$BEAM_SIZE"
            --blank_penalty "$BLANK_PENALTY" --cutoff_prob "$CUTOFF_PROB" --cutoff_top_n "$CUTOFF_TOP_N"
            --error_rate_type "$ERROR_RATE_TYPE")
# DS2's alpha 2.5 and beta 0.3 until the tune stage has run
DECODE_FLAGS=("${BEAM_FLAGS[@]}" --alpha "${ALPHA:-2.5}" --beta "${BETA:-0.3}" --num_proc_bsearch "$NUM_PROC_BSEARCH"
              --num_proc_data "$DECODE_PROC_DATA")
