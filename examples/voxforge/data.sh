#!/usr/bin/env bash
# Data stage of DS2's VoxForge recipe: downloads VoxForge into TARGET_DIR and writes DS2's dialect manifests
# (american-canadian, commonwealth, european, indian and one per single dialect) into DATA_DIR. Re-running skips
# finished downloads and resumes partial ones. VOXFORGE_URL names a mirror of the 16kHz_16bit index page.
#   bash examples/voxforge/data.sh         (usually through examples/voxforge/run.sh data)
source "$(dirname "$0")/../stages/common.sh" "${1:-$(dirname "$0")}"
need DATA_DIR TARGET_DIR DIALECTS

"${PYTHON:-python3}" -m data.voxforge.voxforge \
    --manifest_prefix "$DATA_DIR/manifest" \
    --target_dir "$TARGET_DIR" \
    --is_merge_dialect True \
    --dialects $DIALECTS \
    || fail "preparing VoxForge"
echo "VoxForge manifests: $DATA_DIR"
