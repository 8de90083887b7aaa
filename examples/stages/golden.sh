#!/usr/bin/env bash
# Golden stage: the test and infer stages with a released model instead of a trained one. It fetches the LM (lm
# stage) and the model (GOLDEN_DOWNLOAD), then decodes with MODEL_PATH=GOLDEN_MODEL, results in LOG_DIR/golden.
# GOLDEN_MODEL must hold a checkpoint in this project's format (model.pdparams + config.json + vocab.txt +
# mean_std.npz); DS2's own releases are in the PaddlePaddle 1.x format, which test.py reports as such.
#   bash examples/stages/golden.sh examples/<recipe>    (usually through examples/<recipe>/run.sh golden)
source "$(dirname "$0")/common.sh" "$1"
for stage in lm test infer; do
    STAGE_CHECK_ONLY=1 bash "examples/stages/$stage.sh" "$RECIPE_DIR"
done
need GOLDEN_DOWNLOAD GOLDEN_MODEL LOG_DIR

bash examples/stages/lm.sh "$RECIPE_DIR"
bash "$GOLDEN_DOWNLOAD" || fail "downloading the released model"
export MODEL_PATH=$GOLDEN_MODEL LOG_DIR=$LOG_DIR/golden
bash examples/stages/test.sh "$RECIPE_DIR"
bash examples/stages/infer.sh "$RECIPE_DIR"
