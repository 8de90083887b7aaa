#!/usr/bin/env bash
# Data stage of the tiny examples (examples/tiny, examples/tiny_zh): synthesises HOURS of CORPUS_LANG speech with
# data/synth into DATA_DIR: WAVs, the manifests of the train, dev, test and test-heldout splits, and the LM text
# pool lm_text.txt. Skipped when the manifests and the LM text exist; an interrupted synthesis keeps finished WAVs.
# Then, when OOD_UTTERANCES > 0, the out-of-domain split manifest.test-ood (data/synth/ood_split.py) and, for each
# of OOD_CHANNELS, manifest.test-ood-<channel>: the same audio through CHANNEL_DIR/<channel>.json
# (tools/apply_channel.py); each is skipped when its manifest exists.
#   bash examples/tiny/data.sh [examples/tiny_zh]     (usually through examples/tiny/run.sh data)
source "$(dirname "$0")/../stages/common.sh" "${1:-$(dirname "$0")}"
need DATA_DIR CORPUS_LANG HOURS SEED NUM_WORKERS ENGINE_WEIGHTS EVERYDAY_FRACTION OOD_UTTERANCES OOD_CHANNELS \
    CHANNEL_DIR

if [ -s "$DATA_DIR/manifest.train" ] && [ -s "$DATA_DIR/lm_text.txt" ]; then
    echo "corpus exists in $DATA_DIR, skipping synthesis"
else
    python data/synth/synthesize.py \
        --target_dir "$DATA_DIR" \
        --hours "$HOURS" \
        --seed "$SEED" \
        --num_workers "$NUM_WORKERS" \
        --lang "$CORPUS_LANG" \
        ${ENGINE_WEIGHTS:+--engine_weights "$ENGINE_WEIGHTS"} \
        --everyday_fraction "$EVERYDAY_FRACTION" \
        || fail "synthesising the corpus"
    echo "tiny corpus: $DATA_DIR"
fi
if [ "$OOD_UTTERANCES" -le 0 ]; then
    exit 0
fi

# the out-of-domain split: Harvard sentences, none in the corpus or its lm_text.txt, read by the held-out voices
# (the general LM text, LM_TEXT_SOURCES=general, leaves out every Harvard sentence itself)
if [ -s "$DATA_DIR/manifest.test-ood" ]; then
    echo "manifest.test-ood exists in $DATA_DIR, skipping its synthesis"
else
    python data/synth/ood_split.py \
        --target_dir "$DATA_DIR" \
        --utterances "$OOD_UTTERANCES" \
        --seed "$SEED" \
        --num_workers "$NUM_WORKERS" \
        --exclude_text "$DATA_DIR/lm_text.txt" \
        || fail "synthesising the out-of-domain split"
fi
# ... and through each channel, with noise clips and rooms of their own (seed SEED+1; training's noise has seed 0)
noise_dir=$DATA_DIR/channel_noise
if [ -n "$OOD_CHANNELS" ] && [ ! -s "$noise_dir/manifest.impulse" ]; then
    python -m data.noise.make_local_noise \
        --target_dir "$noise_dir" \
        --speech_manifest "$DATA_DIR/manifest.train" \
        --seed $((SEED + 1)) \
        || fail "making the channels' noise and rooms"
fi
for channel in $OOD_CHANNELS; do
    manifest=$DATA_DIR/manifest.test-ood-$channel
    if [ -s "$manifest" ]; then
        echo "$manifest exists, skipping"
        continue
    fi
    python tools/apply_channel.py \
        --manifest "$DATA_DIR/manifest.test-ood" \
        --augment_conf "$CHANNEL_DIR/$channel.json" \
        --noise_dir "$noise_dir" \
        --output_dir "$DATA_DIR/wav/test-ood-$channel" \
        --output_manifest "$manifest" \
        --seed "$SEED" \
        --num_workers "$NUM_WORKERS" \
        || fail "passing the out-of-domain split through the $channel channel"
done
