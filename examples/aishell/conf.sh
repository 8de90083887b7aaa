# Settings of DS2's Aishell recipe (bash examples/aishell/run.sh): 178 h of read Mandarin, 2 conv + 3 x 1024 GRU
# layers trained on 8 GPUs, a character vocabulary, DS2's released Mandarin character LM and CER. The values are
# DS2's; the settings below are the ones that differ from DS2's LibriSpeech recipe, and every other one is
# examples/librispeech/conf.sh's, sourced at the end. Every stage sources this file from the repository root; a
# variable already set in the environment wins.

DATA_DIR=${DATA_DIR:-data/aishell}                   # manifests, vocabulary and mean/std
CKPT_DIR=${CKPT_DIR:-checkpoints/aishell}            # checkpoints and train.log
LOG_DIR=${LOG_DIR:-checkpoints/aishell}              # stage logs, tune.csv and test results, beside the checkpoints

# data
DATA_SCRIPT=${DATA_SCRIPT:-examples/aishell/data.sh}  # the data stage's script
TARGET_DIR=${TARGET_DIR:-$HOME/.cache/paddle/dataset/speech/Aishell}  # where the corpus is downloaded and unpacked
DEV_SPLIT=${DEV_SPLIT:-dev}                          # split scored after every pass and tuned on
VOCAB_SPLITS=${VOCAB_SPLITS:-"train dev"}            # splits whose characters make the vocabulary

# language model: DS2's released Mandarin character LM (2.8 GB)
LM_PATH=${LM_PATH:-models/lm/zh_giga.no_cna_cmn.prune01244.klm}  # where LM_DOWNLOAD puts it
LM_DOWNLOAD=${LM_DOWNLOAD:-models/lm/download_lm_ch.sh}         # resumes, checks the MD5, skips a finished one

# training
BATCH_SIZE=${BATCH_SIZE:-64}                         # utterances per GPU: a global batch of 512
RNN_SIZE=${RNN_SIZE:-1024}
USE_GRU=${USE_GRU:-True}                             # GRU cells
SHARE_RNN_WEIGHTS=${SHARE_RNN_WEIGHTS:-False}        # forward and backward layers keep their own input weights
ONLINE=${ONLINE:-False}                              # True: the streaming network (train.py --online)
ROW_CONV_CONTEXT=${ROW_CONV_CONTEXT:-2}              # --online: future frames (30 ms each) the row conv sees

# decoding (tune, test, infer)
BEAM_SIZE=${BEAM_SIZE:-300}
CUTOFF_PROB=${CUTOFF_PROB:-0.99}                     # keep the likeliest characters up to 99% of a frame's mass
ERROR_RATE_TYPE=${ERROR_RATE_TYPE:-cer}              # character error rate
ALPHA=${ALPHA:-2.6}                                  # LM weight (the tune stage's optimum is not read back)
BETA=${BETA:-5.0}                                    # bonus per character
BETA_FROM=${BETA_FROM:-3.0} BETA_TO=${BETA_TO:-6.5}  # beta grid: a character LM's bonus is per character
SPLITS=${SPLITS:-test}                               # splits the test stage scores
INFER_SPLIT=${INFER_SPLIT:-test}                     # split the infer stage transcribes from

# the golden stage: DS2's released Aishell model
GOLDEN_DOWNLOAD=${GOLDEN_DOWNLOAD:-models/aishell/download_model.sh}
GOLDEN_MODEL=${GOLDEN_MODEL:-models/aishell}

source examples/librispeech/conf.sh
