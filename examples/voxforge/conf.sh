# Settings of DS2's VoxForge recipe (bash examples/voxforge/run.sh): data preparation only, DS2's dialect manifests
# for training or testing with another recipe's settings. Every stage sources this file from the repository root;
# a variable already set in the environment wins.

STAGES=${STAGES:-data}                               # run.sh's stages
DATA_DIR=${DATA_DIR:-data/voxforge}                  # the manifests, manifest.<dialect or group>
LOG_DIR=${LOG_DIR:-examples/voxforge/logs}           # stage logs
DATA_SCRIPT=${DATA_SCRIPT:-examples/voxforge/data.sh}  # the data stage's script
TARGET_DIR=${TARGET_DIR:-$HOME/.cache/paddle/dataset/speech/VoxForge}  # where the corpus is downloaded and unpacked
DIALECTS=${DIALECTS:-"american british australian european irish canadian indian"}  # DS2's dialects
