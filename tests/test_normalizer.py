"""FeatureNormalizer: statistics computed from a real manifest, npz round trip and bad files."""
import json

import numpy as np
import pytest
import soundfile

from data_utils.audio import AudioSegment
from data_utils.featurizer.audio_featurizer import AudioFeaturizer
from data_utils.normalizer import FeatureNormalizer


@pytest.fixture()
def manifest(tmp_path):
    """Four short noisy tones of different pitch and length, with their manifest."""
    lines = []
    rng = np.random.default_rng(0)
    for i in range(4):
        seconds = 0.2 + 0.1 * i
        t = np.arange(int(16000 * seconds)) / 16000
        samples = 0.2 * np.sin(2 * np.pi * 200 * (i + 1) * t) + rng.normal(0, 0.01, len(t))
        path = tmp_path / f"utt{i}.wav"
        soundfile.write(path, samples, 16000)
        lines.append(json.dumps({"audio_filepath": str(path), "duration": seconds, "text": "x"}))
    path = tmp_path / "manifest.json"
    path.write_text("\n".join(lines) + "\n")
    return path


def all_features(manifest, featurize):
    entries = [json.loads(line) for line in manifest.read_text().splitlines()]
    return np.concatenate([featurize(AudioSegment.from_file(e["audio_filepath"])) for e in entries])


def test_statistics_over_all_frames_and_apply(manifest, tmp_path):
    featurize = AudioFeaturizer("fbank", num_mel_bins=20).featurize
    normalizer = FeatureNormalizer(manifest_path=manifest, featurize_func=featurize, num_samples=10)
    stacked = all_features(manifest, featurize)
    np.testing.assert_allclose(normalizer.mean, stacked.mean(axis=0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(normalizer.std, stacked.std(axis=0), rtol=1e-4, atol=1e-5)
    normalized = normalizer.apply(stacked)
    assert normalized.dtype == np.float32
    np.testing.assert_allclose(normalized.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(normalized.std(axis=0), 1, atol=1e-3)
    path = tmp_path / "stats" / "mean_std.npz"
    normalizer.write_to_file(path)
    with np.load(path) as saved:
        assert saved["mean"].shape == saved["std"].shape == (20,)
    loaded = FeatureNormalizer(path)
    np.testing.assert_array_equal(loaded.apply(stacked), normalized)
    with pytest.raises(ValueError, match="dimension 161"):
        loaded.apply(np.zeros((3, 161), dtype=np.float32))


def test_sampling_is_seeded_and_workers_agree(manifest):
    featurize = AudioFeaturizer("linear").featurize
    first = FeatureNormalizer(manifest_path=manifest, featurize_func=featurize, num_samples=2, random_seed=7)
    again = FeatureNormalizer(manifest_path=manifest, featurize_func=featurize, num_samples=2, random_seed=7,
                              num_workers=2)
    np.testing.assert_allclose(first.mean, again.mean, rtol=1e-6)
    np.testing.assert_allclose(first.std, again.std, rtol=1e-6)
    full = FeatureNormalizer(manifest_path=manifest, featurize_func=featurize, num_samples=4)
    assert not np.allclose(first.mean, full.mean)  # two of four utterances differ from all four


def test_bad_mean_std_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="absent.npz"):
        FeatureNormalizer(tmp_path / "absent.npz")
    np.savez(tmp_path / "keys.npz", mean=np.zeros(3))
    with pytest.raises(ValueError, match=r"keys.npz: missing array\(s\) std"):
        FeatureNormalizer(tmp_path / "keys.npz")
    np.savez(tmp_path / "shape.npz", mean=np.zeros(3), std=np.ones(4))
    with pytest.raises(ValueError, match="shape.npz: mean and std must be"):
        FeatureNormalizer(tmp_path / "shape.npz")
    np.savez(tmp_path / "matrix.npz", mean=np.zeros((3, 1)), std=np.ones((3, 1)))
    with pytest.raises(ValueError, match="matrix.npz"):
        FeatureNormalizer(tmp_path / "matrix.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="junk.npz: not a readable"):
        FeatureNormalizer(tmp_path / "junk.npz")
    np.save(tmp_path / "single.npy", np.zeros(3))
    with pytest.raises(ValueError, match="single.npy: a single .npy array"):
        FeatureNormalizer(tmp_path / "single.npy")
    with pytest.raises(ValueError, match="needs mean_std_filepath"):
        FeatureNormalizer()


def test_bad_audio_in_manifest_names_the_file(tmp_path):
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps({"audio_filepath": str(tmp_path / "gone.wav"), "duration": 1, "text": "a"}))
    with pytest.raises(ValueError, match="gone.wav"):
        FeatureNormalizer(manifest_path=manifest, featurize_func=AudioFeaturizer().featurize)
