#!/usr/bin/env bash
# Data stage of DS2's Aishell recipe: downloads Aishell-1 into TARGET_DIR and writes the manifests of its train,
# dev and test sets into DATA_DIR. Needs ~20 GB and internet access.
#   bash examples/aishell/data.sh          (usually through examples/aishell/run.sh data)
source "$(dirname "$0")/../stages/common.sh" "${1:-$(dirname "$0")}"
need DATA_DIR TARGET_DIR

python -m data.aishell.aishell \
    --manifest_prefix "$DATA_DIR/manifest" \
    --target_dir "$TARGET_DIR" \
    || fail "preparing Aishell"
echo "Aishell manifests: $DATA_DIR"
