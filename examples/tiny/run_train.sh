#!/usr/bin/env bash
# Tiny example, training: a small DeepSpeech2 (80 fbank, 2 conv, 3 x BiGRU-256) on data/tiny, sized
# for a 2-core CPU. Resumes from checkpoints/params.latest when a run was interrupted; does not train when
# the last pass's checkpoint exists (delete the checkpoints to retrain). Then it averages the weights of the
# last NUM_AVG passes into checkpoints/params.avg, the model that run_tune/run_test/run_infer decode with.
# On a CPU with 2+ cores it trains 2 data-parallel processes of one thread each (gloo), 8 utterances each: the
# same global batch of 16 as one process, about 1.8x as fast. A batch of 16 trains 1.27x as much audio per second
# as one of 8 at this network's size (bench/RESULTS.md). Six hours of speech in 11 passes beat five in 13 for
# the same compute: more sentences and voices per pass matter more than more passes.
# Overrides: DATA_DIR (data/tiny), CKPT_DIR (examples/tiny/checkpoints), NUM_PASSES (11), TRAINER_COUNT (2 on
#   a CPU with 2+ cores, else 1), BATCH_SIZE (per process: 16 / TRAINER_COUNT),
#   NUM_CONV_LAYERS (2), RNN_SIZE (256), NUM_RNN_LAYERS (3), LEARNING_RATE (3e-3), LR_DECAY (0.765), NUM_PROC_DATA (1),
#   NUM_THREADS (1), NUM_AVG (2), USE_GPU (False), AUGMENT_CONF (examples/tiny/augmentation.config:
#   speed 0.9-1.1, shift, light SpecAugment), TEST_OFF (False).
#   On a GPU (one process): USE_GPU=True BATCH_SIZE=64 RNN_SIZE=1024 NUM_PROC_DATA=8 bash examples/tiny/run_train.sh
set -e
cd "$(dirname "$0")/../.."

DATA_DIR=${DATA_DIR:-data/tiny}
CKPT_DIR=${CKPT_DIR:-examples/tiny/checkpoints}
NUM_PASSES=${NUM_PASSES:-11}
if [ -z "${TRAINER_COUNT:-}" ]; then
    if [ "${USE_GPU:-False}" = "False" ] && [ "$(nproc)" -ge 2 ]; then TRAINER_COUNT=2; else TRAINER_COUNT=1; fi
fi
BATCH_SIZE=${BATCH_SIZE:-$((16 / TRAINER_COUNT))}
LAST_PASS=$CKPT_DIR/params.pass-$((NUM_PASSES - 1))

NUM_AVG=${NUM_AVG:-2}

average() {  # passes NUM_PASSES - NUM_AVG .. NUM_PASSES - 1 -> params.avg
    local paths
    paths=$(seq -f "$CKPT_DIR/params.pass-%g" $((NUM_PASSES - NUM_AVG)) $((NUM_PASSES - 1)) | paste -sd,)
    python tools/average_checkpoints.py --model_paths "$paths" --output_path "$CKPT_DIR/params.avg" \
        || { echo "run_train.sh: averaging the last $NUM_AVG passes failed, terminating." >&2; exit 1; }
}

if [ -d "$LAST_PASS" ]; then
    echo "$LAST_PASS exists, skipping training"
    average
    exit 0
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
    --num_proc_data "${NUM_PROC_DATA:-1}" \
    --num_threads "${NUM_THREADS:-1}" \
    --num_conv_layers "${NUM_CONV_LAYERS:-2}" \
    --num_rnn_layers "${NUM_RNN_LAYERS:-3}" \
    --rnn_layer_size "${RNN_SIZE:-256}" \
    --use_gru True \
    --specgram_type fbank \
    --num_iter_print 10 \
    --save_every 100 \
    --learning_rate "${LEARNING_RATE:-3e-3}" \
    --lr_decay "${LR_DECAY:-0.765}" \
    --max_duration 27.0 \
    --min_duration 0.0 \
    --test_off "${TEST_OFF:-False}" \
    --use_sortagrad True \
    --use_gpu "${USE_GPU:-False}" \
    --shuffle_method batch_shuffle_clipped \
    --train_manifest "$DATA_DIR/manifest.train" \
    --dev_manifest "$DATA_DIR/manifest.dev" \
    --mean_std_path "$DATA_DIR/mean_std.npz" \
    --vocab_path "$DATA_DIR/vocab.txt" \
    --augment_conf_path "${AUGMENT_CONF:-examples/tiny/augmentation.config}" \
    --output_model_dir "$CKPT_DIR" \
    || { echo "run_train.sh: training failed, terminating." >&2; exit 1; }
average
