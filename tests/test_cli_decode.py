"""infer.py, test.py and tools/tune.py: bad input ends in one clear line naming the file, and test.py's
results file; the network/decoder overlap of model_utils.decoding; word timings (CTCDecoder.decode_batch_words,
test.py's "words", infer.py --timestamps)."""
import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from data_utils.manifest import read_manifest
from decoders.tests.test_streaming import CAT_VOCABULARY, cat_probs
import infer
import test as test_cli
from model_fixture import tiny_model  # noqa: F401  (the fixture)
from model_utils import ctc_decoder, decoding
from model_utils.ctc_decoder import DECODING_METHODS, CTCDecoder, DecodingOptions
from models.lm.train_lm import train_arpa
from utils.error_rate import word_errors

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tools"))
import export_model  # noqa: E402
import tune  # noqa: E402

CLIS = {"infer.py": infer.main, "test.py": test_cli.main, "tools/tune.py": tune.main}
MANIFEST_FLAG = {"infer.py": "--infer_manifest", "test.py": "--test_manifest", "tools/tune.py": "--tune_manifest"}


def cli_error(script: str, argv: list[str], monkeypatch, capsys) -> str:
    """Run ``script``'s main as its command line does; assert exit status 1 and return the stderr line."""
    monkeypatch.setattr(sys, "argv", [script, *argv])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        decoding.run_cli(CLIS[script])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith(f"{os.path.basename(script)}: error: ")
    return err


def greedy_flags(model: dict, script: str, manifest: str | None = None) -> list[str]:
    flags = [f"--model_path={model['model_path']}", "--use_gpu=False", "--num_proc_data=0",
             f"{MANIFEST_FLAG[script]}={manifest or model['manifest']}"]
    if script == "tools/tune.py":  # tuning always beam-searches; its errors come before the LM is needed
        return flags + ["--lang_model_path=", "--num_alphas=1", "--num_betas=1"]
    return flags + ["--decoding_method=ctc_greedy"]


@pytest.mark.parametrize("script", ["infer.py", "test.py"])
def test_missing_model_names_the_path(script, tiny_model, tmp_path, monkeypatch, capsys):  # noqa: F811
    missing = str(tmp_path / "no_such_checkpoint")
    flags = greedy_flags(tiny_model, script)
    flags[0] = f"--model_path={missing}"
    assert missing in cli_error(script, flags, monkeypatch, capsys)


def test_tune_without_language_model_is_refused(tiny_model, monkeypatch, capsys):  # noqa: F811
    err = cli_error("tools/tune.py", greedy_flags(tiny_model, "tools/tune.py"), monkeypatch, capsys)
    assert "--lang_model_path" in err


def test_missing_language_model_names_the_path(tiny_model, tmp_path, monkeypatch, capsys):  # noqa: F811
    missing = str(tmp_path / "missing.klm")
    flags = greedy_flags(tiny_model, "test.py")[:-1] + ["--decoding_method=ctc_beam_search",
                                                          f"--lang_model_path={missing}"]
    assert missing in cli_error("test.py", flags, monkeypatch, capsys)


@pytest.mark.parametrize("script", ["infer.py", "test.py"])
def test_vocabulary_that_does_not_match_the_model(script, tiny_model, tmp_path, monkeypatch, capsys):  # noqa: F811
    with open(tiny_model["vocab"], encoding="utf-8") as handle:
        tokens = handle.read().splitlines()
    other = tmp_path / "vocab.txt"
    other.write_text("\n".join(reversed(tokens)) + "\n", encoding="utf-8")  # same tokens, other indices
    err = cli_error(script, greedy_flags(tiny_model, script) + [f"--vocab_path={other}"], monkeypatch, capsys)
    assert str(other) in err and "not the one" in err


def test_network_flag_that_contradicts_the_checkpoint(tiny_model, monkeypatch, capsys):  # noqa: F811
    err = cli_error("test.py", greedy_flags(tiny_model, "test.py") + ["--rnn_layer_size=999"], monkeypatch, capsys)
    assert "--rnn_layer_size=999" in err


def write_lines(path, lines: list[str]) -> str:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("script", ["infer.py", "test.py"])
def test_manifest_with_a_bad_line(script, tiny_model, tmp_path, monkeypatch, capsys):  # noqa: F811
    good = json.dumps(tiny_model["entries"][0])
    manifest = write_lines(tmp_path / "manifest", [good, "{not json"])
    err = cli_error(script, greedy_flags(tiny_model, script, manifest), monkeypatch, capsys)
    assert f"{manifest}:2:" in err


def test_manifest_naming_missing_audio(tiny_model, tmp_path, monkeypatch, capsys):  # noqa: F811
    entry = dict(tiny_model["entries"][0], audio_filepath=str(tmp_path / "gone.wav"))
    manifest = write_lines(tmp_path / "manifest", [json.dumps(tiny_model["entries"][1]), json.dumps(entry)])
    err = cli_error("test.py", greedy_flags(tiny_model, "test.py", manifest), monkeypatch, capsys)
    assert f"{manifest}:2:" in err and "gone.wav" in err


def test_unreadable_audio_file(tiny_model, tmp_path, monkeypatch, capsys):  # noqa: F811
    bad = tmp_path / "noise.wav"
    bad.write_bytes(b"RIFF this is not a wave file")
    flags = greedy_flags(tiny_model, "infer.py") + [f"--audio_file={bad}"]
    assert str(bad) in cli_error("infer.py", flags, monkeypatch, capsys)


def transcript_lm(tiny_model: dict, tmp_path) -> str:
    """A bigram ARPA LM trained on the tiny model's transcripts."""
    (tmp_path / "text.txt").write_text("".join(entry["text"] + "\n" for entry in read_manifest(tiny_model["manifest"])))
    train_arpa(str(tmp_path / "text.txt"), str(tmp_path / "lm.arpa"), order=2)
    return str(tmp_path / "lm.arpa")


@pytest.mark.parametrize("value", ["True", "False"])
def test_end_of_sentence_flag_reaches_the_scorer(tiny_model, tmp_path, value):  # noqa: F811
    args = test_cli.parser.parse_args([f"--model_path={tiny_model['model_path']}", f"--lm_end_of_sentence={value}",
                                       f"--lang_model_path={transcript_lm(tiny_model, tmp_path)}"])
    decoder = decoding.make_decoder(decoding.load_model(args, {}), args)
    assert decoder.scorer.end_of_sentence is (value == "True")


def test_blank_penalty_flag_reaches_the_beam_search(tiny_model, tmp_path):  # noqa: F811
    flags = [f"--model_path={tiny_model['model_path']}", f"--lang_model_path={transcript_lm(tiny_model, tmp_path)}"]
    assert test_cli.parser.parse_args(flags).blank_penalty == 0.0  # DS2's search unless asked
    args = test_cli.parser.parse_args(flags + ["--blank_penalty=1.5"])
    decoder = decoding.make_decoder(decoding.load_model(args, {}), args)
    assert decoder.options.blank_penalty == 1.5


def test_command_line_error_has_no_traceback(tmp_path):
    missing = str(tmp_path / "nothing_here")
    result = subprocess.run([sys.executable, "test.py", f"--model_path={missing}", "--use_gpu=False",
                             "--decoding_method=ctc_greedy"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and missing in result.stderr


def test_output_file_has_one_record_per_utterance_in_manifest_order(tiny_model, tmp_path):  # noqa: F811
    output = tmp_path / "results.jsonl"
    rate = test_cli.main(greedy_flags(tiny_model, "test.py") + ["--batch_size=5", f"--output_file={output}"])
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    entries = tiny_model["entries"]
    assert [r["audio_filepath"] for r in records] == [e["audio_filepath"] for e in entries]
    assert all(set(r) == {"audio_filepath", "target", "hypothesis", "errors", "words", "word_timings"}
               for r in records)
    for record in records:
        assert (record["errors"], record["words"]) == word_errors(record["target"], record["hypothesis"])
    assert rate == pytest.approx(sum(r["errors"] for r in records) / sum(r["words"] for r in records))


def test_exported_model_decodes_like_its_checkpoint(tiny_model, tmp_path, monkeypatch):  # noqa: F811
    exported = str(tmp_path / "exported")
    monkeypatch.setattr(sys, "argv", ["export_model.py", f"--model_path={tiny_model['model_path']}",
                                      f"--output_dir={exported}"])
    export_model.main()
    outputs = {}
    for name, model_path in (("checkpoint", tiny_model["model_path"]), ("exported", exported)):
        outputs[name] = tmp_path / f"{name}.jsonl"
        flags = greedy_flags(tiny_model, "test.py")
        flags[0] = f"--model_path={model_path}"
        test_cli.main(flags + [f"--output_file={outputs[name]}"])
    assert outputs["exported"].read_text(encoding="utf-8") == outputs["checkpoint"].read_text(encoding="utf-8")


class _RecordingModel:
    """Stands in for DeepSpeech2Model in ``pipelined``: batch i's 'probabilities' are [i]."""

    def __init__(self):
        self.calls = []
        self.second_batch_started = threading.Event()

    def infer_batch_probs(self, features, lengths):
        self.calls.append(int(features[0]))
        if len(self.calls) == 2:
            self.second_batch_started.set()
        return [np.array(features[0])]


def test_network_runs_the_next_batch_while_the_decoder_works():
    model = _RecordingModel()

    def decode(probs):
        # decoding batch 0 finishes only once the network has started batch 1 (else: time out, fail)
        if int(probs[0]) == 0:
            assert model.second_batch_started.wait(timeout=10)
        return [f"text {int(probs[0])}"]

    batches = [{"features": np.array([i]), "feature_lengths": np.array([1])} for i in range(3)]
    results = list(decoding.pipelined(model, batches, decode))
    assert [texts for _, texts in results] == [["text 0"], ["text 1"], ["text 2"]]
    assert [int(batch["features"][0]) for batch, _ in results] == [0, 1, 2]


# The seconds of cat_probs's "the cat" (one frame: 40 ms): a word starts at its first frame and ends with its last
# token's last frame (greedy) or first peak frame (beam search), confidence the mean of its tokens' peaks.
CAT_WORDS = {"ctc_greedy": [("the", 0.08, 0.24, 0.7667), ("cat", 0.44, 0.76, 0.85)],
             "ctc_beam_search": [("the", 0.08, 0.24, 0.7667), ("cat", 0.44, 0.72, 0.85)]}


@pytest.mark.parametrize("method", DECODING_METHODS)
def test_decoder_words_have_the_known_times_of_hand_built_posteriors(method):
    decoder = CTCDecoder(CAT_VOCABULARY, DecodingOptions(decoding_method=method, beam_size=16, lang_model_path=""))
    probs = [cat_probs(), cat_probs()[:0]]
    results = decoder.decode_batch_words(probs, 0.04)
    assert [text for text, _ in results] == decoder.decode_batch(probs) == ["the cat", ""]
    words = [(w.text, w.start, w.end, w.confidence) for w in results[0][1]]
    assert words == [(t, pytest.approx(s), pytest.approx(e), pytest.approx(c, abs=1e-4))
                     for t, s, e, c in CAT_WORDS[method]]
    assert results[1][1] == []
    assert ctc_decoder.word_records(results[0][1], duration=0.74)[-1] == {
        "word": "cat", "start": 0.44, "end": min(0.74, CAT_WORDS[method][-1][2]), "confidence": 0.85}


@pytest.mark.parametrize("method", DECODING_METHODS)
def test_decoder_words_spell_decode_batch_text(method, tiny_model):  # noqa: F811
    args = test_cli.parser.parse_args([f"--model_path={tiny_model['model_path']}", "--use_gpu=False",
                                       f"--decoding_method={method}", "--lang_model_path=", "--beam_size=20"])
    model = decoding.load_model(args, {})
    decoder = decoding.make_decoder(model, args)
    dataset = decoding.manifest_dataset(model, args, tiny_model["manifest"])
    spoken = 0
    for batch in decoding.batches(dataset, 8, 0):
        probs = model.infer_batch_probs(batch["features"], batch["feature_lengths"])
        results = decoder.decode_batch_words(probs, model.frame_duration)
        assert [text for text, _ in results] == decoder.decode_batch(probs)
        for (text, words), frames in zip(results, probs):
            assert " ".join(w.text for w in words) == " ".join(text.split())
            assert all(0 <= w.start_frame <= w.end_frame < len(frames) for w in words)
            spoken += len(words)
    assert spoken > 0
    assert model.frame_duration == pytest.approx(0.03)  # 10 ms hop, time stride 3


def test_word_timings_need_the_cpp_build(monkeypatch):
    monkeypatch.setitem(sys.modules, "decoders.swig_wrapper", None)  # import now raises ImportError
    decoder = CTCDecoder(CAT_VOCABULARY, DecodingOptions(decoding_method="ctc_greedy"))
    with pytest.raises(RuntimeError, match="decoders/build.sh"):
        decoder.decode_batch_words([cat_probs()], 0.04)


def assert_word_timings(records: list[dict], transcript: str, duration: float) -> None:
    """``records`` (word_records) spell ``transcript``, in order in time inside [0, duration] (each word starting
    before the end), confidences in [0, 1]."""
    assert " ".join(r["word"] for r in records) == " ".join(transcript.split())
    times = [t for r in records for t in (r["start"], r["end"])]
    assert times == sorted(times) and all(0.0 <= t <= duration for t in times)
    assert all(r["start"] < duration for r in records)
    assert all(0.0 <= r["confidence"] <= 1.0 for r in records)


@pytest.mark.parametrize("method", DECODING_METHODS)
def test_output_file_times_each_hypothesis_words(method, tiny_model, tmp_path):  # noqa: F811
    output = tmp_path / "results.jsonl"
    flags = greedy_flags(tiny_model, "test.py")[:-1] + [f"--decoding_method={method}", "--lang_model_path=",
                                                         "--beam_size=20", f"--output_file={output}"]
    test_cli.main(flags)
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    for record, entry in zip(records, tiny_model["entries"]):
        assert_word_timings(record["word_timings"], record["hypothesis"], entry["duration"])
    assert sum(len(r["word_timings"]) for r in records) > 0


def test_infer_timestamps_of_one_file(tiny_model, capsys):  # noqa: F811
    entry = tiny_model["entries"][0]
    flags = greedy_flags(tiny_model, "infer.py")[:-2] + [f"--audio_file={entry['audio_filepath']}",
                                                          "--decoding_method=ctc_greedy"]
    capsys.readouterr()
    infer.main(flags)
    transcript = capsys.readouterr().out.rstrip("\n")
    infer.main(flags + ["--timestamps=True"])
    output = json.loads(capsys.readouterr().out)
    assert output["transcript"] == transcript and transcript.strip()
    assert_word_timings(output["word_timings"], transcript, entry["duration"])


def test_infer_timestamps_of_a_manifest(tiny_model, capsys):  # noqa: F811
    capsys.readouterr()
    infer.main(greedy_flags(tiny_model, "infer.py") + ["--num_samples=3", "--timestamps=True"])
    lines = capsys.readouterr().out.splitlines()
    hypotheses = [line.split(": ", 1)[1] for line in lines if line.startswith("Output Transcription: ")]
    timings = [json.loads(line.split(": ", 1)[1]) for line in lines if line.startswith("Word Timings: ")]
    assert len(hypotheses) == len(timings) == 3
    durations = {e["text"]: e["duration"] for e in tiny_model["entries"]}
    targets = [line.split(": ", 1)[1] for line in lines if line.startswith("Target Transcription: ")]
    for target, hypothesis, records in zip(targets, hypotheses, timings):
        assert_word_timings(records, hypothesis, durations[target])
