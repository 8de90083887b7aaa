#!/usr/bin/env bash
# The tiny Mandarin example end to end on a 2-core CPU, with the settings of examples/tiny_zh/conf.sh: set-up, ~1 h
# of synthetic Mandarin speech, a character vocabulary, a character 5-gram KenLM, training, alpha/beta tuning on
# CER, evaluation (CER) and inference. Every stage skips work already done. Logs: examples/tiny_zh/logs/.
#   bash examples/tiny_zh/run.sh                    # every stage in order (conf.sh's STAGES)
#   bash examples/tiny_zh/run.sh tune test          # the stages named
exec bash "$(dirname "$0")/../stages/run.sh" "$(dirname "$0")" "$@"
