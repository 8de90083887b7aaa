# Settings of the tiny Mandarin example, sourced by every examples/tiny_zh/run_*.sh: the stages themselves are
# examples/tiny's, run on data/tiny_zh with Mandarin settings. Any variable set before still wins.
#   corpus: ~1 h of espeak-ng Mandarin (pinyin voice), 800-character inventory, manifests in data/tiny_zh
#   LM:     character 5-gram on lm_text.txt (characters separated by spaces, as DS2's Mandarin LMs): unspoken
#           corpus sentences plus LM-only Tatoeba, news and review text; order 6 or pruning did not help
#   scores: CER; alpha/beta grid with a wider beta range (a character LM gives a bonus per character)
export CORPUS_LANG=zh
export HOURS=${HOURS:-1.0}
export DATA_DIR=${DATA_DIR:-data/tiny_zh}
export CKPT_DIR=${CKPT_DIR:-examples/tiny_zh/checkpoints}
export LOG_DIR=${LOG_DIR:-examples/tiny_zh/logs}
export ERROR_RATE_TYPE=cer
export LM_ORDER=${LM_ORDER:-5}
export ALPHA_FROM=${ALPHA_FROM:-0.5} ALPHA_TO=${ALPHA_TO:-5.0} NUM_ALPHAS=${NUM_ALPHAS:-10}
export BETA_TO=${BETA_TO:-8.0}
export NUM_BETAS=${NUM_BETAS:-9}
# training sized for the shared 2-core CPU: one conv layer (the second, 32x32 channels over 40 frequency bins,
# costs most of the compute) and a slowly decaying learning rate (800 output classes leave CTC's blank-only
# plateau later than English's 28); augmentation as examples/tiny's (speed, shift, light SpecAugment)
export NUM_PASSES=${NUM_PASSES:-20}
export NUM_CONV_LAYERS=${NUM_CONV_LAYERS:-1}
export BATCH_SIZE=${BATCH_SIZE:-16}
# measured as one process of 16 utterances; TRAINER_COUNT=2 BATCH_SIZE=8 is the same global batch on 2 cores
export TRAINER_COUNT=${TRAINER_COUNT:-1}
export LEARNING_RATE=${LEARNING_RATE:-2e-3} LR_DECAY=${LR_DECAY:-0.93}
# decoding as its results were measured (bench/RESULTS.md): the last pass's weights and DS2's beam of 500
# (tuning at 500 picks the same alpha/beta as the 300 it was measured with)
export NUM_AVG=${NUM_AVG:-1}
export BEAM_SIZE=${BEAM_SIZE:-500}
# no blank penalty: with the character LM it raised the session model's dev CER (17.5% at 0, 17.8% at 1.0, 18.3%
# at 1.5, alpha 1.5, beta 4.0; bench/RESULTS.md, "a blank penalty in the beam search")
export BLANK_PENALTY=${BLANK_PENALTY:-0.0}
