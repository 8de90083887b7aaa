#!/usr/bin/env bash
# The tiny Mandarin example end to end on a 2-core CPU: set-up, ~1 h of synthetic Mandarin speech, a character
# 5-gram KenLM, training, alpha/beta tuning on CER, evaluation (CER) and inference. It is examples/tiny/run.sh
# with the settings of examples/tiny_zh/env.sh; every stage skips work already done. Logs: examples/tiny_zh/logs/.
#   bash examples/tiny_zh/run.sh
set -e
source "$(dirname "$0")/env.sh"
exec bash "$(dirname "$0")/../tiny/run.sh"
