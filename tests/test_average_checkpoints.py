"""tools/average_checkpoints.py on the shared tiny model's pass checkpoints: the mean weights, a checkpoint that
decodes, and clear errors for checkpoints that cannot be averaged."""
import json
import os
import subprocess
import sys

import numpy as np
import paddle
import pytest

from model_fixture import infer_transcript, tiny_model  # noqa: F401  (tiny_model: the fixture)
from model_utils.checkpoint import CheckpointError, average_checkpoints, save_checkpoint
from model_utils.model import DeepSpeech2Model

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(REPO, "tools", "average_checkpoints.py")


def run_tool(*flags):
    return subprocess.run([sys.executable, TOOL, *flags], capture_output=True, text=True, cwd=REPO, timeout=120)


def test_averages_the_last_passes_into_a_checkpoint_that_decodes(tiny_model, tmp_path, capsys):  # noqa: F811
    checkpoint_dir = os.path.dirname(tiny_model["model_path"])
    passes = sorted(int(name.split("-")[1]) for name in os.listdir(checkpoint_dir) if name.startswith("params.pass-"))
    output = tmp_path / "params.avg"
    result = run_tool("--checkpoint_dir", checkpoint_dir, "--num_last", "3", "--output_path", str(output))
    assert result.returncode == 0, result.stderr
    sources = [os.path.join(checkpoint_dir, f"params.pass-{n}") for n in passes[-3:]]
    states = [paddle.load(os.path.join(path, "model.pdparams")) for path in sources]
    averaged = paddle.load(str(output / "model.pdparams"))
    assert set(averaged) == set(states[-1])
    changed = 0
    for name, value in averaged.items():
        expected = np.mean([state[name].numpy() for state in states], axis=0)
        np.testing.assert_allclose(value.numpy(), expected, rtol=1e-6, atol=1e-7, err_msg=name)
        changed += not np.array_equal(value.numpy(), states[-1][name].numpy())
    assert changed > 0, "the mean equals the last checkpoint: nothing was averaged"
    assert json.loads((output / "state.json").read_text())["averaged_from"] == sources
    for name in ("config.json", "vocab.txt", "mean_std.npz"):
        assert (output / name).read_bytes() == open(os.path.join(sources[-1], name), "rb").read()
    transcript = infer_transcript({**tiny_model, "model_path": str(output)}, tiny_model["entries"][0]["audio_filepath"],
                                  capsys)
    assert transcript.strip(), "the averaged model decodes to nothing"


def test_bad_requests_fail_clearly_and_leave_no_output(tiny_model, tmp_path):  # noqa: F811
    checkpoint_dir = os.path.dirname(tiny_model["model_path"])
    output = tmp_path / "params.avg"
    result = run_tool("--checkpoint_dir", checkpoint_dir, "--num_last", "99", "--output_path", str(output))
    assert result.returncode != 0 and "99 asked for" in result.stderr and checkpoint_dir in result.stderr
    result = run_tool("--model_paths", f"{checkpoint_dir}/params.pass-0,{tmp_path}/missing", "--output_path",
                      str(output))
    assert result.returncode != 0 and f"{tmp_path}/missing" in result.stderr
    assert not output.exists()

    other = DeepSpeech2Model.from_checkpoint(tiny_model["model_path"])
    network = other.config["network"]
    config = {**other.config, "network": {**network, "rnn_size": network["rnn_size"] // 2}}
    small = DeepSpeech2Model(other.vocab_list, config)
    different = tmp_path / "params.other"
    save_checkpoint(str(different), network=small.network,
                    optimizer=paddle.optimizer.Adam(parameters=small.network.parameters()), train_state={},
                    state={"pass_id": 0}, config=small.config, vocab_path=other.vocab_path,
                    mean_std_path=other.mean_std_path)
    with pytest.raises(CheckpointError, match="not the same network"):
        average_checkpoints([str(different), tiny_model["model_path"]], str(output))
    assert not output.exists() and not [name for name in os.listdir(tmp_path) if name.startswith(".params.avg")]
