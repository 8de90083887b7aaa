"""Export round trip: the static model gives the dygraph network's logits on variable-length input."""
import os
import subprocess
import sys

import numpy as np
import paddle
import pytest

from model_utils.checkpoint import save_checkpoint
from model_utils.inference import ExportedNetwork, export_network, model_file
from model_utils.model import DeepSpeech2Model
from model_utils.network import DeepSpeech2

FEAT = 21
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def batches():
    rng = np.random.default_rng(0)
    for lengths in ([37, 20, 4], [9]):  # two batch sizes and lengths through one exported model
        yield rng.standard_normal((len(lengths), max(lengths), FEAT)).astype("float32"), np.array(lengths, "int64")


def dygraph(network, audio, audio_len):
    network.eval()
    logits, out_len = network(paddle.to_tensor(audio), paddle.to_tensor(audio_len))
    return logits.numpy(), out_len.numpy()


@pytest.mark.parametrize("use_gru,use_onednn,online", [(True, False, False), (False, True, False),
                                                      (True, False, True)])
def test_exported_network_matches_dygraph(tmp_path, use_gru, use_onednn, online):
    paddle.seed(2)
    network = DeepSpeech2(FEAT, 5, num_conv_layers=2, num_rnn_layers=2, rnn_size=16, use_gru=use_gru, online=online)
    network.train()
    network(*[paddle.to_tensor(a) for a in next(batches())])  # non-trivial batch-norm statistics
    if online:  # row-convolution taps that mix the future in
        network.row_conv.weight.set_value(np.random.default_rng(2).standard_normal(network.row_conv.weight.shape)
                                          .astype("float32"))
    export_network(network, FEAT, str(tmp_path / "model"))
    assert os.path.exists(model_file(str(tmp_path / "model")))
    exported = ExportedNetwork(str(tmp_path / "model"), use_onednn=use_onednn)
    for audio, audio_len in batches():
        logits, out_len = exported(audio, audio_len)
        expected_logits, expected_len = dygraph(network, audio, audio_len)
        np.testing.assert_array_equal(out_len, expected_len)
        np.testing.assert_allclose(logits, expected_logits, atol=1e-5, rtol=0)


def test_export_tool_exports_a_checkpoint(tmp_path):
    vocab = ["a", "b", " ", "'"]
    (tmp_path / "vocab.txt").write_text("".join(v + "\n" for v in vocab))
    np.savez(tmp_path / "mean_std.npz", mean=np.zeros(FEAT), std=np.ones(FEAT))
    config = {"feat_size": FEAT, "network": dict(num_conv_layers=1, num_rnn_layers=1, rnn_size=8, use_gru=True,
                                                 share_rnn_weights=False), "feature": {}}
    paddle.seed(3)
    model = DeepSpeech2Model(vocab, config)
    optimizer = paddle.optimizer.Adam(parameters=model.network.parameters())
    checkpoint = tmp_path / "params.latest"
    save_checkpoint(str(checkpoint), network=model.network, optimizer=optimizer, train_state={}, state={},
                    config=model.config, vocab_path=str(tmp_path / "vocab.txt"),
                    mean_std_path=str(tmp_path / "mean_std.npz"))
    out = tmp_path / "exported"
    subprocess.run([sys.executable, os.path.join(REPO, "tools", "export_model.py"), "--model_path", str(checkpoint),
                    "--output_dir", str(out)], check=True, capture_output=True)
    assert {"vocab.txt", "mean_std.npz", "config.json"} <= set(os.listdir(out))
    exported = ExportedNetwork(str(out / "model"))
    reloaded = DeepSpeech2Model.from_checkpoint(str(checkpoint)).network
    for audio, audio_len in batches():
        logits, _ = exported(audio, audio_len)
        np.testing.assert_allclose(logits, dygraph(reloaded, audio, audio_len)[0], atol=1e-5, rtol=0)


def test_missing_export_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing"):
        model_file(str(tmp_path / "nothing"))
