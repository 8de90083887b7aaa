"""A tiny real corpus for the training tests: espeak-ng speech at 16 kHz, manifests, vocabulary, mean/std."""
from __future__ import annotations

import os
import string
import subprocess

from data_utils.audio import AudioSegment
from data_utils.featurizer.audio_featurizer import AudioFeaturizer
from data_utils.manifest import write_manifest
from data_utils.normalizer import FeatureNormalizer

SENTENCES = [
    "the cat sat", "a dog ran home", "red sun", "we go now", "big blue sea", "hot tea",
    "see the bird", "my old hat", "ten men", "she is here", "open the door", "a cold day",
]


def write_manifest_lines(path: str, entries: list[dict]) -> str:
    """``write_manifest`` that returns the path, for one-line test fixtures."""
    write_manifest(path, entries)
    return path


def make_corpus(directory: str, sentences: list[str] = SENTENCES) -> dict:
    """Synthesise ``sentences``; returns paths: manifest, vocab, mean_std, augment (empty config), and entries."""
    os.makedirs(directory, exist_ok=True)
    entries = []
    for i, text in enumerate(sentences):
        raw, wav = os.path.join(directory, f"raw{i}.wav"), os.path.join(directory, f"utt{i}.wav")
        subprocess.run(["espeak-ng", "-s", "150", "-w", raw, text], check=True, capture_output=True)
        audio = AudioSegment.from_file(raw)
        audio.resample(16000)
        audio.to_wav_file(wav)
        os.remove(raw)
        entries.append({"audio_filepath": wav, "duration": audio.duration, "text": text})
    manifest = write_manifest_lines(os.path.join(directory, "manifest"), entries)
    vocab = os.path.join(directory, "vocab.txt")
    with open(vocab, "w", encoding="utf-8") as handle:
        handle.write("\n".join([" ", "'"] + list(string.ascii_lowercase)) + "\n")
    mean_std = os.path.join(directory, "mean_std.npz")
    FeatureNormalizer(manifest_path=manifest, featurize_func=AudioFeaturizer().featurize).write_to_file(mean_std)
    augment = os.path.join(directory, "augment.json")
    with open(augment, "w", encoding="utf-8") as handle:
        handle.write("[]")
    return {"dir": directory, "manifest": manifest, "vocab": vocab, "mean_std": mean_std, "augment": augment,
            "entries": entries}


def train_argv(corpus: dict, output_dir: str, **overrides) -> list[str]:
    """train.py flags for a tiny network on the corpus; ``overrides`` replace or add flags."""
    flags = {
        "train_manifest": corpus["manifest"], "dev_manifest": corpus["manifest"],
        "vocab_path": corpus["vocab"], "mean_std_path": corpus["mean_std"],
        "augment_conf_path": corpus["augment"], "output_model_dir": output_dir,
        "batch_size": 4, "trainer_count": 1, "num_passes": 2, "num_proc_data": 0,
        "num_conv_layers": 1, "num_rnn_layers": 1, "rnn_layer_size": 32, "use_gru": True,
        "learning_rate": 1e-3, "use_gpu": False, "num_iter_print": 1, "save_every": 0, "seed": 7,
    }
    flags.update(overrides)
    return [f"--{name}={value}" for name, value in flags.items()]
