#!/usr/bin/env bash
# Tiny Mandarin example, train stage: train the small DeepSpeech2 on data/tiny_zh (one output per vocabulary character, plus blank).
# examples/tiny/run_train.sh with the settings of examples/tiny_zh/env.sh; its overrides apply.
set -e
source "$(dirname "$0")/env.sh"
exec bash "$(dirname "$0")/../tiny/run_train.sh"
