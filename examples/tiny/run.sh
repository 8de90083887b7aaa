#!/usr/bin/env bash
# The tiny example end to end on a 2-core CPU in about an hour: set-up, ~6 h of synthetic speech, a
# KenLM 4-gram, training, alpha/beta tuning, evaluation and inference. Every stage skips work already
# done, so an interrupted run continues where it stopped. Logs go to examples/tiny/logs/.
#   bash examples/tiny/run.sh
set -eo pipefail
cd "$(dirname "$0")/../.."
LOG_DIR=${LOG_DIR:-examples/tiny/logs}
export LOG_DIR
mkdir -p "$LOG_DIR"

stage() {
    echo "==> $1 ($(date -u +%H:%M:%S) UTC), log: $LOG_DIR/$1.log"
    bash "examples/tiny/$1.sh" 2>&1 | tee "$LOG_DIR/$1.log" || { echo "run.sh: $1 failed" >&2; exit 1; }
}

[ "${SKIP_SETUP:-0}" = "1" ] || bash setup.sh
stage run_data
stage run_lm
stage run_train
stage run_tune
stage run_test
stage run_infer
echo "done ($(date -u +%H:%M:%S) UTC)"
