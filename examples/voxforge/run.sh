#!/usr/bin/env bash
# DS2's VoxForge recipe with the settings of examples/voxforge/conf.sh: download VoxForge and write its dialect
# manifests into data/voxforge.
#   bash examples/voxforge/run.sh
exec bash "$(dirname "$0")/../stages/run.sh" "$(dirname "$0")" "$@"
