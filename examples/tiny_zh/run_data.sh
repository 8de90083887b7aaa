#!/usr/bin/env bash
# Tiny Mandarin example, data stage: synthesise ~1 h of Mandarin into data/tiny_zh, then the character vocabulary and fbank mean/std.
# examples/tiny/run_data.sh with the settings of examples/tiny_zh/env.sh; its overrides apply.
set -e
source "$(dirname "$0")/env.sh"
exec bash "$(dirname "$0")/../tiny/run_data.sh"
