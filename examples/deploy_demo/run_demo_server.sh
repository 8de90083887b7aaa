#!/usr/bin/env bash
# Live demo server for a recipe's model, by default the tiny example's (train it first: bash examples/tiny/run.sh).
# Serves DS2's TCP protocol on HOST_PORT, and HTTP, the WebSocket and the push-to-talk page on HTTP_PORT
# (open http://localhost:8087/ in a browser on this machine). It decodes as the recipe's test stage does (its
# model, LM, beam, blank penalty and tuned alpha/beta: examples/stages/decoding.sh) when the LM exists, greedily
# otherwise. Overrides: RECIPE (examples/tiny; examples/tiny_zh serves the Mandarin model), HOST_IP (localhost),
# HOST_PORT (8086), HTTP_PORT (8087), SAMPLE_WIDTH (2; 4 for DS2's 32-bit client), SPEECH_SAVE_DIR (demo_cache),
# DECODING_METHOD, and any setting of the recipe's conf.sh (DATA_DIR, CKPT_DIR, LOG_DIR, MODEL_PATH, ALPHA, ...).
source "$(dirname "$0")/../stages/common.sh" "${RECIPE:-$(dirname "$0")/../tiny}"
source examples/stages/decoding.sh

if [ ! -d "$MODEL_PATH" ]; then
    echo "run_demo_server.sh: no model in $MODEL_PATH; train one with bash $RECIPE_DIR/run.sh" >&2
    exit 1
fi
if [ -z "${DECODING_METHOD:-}" ]; then
    if [ -f "$LM_PATH" ]; then DECODING_METHOD=ctc_beam_search; else DECODING_METHOD=ctc_greedy; fi
fi

python -u deploy/demo_server.py "${DECODE_FLAGS[@]}" \
    --host_ip "${HOST_IP:-localhost}" \
    --host_port "${HOST_PORT:-8086}" \
    --http_port "${HTTP_PORT:-8087}" \
    --sample_width "${SAMPLE_WIDTH:-2}" \
    --speech_save_dir "${SPEECH_SAVE_DIR:-demo_cache}" \
    --warmup_manifest "$DATA_DIR/manifest.${SPLITS%% *}" \
    --decoding_method "$DECODING_METHOD" \
    || { echo "run_demo_server.sh: the demo server failed, terminating." >&2; exit 1; }
