#!/usr/bin/env bash
# Live demo server for the tiny example's model (train it first: bash examples/tiny/run.sh).
# Serves DS2's TCP protocol on HOST_PORT, and HTTP, the WebSocket and the push-to-talk page on HTTP_PORT
# (open http://localhost:8087/ in a browser on this machine). It decodes as run_test.sh does (the model, beam,
# blank penalty and tuned alpha/beta of examples/tiny/decode_env.sh) when the tiny LM exists, greedily otherwise.
# Overrides: HOST_IP (localhost), HOST_PORT (8086), HTTP_PORT (8087), SAMPLE_WIDTH (2; 4 for DS2's 32-bit
# client), USE_GPU (False), DECODING_METHOD, SPEECH_SAVE_DIR (demo_cache), and decode_env.sh's: DATA_DIR,
# CKPT_DIR, LOG_DIR, MODEL_PATH, BEAM_SIZE, BLANK_PENALTY, ALPHA, BETA.
set -e
cd "$(dirname "$0")/../.."

source examples/tiny/decode_env.sh
if [ ! -d "$MODEL_PATH" ]; then
    echo "run_demo_server.sh: no model in $MODEL_PATH; train one with bash examples/tiny/run.sh" >&2
    exit 1
fi
if [ -z "${DECODING_METHOD:-}" ]; then
    if [ -f "$DATA_DIR/lm.klm" ]; then DECODING_METHOD=ctc_beam_search; else DECODING_METHOD=ctc_greedy; fi
fi

python -u deploy/demo_server.py \
    --host_ip "${HOST_IP:-localhost}" \
    --host_port "${HOST_PORT:-8086}" \
    --http_port "${HTTP_PORT:-8087}" \
    --sample_width "${SAMPLE_WIDTH:-2}" \
    --speech_save_dir "${SPEECH_SAVE_DIR:-demo_cache}" \
    --warmup_manifest "$DATA_DIR/manifest.test" \
    --model_path "$MODEL_PATH" \
    --use_gpu "${USE_GPU:-False}" \
    --decoding_method "$DECODING_METHOD" \
    --beam_size "$BEAM_SIZE" \
    --blank_penalty "$BLANK_PENALTY" \
    --num_proc_bsearch 2 \
    --alpha "${ALPHA:-2.5}" \
    --beta "${BETA:-0.3}" \
    --lang_model_path "$DATA_DIR/lm.klm" \
    || { echo "run_demo_server.sh: the demo server failed, terminating." >&2; exit 1; }
