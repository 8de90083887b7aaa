# Settings of DS2's LibriSpeech recipe (bash examples/librispeech/run.sh): 960 h of read English, 2 conv + 3 x 2048
# simple-RNN layers trained on 8 GPUs, and DS2's released English LM. The values are DS2's. Every stage sources
# this file from the repository root; a variable already set in the environment wins.

STAGES=${STAGES:-"data stats lm train tune test infer"}  # run.sh's stages; golden decodes with the released model
DATA_DIR=${DATA_DIR:-data/librispeech}               # manifests, vocabulary and mean/std
CKPT_DIR=${CKPT_DIR:-checkpoints/libri}              # checkpoints and train.log
LOG_DIR=${LOG_DIR:-checkpoints/libri}                # stage logs, tune.csv and test results, beside the checkpoints

# data
DATA_SCRIPT=${DATA_SCRIPT:-examples/librispeech/data.sh}  # the data stage's script
TARGET_DIR=${TARGET_DIR:-$HOME/.cache/paddle/dataset/speech/libri}  # where the corpus is downloaded and unpacked
DEV_SPLIT=${DEV_SPLIT:-dev-clean}                    # split scored after every pass and tuned on
VOCAB_SPLITS=${VOCAB_SPLITS:-train}                  # splits whose characters make the vocabulary
SPECGRAM_TYPE=${SPECGRAM_TYPE:-linear}               # DS2's linear spectrogram
MEAN_STD_SAMPLES=${MEAN_STD_SAMPLES:-2000}           # training utterances the feature mean/std is estimated on

# language model: DS2's released CommonCrawl LM (8.3 GB)
LM_PATH=${LM_PATH:-models/lm/common_crawl_00.prune01111.trie.klm}  # where LM_DOWNLOAD puts it
LM_DOWNLOAD=${LM_DOWNLOAD:-models/lm/download_lm_en.sh}           # resumes, checks the MD5, skips a finished one
LM_TEXT=${LM_TEXT:-}                                 # unused: the LM is downloaded
LM_ORDER=${LM_ORDER:-}                               # unused: the LM is downloaded

# training
TRAIN_GPUS=${TRAIN_GPUS:-0,1,2,3,4,5,6,7}            # CUDA_VISIBLE_DEVICES for training
USE_GPU=${USE_GPU:-True}
TRAINER_COUNT=${TRAINER_COUNT:-8}                    # one process per GPU
BATCH_SIZE=${BATCH_SIZE:-20}                         # utterances per GPU: a global batch of 160
NUM_PASSES=${NUM_PASSES:-50}
NUM_PROC_DATA=${NUM_PROC_DATA:-16}                   # batch-preparing worker processes
NUM_THREADS=${NUM_THREADS:-0}                        # paddle's default number of math threads
NUM_CONV_LAYERS=${NUM_CONV_LAYERS:-2}
NUM_RNN_LAYERS=${NUM_RNN_LAYERS:-3}
RNN_SIZE=${RNN_SIZE:-2048}
USE_GRU=${USE_GRU:-False}                            # simple RNN cells
SHARE_RNN_WEIGHTS=${SHARE_RNN_WEIGHTS:-True}         # forward and backward RNNs share their input weights
ONLINE=${ONLINE:-False}                              # True: the streaming network (train.py --online)
ROW_CONV_CONTEXT=${ROW_CONV_CONTEXT:-2}              # --online: future frames (30 ms each) the row conv sees
NUM_ITER_PRINT=${NUM_ITER_PRINT:-100}                # steps between progress lines in train.log
SAVE_EVERY=${SAVE_EVERY:-500}                        # steps between params.latest writes, to resume from
LEARNING_RATE=${LEARNING_RATE:-5e-4}                 # Adam's rate
LR_DECAY=${LR_DECAY:-1.0}                            # a constant rate
TEST_OFF=${TEST_OFF:-False}                          # dev loss after every pass
AUGMENT_CONF=${AUGMENT_CONF:-conf/augmentation.config}
NUM_AVG=${NUM_AVG:-0}                                # no averaging: the later stages decode params.latest

# decoding (tune, test, infer)
MODEL_PATH=${MODEL_PATH:-$CKPT_DIR/params.latest}    # the model the later stages decode with
DECODE_GPUS=${DECODE_GPUS:-0}                        # CUDA_VISIBLE_DEVICES for decoding: one GPU
DECODE_BATCH_SIZE=${DECODE_BATCH_SIZE:-128}          # utterances per network batch
DECODE_PROC_DATA=${DECODE_PROC_DATA:-8}              # audio-loading worker processes of test and infer
BEAM_SIZE=${BEAM_SIZE:-500}
BLANK_PENALTY=${BLANK_PENALTY:-0.0}                  # none, as DS2
NUM_PROC_BSEARCH=${NUM_PROC_BSEARCH:-8}              # beam-search threads of test and infer
TUNE_PROC_BSEARCH=${TUNE_PROC_BSEARCH:-12}           # beam-search threads of tuning
CUTOFF_PROB=${CUTOFF_PROB:-1.0}                      # no pruning by cumulative probability
CUTOFF_TOP_N=${CUTOFF_TOP_N:-40}                     # at most 40 characters per frame
ERROR_RATE_TYPE=${ERROR_RATE_TYPE:-wer}              # word error rate
ALPHA=${ALPHA:-2.5}                                  # LM weight (the tune stage's optimum is not read back)
BETA=${BETA:-0.3}                                    # word bonus
NUM_ALPHAS=${NUM_ALPHAS:-45} ALPHA_FROM=${ALPHA_FROM:-1.0} ALPHA_TO=${ALPHA_TO:-3.2}  # alpha grid: 45 points
NUM_BETAS=${NUM_BETAS:-8} BETA_FROM=${BETA_FROM:-0.1} BETA_TO=${BETA_TO:-0.45}       # beta grid: 8 points
SPLITS=${SPLITS:-test-clean}                         # splits the test stage scores
METHODS=${METHODS:-ctc_beam_search}                  # beam search with the LM
ACCURACY_TABLE=${ACCURACY_TABLE:-}                   # none: test.py prints the error rate
INFER_SPLIT=${INFER_SPLIT:-test-clean}               # split the infer stage transcribes from
NUM_SAMPLES=${NUM_SAMPLES:-10}                       # utterances the infer stage transcribes

# the golden stage: DS2's released LibriSpeech model
GOLDEN_DOWNLOAD=${GOLDEN_DOWNLOAD:-models/librispeech/download_model.sh}
GOLDEN_MODEL=${GOLDEN_MODEL:-models/librispeech}
