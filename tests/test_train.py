"""train.py end to end on a tiny network and a few espeak-ng utterances: learning, checkpoints, resume, bad input."""
import json
import os
import shutil

import numpy as np
import paddle
import pytest

import train
from data_utils.data import BadUtteranceError
from model_utils import checkpoint as ckpt
from model_utils import trainer as trainer_module
from model_utils.model import DeepSpeech2Model
from tiny_corpus import make_corpus, train_argv, write_manifest_lines

NUM_PASSES = 3


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_corpus(str(tmp_path_factory.mktemp("corpus")))


@pytest.fixture(scope="module")
def full_run(corpus, tmp_path_factory):
    """An uninterrupted run, with data-loading worker processes and the longest-batch check."""
    out = str(tmp_path_factory.mktemp("full"))
    history = train.main(train_argv(corpus, out, num_passes=NUM_PASSES, num_proc_data=2, check_longest_batch=True))
    return out, history


def weights(path):
    return {name: np.asarray(value) for name, value in paddle.load(os.path.join(path, ckpt.MODEL_FILE)).items()}


def assert_same_weights(path_a, path_b, atol=1e-6):
    a, b = weights(path_a), weights(path_b)
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_allclose(a[name], b[name], rtol=0, atol=atol, err_msg=name)


def test_loss_goes_down_and_outputs_are_written(full_run):
    out, history = full_run
    assert [record["pass"] for record in history] == list(range(NUM_PASSES))
    assert history[-1]["train_loss"] < 0.8 * history[0]["train_loss"]
    assert history[-1]["dev_loss"] < history[0]["dev_loss"]
    assert all(0.0 <= record["dev_cer"] <= 1.5 for record in history)
    for name in [f"params.pass-{i}" for i in range(NUM_PASSES)] + ["params.latest"]:
        assert sorted(os.listdir(os.path.join(out, name))) == sorted(
            [ckpt.MODEL_FILE, ckpt.OPTIMIZER_FILE, ckpt.TRAIN_STATE_FILE, ckpt.STATE_FILE, ckpt.CONFIG_FILE,
             ckpt.VOCAB_FILE, ckpt.MEAN_STD_FILE])
    with open(os.path.join(out, "learning_curve.png"), "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    with open(os.path.join(out, "train.log"), encoding="utf-8") as handle:
        log = handle.read()
    assert "longest batch fits" in log and "dev_cer=" in log
    assert not [name for name in os.listdir(out) if name.startswith(".")]  # no temp or .old leftovers
    state = json.load(open(os.path.join(out, "params.latest", ckpt.STATE_FILE)))
    assert state["progress"]["pass_id"] == NUM_PASSES and state["progress"]["batches_done"] == 0


def test_checkpoint_rebuilds_the_network_without_flags(full_run, corpus):
    out, _ = full_run
    model = DeepSpeech2Model.from_checkpoint(os.path.join(out, "params.latest"))
    assert model.config["network"]["rnn_size"] == 32 and model.vocab_list[0] == " "
    features = np.random.default_rng(0).standard_normal((2, 90, model.config["feat_size"])).astype(np.float32)
    probs = model.infer_batch_probs(features, np.array([90, 60]))
    assert [p.shape for p in probs] == [(30, 29), (20, 29)]
    np.testing.assert_allclose([p.sum(axis=1) for p in probs][1], 1.0, atol=1e-5)
    with pytest.raises(ckpt.CheckpointError, match="rnn_layer_size=64 but the checkpoint has 32"):
        DeepSpeech2Model.from_checkpoint(os.path.join(out, "params.latest"), {"rnn_layer_size": 64})
    with pytest.raises(ckpt.CheckpointError, match="rnn_layer_size=64"):
        train.main(train_argv(corpus, out, init_model_path=os.path.join(out, "params.pass-0"), rnn_layer_size=64))


def test_weights_only_start_trains_from_pass_0_without_sortagrad(full_run, corpus, tmp_path):
    out, history = full_run
    weights_file = os.path.join(out, f"params.pass-{NUM_PASSES - 1}", ckpt.MODEL_FILE)
    tuned = train.main(train_argv(corpus, str(tmp_path), num_passes=1, init_model_path=weights_file))
    assert [record["pass"] for record in tuned] == [0]
    assert tuned[0]["train_loss"] < history[0]["train_loss"]  # it starts from the trained weights
    state = json.load(open(tmp_path / "params.latest" / ckpt.STATE_FILE))
    assert state["sampler"]["sortagrad"] is False and state["progress"]["pass_id"] == 1


def test_resume_after_a_pass_matches_the_uninterrupted_run(full_run, corpus, tmp_path):
    out, history = full_run
    train.main(train_argv(corpus, str(tmp_path), num_passes=1))
    resumed = train.main(train_argv(corpus, str(tmp_path), num_passes=NUM_PASSES,
                                    init_model_path=str(tmp_path / "params.pass-0")))
    assert_same_weights(os.path.join(out, f"params.pass-{NUM_PASSES - 1}"),
                        str(tmp_path / f"params.pass-{NUM_PASSES - 1}"))
    assert resumed[-1]["train_loss"] == pytest.approx(history[-1]["train_loss"], rel=1e-5)


class Killed(Exception):
    """Stands in for a kill right after a checkpoint write."""


def test_resume_mid_pass_from_latest_matches_the_uninterrupted_run(full_run, corpus, tmp_path, monkeypatch):
    out, _ = full_run
    real_save = trainer_module.save_checkpoint

    def save_then_die(path, **kwargs):
        real_save(path, **kwargs)
        progress = kwargs["state"]["progress"]
        if progress["pass_id"] == 1 and progress["batches_done"] == 1:
            raise Killed(path)

    monkeypatch.setattr(trainer_module, "save_checkpoint", save_then_die)
    with pytest.raises(Killed):
        train.main(train_argv(corpus, str(tmp_path), num_passes=NUM_PASSES, save_every=1))
    monkeypatch.setattr(trainer_module, "save_checkpoint", real_save)
    assert not (tmp_path / "params.pass-1").exists()
    train.main(train_argv(corpus, str(tmp_path), num_passes=NUM_PASSES,
                          init_model_path=str(tmp_path / "params.latest")))
    assert_same_weights(os.path.join(out, f"params.pass-{NUM_PASSES - 1}"),
                        str(tmp_path / f"params.pass-{NUM_PASSES - 1}"))


def test_checkpoint_writes_are_atomic(full_run, corpus, tmp_path, monkeypatch):
    out, _ = full_run
    target = tmp_path / "params.latest"
    shutil.copytree(os.path.join(out, "params.pass-0"), target)
    before = weights(str(target))
    model = DeepSpeech2Model.from_checkpoint(os.path.join(out, "params.latest"))
    optimizer = paddle.optimizer.Adam(parameters=model.network.parameters())
    save = dict(network=model.network, optimizer=optimizer, train_state={"scaler": {}}, state={"progress": {}},
                config=model.config, vocab_path=corpus["vocab"], mean_std_path=corpus["mean_std"])
    real_paddle_save = paddle.save

    def failing_save(obj, path, *args, **kwargs):
        if path.endswith(ckpt.OPTIMIZER_FILE):
            real_paddle_save(obj, path, *args, **kwargs)
            raise OSError("disk full")
        return real_paddle_save(obj, path, *args, **kwargs)

    monkeypatch.setattr(ckpt.paddle, "save", failing_save)
    with pytest.raises(OSError, match="disk full"):
        ckpt.save_checkpoint(str(target), **save)
    monkeypatch.setattr(ckpt.paddle, "save", real_paddle_save)
    loaded = ckpt.load_checkpoint(str(target))
    assert loaded.state["progress"]["pass_id"] == 1
    assert weights(str(target)).keys() == before.keys()
    assert sorted(os.listdir(tmp_path)) == ["params.latest"]

    # a kill between the two renames leaves only .params.latest.old: it is loaded, and the next save recovers
    os.rename(target, tmp_path / ".params.latest.old")
    assert ckpt.load_checkpoint(str(target)).state["progress"]["pass_id"] == 1
    ckpt.save_checkpoint(str(target), **save)
    assert sorted(os.listdir(tmp_path)) == ["params.latest"]
    assert ckpt.load_checkpoint(str(target)).state == {"progress": {}}


def test_bad_utterances_are_skipped_and_counted_or_named(corpus, tmp_path, caplog):
    entries = [dict(entry) for entry in corpus["entries"][:8]]
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF not really a wave file")
    entries[1]["audio_filepath"] = str(tmp_path / "missing.wav")
    entries[3]["text"] = "caf\u00e9 au lait"
    entries[5]["audio_filepath"] = str(broken)
    manifest = write_manifest_lines(str(tmp_path / "manifest.bad"), entries)
    argv = train_argv(corpus, str(tmp_path / "out"), train_manifest=manifest, num_passes=1, test_off=True)
    with caplog.at_level("WARNING"):
        history = train.main(argv)
    messages = [record.getMessage() for record in caplog.records]
    assert any(f"{manifest}:2: audio file" in m and "does not exist" in m for m in messages)
    assert any(f"{manifest}:4:" in m and "\u00e9" in m for m in messages)
    assert any(f"{manifest}:6:" in m for m in messages)
    assert history[0]["bad_utterances"] == 1  # the unreadable file, found while loading
    with pytest.raises(BadUtteranceError, match=f"{manifest}:2: audio file"):
        train.main(argv + ["--skip_bad_utterances=False"])
    del entries[1], entries[2]
    manifest = write_manifest_lines(str(tmp_path / "manifest.corrupt"), entries)
    with pytest.raises(BadUtteranceError, match=f"{manifest}:4: .*cannot decode"):
        train.main(train_argv(corpus, str(tmp_path / "out2"), train_manifest=manifest, num_passes=1,
                              test_off=True, skip_bad_utterances=False))


def test_too_few_utterances_for_one_clipped_batch_is_a_clear_error(corpus, tmp_path):
    with pytest.raises(ValueError, match="12 usable utterances make no batch of 16"):
        train.main(train_argv(corpus, str(tmp_path), batch_size=16, use_sortagrad=False, test_off=True))


def test_greedy_fallback_agrees_with_the_cpp_decoder_and_beam_search_runs():
    swig = pytest.importorskip("decoders.swig_wrapper", reason="the C++ decoder is not built")
    from model_utils.ctc_decoder import CTCDecoder, DecodingOptions, greedy_numpy
    vocab = [" ", "a", "b", "c"]
    rng = np.random.default_rng(0)
    for _ in range(20):
        best = rng.integers(0, len(vocab) + 1, size=rng.integers(1, 30))  # repeats and blanks (index 4) included
        probs = np.full((len(best), len(vocab) + 1), 0.05, dtype=np.float32)
        probs[np.arange(len(best)), best] = 0.8
        assert greedy_numpy(probs, vocab) == swig.ctc_greedy_decoder(probs, vocab)
    clear = np.eye(len(vocab) + 1, dtype=np.float32)[[1, 4, 2, 2, 4, 3]]  # "a", blank, "b", "b", blank, "c"
    assert CTCDecoder(vocab, DecodingOptions(decoding_method="ctc_greedy")).decode_batch([clear]) == ["abc"]
    beam = CTCDecoder(vocab, DecodingOptions(beam_size=4, num_proc_bsearch=1, lang_model_path=""))
    assert beam.decode_batch([clear, clear[:1]]) == ["abc", "a"]
