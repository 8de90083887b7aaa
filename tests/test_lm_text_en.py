"""The general English LM text (data/synth/lm_text_en.py), the LM coverage counts (models/lm/evaluate_lm.py) and
the lm stage's LM_TEXT_SOURCES setting; on small inputs, with the real Rscript, diatheke, lmplz and KenLM."""
import json
import math
import os
import shutil
import subprocess

import pytest

from data.synth import lm_text_en
from data.synth.lm_text_en import (bible_chapters, build_pool, fortune_texts, general_pool, harvard_sentences,
                                   manifest_texts, reserved_texts, tatoeba_texts)
from models.lm.evaluate_lm import load_kenlm, lm_coverage
from models.lm.train_lm import build_binary, train_arpa
from test_recipes import bash, flags, recorded_calls

NEEDS_R = pytest.mark.skipif(shutil.which("Rscript") is None, reason="needs Rscript (setup.sh installs it)")
NEEDS_DIATHEKE = pytest.mark.skipif(shutil.which("diatheke") is None,
                                    reason="needs diatheke and sword-text-web (setup.sh installs them)")


@NEEDS_R
def test_the_pool_is_normalised_deduplicated_and_free_of_leaks(tmp_path):
    cache = str(tmp_path / "cache")
    harvard = harvard_sentences(cache)
    assert len(harvard) == 720 and "the birch canoe slid on the smooth planks" in harvard
    novel, contained = reserved_texts(cache)
    assert set(harvard) <= set(contained)
    dev_sentence = "the lantern swung over the quiet harbour"
    sources = [
        ["Mr. Smith paid $5 for 3 apples. The dog barked loudly! The birch canoe slid on the smooth planks.",
         "She said the lantern swung over the quiet harbour at night. Nothing more was heard."],
        ["The dog barked loudly!", "We walked home", "I ate my soup in silence; the bread was stale."],
    ]
    pool = build_pool(sources, spoken=["we walked home"] + novel, evaluated=[dev_sentence] + contained)
    assert pool == ["mister smith paid five dollars for three apples", "the dog barked loudly",
                    "nothing more was heard", "i ate my soup in silence the bread was stale"]


@NEEDS_R
def test_sense_and_sensibility_stays_out(tmp_path):
    novel, contained = reserved_texts(str(tmp_path))
    long_sentence = next(text for text in novel if len(text.split()) >= 10)
    pool = build_pool([[long_sentence.capitalize() + ".", "Then " + long_sentence + " again.", "A new line."]],
                      novel, contained)
    assert pool == ["a new line"]


@NEEDS_R
def test_general_pool_keeps_the_corpus_splits_out(tmp_path):
    (tmp_path / "lm_text.txt").write_text("a line the train split speaks\nbefore a dev sentence here after\n"
                                          "a plain book line\n", encoding="utf-8")
    (tmp_path / "manifest.train").write_text('{"text": "a line the train split speaks"}\n', encoding="utf-8")
    (tmp_path / "manifest.dev").write_text('{"text": "a dev sentence here"}\n', encoding="utf-8")
    books = str(tmp_path / "lm_text.txt")
    assert general_pool(str(tmp_path), str(tmp_path / "cache"), books, sources=[]) == ["a plain book line"]
    with pytest.raises(ValueError, match="unknown LM text source 'wiki'"):
        general_pool(str(tmp_path), str(tmp_path / "cache"), books, sources=["wiki"])
    with pytest.raises(FileNotFoundError, match="nowhere.txt"):
        general_pool(str(tmp_path), str(tmp_path / "cache"), str(tmp_path / "nowhere.txt"), sources=[])


def test_fortunes_lose_their_attribution(tmp_path):
    (tmp_path / "quotes").write_text("A penny saved is\n  a penny earned.\n\t\t-- Benjamin Franklin\n%\n"
                                     "Q: Why?\nA: Because.\n%\n", encoding="utf-8")
    assert fortune_texts(str(tmp_path), ["quotes"]) == ["A penny saved is a penny earned.", "Q: Why? A: Because."]
    with pytest.raises(RuntimeError, match="apt-get install fortunes"):
        fortune_texts(str(tmp_path), ["missing"])


@NEEDS_DIATHEKE
def test_bible_chapters_from_diatheke(tmp_path):
    export = tmp_path / "web.txt"
    result = subprocess.run(["diatheke", "-b", "engWEB2015eb", "-f", "osis", "-k", "Genesis 1:1-3"],
                            capture_output=True, text=True, check=True)
    export.write_text(result.stdout, encoding="utf-8")
    [chapter] = bible_chapters(str(export))
    assert chapter.startswith("In the beginning, God created the heavens and the earth.")  # the module glues words
    assert "<" not in chapter and "Genesis" not in chapter and "light" in chapter


def test_tatoeba_english_side():
    texts = tatoeba_texts()
    assert len(texts) > 50_000 and "Let's try something." in texts and len(set(texts)) == len(texts)


def test_manifest_texts_split_spoken_and_evaluated(tmp_path):
    for split, text in [("train", "a train text"), ("dev", "a dev text"), ("test-ood", "an ood text")]:
        (tmp_path / f"manifest.{split}").write_text(json.dumps({"text": text}) + "\n", encoding="utf-8")
    spoken, evaluated = manifest_texts(str(tmp_path))
    assert sorted(spoken) == ["a dev text", "a train text", "an ood text"]
    assert sorted(evaluated) == ["a dev text", "an ood text"]
    (tmp_path / "manifest.dev").write_text('{"text": "fine"}\n{"duration": 1}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"manifest\.dev:2"):
        manifest_texts(str(tmp_path))


def test_lm_coverage_counts_a_planted_oov_word(tmp_path):
    text = tmp_path / "text.txt"
    text.write_text("the dog barked at the cat\nthe cat sat on the mat\na dog sat on a cat\n" * 5, encoding="utf-8")
    train_arpa(str(text), str(tmp_path / "lm.arpa"), order=3)
    build_binary(str(tmp_path / "lm.arpa"), str(tmp_path / "lm.klm"))
    model = load_kenlm(str(tmp_path / "lm.klm"))
    known = lm_coverage(model, ["the dog sat on the mat"])
    assert known.oov_words == 0 and 1 < known.perplexity < math.inf
    coverage = lm_coverage(model, ["the dog sat on the mat", "the zebra sat on the cat", ""])
    assert (coverage.sentences, coverage.words, coverage.oov_words, coverage.sentences_with_oov) == (2, 12, 1, 1)
    assert coverage.oov_rate == pytest.approx(1 / 12) and coverage.oov_sentence_rate == 0.5
    assert math.isfinite(coverage.perplexity) and coverage.perplexity > known.perplexity
    with pytest.raises(FileNotFoundError, match="nowhere.klm"):
        load_kenlm(str(tmp_path / "nowhere.klm"))


def test_the_lm_stage_builds_the_general_text_when_asked(tmp_path):
    data_dir = str(tmp_path / "data")
    calls = recorded_calls(tmp_path, "examples/tiny", "lm", DATA_DIR=data_dir, LM_TEXT_SOURCES="general")
    assert [call["argv"][0] for call in calls] == ["data/synth/lm_text_en.py", "models/lm/train_lm.py"]
    assert flags(calls[0]["argv"]) == {"data_dir": data_dir, "output": f"{data_dir}/lm_text_general.txt"}
    passed = flags(calls[1]["argv"])
    assert passed["text_path"] == f"{data_dir}/lm_text_general.txt"
    assert passed["binary_path"] == f"{data_dir}/lm_general.klm" and passed["prune"] == "0 0 1 1"


def test_the_lm_stage_keeps_the_books_text_by_default(tmp_path):
    calls = recorded_calls(tmp_path, "examples/tiny", "lm", DATA_DIR=str(tmp_path))
    [call] = calls
    passed = flags(call["argv"])
    assert call["argv"][0] == "models/lm/train_lm.py" and passed["prune"] == ""
    assert passed["text_path"] == f"{tmp_path}/lm_text.txt" and passed["binary_path"] == f"{tmp_path}/lm.klm"
    result = bash(["examples/stages/lm.sh", "examples/tiny"], LM_TEXT_SOURCES="wiki", DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "examples/tiny/conf.sh: LM_TEXT_SOURCES must be books or general, got 'wiki'" in result.stderr
    assert not os.path.exists(tmp_path / "lm.klm")


@NEEDS_R
def test_everyday_sentences_are_tatoebas_without_the_reserved_texts(tmp_path, monkeypatch):
    cache = str(tmp_path / "cache")
    harvard = harvard_sentences(cache)[0]
    novel, _ = reserved_texts(cache)
    long_unit = next(text for text in novel if 10 <= len(text.split()) <= 14)
    monkeypatch.setattr(lm_text_en, "tatoeba_texts", lambda: [
        harvard.capitalize() + ".", "I said " + long_unit + ".", "Tom bought two tickets for the game.",
        "Hi.", "Tom bought two tickets for the game."])
    sentences = lm_text_en.everyday_sentences(cache, 4, 18)
    assert [(s.spoken, s.text, s.source) for s in sentences] == [
        ("Tom bought two tickets for the game.", "tom bought two tickets for the game", "tatoeba")]
