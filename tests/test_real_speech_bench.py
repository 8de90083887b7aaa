"""bench/real_speech.py on fake layouts of pocketsphinx-testdata and asterisk-core-sounds-en(-wav): prompt
discovery, transcript normalisation and drops, 16 kHz conversion, and the whole bench on the tiny test model."""
import gzip
import os
import shutil
import sys

import numpy as np
import soundfile

from data_utils.manifest import read_manifest
from model_fixture import tiny_model  # noqa: F401  (the fixture)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench"))
import real_speech  # noqa: E402

ALPHABET = set("abcdefghijklmnopqrstuvwxyz' ")
TRANSCRIPTS = """; Core Asterisk Sounds in English

beep: [this is a simple beep tone]
digits/7: seven
letters/at: at [@]
vm-leavemsg:  Press 5 to leave a message
dictate/forhelp: press * for help
demo-moreinfo: Asterisk is a PBX.  Visit www.asterisk.org.
spy-h323: H.323
not-installed: Hello.
"""


def write_wav(path: str, sample_rate: int, source: str | None = None) -> None:
    """A short tone (or ``source``'s audio) as a WAV at ``sample_rate``."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if source:
        samples, rate = soundfile.read(source)
        samples = np.interp(np.arange(0, len(samples), rate / sample_rate), np.arange(len(samples)), samples)
    else:
        samples = 0.1 * np.sin(2 * np.pi * 440 * np.arange(sample_rate // 2) / sample_rate)
    soundfile.write(path, samples, sample_rate, subtype="PCM_16")


def fake_packages(root, speech: list[str] | None = None) -> dict[str, str]:
    """pocketsphinx-testdata's and asterisk-core-sounds-en's layouts under ``root``; ``speech``: WAVs to use."""
    audio = iter(speech or [])
    sphinx = root / "pocketsphinx" / "test" / "data"
    (sphinx / "cards").mkdir(parents=True)
    (sphinx / "cards" / "cards.transcription").write_text("<s> ten of clubs  </s> (001)\n<s> five five </s> (002)\n")
    write_wav(str(sphinx / "cards" / "001.wav"), 16000, next(audio, None))
    write_wav(str(sphinx / "cards" / "002.wav"), 16000, next(audio, None))
    (sphinx / "librivox").mkdir()
    (sphinx / "librivox" / "transcription").write_text("<s> he was not an ill disposed young man </s> (utt-0880)\n")
    write_wav(str(sphinx / "librivox" / "utt-0880.wav"), 16000, next(audio, None))
    sounds = root / "asterisk" / "en_US_f_Allison"
    for name in ("beep", "digits/7", "letters/at", "vm-leavemsg", "dictate/forhelp", "demo-moreinfo", "spy-h323"):
        write_wav(str(sounds / f"{name}.wav"), 8000, next(audio, None))
    transcripts = root / "core-sounds-en.txt.gz"
    with gzip.open(transcripts, "wt", encoding="utf-8") as handle:
        handle.write(TRANSCRIPTS)
    return {"pocketsphinx_data": str(sphinx), "asterisk_sounds": str(sounds), "asterisk_transcripts": str(transcripts)}


def test_normalisation_spells_numbers_and_drops_what_has_no_one_reading():
    assert real_speech.normalise_prompt(" Press 5 to leave a message", ALPHABET) == ("press five to leave a message", "")
    assert real_speech.normalise_prompt("<s> ten of clubs </s>", ALPHABET) == ("ten of clubs", "")
    assert real_speech.normalise_prompt("at [@]", ALPHABET) == ("at", "")
    assert real_speech.normalise_prompt("A.M.", ALPHABET) == ("a m", "")
    for text in ("[ascending tones]", "(10 seconds of silence)", "3D audio enabled", "visit www.asterisk.org",
                 "press # to exit", "the PBX"):
        normalised, reason = real_speech.normalise_prompt(text, ALPHABET)
        assert normalised is None and reason, text
    assert real_speech.normalise_prompt("quit", ALPHABET - {"q"})[0] is None


def test_manifests_from_fake_packages(tmp_path):
    paths = fake_packages(tmp_path)
    cache = str(tmp_path / "cache")
    wideband, dropped = real_speech.build_manifest(
        "wideband", real_speech.sphinx_prompts(paths["pocketsphinx_data"]), cache, ALPHABET)
    assert not dropped
    entries = read_manifest(wideband)
    assert [e["text"] for e in entries] == ["ten of clubs", "five five", "he was not an ill disposed young man"]
    assert entries[0]["audio_filepath"] == os.path.join(paths["pocketsphinx_data"], "cards", "001.wav")  # kept as is
    assert {e["source"] for e in entries} == {"wideband"} and entries[0]["duration"] == 0.5

    prompts = real_speech.asterisk_prompts(paths["asterisk_sounds"], paths["asterisk_transcripts"])
    telephone, dropped = real_speech.build_manifest("telephone", prompts, cache, ALPHABET)
    entries = read_manifest(telephone)
    assert [e["text"] for e in entries] == ["seven", "at", "press five to leave a message"]
    assert sum(dropped.values()) == 5 and dropped["audio not installed"] == 1
    converted = soundfile.info(entries[0]["audio_filepath"])
    assert entries[0]["audio_filepath"] == os.path.join(cache, "audio", "telephone", "digits", "7.wav")
    assert (converted.samplerate, converted.channels) == (16000, 1)
    assert abs(entries[0]["duration"] - 0.5) < 0.01

    limited, _ = real_speech.build_manifest("telephone", prompts, cache, ALPHABET, max_utterances=2)
    assert len(read_manifest(limited)) == 2


def test_missing_package_is_named(tmp_path):
    try:
        real_speech.sphinx_prompts(str(tmp_path / "absent"))
    except real_speech.MissingPackage as err:
        assert "apt-get install -y pocketsphinx-testdata" in str(err)
    else:
        raise AssertionError("no MissingPackage")


def test_whole_bench_on_the_tiny_model(tiny_model, tmp_path, capsys):  # noqa: F811
    speech = [e["audio_filepath"] for e in tiny_model["entries"]]
    paths = fake_packages(tmp_path, speech)
    cache = tmp_path / "cache"
    vocab = shutil.copy(tiny_model["vocab"], tmp_path / "vocab.txt")
    real_speech.main([f"--{name}={value}" for name, value in paths.items()] + [
        f"--cache_dir={cache}", f"--model_path={tiny_model['model_path']}", f"--vocab_path={vocab}",
        f"--mean_std_path={tiny_model['mean_std']}", "--lang_model_path=", "--num_workers=1",
        "--decoders=ctc_greedy,pocketsphinx"])
    table = capsys.readouterr().out.split("| source |")[1].splitlines()
    assert "greedy WER" in table[0] and "PocketSphinx 5 WER" in table[0] and "beam + LM" not in table[0]
    assert table[2].startswith("| wideband read speech | 3 |") and table[3].startswith("| telephone prompts | 3 |")
    for method in ("ctc_greedy", "pocketsphinx"):
        assert len((cache / "results" / f"test.telephone.{method}.jsonl").read_text().splitlines()) == 3
