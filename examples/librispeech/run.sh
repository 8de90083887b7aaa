#!/usr/bin/env bash
# DS2's LibriSpeech recipe with the settings of examples/librispeech/conf.sh: download and prepare the corpus, fetch
# DS2's English LM, train on 8 GPUs, tune alpha/beta, test on test-clean and transcribe a few utterances.
#   bash examples/librispeech/run.sh                # every stage in order (conf.sh's STAGES)
#   bash examples/librispeech/run.sh tune test      # the stages named; golden decodes with DS2's released model
exec bash "$(dirname "$0")/../stages/run.sh" "$(dirname "$0")" "$@"
