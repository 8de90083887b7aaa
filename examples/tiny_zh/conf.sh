# Settings of the tiny Mandarin example (bash examples/tiny_zh/run.sh): ~1 h of espeak-ng Mandarin (pinyin voice
# variants), an 800-character vocabulary, a character 5-gram LM and CER. The settings below are the ones that
# differ from the English tiny example; every other one is examples/tiny/conf.sh's, sourced at the end. Every
# stage sources this file from the repository root; a variable already set in the environment wins. The
# measurements behind the values are in bench/RESULTS.md, "Mandarin tiny", unless a line names another section.

DATA_DIR=${DATA_DIR:-data/tiny_zh}                   # corpus, manifests, vocabulary, mean/std and LM
CKPT_DIR=${CKPT_DIR:-examples/tiny_zh/checkpoints}   # checkpoints and train.log
LOG_DIR=${LOG_DIR:-examples/tiny_zh/logs}            # stage logs, tuning table and per-utterance test results
CORPUS_LANG=${CORPUS_LANG:-zh}                       # Mandarin sentences spoken through pinyin
HOURS=${HOURS:-1.0}                                  # hours of speech
OOD_UTTERANCES=${OOD_UTTERANCES:-0}                  # no out-of-domain split (its sentences are English)

# a character 5-gram (characters separated by spaces, as DS2's Mandarin LMs) on unspoken corpus sentences plus
# LM-only Tatoeba, news and review text; order 6 and pruning do no better (bench/RESULTS.md, "Mandarin LM text")
LM_ORDER=${LM_ORDER:-5}

# training sized for the 2-core CPU
NUM_PASSES=${NUM_PASSES:-20}                         # 800 output classes leave CTC's blank-only plateau late
NUM_CONV_LAYERS=${NUM_CONV_LAYERS:-1}                # the second conv layer costs most of the compute
TRAINER_COUNT=${TRAINER_COUNT:-1}                    # one process of 16 utterances, as measured;
BATCH_SIZE=${BATCH_SIZE:-16}                         # TRAINER_COUNT=2 BATCH_SIZE=8 is the same global batch
LEARNING_RATE=${LEARNING_RATE:-2e-3}                 # Adam's rate
LR_DECAY=${LR_DECAY:-0.93}                           # a slow decay: the plateau ends later than in English
NUM_AVG=${NUM_AVG:-1}                                # params.avg is the last pass's weights, as measured

# decoding
ERROR_RATE_TYPE=${ERROR_RATE_TYPE:-cer}              # character error rate
BEAM_SIZE=${BEAM_SIZE:-500}                          # DS2's beam, which the results are measured with
BLANK_PENALTY=${BLANK_PENALTY:-0.0}                  # none: with the character LM a penalty raises dev CER
SPLITS=${SPLITS:-"test test-heldout"}                # seen voices with unseen sentences, and unseen voice variants
NUM_ALPHAS=${NUM_ALPHAS:-10} ALPHA_FROM=${ALPHA_FROM:-0.5} ALPHA_TO=${ALPHA_TO:-5.0}  # alpha grid: 10 points
# beta grid 0-8 in 9 points: a character LM's bonus is per character, so the best beta is larger than for words
NUM_BETAS=${NUM_BETAS:-9} BETA_TO=${BETA_TO:-8.0}

source examples/tiny/conf.sh
