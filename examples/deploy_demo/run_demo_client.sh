#!/usr/bin/env bash
# Push-to-talk console client of the demo server (DS2's TCP protocol): hold space to talk, release to
# recognise, ESC quits. Live mode needs pyaudio and pynput (pip install pyaudio pynput; pyaudio needs
# apt-get install portaudio19-dev). Without a microphone, send a file: bash run_demo_client.sh --file x.wav
# Overrides: HOST_IP (localhost), HOST_PORT (8086), SAMPLE_WIDTH (2; the server's --sample_width).
set -e
cd "$(dirname "$0")/../.."

python -u deploy/demo_client.py \
    --host_ip "${HOST_IP:-localhost}" \
    --host_port "${HOST_PORT:-8086}" \
    --sample_width "${SAMPLE_WIDTH:-2}" \
    "$@" \
    || { echo "run_demo_client.sh: the demo client failed, terminating." >&2; exit 1; }
