#! /usr/bin/env bash
# Download VoxForge and write DS2's dialect manifests (american-canadian, commonwealth, european, indian and
# one per single dialect) into data/voxforge/. Re-running skips finished downloads and resumes partial ones.
# Environment: VOXFORGE_URL (a mirror of the 16kHz_16bit index page), TARGET_DIR, MANIFEST_PREFIX.
set -euo pipefail
cd "$(dirname "$0")/../.."

"${PYTHON:-python3}" -m data.voxforge.voxforge \
--manifest_prefix="${MANIFEST_PREFIX:-data/voxforge/manifest}" \
--target_dir="${TARGET_DIR:-$HOME/.cache/paddle/dataset/speech/VoxForge}" \
--is_merge_dialect=True \
--dialects american british australian european irish canadian indian

echo "VoxForge data preparation done."
