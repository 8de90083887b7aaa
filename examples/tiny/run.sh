#!/usr/bin/env bash
# The tiny example end to end on a 2-core CPU in about an hour, with the settings of examples/tiny/conf.sh: set-up,
# ~6 h of synthetic speech, vocabulary and feature statistics, a KenLM 4-gram, training, alpha/beta tuning,
# evaluation and inference. Every stage skips work already done, so an interrupted run continues where it
# stopped. Each stage logs to examples/tiny/logs/<stage>.log.
#   bash examples/tiny/run.sh                       # every stage in order (conf.sh's STAGES)
#   NUM_PASSES=20 bash examples/tiny/run.sh train   # the stages named, with a setting changed
exec bash "$(dirname "$0")/../stages/run.sh" "$(dirname "$0")" "$@"
