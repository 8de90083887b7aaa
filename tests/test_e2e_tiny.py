"""The tiny example end to end at CI size: bash examples/tiny/run.sh, its stages data -> stats -> lm -> train ->
tune -> test -> infer with the settings of examples/tiny/conf.sh, overridden through the environment.

A ~45 s synthetic corpus (about a dozen training utterances), a 1-conv, 1-GRU-128 network and 20 passes:
the stages run, their outputs have the right shape, and the model really learned. Greedy CER on the
training utterances must fall below 0.5; untrained networks of this shape score 0.82-0.99 on them
(measured with three seeds), so only training gets there.
"""
import csv
import json
import os
import subprocess

import pytest

from utils.error_rate import char_errors

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAINED_CER_BOUND = 0.5
NUM_ALPHAS, NUM_BETAS, NUM_SAMPLES = 2, 2, 1
OOD_UTTERANCES = 4  # the out-of-domain split and its channels, made but not decoded (SPLITS is train only)
BLANK_PENALTY = "1.0"  # not conf.sh's 1.5, so the bench test below sees whether the stages read it
STAGES = ("setup", "data", "stats", "lm", "train", "tune", "test", "infer")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Run the example once with CI-sized settings; returns the folders and each stage's log."""
    root = tmp_path_factory.mktemp("tiny_e2e")
    dirs = {"DATA_DIR": str(root / "data"), "CKPT_DIR": str(root / "checkpoints"), "LOG_DIR": str(root / "logs")}
    env = dict(os.environ, **dirs, SKIP_SETUP="1", OMP_NUM_THREADS="1", HOURS="0.012", NUM_WORKERS="2",
               MEAN_STD_SAMPLES="50", NUM_PASSES="20", BATCH_SIZE="4", NUM_CONV_LAYERS="1", NUM_RNN_LAYERS="1",
               RNN_SIZE="128", LEARNING_RATE="5e-3", LR_DECAY="1.0", NUM_PROC_DATA="0", NUM_THREADS="1",
               TEST_OFF="True", NUM_ALPHAS=str(NUM_ALPHAS), NUM_BETAS=str(NUM_BETAS), BEAM_SIZE="10",
               SPLITS="train", BLANK_PENALTY=BLANK_PENALTY, NUM_SAMPLES=str(NUM_SAMPLES),
               OOD_UTTERANCES=str(OOD_UTTERANCES))
    result = subprocess.run(["bash", "examples/tiny/run.sh"], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"run.sh failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    outputs = {}
    for stage in STAGES:
        with open(os.path.join(dirs["LOG_DIR"], f"{stage}.log"), encoding="utf-8") as handle:
            outputs[stage] = handle.read()
    return {**dirs, "outputs": outputs, "stderr": result.stderr}


def test_run_sh_runs_the_stages_of_conf_sh_in_order(run):
    started = [line.split()[1] for line in run["stderr"].splitlines() if line.startswith("==> ")]
    assert started == list(STAGES)
    assert "SKIP_SETUP=1, skipping setup.sh" in run["outputs"]["setup"]


def read_jsonl(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_data_and_language_model(run):
    for name in ("manifest.train", "manifest.dev", "manifest.test", "manifest.test-heldout", "lm_text.txt",
                 "vocab.txt", "mean_std.npz", "lm.klm"):
        assert os.path.getsize(os.path.join(run["DATA_DIR"], name)) > 0, name
    clean = read_jsonl(os.path.join(run["DATA_DIR"], "manifest.test-ood"))
    assert len(clean) == OOD_UTTERANCES
    channels = subprocess.run(["bash", "-c", "source examples/tiny/conf.sh && echo $OOD_CHANNELS"], cwd=REPO,
                              capture_output=True, text=True, check=True).stdout.split()
    for channel in channels:
        degraded = read_jsonl(os.path.join(run["DATA_DIR"], f"manifest.test-ood-{channel}"))
        assert [entry["text"] for entry in degraded] == [entry["text"] for entry in clean], channel


def test_training_wrote_a_loadable_checkpoint(run):
    latest = os.path.join(run["CKPT_DIR"], "params.latest")
    for name in ("model.pdparams", "config.json", "vocab.txt", "mean_std.npz"):
        assert os.path.isfile(os.path.join(latest, name))
    assert os.path.isdir(os.path.join(run["CKPT_DIR"], "params.pass-19"))


def test_later_stages_decode_with_the_mean_of_the_last_two_passes(run):
    averaged = os.path.join(run["CKPT_DIR"], "params.avg")
    with open(os.path.join(averaged, "state.json"), encoding="utf-8") as handle:
        sources = json.load(handle)["averaged_from"]
    assert [os.path.basename(path) for path in sources] == ["params.pass-18", "params.pass-19"]
    for stage in ("tune", "test", "infer"):
        assert f"model_path: {averaged}\n" in run["outputs"][stage], stage


def test_model_learned_the_training_utterances(run):
    manifest = read_jsonl(os.path.join(run["DATA_DIR"], "manifest.train"))
    for method in ("ctc_greedy", "ctc_beam_search"):
        results = read_jsonl(os.path.join(run["LOG_DIR"], f"test.train.{method}.jsonl"))
        assert [r["audio_filepath"] for r in results] == [e["audio_filepath"] for e in manifest]
        assert all(set(r) == {"audio_filepath", "target", "hypothesis", "errors", "words", "word_timings"}
                   for r in results)
        assert all(" ".join(w["word"] for w in r["word_timings"]) == " ".join(r["hypothesis"].split())
                   for r in results)
    greedy = read_jsonl(os.path.join(run["LOG_DIR"], "test.train.ctc_greedy.jsonl"))
    errors = [char_errors(r["target"], r["hypothesis"]) for r in greedy]
    cer = sum(e for e, _ in errors) / sum(n for _, n in errors)
    assert cer < TRAINED_CER_BOUND
    assert "| train | ctc_greedy |" in run["outputs"]["test"]  # the accuracy table


def test_tuning_table_plot_and_optimum(run):
    with open(os.path.join(run["LOG_DIR"], "tune.csv"), encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == NUM_ALPHAS * NUM_BETAS
    assert len({(r["alpha"], r["beta"]) for r in rows}) == NUM_ALPHAS * NUM_BETAS
    best = min(rows, key=lambda r: float(r["wer"]))
    with open(os.path.join(run["LOG_DIR"], "tuned_params.sh"), encoding="utf-8") as handle:
        assert handle.read().split() == [f"ALPHA={best['alpha']}", f"BETA={best['beta']}"]
    with open(os.path.join(run["LOG_DIR"], "tune_surface.png"), "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


def test_infer_prints_targets_hypotheses_and_a_file_transcript(run):
    lines = run["outputs"]["infer"].splitlines()
    assert sum(line.startswith("Target Transcription: ") for line in lines) == NUM_SAMPLES
    assert sum(line.startswith("Output Transcription: ") for line in lines) == NUM_SAMPLES
    assert any(line.startswith("Current error rate [wer] = ") for line in lines)
    marker = next(i for i, line in enumerate(lines) if line.startswith("== python infer.py --audio_file "))
    # the file is the manifest's first utterance: its transcript, the log's last line, is the one printed for it
    first = next(line for line in lines if line.startswith("Output Transcription: "))
    assert len(lines) > marker + 1 and lines[-1] == first[len("Output Transcription: "):]


def test_beam_width_bench_agrees_with_run_test(run, capsys):
    """bench/beam_width.py at the test stage's beam, blank penalty and tuned alpha/beta gives its WER."""
    import bench.beam_width

    with open(os.path.join(run["LOG_DIR"], "tuned_params.sh"), encoding="utf-8") as handle:
        tuned = dict(line.split("=") for line in handle.read().split())
    manifest = os.path.join(run["DATA_DIR"], "manifest.train")
    rows = bench.beam_width.main([
        f"--model_path={os.path.join(run['CKPT_DIR'], 'params.avg')}", f"--manifests={manifest}",
        f"--lang_model_path={os.path.join(run['DATA_DIR'], 'lm.klm')}", f"--alpha={tuned['ALPHA']}",
        f"--beta={tuned['BETA']}", f"--blank_penalty={BLANK_PENALTY}", "--beam_sizes=1,10", "--use_gpu=False",
        "--num_proc_data=0"])
    assert [row["beam_size"] for row in rows] == [1, 10]
    results = read_jsonl(os.path.join(run["LOG_DIR"], "test.train.ctc_beam_search.jsonl"))
    expected = sum(r["errors"] for r in results) / sum(r["words"] for r in results)
    assert rows[1][manifest] == pytest.approx(expected)
    table = capsys.readouterr().out.splitlines()
    assert table[-4].startswith("| beam | manifest.train WER |")
    assert [line.split(" | ")[0] for line in table[-2:]] == ["| 1", "| 10"]
