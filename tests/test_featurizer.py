"""Audio/text/speech featurizers against independent computations on real audio files."""
import numpy as np
import pytest
import soundfile
from python_speech_features import delta, mfcc

from data_utils.audio import AudioError, AudioSegment
from data_utils.featurizer.audio_featurizer import AudioFeaturizer
from data_utils.featurizer.speech_featurizer import SpeechFeaturizer
from data_utils.featurizer.text_featurizer import TextFeaturizer
from data_utils.speech import SpeechSegment


def tone_and_noise(seconds=0.5, rate=16000, freq=1000.0, seed=0):
    t = np.arange(int(seconds * rate)) / rate
    noise = np.random.default_rng(seed).normal(0, 0.02, len(t))
    return (0.3 * np.sin(2 * np.pi * freq * t) + noise).astype(np.float32)


def reference_log_spectrogram(samples, rate, window_ms=20, stride_ms=10):
    """Frame by frame in float64: Hann window, |FFT|^2 / (sum(w^2) * rate), non-edge bins doubled."""
    window, stride = int(rate * window_ms / 1000), int(rate * stride_ms / 1000)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(window) / (window - 1))
    rows = []
    for start in range(0, len(samples) - window + 1, stride):
        power = np.abs(np.fft.fft(samples[start:start + window] * hann)[:window // 2 + 1]) ** 2
        power /= np.sum(hann ** 2) * rate
        power[1:-1] *= 2
        rows.append(np.log(power + 1e-14))
    return np.array(rows)


def test_linear_matches_per_frame_fft_and_shapes():
    samples = tone_and_noise(0.5)
    features = AudioFeaturizer("linear", use_dB_normalization=False).featurize(AudioSegment(samples, 16000))
    assert features.dtype == np.float32 and features.shape == ((8000 - 320) // 160 + 1, 161)
    np.testing.assert_allclose(features, reference_log_spectrogram(samples.astype(np.float64), 16000), atol=2e-3)
    assert np.argmax(features.mean(axis=0)) == 1000 // 50  # the tone's bin


def test_linear_with_db_normalization_and_max_freq():
    samples = tone_and_noise(0.3)
    segment = AudioSegment(samples, 16000)
    featurizer = AudioFeaturizer("linear", max_freq=4000, target_dB=-25)
    features = featurizer.featurize(segment)
    assert featurizer.feature_dim == features.shape[1] == 81  # bins 0, 50, ..., 4000 Hz
    scale = 10 ** (-25 / 20) / np.sqrt(np.mean(samples.astype(np.float64) ** 2))
    expected = reference_log_spectrogram(samples * scale, 16000)[:, :81]
    np.testing.assert_allclose(features, expected, atol=2e-3)
    assert segment == AudioSegment(samples, 16000)  # featurize leaves its input alone


@pytest.mark.parametrize("rate", [8000, 44100])
def test_other_sample_rates_are_resampled(tmp_path, rate):
    path = tmp_path / f"tone_{rate}.flac"
    soundfile.write(path, tone_and_noise(1.0, rate), rate, format="FLAC")
    features = AudioFeaturizer("linear").featurize(AudioSegment.from_file(path))
    assert features.shape == (99, 161)
    assert np.argmax(features.mean(axis=0)) == 1000 // 50


def test_resampling_disallowed_is_a_clear_error():
    featurizer = AudioFeaturizer("linear")
    with pytest.raises(ValueError, match="8000 Hz.*resampling is disallowed"):
        featurizer.featurize(AudioSegment(tone_and_noise(0.2, 8000), 8000), allow_upsampling=False)
    with pytest.raises(ValueError, match="44100 Hz"):
        featurizer.featurize(AudioSegment(tone_and_noise(0.2, 44100), 44100), allow_downsampling=False)


def test_mfcc_equals_python_speech_features_with_deltas():
    samples = tone_and_noise(0.7)
    featurizer = AudioFeaturizer("mfcc", use_dB_normalization=False)
    features = featurizer.featurize(AudioSegment(samples, 16000))
    cepstra = mfcc(samples.astype(np.float64), 16000, winlen=0.02, winstep=0.01, highfreq=8000)
    first = delta(cepstra, 2)
    expected = np.concatenate([cepstra, first, delta(first, 2)], axis=1)
    assert features.dtype == np.float32 and features.shape == expected.shape == (69, 39)
    assert featurizer.feature_dim == 39
    np.testing.assert_allclose(features, expected, atol=1e-3)


def test_fbank_shape_and_tone_lands_in_the_right_mel_bin():
    featurizer = AudioFeaturizer("fbank", use_dB_normalization=False, num_mel_bins=40)
    for freq in (300.0, 1000.0, 3000.0):
        features = featurizer.featurize(AudioSegment(tone_and_noise(0.5, freq=freq), 16000))
        assert features.dtype == np.float32 and features.shape == (49, 40) == (49, featurizer.feature_dim)
        # centres of 40 filters evenly spaced in mel between 20 Hz and 8 kHz, computed here independently
        mel = lambda hz: 1127.0 * np.log(1 + hz / 700.0)  # noqa: E731  (same scale as 2595*log10)
        centres = np.linspace(mel(20), mel(8000), 42)[1:-1]
        assert np.argmax(features.mean(axis=0)) == np.argmin(np.abs(centres - mel(freq)))


def test_fbank_default_has_no_empty_filters():
    silence_floor = np.log(1e-14)
    noise = np.random.default_rng(5).normal(0, 0.1, 8000).astype(np.float32)
    features = AudioFeaturizer("fbank").featurize(AudioSegment(noise, 16000))
    assert features.shape == (49, 80) and np.all(features > silence_floor + 5)


def test_bad_configuration_and_too_short_audio():
    with pytest.raises(ValueError, match="specgram_type"):
        AudioFeaturizer("spectrum")
    with pytest.raises(ValueError, match="max_freq"):
        AudioFeaturizer("linear", max_freq=9000)
    with pytest.raises(ValueError, match="stride_ms"):
        AudioFeaturizer("linear", stride_ms=30, window_ms=20)
    with pytest.raises(ValueError, match="shorter than one"):
        AudioFeaturizer("linear").featurize(AudioSegment(tone_and_noise(0.01), 16000))
    with pytest.raises(AudioError, match="empty"):
        AudioFeaturizer("mfcc", use_dB_normalization=False).featurize(AudioSegment(np.zeros(0), 16000))


def write_vocab(path, tokens):
    path.write_text("".join(token + "\n" for token in tokens), encoding="utf-8")
    return path


def test_text_featurizer(tmp_path):
    text = TextFeaturizer(write_vocab(tmp_path / "vocab.txt", ["a", " ", "b", "'", "é"]))
    assert text.vocab_size == 5 and text.vocab_list == ["a", " ", "b", "'", "é"]
    assert text.vocab_dict["b"] == 2
    assert text.featurize(" ab a'é ") == [0, 2, 1, 0, 3, 4]  # stripped, as DS2 did
    with pytest.raises(ValueError, match=r"\['c', 'z'\].*vocab.txt"):
        text.featurize("zac ac")
    for empty in ("", "   "):
        with pytest.raises(ValueError, match="empty transcript"):
            text.featurize(empty)


def test_bad_vocabulary_files(tmp_path):
    with pytest.raises(ValueError, match="dup.txt:3: token 'a' repeats line 1"):
        TextFeaturizer(write_vocab(tmp_path / "dup.txt", ["a", "b", "a"]))
    with pytest.raises(ValueError, match="blank.txt:2: empty token"):
        TextFeaturizer(write_vocab(tmp_path / "blank.txt", ["a", "", "b"]))
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(ValueError, match="empty.txt: the vocabulary is empty"):
        TextFeaturizer(tmp_path / "empty.txt")
    with pytest.raises(FileNotFoundError, match="absent.txt"):
        TextFeaturizer(tmp_path / "absent.txt")


def test_speech_featurizer(tmp_path):
    vocab = write_vocab(tmp_path / "vocab.txt", ["h", "i", " "])
    featurizer = SpeechFeaturizer(vocab, specgram_type="linear")
    features, token_ids = featurizer.featurize(SpeechSegment(tone_and_noise(0.25), 16000, "hi hi"))
    assert token_ids == [0, 1, 2, 0, 1]
    assert features.shape == (24, 161) and featurizer.feature_dim == 161
    assert featurizer.vocab_size == 3 and featurizer.vocab_list == ["h", "i", " "]
    with pytest.raises(ValueError, match=r"\['o'\]"):
        featurizer.featurize(SpeechSegment(tone_and_noise(0.25), 16000, "oh"))
