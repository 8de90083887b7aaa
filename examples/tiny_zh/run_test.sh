#!/usr/bin/env bash
# Tiny Mandarin example, test stage: greedy and beam+LM CER on the test and test-heldout splits.
# examples/tiny/run_test.sh with the settings of examples/tiny_zh/env.sh; its overrides apply.
set -e
source "$(dirname "$0")/env.sh"
exec bash "$(dirname "$0")/../tiny/run_test.sh"
