"""The synthetic corpus generator, run for real on a few sentences per engine (espeak-ng, flite, piper, hibari, MBROLA,
Festival)."""
import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
import soundfile

from data.synth.corpus_plan import make_plan
from data.synth.normalize_text import normalize_transcript
from data.synth.postprocess import KEEP_SILENCE_S, SAMPLE_RATE, finish
from data.synth.synthesize import make_utterance
from data.synth import voices
from data.synth.text_sources import Sentence, book_sentences, restrict_vocabulary
from data.synth.voices import (ENGINE_PACKAGES, FESTIVAL_SEEN_VOICES, FLITE_HELD_OUT_TWINS, MBROLA_VOICES,
                               SynthesisError, Voice, engine_available, festival_voices, seen_voices, speak)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(REPO, "data", "synth", "synthesize.py")
SPLITS = ("train", "dev", "test", "test-heldout")
SEEN_SPLITS = ("train", "dev", "test")
ENGINE_WEIGHTS = "espeak:1,flite:1,piper:1,hibari:1,mbrola:1,festival:1"


def run_synth(target_dir, text_cache, seed=0):
    command = [sys.executable, SCRIPT, "--target_dir", str(target_dir), "--hours", "0.02", "--seed", str(seed),
               "--num_workers", "2", "--engine_weights", ENGINE_WEIGHTS, "--text_cache", str(text_cache)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def read_manifests(target_dir):
    manifests = {}
    for split in SPLITS:
        with open(os.path.join(target_dir, "manifest." + split), encoding="utf-8") as handle:
            manifests[split] = [json.loads(line) for line in handle]
    return manifests


@pytest.fixture(scope="module")
def text_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("books")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, text_cache):
    missing = [install for engine, install in ENGINE_PACKAGES.items() if not engine_available(engine)]
    if missing:
        pytest.skip(f"voices not installed ({'; '.join(missing)})")
    target = tmp_path_factory.mktemp("corpus")
    stdout = run_synth(target, text_cache)
    return target, stdout


@pytest.fixture(scope="module")
def sentences(text_cache):
    return book_sentences(str(text_cache))


def test_every_engine_writes_16k_mono_wavs_matching_the_manifest(corpus):
    target, _ = corpus
    manifests = read_manifests(target)
    engines = {entry["speaker"].split("_")[0] for split in SEEN_SPLITS for entry in manifests[split]}
    assert engines == {"espeak", "flite", "piper", "hibari", "mbrola", "festival"}
    assert manifests["test-heldout"], "the Festival held-out split is empty"
    for split in SPLITS:
        for entry in manifests[split]:
            path = entry["audio_filepath"]
            assert os.path.isabs(path) and os.path.dirname(path).endswith(os.path.join("wav", split))
            info = soundfile.info(path)
            assert (info.samplerate, info.channels, info.subtype) == (SAMPLE_RATE, 1, "PCM_16")
            assert abs(info.frames / SAMPLE_RATE - entry["duration"]) < 1e-3
            assert 0.5 < entry["duration"] < 15.0
            samples, _ = soundfile.read(path)
            assert 0.25 < abs(samples).max() < 0.99, "level outside the planned -6..-1 dBFS peak"


def test_transcripts_are_normalised_and_splits_disjoint(corpus):
    target, _ = corpus
    manifests = read_manifests(target)
    texts = {split: {entry["text"] for entry in manifests[split]} for split in SPLITS}
    for split in SPLITS:
        for text in texts[split]:
            assert re.fullmatch(r"[a-z']+( [a-z']+)*", text) and normalize_transcript(text) == text
    assert not texts["train"] & texts["dev"] and not texts["train"] & texts["test"] and not texts["dev"] & texts["test"]
    assert texts["test-heldout"] <= texts["test"], "held-out voices speak the test sentences"
    with open(os.path.join(target, "lm_text.txt"), encoding="utf-8") as handle:
        lm_text = {line.rstrip("\n") for line in handle}
    assert len(lm_text) > 5000
    assert not lm_text & set().union(*texts.values())
    evaluated = texts["dev"] | texts["test"]
    assert not [line for line in lm_text if any(text in line for text in evaluated)], "an LM line holds a dev/test text"
    assert max(len(line.split()) for line in lm_text) > 18, "the LM text takes book sentences beyond the spoken length"


def test_no_heldout_voice_in_seen_splits(corpus):
    target, _ = corpus
    manifests = read_manifests(target)
    twins = {f"flite_{name}" for name in FLITE_HELD_OUT_TWINS}
    trained_festival = {f"festival_{name}" for name in FESTIVAL_SEEN_VOICES}
    heldout = {entry["speaker"] for entry in manifests["test-heldout"]}
    assert heldout and all(speaker.startswith("festival_") for speaker in heldout)
    assert not heldout & trained_festival
    for split in SEEN_SPLITS:
        for entry in manifests[split]:
            speaker = entry["speaker"].split("_x")[0]
            assert speaker not in twins and speaker not in heldout
            assert not speaker.startswith("festival_") or speaker in trained_festival


def test_rerun_resumes_and_remakes_damaged_files(corpus, text_cache):
    target, _ = corpus
    before = read_manifests(target)
    paths = [entry["audio_filepath"] for entry in before["train"]]
    mtimes = {path: os.stat(path).st_mtime_ns for path in paths[2:]}
    os.remove(paths[0])
    with open(paths[1], "wb") as handle:
        handle.write(b"not a wav file")
    stdout = run_synth(target, text_cache)
    total = sum(len(entries) for entries in before.values())
    assert f"utterances: 2 made, {total - 2} kept" in stdout
    assert read_manifests(target) == before
    assert all(os.stat(path).st_mtime_ns == mtime for path, mtime in mtimes.items())
    assert soundfile.info(paths[1]).samplerate == SAMPLE_RATE


def test_same_seed_gives_the_same_corpus(corpus, text_cache, tmp_path):
    target, _ = corpus
    run_synth(tmp_path, text_cache)
    first, second = read_manifests(target), read_manifests(tmp_path)
    for split in SPLITS:
        assert [(e["text"], e["speaker"], os.path.basename(e["audio_filepath"])) for e in first[split]] \
            == [(e["text"], e["speaker"], os.path.basename(e["audio_filepath"])) for e in second[split]]
        for a, b in zip(first[split], second[split]):
            if a["speaker"].startswith("piper"):
                # piper's waveform noise cannot be seeded; its timing can (noise_w=0), so only trimming may move.
                assert abs(a["duration"] - b["duration"]) < 0.05
            else:
                assert a["duration"] == b["duration"]
                assert soundfile.read(a["audio_filepath"])[0].tolist() == soundfile.read(b["audio_filepath"])[0].tolist()


def test_finish_resamples_trims_levels_and_dithers():
    rate = 22050
    tone = 0.3 * np.sin(2 * np.pi * 220 * np.arange(rate) / rate)
    raw = np.concatenate([np.zeros(rate), tone, np.zeros(rate)]).astype(np.float32)
    audio = finish(raw, rate, morph=1.0, peak_db=-6.0, dither_seed=1)
    assert abs(len(audio) / SAMPLE_RATE - (1.0 + 2 * KEEP_SILENCE_S)) < 0.02
    assert abs(20 * np.log10(np.abs(audio).max()) + 6.0) < 0.1
    silence = audio[:int(0.1 * SAMPLE_RATE)]
    assert 1e-5 < silence.std() < 1e-3, "the edges carry a quiet noise floor, not digital zeros"
    higher = finish(raw, rate, morph=1.1, peak_db=-6.0, dither_seed=1)
    spectrum = np.abs(np.fft.rfft(higher))
    assert abs(np.argmax(spectrum) * SAMPLE_RATE / len(higher) - 242.0) < 3.0, "morph 1.1 moves 220 Hz to 242 Hz"


def test_failed_engine_is_skipped_not_fatal(tmp_path):
    utterance = make_plan_for_voice(Voice("espeak", "xx-missing"))
    result_utterance, entry, status = make_utterance((utterance, str(tmp_path / "x.wav")))
    assert entry is None and result_utterance is utterance and "xx-missing" in status
    assert not os.path.exists(tmp_path / "x.wav")


@pytest.mark.skipif(not engine_available("mbrola"), reason=ENGINE_PACKAGES["mbrola"])
def test_mbrola_voices_speak_through_both_front_ends_and_a_missing_diphone_is_an_error():
    text = "she was giving her a momentary glance"
    mbrola_voices = seen_voices("mbrola")
    assert {voice.name for voice in mbrola_voices} == set(MBROLA_VOICES) | {f"festival_{name}" for name in MBROLA_VOICES}
    for voice in [voice for voice in mbrola_voices if voice.morph == 1.0]:
        samples, rate = speak(voice, text, 1.0, 0.0)
        assert rate == SAMPLE_RATE and samples.dtype == np.float32, voice
        voiced = samples[np.abs(samples) > 0.01 * np.abs(samples).max()]
        assert 1.2 < len(voiced) / rate < 4.5 and np.sqrt(np.mean(samples ** 2)) > 0.01, voice
    for name in ("us1", "festival_us1"):
        normal, _ = speak(Voice("mbrola", name), text, 1.0, 0.0)
        slower, _ = speak(Voice("mbrola", name), text, 0.7, 0.0)
        assert len(slower) > 1.25 * len(normal), f"tempo does not reach {name}"
    with pytest.raises(SynthesisError, match="lacks a diphone"):
        speak(Voice("mbrola", "us3"), "she sang a long song", 1.0, 0.0)  # espeak-ng's us3 lacks s-O2 and l-O2
    with pytest.raises(SynthesisError, match="MBROLA stopped early"):  # it would keep only "the" of the two words
        speak(Voice("mbrola", "festival_us3"), "the acquaintance", 1.0, 0.0)  # us3 cannot join ax-ax


def test_festival_mbrola_and_trained_voices_are_never_held_out(tmp_path, monkeypatch):
    english, us = tmp_path / "english", tmp_path / "us"
    for directory, names in ((english, ("kal_diphone", "rab_diphone", "us1_mbrola", "en1_mbrola", "don_diphone")),
                             (us, ("cmu_us_slt_arctic_hts",))):
        for name in names:
            (directory / name).mkdir(parents=True)
    monkeypatch.setattr(voices, "FESTIVAL_VOICE_DIRS", (str(english), str(us)))
    assert [voice.name for voice in festival_voices()] == ["kal_diphone", "cmu_us_slt_arctic_hts"]


def make_plan_for_voice(voice):
    plan, _ = make_plan([Sentence("A short test sentence.", "a short test sentence", "test")] * 4, 0.0005, 0,
                        {"espeak": [voice]}, {"espeak": 1.0}, [], min_lm_fraction=0.0)
    return plan[0]


def test_large_plan_is_linear_and_keeps_lm_text_disjoint(sentences):
    pool, vocabulary = restrict_vocabulary(sentences, 6000)
    assert len(vocabulary) == 6000 and len(pool) > 15000
    seen = {engine: seen_voices(engine) for engine in ("espeak", "flite", "piper", "hibari", "mbrola")}
    weights = {"espeak": 0.2, "flite": 0.2, "piper": 0.2, "hibari": 0.2, "mbrola": 0.2}
    plan, lm_text = make_plan(pool, 25.0, 0, seen, weights, festival_voices(), min_lm_fraction=0.5)
    assert len(lm_text) >= len(pool) // 2
    spoken = {u.text for u in plan}
    assert not spoken & set(lm_text)
    hours = sum(u.estimated_duration for u in plan if u.split != "test-heldout") / 3600
    assert 24.9 < hours < 25.2
    train = [u for u in plan if u.split == "train"]
    assert len({(u.text, u.voice) for u in train}) > 0.95 * len(train), "re-used sentences should get new voices"
    engine_hours = {e: sum(u.estimated_duration for u in train if u.voice.engine == e) for e in weights}
    assert engine_hours["espeak"] / sum(engine_hours.values()) < 0.3


def test_an_everyday_share_of_train_leaves_the_evaluation_splits_as_they_were(sentences):
    pool, _ = restrict_vocabulary(sentences, 6000)
    seen = {"espeak": seen_voices("espeak")}
    books_only, books_lm = make_plan(pool, 2.0, 0, seen, {"espeak": 1.0}, festival_voices())
    test_text = next(u.text for u in books_only if u.split == "test")
    everyday = [Sentence(f"Everyday sentence number {n} is here.", f"everyday sentence number {n} is here", "e")
                for n in range(200)] + [Sentence(test_text, test_text, "e")]
    plan, lm_text = make_plan(pool, 2.0, 0, seen, {"espeak": 1.0}, festival_voices(), everyday=everyday,
                              everyday_fraction=0.3)
    assert [u for u in plan if u.split != "train"] == [u for u in books_only if u.split != "train"]
    train = [u for u in plan if u.split == "train"]
    everyday_texts = {sentence.text for sentence in everyday[:-1]}
    share = sum(u.estimated_duration for u in train if u.text in everyday_texts) / sum(
        u.estimated_duration for u in train)
    assert 0.28 < share < 0.32
    assert test_text not in {u.text for u in train}, "an everyday sentence equal to a book sentence is dropped"
    assert len({u.uid for u in plan}) == len(plan)
    assert set(books_lm) < set(lm_text), "the book sentences train no longer reads go to the LM text"
    assert not set(lm_text) & {u.text for u in plan}
    with pytest.raises(ValueError, match="no everyday sentences"):
        make_plan(pool, 2.0, 0, seen, {"espeak": 1.0}, [], everyday=[], everyday_fraction=0.3)


@pytest.mark.skipif(shutil.which("Rscript") is None or not engine_available("espeak"),
                    reason="needs Rscript and espeak-ng (setup.sh installs them)")
def test_synthesize_speaks_everyday_sentences_in_train_only(tmp_path, text_cache, sentences):
    command = [sys.executable, SCRIPT, "--target_dir", str(tmp_path), "--hours", "0.01", "--engine_weights",
               "espeak:1", "--everyday_fraction", "0.5", "--heldout", "False", "--text_cache", str(text_cache)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    books = {sentence.text for sentence in sentences}
    manifests = read_manifests(tmp_path)
    assert all(entry["text"] in books for split in ("dev", "test") for entry in manifests[split])
    train = [entry["text"] for entry in manifests["train"]]
    assert any(text in books for text in train) and any(text not in books for text in train)


def test_reserved_texts_never_used(sentences):
    texts = {s.text for s in sentences}
    # Sense and Sensibility (reserved): its family name never occurs in the other books.
    assert not any("dashwood" in text.split() for text in texts)
    if shutil.which("Rscript"):
        harvard = subprocess.run(["Rscript", "-e", "library(stringr); writeLines(sentences)"],
                                 capture_output=True, text=True)
        if harvard.returncode == 0:
            assert not texts & {normalize_transcript(line) for line in harvard.stdout.splitlines()}
