#!/usr/bin/env bash
# Live demo server for the tiny example's model (train it first: bash examples/tiny/run.sh).
# Serves DS2's TCP protocol on HOST_PORT, and HTTP, the WebSocket and the push-to-talk page on HTTP_PORT
# (open http://localhost:8087/ in a browser on this machine). Beam search with the tiny LM and the tuned
# alpha/beta when they exist, greedy decoding otherwise.
# Overrides: HOST_IP (localhost), HOST_PORT (8086), HTTP_PORT (8087), DATA_DIR (data/tiny),
# CKPT_DIR (examples/tiny/checkpoints), LOG_DIR (examples/tiny/logs), SAMPLE_WIDTH (2; 4 for DS2's 32-bit
# client), USE_GPU (False), DECODING_METHOD, BEAM_SIZE (500), ALPHA, BETA, SPEECH_SAVE_DIR (demo_cache).
set -e
cd "$(dirname "$0")/../.."

DATA_DIR=${DATA_DIR:-data/tiny}
CKPT_DIR=${CKPT_DIR:-examples/tiny/checkpoints}
LOG_DIR=${LOG_DIR:-examples/tiny/logs}
if [ ! -d "$CKPT_DIR/params.latest" ]; then
    echo "run_demo_server.sh: no model in $CKPT_DIR/params.latest; train one with bash examples/tiny/run.sh" >&2
    exit 1
fi
if [ -z "${ALPHA:-}" ] && [ -f "$LOG_DIR/tuned_params.sh" ]; then
    source "$LOG_DIR/tuned_params.sh"
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
    --model_path "$CKPT_DIR/params.latest" \
    --use_gpu "${USE_GPU:-False}" \
    --decoding_method "$DECODING_METHOD" \
    --beam_size "${BEAM_SIZE:-500}" \
    --num_proc_bsearch 2 \
    --alpha "${ALPHA:-2.5}" \
    --beta "${BETA:-0.3}" \
    --lang_model_path "$DATA_DIR/lm.klm" \
    || { echo "run_demo_server.sh: the demo server failed, terminating." >&2; exit 1; }
