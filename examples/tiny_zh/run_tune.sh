#!/usr/bin/env bash
# Tiny Mandarin example, tune stage: grid search of alpha/beta on the dev split, minimising CER.
# examples/tiny/run_tune.sh with the settings of examples/tiny_zh/env.sh; its overrides apply.
set -e
source "$(dirname "$0")/env.sh"
exec bash "$(dirname "$0")/../tiny/run_tune.sh"
