#!/usr/bin/env bash
# Data-parallel training throughput for 1, 2, 4, ... devices on a fixed subset of 6-7 s utterances, printed as the
# speed-up table of DS2's README. Every run trains NUM_PASSES passes through cloud/train_multinode.sh with the same
# per-device batch (the global batch grows with the devices, as in DS2's profile); the last pass is timed.
#
#   MANIFEST=data/librispeech/manifest.train bash tools/profile.sh --vocab_path data/librispeech/vocab.txt \
#       --mean_std_path data/librispeech/mean_std.npz
#
# Arguments are train.py flags (network size, vocabulary, mean/std, --use_gpu False for CPU processes).
# Environment, all optional:
#   MANIFEST       manifest the subset is drawn from (default data/librispeech/manifest.train)
#   DEVICE_COUNTS  devices (GPUs or CPU processes) per run (default "1 2 4 8")
#   BATCH_SIZE     utterances per device and step (default 32)
#   NUM_UTTERANCES subset size (default 512); MIN_DURATION, MAX_DURATION its length range (default 6, 7 s)
#   NUM_PASSES     passes per run, the first one warms up (default 2)
#   WORK_DIR       subset, checkpoints and logs (default /tmp/ds2_profile)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
WORK_DIR=${WORK_DIR:-/tmp/ds2_profile}
SUBSET="$WORK_DIR/manifest.profile"
mkdir -p "$WORK_DIR"

PYTHONPATH=. "$PYTHON" tools/profile_throughput.py subset --manifest "${MANIFEST:-data/librispeech/manifest.train}" \
  --out_path "$SUBSET" --min_duration "${MIN_DURATION:-6.0}" --max_duration "${MAX_DURATION:-7.0}" \
  --num_utterances "${NUM_UTTERANCES:-512}"

run_dirs=()
for devices in ${DEVICE_COUNTS:-1 2 4 8}; do
  run_dir="$WORK_DIR/devices-$devices"
  rm -rf "$run_dir"
  echo "==> $devices device(s): logs in $WORK_DIR/log-$devices"
  NPROC_PER_NODE=$devices JOB_ID="profile-$devices" LOG_DIR="$WORK_DIR/log-$devices" RESUME_DIR="" \
    bash cloud/train_multinode.sh "$@" --train_manifest "$SUBSET" --batch_size "${BATCH_SIZE:-32}" \
    --num_passes "${NUM_PASSES:-2}" --test_off True --use_sortagrad False --shuffle_method instance_shuffle \
    --save_every 0 --num_iter_print 1000000 --output_model_dir "$run_dir" > "$WORK_DIR/launch-$devices.log" 2>&1 \
    || { echo "run with $devices device(s) failed; see $WORK_DIR/launch-$devices.log" >&2; exit 1; }
  run_dirs+=("$run_dir")
done

PYTHONPATH=. "$PYTHON" tools/profile_throughput.py table "${run_dirs[@]}"
