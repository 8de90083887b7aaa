#!/usr/bin/env bash
# Runs a recipe's stages in order, each logged to LOG_DIR/<stage>.log: the stages named after the recipe folder,
# or else the recipe's STAGES (its conf.sh). Every stage's settings are checked before the first stage starts;
# STAGE_CHECK_ONLY=1 stops after that check. Each recipe's run.sh calls this:
#   bash examples/stages/run.sh examples/<recipe> [stage ...]
# Stages: setup (setup.sh), data (the recipe's DATA_SCRIPT), stats (vocabulary, feature mean/std), lm, train,
# tune (alpha/beta), test, infer, golden (test and infer with DS2's released model).
source "$(dirname "$0")/common.sh" "$1"
shift
STAGE_CHECK_ONLY=0 need STAGES LOG_DIR DATA_SCRIPT
KNOWN_STAGES=(setup data stats lm train tune test infer golden)

stages=("$@")
if [ ${#stages[@]} -eq 0 ]; then
    read -ra stages <<< "$STAGES"
fi

script_of() {  # the script of a stage: the recipe's data preparation, or a shared stage
    if [ "$1" = data ]; then echo "$DATA_SCRIPT"; else echo "examples/stages/$1.sh"; fi
}

for stage in "${stages[@]}"; do
    if [[ ! " ${KNOWN_STAGES[*]} " =~ " $stage " ]]; then
        echo "run.sh: unknown stage '$stage' for $RECIPE_DIR; the stages are: ${KNOWN_STAGES[*]}" >&2
        exit 2
    fi
    STAGE_CHECK_ONLY=1 bash "$(script_of "$stage")" "$RECIPE_DIR"
done
if [ "${STAGE_CHECK_ONLY:-0}" = 1 ]; then
    echo "run.sh: the settings of ${stages[*]} in $RECIPE_DIR/conf.sh are complete" >&2
    exit 0
fi

mkdir -p "$LOG_DIR"
export PYTHONUNBUFFERED=1  # the stage logs follow the programs' output as it comes
for stage in "${stages[@]}"; do
    echo "==> $stage ($(date -u +%H:%M:%S) UTC), log: $LOG_DIR/$stage.log" >&2
    bash "$(script_of "$stage")" "$RECIPE_DIR" 2>&1 | tee "$LOG_DIR/$stage.log" \
        || { echo "run.sh: the $stage stage of $RECIPE_DIR failed" >&2; exit 1; }
done
echo "run.sh: $RECIPE_DIR done ($(date -u +%H:%M:%S) UTC)" >&2
