"""Online DS2: streamed outputs equal the whole-utterance forward, the latency is exact, its checkpoint reloads
as online (old ones as offline), and an offline model refuses to stream. (That an online network trains, keeps
padded batches exact and exports is in test_network.py and test_export.py, beside the offline cases.)"""
import json

import numpy as np
import paddle
import pytest

import test as test_cli
import train
from model_utils.checkpoint import CheckpointError, explicit_flags, save_checkpoint
from model_utils.decoding import ExportedModel
from model_utils.inference import export_network
from model_utils.model import DeepSpeech2Model, make_config
from model_utils.network import ROW_CONV_CONTEXT
from model_utils.streaming import StreamingForward

FEAT = 80
VOCAB = list("abcdefgh '")
# none, under the conv context (20), under the receptive field (41), and lengths that the stride (3) does not divide
LENGTHS = [0, 5, 30, 41, 100, 161]


def make_model(use_gru: bool, online: bool = True, seed: int = 7) -> DeepSpeech2Model:
    """A small random model in eval mode with non-trivial batch-norm statistics and row-convolution taps."""
    paddle.seed(seed)
    network = dict(num_conv_layers=2, num_rnn_layers=2, rnn_size=64, use_gru=use_gru, share_rnn_weights=True,
                   online=online)
    model = DeepSpeech2Model(VOCAB, {"feat_size": FEAT, "network": network, "feature": {}})
    rng = np.random.default_rng(seed)
    model.network.train()
    with paddle.no_grad():
        model.network(paddle.to_tensor(rng.standard_normal((2, 60, FEAT)).astype("float32") + 0.5),
                      paddle.to_tensor(np.array([60, 45], dtype="int64")))
    if online:
        row_conv = model.network.row_conv.weight
        row_conv.set_value(rng.standard_normal(row_conv.shape).astype("float32"))
    model.network.eval()
    return model


def whole_utterance_probs(model: DeepSpeech2Model, features: np.ndarray) -> np.ndarray:
    """forward_probs of the utterance, first zero-padded up to the receptive field as decoding pads it."""
    padded = np.pad(features, ((0, max(0, model.receptive_field - len(features))), (0, 0)))
    return model.forward_probs(padded[None], np.array([len(padded)], dtype="int64"))[0]


def chunk_sizes(total: int, how: str, rng: np.random.Generator) -> list[int]:
    if how == "whole":
        return [total]
    if how == "random":
        sizes = rng.integers(1, 50, size=total).tolist()
    else:
        sizes = [int(how)] * total
    bounds = np.minimum(np.cumsum([0] + sizes), total)
    return [int(size) for size in np.diff(bounds) if size > 0]


def stream(streamer: StreamingForward, features: np.ndarray, sizes: list[int]) -> np.ndarray:
    pieces, start = [], 0
    for size in sizes:
        pieces.append(streamer.accept(features[start:start + size]))
        start += size
    pieces.append(streamer.finish())
    return np.concatenate(pieces)


@pytest.fixture(scope="module", params=[True, False], ids=["gru", "simple_rnn"])
def model(request) -> DeepSpeech2Model:
    return make_model(use_gru=request.param)


@pytest.mark.parametrize("how", ["1", "7", "16", "64", "random", "whole"])
def test_streamed_outputs_equal_the_whole_utterance_forward(model, how):
    rng = np.random.default_rng(len(how))
    streamer = StreamingForward(model)  # one stream for all utterances: finish() must reset it
    for length in LENGTHS:
        features = rng.standard_normal((length, FEAT)).astype("float32")
        expected = whole_utterance_probs(model, features)
        streamed = stream(streamer, features, chunk_sizes(length, how, rng))
        assert streamed.shape == expected.shape == (model.output_frames(max(length, model.receptive_field)),
                                                    len(VOCAB) + 1)
        np.testing.assert_allclose(streamed, expected, atol=1e-5, rtol=0)


def test_each_output_comes_as_soon_as_its_look_ahead_has_arrived(model):
    streamer = StreamingForward(model)
    latency, stride = streamer.latency_frames, model.network.time_stride
    assert latency == 20 + 3 * ROW_CONV_CONTEXT  # the two conv layers' 200 ms and the default row-convolution frames
    features = np.random.default_rng(3).standard_normal((120, FEAT)).astype("float32")
    emitted = 0
    for frame in range(len(features)):
        emitted += len(streamer.accept(features[frame:frame + 1]))
        assert emitted == max(0, (frame - latency) // stride + 1), frame
    streamer.finish()
    # and no sooner: output j changes with input frame stride * j + latency, and with no later frame
    j = 10
    probs = whole_utterance_probs(model, features)
    changed = features.copy()
    changed[stride * j + latency] += 1.0
    assert np.abs(whole_utterance_probs(model, changed)[j] - probs[j]).max() > 1e-4
    changed = features.copy()
    changed[stride * j + latency + 1:] += 1.0
    # the two forwards round differently in float32 (seen: 1.2e-6); a real dependence moves an output by over 1e-4
    np.testing.assert_allclose(whole_utterance_probs(model, changed)[:j + 1], probs[:j + 1], atol=1e-5, rtol=0)


def test_an_offline_model_refuses_to_stream():
    with pytest.raises(ValueError, match="offline model.*bidirectional.*--online True"):
        StreamingForward(make_model(use_gru=True, online=False))


def test_an_exported_model_refuses_to_stream(model, tmp_path):
    export_network(model.network, FEAT, str(tmp_path / "model"))
    (tmp_path / "config.json").write_text(json.dumps(model.config))
    (tmp_path / "vocab.txt").write_text("".join(token + "\n" for token in VOCAB))
    exported = ExportedModel(str(tmp_path), {}, use_gpu=False)
    with pytest.raises(ValueError, match="exported model.*load the checkpoint"):
        StreamingForward(exported)


def test_wrongly_shaped_frames_are_a_clear_error(model):
    with pytest.raises(ValueError, match=r"\[n, 80\]"):
        StreamingForward(model).accept(np.zeros((4, 13), dtype="float32"))


def save(model: DeepSpeech2Model, config: dict, directory) -> str:
    (directory / "vocab.txt").write_text("".join(token + "\n" for token in VOCAB))
    np.savez(directory / "mean_std.npz", mean=np.zeros(FEAT), std=np.ones(FEAT))
    path = str(directory / "params.latest")
    save_checkpoint(path, network=model.network, optimizer=paddle.optimizer.Adam(parameters=model.network.parameters()),
                    train_state={}, state={}, config=config, vocab_path=str(directory / "vocab.txt"),
                    mean_std_path=str(directory / "mean_std.npz"))
    return path


def test_train_flags_make_an_online_checkpoint_that_reloads_as_online(tmp_path):
    argv = ["--online", "True", "--row_conv_context", "3", "--use_gru", "True", "--rnn_layer_size", "16",
            "--num_rnn_layers", "1", "--specgram_type", "fbank"]
    model = DeepSpeech2Model(VOCAB, make_config(train.parser.parse_args(argv)))
    assert model.network.online and model.network.row_conv.context == 3
    path = save(model, model.config, tmp_path)
    reloaded = DeepSpeech2Model.from_checkpoint(path, explicit_flags(test_cli.parser, ["--online", "True"]))
    assert reloaded.network.online and reloaded.config["network"]["row_conv_context"] == 3
    features = np.random.default_rng(0).standard_normal((1, 50, reloaded.config["feat_size"])).astype("float32")
    np.testing.assert_array_equal(reloaded.forward_probs(features, [50])[0], model.forward_probs(features, [50])[0])
    assert len(StreamingForward(reloaded).accept(features[0])) > 0
    with pytest.raises(CheckpointError, match="--online=False but the checkpoint has True"):
        DeepSpeech2Model.from_checkpoint(path, explicit_flags(test_cli.parser, ["--online", "False"]))


def test_a_checkpoint_without_the_online_setting_is_offline(tmp_path):
    model = make_model(use_gru=True, online=False)
    config = json.loads(json.dumps(model.config))
    for key in ("online", "row_conv_context"):
        config["network"].pop(key, None)
    path = save(model, config, tmp_path)
    reloaded = DeepSpeech2Model.from_checkpoint(path, explicit_flags(test_cli.parser, ["--online", "False"]))
    assert not reloaded.network.online
    with pytest.raises(CheckpointError, match="--online=True but the checkpoint has False"):
        DeepSpeech2Model.from_checkpoint(path, explicit_flags(test_cli.parser, ["--online", "True"]))
