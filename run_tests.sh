#!/usr/bin/env bash
# Set up (idempotent) and run the whole test suite. This is the README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")"
bash setup.sh
python3 -m pytest -q "$@"
