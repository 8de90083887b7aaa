# Sourced first by every stage script, with the recipe's folder (examples/<recipe>) as its argument: moves to the
# repository root, loads the recipe's settings from <recipe>/conf.sh (a variable already set in the environment
# wins) and defines need (the settings a stage reads) and fail (a failed step's message).
set -eo pipefail
STAGE=$(basename "$0" .sh)
if [ -z "${1:-}" ] || [ ! -f "$1/conf.sh" ]; then
    echo "$0: expects a recipe folder that holds conf.sh, e.g. bash $0 examples/tiny (got '${1:-}')" >&2
    exit 2
fi
RECIPE_DIR=$(cd "$1" && pwd)
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
RECIPE_DIR=${RECIPE_DIR#"$(pwd)/"}
source "$RECIPE_DIR/conf.sh"

# Stops, naming the recipe's conf.sh, when one of the named settings is unset. With STAGE_CHECK_ONLY=1 the stage
# stops here after the check, so that run.sh can check every stage's settings before the first one starts.
need() {
    local name missing=()
    for name in "$@"; do
        [ -n "${!name+set}" ] || missing+=("$name")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "$STAGE stage: $RECIPE_DIR/conf.sh does not set ${missing[*]}" >&2
        exit 1
    fi
    if [ "${STAGE_CHECK_ONLY:-0}" = 1 ]; then
        exit 0
    fi
}

fail() {
    echo "$STAGE stage ($RECIPE_DIR): $1 failed, terminating." >&2
    exit 1
}
