#!/usr/bin/env bash
# Infer stage: beam search prints the target and the transcript of the first NUM_SAMPLES utterances of the
# INFER_SPLIT manifest, then transcribes that manifest's first audio file alone (infer.py --audio_file).
#   bash examples/stages/infer.sh examples/<recipe>     (usually through examples/<recipe>/run.sh infer)
source "$(dirname "$0")/common.sh" "$1"
source examples/stages/decoding.sh
need "${DECODING_VARS[@]}" DATA_DIR INFER_SPLIT NUM_SAMPLES
manifest=$DATA_DIR/manifest.$INFER_SPLIT

python infer.py "${DECODE_FLAGS[@]}" --decoding_method ctc_beam_search \
    --num_samples "$NUM_SAMPLES" \
    --infer_manifest "$manifest" \
    || fail "inference"

first_wav=$(head -n 1 "$manifest" | python -c "import json, sys; print(json.load(sys.stdin)['audio_filepath'])")
echo "== python infer.py --audio_file $first_wav"
python infer.py "${DECODE_FLAGS[@]}" --decoding_method ctc_beam_search --audio_file "$first_wav" \
    || fail "transcribing $first_wav"
