"""The recipes' scripts and settings: every script under examples/ parses, every recipe's conf.sh sets what its
stages read, a setting left out or mistyped is reported naming the file, and the stages pass each setting on.

The stages run here with a stand-in ``python`` on PATH that records its arguments, so no program runs: the
real runs are tests/test_e2e_tiny.py (the tiny example), tests/test_tiny_zh.py and the VoxForge test in
tests/test_corpus_prep.py.
"""
import glob
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECIPES = sorted(os.path.dirname(os.path.relpath(path, REPO))
                 for path in glob.glob(os.path.join(REPO, "examples", "*", "conf.sh")))
RELEASED = ("examples/librispeech", "examples/aishell")  # recipes with a golden stage
ASSIGNMENT = re.compile(r"(?<![\w$])([A-Z][A-Z_]*)=")
RECORDER = """#!/usr/bin/env bash
# stand-in for python: records its arguments and CUDA_VISIBLE_DEVICES, runs python3 for -c snippets
if [ "$1" = -c ]; then exec python3 "$@"; fi
python3 -c 'import json, os, sys; print(json.dumps({"argv": sys.argv[1:],
    "cuda": os.environ.get("CUDA_VISIBLE_DEVICES")}))' "$@" >> "$CALLS"
"""


def clean_env(**extra: str) -> dict:
    """An environment without any recipe setting, so that only conf.sh can set them."""
    return {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **extra}


def bash(args: list, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", *args], cwd=REPO, env=clean_env(**extra), capture_output=True, text=True,
                          timeout=60)


def settings(recipe: str) -> dict:
    """Every variable of the recipe's conf.sh, as the stages see it."""
    with open(os.path.join(REPO, recipe, "conf.sh"), encoding="utf-8") as handle:
        conf = handle.read()
    names = ASSIGNMENT.findall(conf)
    for base in re.findall(r"^source (\S+)/conf.sh$", conf, re.M):  # a recipe that takes another's settings
        names += settings(base)
    script = f'source {recipe}/conf.sh && for name in {" ".join(set(names))}; do echo "$name=${{!name}}"; done'
    result = bash(["-c", script])
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in result.stdout.splitlines())


def test_every_script_under_examples_parses():
    scripts = glob.glob(os.path.join(REPO, "examples", "**", "*.sh"), recursive=True)
    assert len(scripts) > 10
    for script in scripts:
        result = subprocess.run(["bash", "-n", script], capture_output=True, text=True)
        assert result.returncode == 0, f"{script}: {result.stderr}"


def test_the_recipes_are_the_products():
    assert RECIPES == ["examples/aishell", "examples/librispeech", "examples/tiny", "examples/tiny_zh",
                       "examples/voxforge"]


@pytest.mark.parametrize("recipe", RECIPES)
def test_conf_sets_what_each_of_its_stages_reads(recipe):
    stages = settings(recipe)["STAGES"].split() + (["golden"] if recipe in RELEASED else [])
    result = bash([f"{recipe}/run.sh", *stages], STAGE_CHECK_ONLY="1")
    assert result.returncode == 0, result.stderr
    assert f"the settings of {' '.join(stages)} in {recipe}/conf.sh are complete" in result.stderr


@pytest.mark.parametrize("recipe", RECIPES)
def test_every_setting_is_read_by_a_stage(recipe):
    """A setting no script reads is a stale one."""
    readers = glob.glob(os.path.join(REPO, "examples", "*", "*.sh"))
    text = "".join(Path(path).read_text(encoding="utf-8") for path in readers if not path.endswith("conf.sh"))
    with open(os.path.join(REPO, recipe, "conf.sh"), encoding="utf-8") as handle:
        names = set(ASSIGNMENT.findall(handle.read()))
    for name in names:
        assert re.search(rf"\b{name}\b", text), f"{recipe}/conf.sh: no stage reads {name}"


def copy_recipe(tmp_path, edit) -> str:
    """examples/tiny's conf.sh, changed by edit, in a recipe folder of its own."""
    recipe = tmp_path / "recipe"
    recipe.mkdir()
    with open(os.path.join(REPO, "examples", "tiny", "conf.sh"), encoding="utf-8") as handle:
        (recipe / "conf.sh").write_text(edit(handle.read()), encoding="utf-8")
    return str(recipe)


def test_a_setting_left_out_is_named_with_the_conf_file(tmp_path):
    recipe = copy_recipe(tmp_path, lambda conf: re.sub(r"^BEAM_SIZE=.*\n", "", conf, flags=re.M))
    result = bash(["examples/stages/run.sh", recipe, "train", "test"], STAGE_CHECK_ONLY="1")
    assert result.returncode != 0
    assert f"test stage: {recipe}/conf.sh does not set BEAM_SIZE" in result.stderr
    result = bash(["examples/stages/run.sh", recipe, "data", "train"], STAGE_CHECK_ONLY="1")
    assert result.returncode == 0, result.stderr  # the stages that do not read it


def test_a_broken_conf_is_named_with_its_line(tmp_path):
    recipe = copy_recipe(tmp_path, lambda conf: conf.replace("HOURS=${HOURS:-6.0}", "HOURS=${HOURS:-6.0})"))
    lines = Path(recipe, "conf.sh").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "HOURS=" in text)
    result = bash(["examples/stages/run.sh", recipe], STAGE_CHECK_ONLY="1")
    assert result.returncode != 0
    assert f"{recipe}/conf.sh: line {line}: syntax error" in result.stderr


def test_an_unknown_stage_or_recipe_is_reported():
    result = bash(["examples/tiny/run.sh", "trian"])
    assert result.returncode != 0
    assert "unknown stage 'trian' for examples/tiny" in result.stderr
    result = bash(["examples/stages/train.sh", "examples/nowhere"])
    assert result.returncode != 0
    assert "expects a recipe folder that holds conf.sh" in result.stderr and "examples/nowhere" in result.stderr


def recorded_calls(tmp_path, recipe: str, stage: str, script: str = "", **extra: str) -> list:
    """The python commands (arguments, CUDA_VISIBLE_DEVICES) that a stage runs, with the stand-in python; ``script``:
    the stage's script when it is not examples/stages/<stage>.sh."""
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls.jsonl"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "python").write_text(RECORDER, encoding="utf-8")
    (bin_dir / "python").chmod(0o755)
    env = clean_env(PATH=f"{bin_dir}:{os.environ['PATH']}", CALLS=str(calls), **extra)
    result = subprocess.run(["bash", script or f"examples/stages/{stage}.sh", recipe], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    with open(calls, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def flags(argv: list) -> dict:
    return {key[2:]: value for key, value in zip(argv, argv[1:]) if key.startswith("--")}


@pytest.mark.parametrize("recipe", [recipe for recipe in RECIPES if recipe != "examples/voxforge"])
def test_the_train_stage_passes_the_recipes_settings(tmp_path, recipe):
    conf = settings(recipe)
    calls = recorded_calls(tmp_path, recipe, "train", CKPT_DIR=str(tmp_path / "ckpt"), NUM_AVG="0")
    if "NOISE_DIR" in Path(REPO, conf["AUGMENT_CONF"]).read_text(encoding="utf-8"):
        noise, call = calls  # the training noise and rooms first (test_the_train_stage_fills_in_the_noise_dir)
        conf["AUGMENT_CONF"] = str(tmp_path / "ckpt" / "augmentation.config")
    else:
        [call] = calls
    assert call["argv"][0] == "train.py"
    assert call["cuda"] == (conf["TRAIN_GPUS"] or None)
    passed = flags(call["argv"])
    for flag, name in [("batch_size", "BATCH_SIZE"), ("trainer_count", "TRAINER_COUNT"), ("num_passes", "NUM_PASSES"),
                       ("rnn_layer_size", "RNN_SIZE"), ("num_conv_layers", "NUM_CONV_LAYERS"),
                       ("use_gru", "USE_GRU"), ("share_rnn_weights", "SHARE_RNN_WEIGHTS"), ("online", "ONLINE"),
                       ("row_conv_context", "ROW_CONV_CONTEXT"),
                       ("specgram_type", "SPECGRAM_TYPE"), ("learning_rate", "LEARNING_RATE"),
                       ("lr_decay", "LR_DECAY"), ("augment_conf_path", "AUGMENT_CONF"), ("use_gpu", "USE_GPU")]:
        assert passed[flag] == conf[name], flag
    assert passed["dev_manifest"] == f"{conf['DATA_DIR']}/manifest.{conf['DEV_SPLIT']}"
    assert passed["output_model_dir"] == str(tmp_path / "ckpt")


def test_online_tiny_trains_the_streaming_network_beside_the_offline_one(tmp_path):
    """ONLINE=1 examples/tiny: train.py --online 1 into checkpoints-online/, the later stages log to logs-online/."""
    online = dict(ONLINE="1", NUM_AVG="0", AUGMENT_CONF="examples/tiny/augmentation.config")
    [call] = recorded_calls(tmp_path, "examples/tiny", "train", CKPT_DIR=str(tmp_path / "ckpt"), **online)
    passed = flags(call["argv"])
    assert passed["online"] == "1" and passed["row_conv_context"] == settings("examples/tiny")["ROW_CONV_CONTEXT"]
    result = bash(["-c", "source examples/tiny/conf.sh && echo $CKPT_DIR $LOG_DIR $MODEL_PATH"], ONLINE="1")
    assert result.stdout.split() == ["examples/tiny/checkpoints-online", "examples/tiny/logs-online",
                                     "examples/tiny/checkpoints-online/params.avg"]
    offline = flags(recorded_calls(tmp_path, "examples/tiny", "train", NUM_AVG="0",
                                   CKPT_DIR=str(tmp_path / "ckpt"))[-1]["argv"])
    assert offline["online"] == "False"
    # the online network has its own width and decay; the offline one keeps conf.sh's, and a setting given wins
    assert (passed["rnn_layer_size"], passed["lr_decay"]) == ("384", "0.83")
    assert (offline["rnn_layer_size"], offline["lr_decay"]) == ("256", "0.765")
    given = flags(recorded_calls(tmp_path, "examples/tiny", "train", CKPT_DIR=str(tmp_path / "ckpt"),
                                 RNN_SIZE="320", **online)[-1]["argv"])
    assert (given["online"], given["rnn_layer_size"], given["lr_decay"]) == ("1", "320", "0.83")


@pytest.mark.parametrize("share", ["", "0.3"])
def test_the_data_stage_passes_the_everyday_share(tmp_path, share):
    calls = recorded_calls(tmp_path, "examples/tiny", "data", script="examples/tiny/data.sh",
                           DATA_DIR=str(tmp_path / "data"), OOD_UTTERANCES="0", EVERYDAY_FRACTION=share)
    [call] = calls
    assert call["argv"][0] == "data/synth/synthesize.py"
    assert flags(call["argv"])["everyday_fraction"] == (share or settings("examples/tiny")["EVERYDAY_FRACTION"])


def test_the_train_stage_fills_in_the_noise_dir(tmp_path):
    """A config naming ${NOISE_DIR} gets noise and rooms made from the training speech, and training reads the
    config with their folder filled in; the recipe's own file is left as it is."""
    template = tmp_path / "augment.json"
    template.write_text('[{"type": "noise", "params": {"min_snr_dB": 5, "max_snr_dB": 25, '
                        '"noise_manifest_path": "${NOISE_DIR}/manifest.noise"}, "prob": 0.2}]', encoding="utf-8")
    data_dir = tmp_path / "data"
    calls = recorded_calls(tmp_path, "examples/tiny", "train", AUGMENT_CONF=str(template), DATA_DIR=str(data_dir),
                           CKPT_DIR=str(tmp_path / "ckpt"), NUM_AVG="0", SEED="7")
    assert [call["argv"][:2] for call in calls] == [["-m", "data.noise.make_local_noise"], ["train.py", "--batch_size"]]
    noise = flags(calls[0]["argv"])
    assert noise == {"target_dir": f"{data_dir}/train_noise", "speech_manifest": f"{data_dir}/manifest.train",
                     "seed": "7"}
    filled = tmp_path / "ckpt" / "augmentation.config"
    assert flags(calls[1]["argv"])["augment_conf_path"] == str(filled)
    entry = json.loads(filled.read_text(encoding="utf-8"))[0]
    assert entry["params"]["noise_manifest_path"] == f"{data_dir}/train_noise/manifest.noise"
    assert "${NOISE_DIR}" in template.read_text(encoding="utf-8")


@pytest.mark.parametrize("recipe", [recipe for recipe in RECIPES if recipe != "examples/voxforge"])
def test_the_decoding_stages_pass_the_recipes_settings(tmp_path, recipe):
    conf = settings(recipe)
    log_dir = tmp_path / "logs"
    calls = [call for call in recorded_calls(tmp_path, recipe, "test", LOG_DIR=str(log_dir))
             if call["argv"][0] == "test.py"]
    assert len(calls) == len(conf["SPLITS"].split()) * len(conf["METHODS"].split())
    alpha = conf["ALPHA"] or "2.5"  # DS2's until the tune stage has run
    for call in calls:
        passed = flags(call["argv"])
        assert call["cuda"] == (conf["DECODE_GPUS"] or None)
        for flag, name in [("beam_size", "BEAM_SIZE"), ("blank_penalty", "BLANK_PENALTY"),
                           ("lang_model_path", "LM_PATH"), ("model_path", "MODEL_PATH"),
                           ("cutoff_prob", "CUTOFF_PROB"), ("error_rate_type", "ERROR_RATE_TYPE"),
                           ("batch_size", "DECODE_BATCH_SIZE"), ("num_proc_bsearch", "NUM_PROC_BSEARCH")]:
            assert passed[flag] == conf[name], flag
        assert passed["alpha"] == alpha
        assert passed["output_file"].startswith(str(log_dir))

    # the tune stage's optimum is what the recipes that leave ALPHA empty decode with
    log_dir.mkdir(exist_ok=True)
    (log_dir / "tuned_params.sh").write_text("ALPHA=1.75\nBETA=0.5\n", encoding="utf-8")
    shutil.rmtree(tmp_path / "bin")
    (tmp_path / "calls.jsonl").unlink()
    calls = recorded_calls(tmp_path, recipe, "test", LOG_DIR=str(log_dir))
    assert flags(calls[0]["argv"])["alpha"] == (conf["ALPHA"] or "1.75")
