#!/usr/bin/env bash
# Setup stage: the repository's setup.sh (Debian and Python packages, the C++ decoder, KenLM's tools; idempotent).
# SKIP_SETUP=1 skips it.
#   bash examples/stages/setup.sh examples/<recipe>     (usually through examples/<recipe>/run.sh setup)
source "$(dirname "$0")/common.sh" "$1"
need
if [ "${SKIP_SETUP:-0}" = 1 ]; then
    echo "SKIP_SETUP=1, skipping setup.sh"
    exit 0
fi
bash setup.sh || fail "setup.sh"
