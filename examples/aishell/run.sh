#!/usr/bin/env bash
# DS2's Aishell recipe with the settings of examples/aishell/conf.sh: download and prepare the corpus, fetch DS2's
# Mandarin character LM, train on 8 GPUs, tune alpha/beta on CER, test and transcribe a few utterances.
#   bash examples/aishell/run.sh                    # every stage in order (conf.sh's STAGES)
#   bash examples/aishell/run.sh tune test          # the stages named; golden decodes with DS2's released model
exec bash "$(dirname "$0")/../stages/run.sh" "$(dirname "$0")" "$@"
