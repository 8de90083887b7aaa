"""Clips shorter than the network's receptive field (a beep, a cut of one short word) are padded and decoded by
test.py, infer.py and the model; truly unusable audio keeps its clear error (issue #24)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile

import infer
import test as test_cli
from data_utils.audio import AudioSegment
from model_fixture import tiny_model  # noqa: F401  (the fixture)
from model_utils.decoding import run_cli
from model_utils.model import DeepSpeech2Model
from model_utils.recognizer import Recognizer
from test_cli_decode import transcript_lm
from tiny_corpus import write_manifest_lines

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RATE = 16000


def short_clips(model_info: dict, directory) -> dict:
    """A cut from the middle of a fixture utterance and a 1 kHz beep, each half the receptive field long."""
    model = DeepSpeech2Model.from_checkpoint(model_info["model_path"])
    frames = model.receptive_field // 2
    samples = (frames - 1) * 160 + 320  # 10 ms stride, 20 ms window at 16 kHz
    speech = AudioSegment.from_file(model_info["entries"][0]["audio_filepath"]).samples
    middle = len(speech) // 2
    paths = {"speech": str(directory / "cut.wav"), "beep": str(directory / "beep.wav")}
    soundfile.write(paths["speech"], speech[middle:middle + samples], RATE)
    soundfile.write(paths["beep"], 0.5 * np.sin(2 * np.pi * 1000 * np.arange(samples) / RATE), RATE)
    return paths


@pytest.fixture(scope="module")
def clips(tiny_model, tmp_path_factory):  # noqa: F811
    return short_clips(tiny_model, tmp_path_factory.mktemp("short"))


def recognizer(model_info: dict) -> Recognizer:
    argv = [f"--model_path={model_info['model_path']}", "--decoding_method=ctc_greedy", "--use_gpu=False"]
    return Recognizer.from_args(infer.parser.parse_args(argv), {})


def test_clips_are_shorter_than_the_receptive_field(tiny_model, clips):  # noqa: F811
    rec = recognizer(tiny_model)
    for path in clips.values():
        assert 0 < len(rec.features(AudioSegment.from_file(path), path)) < rec.model.receptive_field


def test_padding_a_short_utterance_leaves_the_others_alone(tiny_model, clips):  # noqa: F811
    rec = recognizer(tiny_model)
    short = rec.features(AudioSegment.from_file(clips["speech"]))
    long = rec.features(AudioSegment.from_file(tiny_model["entries"][1]["audio_filepath"]))
    batch = np.zeros((2, len(long), long.shape[1]), dtype=np.float32)
    batch[0, :len(short)], batch[1] = short, long
    together = rec.model.infer_batch_probs(batch, np.array([len(short), len(long)]))
    field = rec.model.receptive_field
    padded = np.zeros((1, field, short.shape[1]), dtype=np.float32)
    padded[0, :len(short)] = short
    alone = rec.model.forward_probs(padded, np.array([field]))[0]
    assert len(together[0]) == rec.model.output_frames(field)
    np.testing.assert_allclose(together[0], alone, atol=1e-5)
    np.testing.assert_allclose(together[1], rec.model.infer_batch_probs(long[None], np.array([len(long)]))[0],
                               atol=1e-5)


@pytest.mark.parametrize("method", ["ctc_greedy", "ctc_beam_search"])
def test_test_py_scores_every_utterance_with_short_ones_among_them(method, tiny_model, clips, tmp_path,  # noqa: F811
                                                                   capsys):
    # The beep's transcript is longer than its frames could align: decoding needs no alignment.
    entries = [dict(tiny_model["entries"][0], text="the"), *tiny_model["entries"][1:4],
               {"audio_filepath": clips["beep"], "duration": 0.06, "text": "hot tea"}]
    entries[0]["audio_filepath"] = clips["speech"]
    manifest = write_manifest_lines(str(tmp_path / "manifest"), entries)
    output = tmp_path / "results.jsonl"
    lm = transcript_lm(tiny_model, tmp_path) if method == "ctc_beam_search" else ""
    flags = [f"--model_path={tiny_model['model_path']}", "--use_gpu=False", "--num_proc_data=0",
             f"--test_manifest={manifest}", f"--decoding_method={method}", "--batch_size=2", "--beam_size=20",
             "--num_proc_bsearch=1", f"--output_file={output}", f"--lang_model_path={lm}"]
    rate = test_cli.main(flags)
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [r["audio_filepath"] for r in records] == [e["audio_filepath"] for e in entries]
    assert np.isfinite(rate)
    assert f"({len(entries)}/{len(entries)})" in capsys.readouterr().out


def test_infer_py_transcribes_a_short_file_and_exits_0(tiny_model, clips):  # noqa: F811
    for path in clips.values():
        result = subprocess.run([sys.executable, "infer.py", f"--model_path={tiny_model['model_path']}",
                                 f"--audio_file={path}", "--decoding_method=ctc_greedy", "--use_gpu=False"],
                                cwd=REPO, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert result.stdout.endswith("\n") and len(result.stdout.splitlines()) == 1  # the transcript, maybe empty


def test_infer_py_manifest_with_a_short_clip(tiny_model, clips, tmp_path, capsys):  # noqa: F811
    entries = [{"audio_filepath": clips["speech"], "duration": 0.06, "text": "the"}, tiny_model["entries"][2]]
    manifest = write_manifest_lines(str(tmp_path / "manifest"), entries)
    infer.main([f"--model_path={tiny_model['model_path']}", "--use_gpu=False", "--num_proc_data=0",
                f"--infer_manifest={manifest}", "--decoding_method=ctc_greedy"])
    out = capsys.readouterr().out
    assert out.count("Output Transcription:") == 2 and "Current error rate" in out


@pytest.mark.parametrize("samples, reason", [(0, "empty"), (80, "shorter than one")])
def test_audio_without_a_feature_frame_keeps_its_clear_error(samples, reason, tiny_model, tmp_path,  # noqa: F811
                                                             monkeypatch, capsys):
    path = tmp_path / "unusable.wav"
    soundfile.write(path, np.full(samples, 0.1, dtype=np.float32), RATE)
    argv = [f"--model_path={tiny_model['model_path']}", "--use_gpu=False", "--decoding_method=ctc_greedy"]
    monkeypatch.setattr(sys, "argv", ["infer.py", *argv, f"--audio_file={path}"])
    with pytest.raises(SystemExit):
        run_cli(infer.main)
    err = capsys.readouterr().err
    assert str(path) in err and reason in err
    manifest = write_manifest_lines(str(tmp_path / "manifest"), [
        tiny_model["entries"][0], {"audio_filepath": str(path), "duration": samples / RATE, "text": "hot tea"}])
    monkeypatch.setattr(sys, "argv", ["test.py", *argv, "--num_proc_data=0", f"--test_manifest={manifest}"])
    with pytest.raises(SystemExit):
        run_cli(test_cli.main)
    err = capsys.readouterr().err
    assert f"{manifest}:2:" in err and reason in err
