#!/usr/bin/env bash
# Train stage: trains DeepSpeech2 on DATA_DIR/manifest.train into CKPT_DIR. It resumes from CKPT_DIR/params.latest
# when a run was interrupted and does not train when the last pass's checkpoint exists (delete the checkpoints to
# retrain). With NUM_AVG > 0 it then averages the weights of the last NUM_AVG passes into CKPT_DIR/params.avg.
# An AUGMENT_CONF that names ${NOISE_DIR} (noise and room augmentors) gets DATA_DIR/train_noise: noise clips and
# simulated rooms made here with seed SEED (default 0; the test channels' have SEED + 1). The config with the folder
# filled in is CKPT_DIR/augmentation.config, the one training reads.
#   bash examples/stages/train.sh examples/<recipe>     (usually through examples/<recipe>/run.sh train)
source "$(dirname "$0")/common.sh" "$1"
need DATA_DIR CKPT_DIR DEV_SPLIT SPECGRAM_TYPE TRAIN_GPUS USE_GPU TRAINER_COUNT BATCH_SIZE NUM_PASSES NUM_PROC_DATA \
    NUM_THREADS NUM_CONV_LAYERS NUM_RNN_LAYERS RNN_SIZE USE_GRU SHARE_RNN_WEIGHTS ONLINE ROW_CONV_CONTEXT NUM_ITER_PRINT SAVE_EVERY \
    LEARNING_RATE LR_DECAY TEST_OFF AUGMENT_CONF NUM_AVG
if [ -n "$TRAIN_GPUS" ]; then
    export CUDA_VISIBLE_DEVICES=$TRAIN_GPUS
fi
LAST_PASS=$CKPT_DIR/params.pass-$((NUM_PASSES - 1))

average() {  # passes NUM_PASSES - NUM_AVG .. NUM_PASSES - 1 -> params.avg
    [ "$NUM_AVG" -gt 0 ] || return 0
    local paths
    paths=$(seq -f "$CKPT_DIR/params.pass-%g" $((NUM_PASSES - NUM_AVG)) $((NUM_PASSES - 1)) | paste -sd,)
    python tools/average_checkpoints.py --model_paths "$paths" --output_path "$CKPT_DIR/params.avg" \
        || fail "averaging the last $NUM_AVG passes"
}

if [ -d "$LAST_PASS" ]; then
    echo "$LAST_PASS exists, skipping training"
    average
    exit 0
fi
augment_conf=$AUGMENT_CONF
if grep -q 'NOISE_DIR' "$AUGMENT_CONF"; then
    noise_dir=$DATA_DIR/train_noise
    if [ ! -s "$noise_dir/manifest.impulse" ]; then
        python -m data.noise.make_local_noise \
            --target_dir "$noise_dir" \
            --speech_manifest "$DATA_DIR/manifest.train" \
            --seed "${SEED:-0}" \
            || fail "making the training noise and rooms"
    fi
    mkdir -p "$CKPT_DIR"
    augment_conf=$CKPT_DIR/augmentation.config
    sed "s|\${NOISE_DIR}|$noise_dir|g" "$AUGMENT_CONF" > "$augment_conf" || fail "filling in $augment_conf"
fi
RESUME=()
if [ -d "$CKPT_DIR/params.latest" ]; then
    echo "resuming from $CKPT_DIR/params.latest"
    RESUME=(--init_model_path "$CKPT_DIR/params.latest")
fi

python train.py "${RESUME[@]}" \
    --batch_size "$BATCH_SIZE" \
    --trainer_count "$TRAINER_COUNT" \
    --num_passes "$NUM_PASSES" \
    --num_proc_data "$NUM_PROC_DATA" \
    --num_threads "$NUM_THREADS" \
    --num_conv_layers "$NUM_CONV_LAYERS" \
    --num_rnn_layers "$NUM_RNN_LAYERS" \
    --rnn_layer_size "$RNN_SIZE" \
    --use_gru "$USE_GRU" \
    --share_rnn_weights "$SHARE_RNN_WEIGHTS" \
    --online "$ONLINE" \
    --row_conv_context "$ROW_CONV_CONTEXT" \
    --specgram_type "$SPECGRAM_TYPE" \
    --num_iter_print "$NUM_ITER_PRINT" \
    --save_every "$SAVE_EVERY" \
    --learning_rate "$LEARNING_RATE" \
    --lr_decay "$LR_DECAY" \
    --max_duration 27.0 \
    --min_duration 0.0 \
    --test_off "$TEST_OFF" \
    --use_sortagrad True \
    --use_gpu "$USE_GPU" \
    --is_local True \
    --shuffle_method batch_shuffle_clipped \
    --train_manifest "$DATA_DIR/manifest.train" \
    --dev_manifest "$DATA_DIR/manifest.$DEV_SPLIT" \
    --mean_std_path "$DATA_DIR/mean_std.npz" \
    --vocab_path "$DATA_DIR/vocab.txt" \
    --augment_conf_path "$augment_conf" \
    --output_model_dir "$CKPT_DIR" \
    || fail "training"
average
