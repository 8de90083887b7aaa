#!/usr/bin/env bash
# Tiny Mandarin example, infer stage: transcribe a few held-out-voice utterances and one file.
# examples/tiny/run_infer.sh with the settings of examples/tiny_zh/env.sh; its overrides apply.
set -e
source "$(dirname "$0")/env.sh"
exec bash "$(dirname "$0")/../tiny/run_infer.sh"
