# Settings of the tiny example (bash examples/tiny/run.sh): ~6 h of synthetic English speech, a word 4-gram LM and
# a small DeepSpeech2 that trains on a 2-core CPU in about an hour. Every stage sources this file from the
# repository root; a variable already set in the environment wins. The measurements behind the values are in
# bench/RESULTS.md, "Tiny example accuracy", unless a line names another section.

STAGES=${STAGES:-"setup data stats lm train tune test infer"}  # run.sh's stages; SKIP_SETUP=1 skips setup.sh
DATA_DIR=${DATA_DIR:-data/tiny}                      # corpus, manifests, vocabulary, mean/std and LM
# 1 or True: the streaming network (train.py --online: forward-only GRUs and a row convolution), whose checkpoints
# and results go to checkpoints-online/ and logs-online/, beside the offline model's
ONLINE=${ONLINE:-False}
case $ONLINE in 1|True|true) online_suffix=-online ;; *) online_suffix= ;; esac
CKPT_DIR=${CKPT_DIR:-examples/tiny/checkpoints$online_suffix}  # checkpoints and train.log
LOG_DIR=${LOG_DIR:-examples/tiny/logs$online_suffix}           # stage logs, tuning table, per-utterance results

# data: synthesis with data/synth (text-to-speech voices reading public-domain sentences)
DATA_SCRIPT=${DATA_SCRIPT:-examples/tiny/data.sh}    # the data stage's script
CORPUS_LANG=${CORPUS_LANG:-en}                       # language of the synthetic corpus
HOURS=${HOURS:-6.0}                                  # hours of speech: more sentences and voices beat more passes
SEED=${SEED:-0}                                      # seed of the sentence and voice choice
NUM_WORKERS=${NUM_WORKERS:-2}                        # synthesis processes, one per core
# seen-voice share per TTS engine (synthesize.py --engine_weights); empty: the language's default, which leaves
# RHVoice and Pico out (data/synth/README.md, "More voices, off by default")
ENGINE_WEIGHTS=${ENGINE_WEIGHTS:-}
# share of the train hours that read Tatoeba's everyday English instead of book sentences (synthesize.py
# --everyday_fraction; dev, test and the LM text stay books); 0: books only, as measured so far
EVERYDAY_FRACTION=${EVERYDAY_FRACTION:-0}
DEV_SPLIT=${DEV_SPLIT:-dev}                          # split scored after every pass and tuned on
VOCAB_SPLITS=${VOCAB_SPLITS:-"train dev"}            # splits whose characters make the vocabulary
# out-of-domain test split: Harvard sentences (in no training or LM text) read by voices never trained on
OOD_UTTERANCES=${OOD_UTTERANCES:-300}                # utterances of manifest.test-ood (voices taking turns); 0: none
# manifest.test-ood-<channel>: the split in simulated rooms, in noise at 5-20 dB SNR, over a phone line (8 kHz, GSM,
# AMR-NB or G.711) and through MP3/Opus at 12-24 kbit/s
OOD_CHANNELS=${OOD_CHANNELS:-"reverb noise phone codec"}
CHANNEL_DIR=${CHANNEL_DIR:-examples/tiny/channels}   # <channel>.json: the augmentors that make each channel
SPECGRAM_TYPE=${SPECGRAM_TYPE:-fbank}                # 80 log-mel features: fewer inputs than linear spectrograms
MEAN_STD_SAMPLES=${MEAN_STD_SAMPLES:-2000}           # training utterances the feature mean/std is estimated on

# language model
# books: the book sentences that no utterance speaks; general: those plus everyday English (Tatoeba), the World
# English Bible and the English fortunes (data/synth/lm_text_en.py; bench/RESULTS.md, "English LM text")
LM_TEXT_SOURCES=${LM_TEXT_SOURCES:-books}
LM_DOWNLOAD=${LM_DOWNLOAD:-}                         # empty: the LM is trained here, not downloaded
LM_ORDER=${LM_ORDER:-4}                              # word 4-gram
if [ "$LM_TEXT_SOURCES" = general ]; then
    LM_PATH=${LM_PATH:-$DATA_DIR/lm_general.klm}     # KenLM trie binary the beam search scores with
    LM_TEXT=${LM_TEXT:-$DATA_DIR/lm_text_general.txt}  # written by the lm stage from lm_text.txt and the sources
    LM_PRUNE=${LM_PRUNE:-"0 0 1 1"}                  # 3- and 4-grams seen once dropped: a third of the size
else
    LM_PATH=${LM_PATH:-$DATA_DIR/lm.klm}             # KenLM trie binary the beam search scores with
    LM_TEXT=${LM_TEXT:-$DATA_DIR/lm_text.txt}        # written by the data stage
    LM_PRUNE=${LM_PRUNE:-}                           # no pruning
fi

# training: 80 fbank -> 2 conv -> 3 x BiGRU-256 (4 M parameters)
TRAIN_GPUS=${TRAIN_GPUS:-}                           # CUDA_VISIBLE_DEVICES for training; empty: left as it is
USE_GPU=${USE_GPU:-False}                            # the example trains on a CPU
# 2 data-parallel processes of one thread each (gloo) on a CPU with 2+ cores: they keep both cores busy, which one
# process of 2 threads does not (bench/RESULTS.md, "DS2 network training throughput")
if [ -z "${TRAINER_COUNT:-}" ]; then
    if [ "$USE_GPU" = False ] && [ "$(nproc)" -ge 2 ]; then TRAINER_COUNT=2; else TRAINER_COUNT=1; fi
fi
# utterances per process: a global batch of 16 trains more audio per second than 8 at this network's size
# (bench/RESULTS.md, "Batch size at the tiny example's shape")
BATCH_SIZE=${BATCH_SIZE:-$((16 / TRAINER_COUNT))}
NUM_PASSES=${NUM_PASSES:-11}                         # passes over the 6 h: about 45 minutes of training
NUM_PROC_DATA=${NUM_PROC_DATA:-1}                    # one batch-preparing worker per training process
NUM_THREADS=${NUM_THREADS:-1}                        # one math thread per training process
NUM_CONV_LAYERS=${NUM_CONV_LAYERS:-2}                # DS2's 2 convolution layers
NUM_RNN_LAYERS=${NUM_RNN_LAYERS:-3}                  # DS2's 3 recurrent layers
# --online: forward GRU-384 (3.2 M weights), which with the slower decay below came within 1.25x of the offline WER in
# the same 11 passes (bench/RESULTS.md, "The online (streaming) model")
if [ -n "$online_suffix" ]; then RNN_SIZE=${RNN_SIZE:-384}; fi
RNN_SIZE=${RNN_SIZE:-256}                            # a wider network does no better in the same compute
USE_GRU=${USE_GRU:-True}                             # bidirectional GRUs
SHARE_RNN_WEIGHTS=${SHARE_RNN_WEIGHTS:-True}         # train.py's default (it concerns simple RNNs only)
ROW_CONV_CONTEXT=${ROW_CONV_CONTEXT:-8}              # --online: future frames (30 ms each) the row conv sees; 8 beat 2
NUM_ITER_PRINT=${NUM_ITER_PRINT:-10}                 # steps between progress lines in train.log
SAVE_EVERY=${SAVE_EVERY:-100}                        # steps between params.latest writes, to resume from
LEARNING_RATE=${LEARNING_RATE:-3e-3}                 # Adam's rate for the batch of 16
if [ -n "$online_suffix" ]; then LR_DECAY=${LR_DECAY:-0.83}; fi  # --online: DS2 2.x's decay; 0.765 leaves it underfit
LR_DECAY=${LR_DECAY:-0.765}                          # per-pass factor: the last pass trains at 0.765^10 x 3e-3
TEST_OFF=${TEST_OFF:-False}                          # dev loss after every pass, for the learning curve
AUGMENT_CONF=${AUGMENT_CONF:-examples/tiny/augmentation.config}  # speed 0.9-1.1, +-5 ms shift, light SpecAugment
NUM_AVG=${NUM_AVG:-2}                                # params.avg: the mean of the last 2 passes' weights

# decoding (tune, test, infer)
MODEL_PATH=${MODEL_PATH:-$CKPT_DIR/params.avg}       # the model the later stages decode with
DECODE_GPUS=${DECODE_GPUS:-}                         # CUDA_VISIBLE_DEVICES for decoding; empty: left as it is
DECODE_BATCH_SIZE=${DECODE_BATCH_SIZE:-32}           # utterances per network batch
DECODE_PROC_DATA=${DECODE_PROC_DATA:-1}              # audio-loading worker processes
# one width for tuning, testing and inference: this weak model often ranks the right spelling low, and a wide beam
# keeps it for the LM (bench/RESULTS.md, "Beam width: decoding with a beam of 4000")
BEAM_SIZE=${BEAM_SIZE:-4000}
# the blank's probability divided by e^1.5 before the beam search: the model gives the blank the frames of sounds
# it hears badly, and the penalty keeps their letters in the beam for the LM (the dev optimum; DS2 has none)
BLANK_PENALTY=${BLANK_PENALTY:-1.5}
NUM_PROC_BSEARCH=${NUM_PROC_BSEARCH:-2}              # beam-search threads, one per core
TUNE_PROC_BSEARCH=${TUNE_PROC_BSEARCH:-$NUM_PROC_BSEARCH}  # the same when tuning
CUTOFF_PROB=${CUTOFF_PROB:-1.0}                      # DS2's: no pruning by cumulative probability
CUTOFF_TOP_N=${CUTOFF_TOP_N:-40}                     # DS2's: at most 40 characters per frame
ERROR_RATE_TYPE=${ERROR_RATE_TYPE:-wer}              # word error rate
ALPHA=${ALPHA:-}                                     # LM weight; empty: the tune stage's optimum, else DS2's 2.5
BETA=${BETA:-}                                       # word bonus; empty: the tune stage's optimum, else DS2's 0.3
NUM_ALPHAS=${NUM_ALPHAS:-7} ALPHA_FROM=${ALPHA_FROM:-1.0} ALPHA_TO=${ALPHA_TO:-4.0}  # alpha grid: 7 points
NUM_BETAS=${NUM_BETAS:-5} BETA_FROM=${BETA_FROM:-0.0} BETA_TO=${BETA_TO:-2.4}    # beta grid: 5 points
# seen voices with unseen sentences, unseen Festival voices, and the out-of-domain split clean and through channels
SPLITS=${SPLITS:-"test test-heldout test-ood test-ood-reverb test-ood-noise test-ood-phone test-ood-codec"}
METHODS=${METHODS:-"ctc_greedy ctc_beam_search"}     # greedy, and beam search with the LM
ACCURACY_TABLE=${ACCURACY_TABLE:-bench/tiny_accuracy.py}  # tabulates the test results per split and voice family
INFER_SPLIT=${INFER_SPLIT:-test-heldout}             # the infer stage transcribes held-out voices
NUM_SAMPLES=${NUM_SAMPLES:-5}                        # utterances the infer stage transcribes
