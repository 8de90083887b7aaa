# Sourced by run_tune.sh, run_test.sh and run_infer.sh (from the repository root): the tiny example's directories,
# the model to decode with (MODEL_PATH: the mean of the last passes' weights that run_train.sh writes), the beam
# width, the blank penalty, and ALPHA/BETA from run_tune.sh's logs/tuned_params.sh when it exists and ALPHA is not set.
DATA_DIR=${DATA_DIR:-data/tiny}
CKPT_DIR=${CKPT_DIR:-examples/tiny/checkpoints}
LOG_DIR=${LOG_DIR:-examples/tiny/logs}
MODEL_PATH=${MODEL_PATH:-$CKPT_DIR/params.avg}
# One beam width for tuning, testing and inference. DS2's 500 suits strong acoustic models; the tiny model often
# gives the right word's spelling a low score, and a wider search finds it: the session-5 model's test WER was
# 18.9% at 500 and 17.6% at 4000, decoding under 0.1 s per utterance (bench/beam_width.py; bench/RESULTS.md,
# "Decoding with a beam of 4000").
# tiny_zh sets its own (env.sh).
BEAM_SIZE=${BEAM_SIZE:-4000}
# The tiny model gives the blank the frames of sounds it hears badly, so the beam drops their letters before the
# LM can put them back. Dividing the blank's probability by e^1.5 (then renormalising each frame) took the session-9
# model's dev WER from 14.4% to 13.5% (the dev optimum over 0-2; test 14.7% -> 14.1%, held-out voices 28.1% ->
# 26.3%; bench/RESULTS.md, "a blank penalty in the beam search"). DS2 has none (0). tiny_zh sets its own (env.sh).
BLANK_PENALTY=${BLANK_PENALTY:-1.5}
if [ -z "${ALPHA:-}" ] && [ -f "$LOG_DIR/tuned_params.sh" ]; then
    source "$LOG_DIR/tuned_params.sh"
fi
