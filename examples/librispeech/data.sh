#!/usr/bin/env bash
# Data stage of DS2's LibriSpeech recipe: downloads all 960 h into TARGET_DIR, writes one manifest per subset into
# DATA_DIR and merges the training subsets into a shuffled manifest.train. Needs ~60 GB and internet access.
#   bash examples/librispeech/data.sh      (usually through examples/librispeech/run.sh data)
source "$(dirname "$0")/../stages/common.sh" "${1:-$(dirname "$0")}"
need DATA_DIR TARGET_DIR

python -m data.librispeech.librispeech \
    --manifest_prefix "$DATA_DIR/manifest" \
    --target_dir "$TARGET_DIR" \
    --full_download True \
    || fail "preparing LibriSpeech"

cat "$DATA_DIR"/manifest.train-* | shuf > "$DATA_DIR/manifest.train.part"
mv "$DATA_DIR/manifest.train.part" "$DATA_DIR/manifest.train"
echo "LibriSpeech manifests: $DATA_DIR"
