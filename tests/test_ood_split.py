"""The out-of-domain split (data/synth/ood_split.py), built for real next to a tiny corpus: Harvard sentences only,
none of the corpus' training or LM text, read only by held-out voices; then PocketSphinx and the accuracy table on
it (bench/pocketsphinx_baseline.py, bench/tiny_accuracy.py)."""
import collections
import json
import os
import subprocess
import sys

import pytest
import soundfile

from data.synth.ood_split import SPLIT, corpus_texts, harvard_sentences, ood_voices, plan_ood
from data.synth.voices import ENGINES, seen_voices
from tiny_corpus import make_corpus

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UTTERANCES = 4


def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


@pytest.fixture(scope="module")
def harvard(tmp_path_factory):
    return harvard_sentences(str(tmp_path_factory.mktemp("books")))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, harvard):
    """A tiny corpus whose training text holds two Harvard sentences and whose LM text holds a third inside a
    longer line; then the split built from it by the command line the data stage runs."""
    target = tmp_path_factory.mktemp("ood")
    trained = [sentence.text for sentence in harvard[:2]]
    fixture = make_corpus(str(target / "fixture"), trained)
    os.replace(fixture["manifest"], target / "manifest.train")
    lm_line = f"and then {harvard[2].text} said he"
    (target / "lm_text.txt").write_text(f"a line of no interest\n{lm_line}\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "data/synth/ood_split.py", "--target_dir", str(target),
                             "--utterances", str(UTTERANCES), "--num_workers", "2",
                             "--exclude_text", str(target / "lm_text.txt")],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return {"dir": target, "excluded": set(trained) | {harvard[2].text},
            "split": read_jsonl(target / f"manifest.{SPLIT}")}


def test_harvard_sentences_are_the_720_in_transcript_form(harvard):
    assert len(harvard) == 720 and len({sentence.text for sentence in harvard}) == 720
    assert harvard[0].text == "the birch canoe slid on the smooth planks"
    assert all(set(sentence.text) <= set("abcdefghijklmnopqrstuvwxyz' ") for sentence in harvard)


def test_split_is_harvard_text_kept_apart_from_the_corpus_read_by_held_out_voices(corpus, harvard):
    split = corpus["split"]
    assert len(split) == UTTERANCES
    texts = [entry["text"] for entry in split]
    assert len(set(texts)) == UTTERANCES and set(texts) <= {sentence.text for sentence in harvard}
    assert not set(texts) & corpus["excluded"]
    seen = {voice.speaker for engine in ENGINES for voice in seen_voices(engine)}
    held_out = {voice.speaker for voice in ood_voices()}
    assert {entry["speaker"] for entry in split} == held_out  # 4 utterances: each of the 4 voices reads one
    assert not held_out & seen
    for entry in split:
        info = soundfile.info(entry["audio_filepath"])
        assert (info.samplerate, info.channels) == (16000, 1)
        assert entry["duration"] == pytest.approx(info.frames / info.samplerate, abs=1e-3)


def test_plan_leaves_out_every_corpus_text_and_balances_the_voices(corpus, harvard):
    spoken, lm_text = corpus_texts(str(corpus["dir"]), [str(corpus["dir"] / "lm_text.txt")])
    usable = len(harvard) - len(corpus["excluded"])
    plan = plan_ood(harvard, usable, 3, ood_voices(), spoken, lm_text)
    assert len({u.text for u in plan}) == usable and not {u.text for u in plan} & corpus["excluded"]
    per_voice = collections.Counter(u.voice for u in plan).values()
    assert max(per_voice) - min(per_voice) <= 1
    assert plan_ood(harvard, 10, 3, ood_voices(), spoken, lm_text) == plan[:10]  # deterministic by seed
    with pytest.raises(ValueError, match=f"only {usable} sentences are usable"):
        plan_ood(harvard, usable + 1, 3, ood_voices(), spoken, lm_text)


def test_a_missing_lm_text_is_named(corpus):
    with pytest.raises(ValueError, match="nowhere.txt: LM text not found"):
        corpus_texts(str(corpus["dir"]), [str(corpus["dir"] / "nowhere.txt")])


def test_pocketsphinx_and_the_table_on_the_split(corpus, tmp_path):
    pytest.importorskip("pocketsphinx")
    result = subprocess.run([sys.executable, "bench/pocketsphinx_baseline.py", "--data_dir", str(corpus["dir"]),
                             "--results_dir", str(tmp_path), "--num_workers", "1"],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    records = read_jsonl(tmp_path / f"test.{SPLIT}.pocketsphinx.jsonl")
    assert [r["audio_filepath"] for r in records] == [e["audio_filepath"] for e in corpus["split"]]
    table = subprocess.run([sys.executable, "bench/tiny_accuracy.py", "--results_dir", str(tmp_path),
                            "--data_dir", str(corpus["dir"])], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert table.returncode == 0, table.stderr
    row = next(line for line in table.stdout.splitlines() if line.startswith(f"| {SPLIT} | pocketsphinx | 4 |"))
    assert all(voice.speaker in row for voice in ood_voices())
