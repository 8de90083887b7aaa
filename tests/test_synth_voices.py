"""The RHVoice and SVOX Pico voice families of the synthetic corpus: they speak, stay off by default, and never
speak with a held-out speaker's voice."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile

from data.synth.corpus_plan import make_plan
from data.synth.languages import LANGUAGES
from data.synth.postprocess import SAMPLE_RATE
from data.synth.synthesize import make_utterance, parse_weights
from data.synth.text_sources import Sentence
from data.synth.voices import (ENGINE_PACKAGES, ENGINES, FLITE_HELD_OUT_TWINS, PICO_VOICES,
                               RHVOICE_HELD_OUT_TWINS, RHVOICE_VOICES, SynthesisError, Voice, engine_available,
                               festival_voices, seen_voices, speak)

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "synth", "synthesize.py")
NEW_ENGINES = ("rhvoice", "pico")
# The tiny example's published corpus was made with these shares; new families must not change it.
DEFAULT_WEIGHTS = "espeak:0.1,flite:0.15,piper:0.15,hibari:0.25,mbrola:0.25,festival:0.1"
SENTENCE = "she walked to the garden before dinner"


def speech_seconds(samples: np.ndarray, sample_rate: int) -> float:
    """Seconds of 10 ms frames within 30 dB of the loudest one."""
    frame = sample_rate // 100
    energy = np.square(samples[:len(samples) // frame * frame].reshape(-1, frame)).mean(axis=1)
    return float(np.sum(energy > energy.max() * 1e-3)) * frame / sample_rate


def one_utterance(voice: Voice):
    plan, _ = make_plan([Sentence(SENTENCE, SENTENCE, "test")] * 4, 0.0005, 0, {voice.engine: [voice]},
                        {voice.engine: 1.0}, [], min_lm_fraction=0.0)
    return plan[0]


@pytest.mark.parametrize("engine", NEW_ENGINES)
def test_each_new_voice_writes_a_16k_mono_wav_with_speech(engine, tmp_path):
    if not engine_available(engine):
        pytest.skip(ENGINE_PACKAGES[engine])
    sounds = set()
    for voice in [voice for voice in seen_voices(engine) if voice.morph in (1.0, 1.18)]:
        path = tmp_path / f"{voice.speaker}.wav"
        _, entry, status = make_utterance((one_utterance(voice), str(path)))
        assert status == "made", status
        info = soundfile.info(str(path))
        assert (info.samplerate, info.channels, info.subtype) == (SAMPLE_RATE, 1, "PCM_16")
        samples, _ = soundfile.read(str(path))
        assert 1.2 < speech_seconds(samples, SAMPLE_RATE) < 4.5, voice
        assert entry["speaker"] == voice.speaker and entry["text"] == SENTENCE
        sounds.add(samples.tobytes())
    assert len(sounds) == len(seen_voices(engine)) // 2, "two voices sound the same: a name did not reach the engine"


def test_unknown_rhvoice_voice_is_an_error_not_the_default_voice():
    if not engine_available("rhvoice"):
        pytest.skip(ENGINE_PACKAGES["rhvoice"])
    with pytest.raises(SynthesisError, match="no voice 'nosuch'"):
        speak(Voice("rhvoice", "nosuch"), SENTENCE, 1.0, 0.0)


@pytest.mark.parametrize("voice", [Voice("rhvoice", "bdl"), Voice("pico", "en-GB")])
def test_tempo_and_pitch_reach_the_engine(voice):
    if not engine_available(voice.engine):
        pytest.skip(ENGINE_PACKAGES[voice.engine])
    normal, rate = speak(voice, SENTENCE, 1.0, 0.0)
    slower, _ = speak(voice, SENTENCE, 0.7, 0.0)
    higher, _ = speak(voice, SENTENCE, 1.0, 1.0)
    assert speech_seconds(slower, rate) > 1.25 * speech_seconds(normal, rate)
    assert not np.array_equal(normal, higher), "the pitch setting does not reach the engine"


def test_new_families_are_off_by_default_and_leave_the_default_plan_unchanged():
    assert LANGUAGES["en"].engine_weights == DEFAULT_WEIGHTS
    weights = parse_weights(DEFAULT_WEIGHTS)
    sentences = [Sentence(f"Sentence number {i}.", f"sentence number {i}", "test") for i in range(400)]
    seen = {engine: seen_voices(engine) for engine in ENGINES}
    plan, lm_text = make_plan(sentences, 0.3, 0, {engine: seen[engine] for engine in weights}, weights, [])
    with_zero_shares = dict(weights, **{engine: 0.0 for engine in NEW_ENGINES})
    assert make_plan(sentences, 0.3, 0, seen, with_zero_shares, []) == (plan, lm_text)
    assert not {u.voice.engine for u in plan} & set(NEW_ENGINES)


def test_heldout_speakers_never_train_in_any_plan():
    heldout_names = {voice.name for voice in festival_voices()}
    for engine in ENGINES:
        names = {voice.name for voice in seen_voices(engine)}
        assert not names & heldout_names, engine
    assert not {voice.name for voice in seen_voices("flite")} & set(FLITE_HELD_OUT_TWINS)
    assert set(RHVOICE_HELD_OUT_TWINS) == {"slt"} and "slt" not in RHVOICE_VOICES
    assert len(PICO_VOICES) == 2
    sentences = [Sentence(f"Sentence number {i}.", f"sentence number {i}", "test") for i in range(600)]
    weights = {engine: 1.0 for engine in ENGINES}
    plan, _ = make_plan(sentences, 0.5, 1, {engine: seen_voices(engine) for engine in ENGINES}, weights,
                        festival_voices())
    trained = {u.voice.speaker.split("_x")[0] for u in plan if u.split != "test-heldout"}
    assert {u.voice.engine for u in plan if u.split == "train"} >= set(NEW_ENGINES)
    assert not {u.voice.speaker for u in plan if u.split == "test-heldout"} & trained
    assert not any("slt" in speaker for speaker in trained)


def test_the_cli_builds_a_corpus_from_the_new_families_when_asked(tmp_path):
    missing = [ENGINE_PACKAGES[engine] for engine in NEW_ENGINES if not engine_available(engine)]
    if missing:
        pytest.skip("; ".join(missing))
    command = [sys.executable, SCRIPT, "--target_dir", str(tmp_path), "--hours", "0.005", "--seed", "3",
               "--num_workers", "2", "--engine_weights", "rhvoice:1,pico:1", "--heldout", "False"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    with open(tmp_path / "manifest.train", encoding="utf-8") as handle:
        entries = [json.loads(line) for line in handle]
    assert entries and {entry["speaker"].split("_")[0] for entry in entries} <= set(NEW_ENGINES)
    for entry in entries:
        assert soundfile.info(entry["audio_filepath"]).samplerate == SAMPLE_RATE
