"""tools/apply_channel.py on real speech (flite's slt) with the tiny example's channel configs and noise and rooms
made by data/noise/make_local_noise.py: the written WAVs match their manifest, a seed gives the same files, the
noise lies at the configured SNR, and a bad config or manifest is named."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile

from data.noise.make_local_noise import generate
from data.synth.postprocess import finish, write_wav
from data.synth.voices import Voice, speak
from data_utils.manifest import write_manifest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tools"))
from apply_channel import apply_channel, load_channel  # noqa: E402

CHANNELS = os.path.join(REPO, "examples", "tiny", "channels")
TEXTS = ("a large size in stockings is hard to sell", "the boy was there when the sun rose")


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    """Two flite utterances and their manifest, and a folder of noise clips and rooms."""
    root = tmp_path_factory.mktemp("channel")
    entries = []
    for index, text in enumerate(TEXTS):
        samples, rate = speak(Voice("flite", "slt"), text, 1.0, 0.0)
        path = str(root / f"utt{index}.wav")
        duration = write_wav(path, finish(samples, rate, 1.0, -3.0, index))
        entries.append({"audio_filepath": path, "duration": duration, "text": text, "speaker": "flite_slt"})
    write_manifest(root / "manifest.clean", entries)
    generate(str(root / "noise"), 3, 2, 4.0, str(root / "no_speech_here"), 5)
    return root


def run_channel(root, channel, output, seed=0, conf=None):
    """The command line, as the data stage runs it."""
    command = [sys.executable, "tools/apply_channel.py", "--manifest", str(root / "manifest.clean"),
               "--augment_conf", str(conf or os.path.join(CHANNELS, f"{channel}.json")),
               "--noise_dir", str(root / "noise"), "--output_dir", str(root / output),
               "--output_manifest", str(root / f"manifest.{output}"), "--seed", str(seed)]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)


def degrade_all(root, channel, output, seed=0, conf=None, noise_dir=None, manifest=None, num_workers=1):
    """The same from this process."""
    pipeline = load_channel(str(conf or os.path.join(CHANNELS, f"{channel}.json")),
                            str(root / "noise") if noise_dir is None else noise_dir)
    return apply_channel(str(manifest or root / "manifest.clean"), pipeline, seed, str(root / output),
                         str(root / f"manifest.{output}"), num_workers)


def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def samples(path):
    return soundfile.read(path, dtype="float32")[0]


@pytest.mark.parametrize("channel", sorted(name[:-len(".json")] for name in os.listdir(CHANNELS)))
def test_each_channel_writes_wavs_that_match_its_manifest(speech, channel):
    result = run_channel(speech, channel, channel)
    assert result.returncode == 0, result.stderr[-2000:]
    clean, degraded = read_jsonl(speech / "manifest.clean"), read_jsonl(speech / f"manifest.{channel}")
    assert [(e["text"], e["speaker"]) for e in degraded] == [(e["text"], e["speaker"]) for e in clean]
    for before, after in zip(clean, degraded):
        assert os.path.dirname(after["audio_filepath"]) == str(speech / channel)
        info = soundfile.info(after["audio_filepath"])
        assert info.samplerate == 16000 and after["duration"] == pytest.approx(info.frames / 16000, abs=1e-4)
        audio = samples(after["audio_filepath"])
        assert np.abs(audio).max() <= 1.0 and not np.array_equal(audio, samples(before["audio_filepath"])[:len(audio)])


def test_a_seed_gives_the_same_files_with_any_number_of_workers_and_another_seed_others(speech):
    for output, seed, workers in (("first", 3, 1), ("again", 3, 2), ("other", 4, 1)):
        assert degrade_all(speech, "noise", output, seed, num_workers=workers) == len(TEXTS)
    first, again, other = (read_jsonl(speech / f"manifest.{name}") for name in ("first", "again", "other"))
    for a, b, c in zip(first, again, other):
        assert np.array_equal(samples(a["audio_filepath"]), samples(b["audio_filepath"]))
        assert not np.array_equal(samples(a["audio_filepath"]), samples(c["audio_filepath"]))


def test_noise_lies_within_the_configured_snr(speech):
    degrade_all(speech, "noise", "snr")
    for before, after in zip(read_jsonl(speech / "manifest.clean"), read_jsonl(speech / "manifest.snr")):
        clean, noisy = samples(before["audio_filepath"]), samples(after["audio_filepath"])
        # noisy = gain * (clean + noise), the gain < 1 only where the peak was limited
        gain = float(np.dot(noisy, clean) / np.dot(clean, clean))
        noise = noisy / gain - clean
        snr = 10 * np.log10(np.sum(clean ** 2) / np.sum(noise ** 2))
        assert 4.5 <= snr <= 20.5, snr


def test_bad_configs_and_manifests_are_named(speech, tmp_path):
    unknown = tmp_path / "unknown.json"
    unknown.write_text('[{"type": "telefone", "params": {}, "prob": 1.0}]', encoding="utf-8")
    result = run_channel(speech, None, "bad", conf=unknown)
    assert result.returncode != 0
    assert f"apply_channel.py: {unknown}: augmentation config entry 1 ('telefone'): unknown type" in result.stderr
    features = tmp_path / "features.json"
    features.write_text('[{"type": "specaugment", "params": {}, "prob": 1.0}]', encoding="utf-8")
    with pytest.raises(ValueError, match="features.json: specaugment acts on features"):
        degrade_all(speech, None, "bad", conf=features)
    with pytest.raises(ValueError, match=r"reverb.json: the config names \$\{NOISE_DIR\}; pass --noise_dir"):
        degrade_all(speech, "reverb", "bad", noise_dir="")
    with pytest.raises(ValueError, match="missing.json: cannot read the channel config"):
        degrade_all(speech, None, "bad", conf=tmp_path / "missing.json")
    twins = tmp_path / "manifest.twins"
    clean = read_jsonl(speech / "manifest.clean")
    copy = str(tmp_path / os.path.basename(clean[0]["audio_filepath"]))
    write_manifest(twins, [clean[0], {**clean[0], "audio_filepath": copy}])
    with pytest.raises(ValueError, match="manifest.twins:2: utt0.wav has the file name of line 1"):
        degrade_all(speech, "noise", "bad", manifest=twins)
    assert not (speech / "manifest.bad").exists()
