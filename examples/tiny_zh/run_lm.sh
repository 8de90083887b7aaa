#!/usr/bin/env bash
# Tiny Mandarin example, lm stage: a character 5-gram KenLM on data/tiny_zh/lm_text.txt (detected as character-based by the decoder).
# examples/tiny/run_lm.sh with the settings of examples/tiny_zh/env.sh; its overrides apply.
set -e
source "$(dirname "$0")/env.sh"
exec bash "$(dirname "$0")/../tiny/run_lm.sh"
