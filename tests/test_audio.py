"""AudioSegment / SpeechSegment on real files written in tmp_path."""
import math
import random

import numpy as np
import pytest
import soundfile

from data_utils.audio import AudioError, AudioSegment
from data_utils.speech import SpeechSegment


def sine(freq=440.0, seconds=0.5, rate=16000, amplitude=0.5):
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def peak_frequency(samples, rate):
    spectrum = np.abs(np.fft.rfft(samples))
    return np.argmax(spectrum) * rate / len(samples)


@pytest.mark.parametrize("fmt, subtype, rate", [
    ("WAV", "PCM_16", 16000), ("WAV", "FLOAT", 8000), ("FLAC", "PCM_16", 44100), ("OGG", "VORBIS", 22050)])
def test_from_file_formats_and_rates(tmp_path, fmt, subtype, rate):
    samples = sine(440, 0.5, rate)
    path = tmp_path / f"tone.{fmt.lower()}"
    soundfile.write(path, samples, rate, format=fmt, subtype=subtype)
    seg = AudioSegment.from_file(path)
    assert seg.sample_rate == rate and seg.samples.dtype == np.float32
    assert seg.num_samples == len(samples) and seg.duration == pytest.approx(0.5, abs=1e-3)
    tolerance = 0.05 if fmt == "OGG" else 1e-4  # Vorbis is lossy
    np.testing.assert_allclose(seg.samples, samples, atol=tolerance)
    assert peak_frequency(seg.samples, rate) == pytest.approx(440, abs=3)


def test_stereo_is_mixed_to_mono(tmp_path):
    left, right = sine(300, amplitude=0.4), sine(1000, amplitude=0.2)
    path = tmp_path / "stereo.wav"
    soundfile.write(path, np.stack([left, right], axis=1), 16000, subtype="FLOAT")
    np.testing.assert_allclose(AudioSegment.from_file(path).samples, (left + right) / 2, atol=1e-6)


def test_missing_and_corrupt_files_raise_audio_error_naming_file(tmp_path):
    with pytest.raises(AudioError, match="absent.wav"):
        AudioSegment.from_file(tmp_path / "absent.wav")
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00garbage that is not audio" * 10)
    with pytest.raises(AudioError, match="corrupt.wav"):
        AudioSegment.from_file(corrupt)
    with pytest.raises(AudioError, match="audio bytes"):
        AudioSegment.from_bytes(b"not audio at all")
    with pytest.raises(AudioError, match="corrupt.wav"):
        SpeechSegment.from_file(corrupt, "text")


def test_bytes_pcm_and_wav_round_trips(tmp_path):
    ints = np.array([0, 1, -1, 16384, -32768, 32767], dtype=np.int16)
    seg = AudioSegment.from_pcm(ints.tobytes(), 8000)
    np.testing.assert_array_equal(seg.samples, ints / 32768.0)
    assert np.frombuffer(seg.to_bytes("int16"), dtype="<i2").tolist() == ints.tolist()
    floats = np.array([0.25, -0.5], dtype="<f4")
    assert AudioSegment.from_pcm(floats.tobytes(), 8000, 4, floating=True).samples.tolist() == [0.25, -0.5]
    int32 = np.array([2 ** 30], dtype="<i4")
    assert AudioSegment.from_pcm(int32.tobytes(), 8000, 4).samples.tolist() == [0.5]
    with pytest.raises(AudioError, match="whole number"):
        AudioSegment.from_pcm(b"\x00\x01\x02", 8000)
    with pytest.raises(AudioError, match="width 3"):
        AudioSegment.from_pcm(b"\x00\x01\x02", 8000, 3)
    loud = AudioSegment(np.array([1.5, -1.5, 0.5], dtype=np.float32), 8000)
    assert np.frombuffer(loud.to_bytes("int16"), "<i2").tolist() == [32767, -32768, 16384]  # clipped
    assert np.frombuffer(loud.to_bytes(), "<f4").tolist() == [1.5, -1.5, 0.5]
    path = tmp_path / "out.wav"
    seg.to_wav_file(path)
    assert AudioSegment.from_file(path) == seg
    assert AudioSegment.from_bytes(path.read_bytes()) == seg
    assert soundfile.info(str(path)).subtype == "PCM_16"
    with pytest.raises(ValueError, match="unsupported WAV"):
        seg.to_wav_file(path, dtype="int8")


def test_integer_and_stereo_arrays_and_equality():
    seg = AudioSegment(np.array([[16384, 0], [-32768, -32768]], dtype=np.int16), 16000)
    assert seg.samples.tolist() == [0.25, -1.0]
    assert seg == AudioSegment(np.array([0.25, -1.0]), 16000)
    assert seg != AudioSegment(np.array([0.25, -1.0]), 8000)
    assert seg != AudioSegment(np.array([0.25, -0.5]), 16000)
    assert seg != SpeechSegment(np.array([0.25, -1.0]), 16000, "")
    with pytest.raises(ValueError, match="sample rate"):
        AudioSegment(np.zeros(3), 0)
    with pytest.raises(AudioError, match="shape"):
        AudioSegment(np.zeros((2, 2, 2)), 16000)


def test_samples_property_is_a_copy():
    seg = AudioSegment(np.ones(4, dtype=np.float32), 16000)
    seg.samples[:] = 0
    assert seg.samples.tolist() == [1.0] * 4


def test_concatenate_silence_and_rate_mismatch():
    a, b = AudioSegment(sine(seconds=0.1), 16000), AudioSegment(sine(seconds=0.2), 16000)
    joined = AudioSegment.concatenate(a, AudioSegment.make_silence(0.05, 16000), b)
    assert joined.num_samples == 1600 + 800 + 3200
    np.testing.assert_array_equal(joined.samples[1600:2400], 0)
    np.testing.assert_array_equal(joined.samples[2400:], b.samples)
    with pytest.raises(AudioError, match="8000 Hz"):
        AudioSegment.concatenate(a, AudioSegment(sine(rate=8000), 8000))
    with pytest.raises(ValueError, match="at least one"):
        AudioSegment.concatenate()


def test_rms_gain_and_normalize():
    seg = AudioSegment(sine(amplitude=0.5, seconds=1.0), 16000)
    assert seg.rms_db == pytest.approx(20 * math.log10(0.5 / math.sqrt(2)), abs=0.01)
    seg.gain_db(-6.0)
    assert seg.rms_db == pytest.approx(20 * math.log10(0.5 / math.sqrt(2)) - 6.0, abs=0.01)
    seg.normalize(-20)
    assert seg.rms_db == pytest.approx(-20, abs=1e-3)
    with pytest.raises(AudioError, match="silent"):
        AudioSegment.make_silence(0.1, 16000).normalize(-20)
    with pytest.raises(AudioError, match="empty"):
        AudioSegment(np.zeros(0), 16000).rms_db


def test_resample_keeps_duration_and_pitch():
    seg = AudioSegment(sine(1000, 1.0, 44100), 44100)
    seg.resample(16000)
    assert seg.sample_rate == 16000 and seg.num_samples == 16000
    assert peak_frequency(seg.samples, 16000) == pytest.approx(1000, abs=2)
    seg.resample(8000)
    assert peak_frequency(seg.samples, 8000) == pytest.approx(1000, abs=2)


def test_change_speed_changes_duration_and_pitch():
    seg = AudioSegment(sine(500, 1.0), 16000)
    seg.change_speed(2.0)
    assert seg.num_samples == 8000
    assert peak_frequency(seg.samples, 16000) == pytest.approx(1000, abs=3)
    seg.change_speed(0.5)
    assert seg.num_samples == 16000
    with pytest.raises(ValueError, match="speed_rate"):
        seg.change_speed(0)
    with pytest.raises(AudioError, match="change_speed: the audio is empty"):
        AudioSegment(np.zeros(0), 16000).change_speed(1.1)


def test_shift_moves_audio_keeping_length():
    ramp = np.arange(1, 11, dtype=np.float32) / 10  # 10 samples at 1 kHz = 10 ms
    seg = AudioSegment(ramp, 1000)
    seg.shift(3)  # positive: earlier
    np.testing.assert_allclose(seg.samples, np.concatenate([ramp[3:], np.zeros(3)]))
    seg = AudioSegment(ramp, 1000)
    seg.shift(-3)  # negative: later
    np.testing.assert_allclose(seg.samples, np.concatenate([np.zeros(3), ramp[:7]]))
    with pytest.raises(ValueError, match="exceeds"):
        seg.shift(11)


def test_pad_silence_sides():
    for sides, expected in [("both", 2 + 5 + 2), ("beginning", 2 + 5), ("end", 5 + 2)]:
        seg = AudioSegment(np.ones(5), 1000)
        seg.pad_silence(0.002, sides)
        assert seg.num_samples == expected and seg.samples.sum() == 5
    seg = AudioSegment(np.ones(5), 1000)
    seg.pad_silence(0.002, "beginning")
    assert seg.samples.tolist() == [0, 0, 1, 1, 1, 1, 1]
    with pytest.raises(ValueError, match="sides"):
        seg.pad_silence(0.1, "middle")


def test_subsegment_and_random_subsegment():
    ramp = np.arange(100, dtype=np.float32) / 100  # 100 samples at 100 Hz = 1 s
    seg = AudioSegment(ramp, 100)
    seg.subsegment(0.2, -0.3)
    np.testing.assert_array_equal(seg.samples, ramp[20:70])
    seg = AudioSegment(ramp, 100)
    seg.subsegment(-0.1)
    np.testing.assert_array_equal(seg.samples, ramp[90:])
    for start, end in [(0.5, 0.2), (0.0, 1.5), (-2.0, None)]:
        with pytest.raises(ValueError, match="subsegment"):
            AudioSegment(ramp, 100).subsegment(start, end)
    seg = AudioSegment(ramp, 100)
    seg.random_subsegment(0.25, random.Random(1))
    assert seg.num_samples == 25 and np.all(np.diff(seg.samples) > 0)
    with pytest.raises(ValueError, match="exceeds"):
        AudioSegment(ramp, 100).random_subsegment(2.0)


@pytest.mark.parametrize("noise_seconds", [0.3, 3.0])
def test_add_noise_hits_snr_with_short_and_long_noise(noise_seconds):
    clean = sine(440, 1.0)
    seg = AudioSegment(clean, 16000)
    noise = AudioSegment(np.random.default_rng(0).uniform(-0.5, 0.5, int(noise_seconds * 16000)), 16000)
    seg.add_noise(noise, snr_dB=10, rng=random.Random(3))
    added = seg.samples - clean
    snr = 10 * np.log10(np.mean(clean.astype(np.float64) ** 2) / np.mean(added.astype(np.float64) ** 2))
    assert seg.num_samples == 16000 and snr == pytest.approx(10, abs=0.01)


def test_add_noise_sample_rates():
    seg = AudioSegment(sine(440, 0.5, 8000), 8000)
    noise = AudioSegment(np.random.default_rng(1).uniform(-0.1, 0.1, 16000), 16000)
    with pytest.raises(AudioError, match="16000 Hz"):
        seg.add_noise(noise, 5)
    seg.add_noise(noise, 5, allow_downsampling=True, rng=random.Random(0))
    assert seg.sample_rate == 8000 and seg != AudioSegment(sine(440, 0.5, 8000), 8000)
    assert noise.sample_rate == 16000  # the noise itself is untouched
    with pytest.raises(AudioError, match="empty"):
        seg.add_noise(AudioSegment(np.zeros(0), 8000), 5)


def test_convolve_keeps_length_and_level():
    samples = sine(300, 0.2)
    delayed_impulse = np.zeros(50, dtype=np.float32)
    delayed_impulse[10] = 0.5
    seg = AudioSegment(samples, 16000)
    seg.convolve(AudioSegment(delayed_impulse, 16000))
    expected = np.concatenate([np.zeros(10), 0.5 * samples[:-10]])
    np.testing.assert_allclose(seg.samples, expected, atol=1e-6)
    seg = AudioSegment(samples, 16000)
    level = seg.rms_db
    seg.convolve_and_normalize(AudioSegment(delayed_impulse, 16000))
    assert seg.num_samples == len(samples) and seg.rms_db == pytest.approx(level, abs=1e-3)
    with pytest.raises(AudioError, match="allow_resample"):
        seg.convolve(AudioSegment(delayed_impulse, 8000))
    seg.convolve(AudioSegment(delayed_impulse, 8000), allow_resample=True)
    assert seg.num_samples == len(samples)


def test_normalize_online_bayesian_matches_a_direct_loop():
    rng = np.random.default_rng(2)
    samples = rng.uniform(-0.3, 0.3, 200).astype(np.float32)
    rate, target, prior_db, prior_n, delay = 1000, -20.0, -30.0, 50, 0.02
    expected = np.empty(200)
    startup = int(rate * delay)  # during the first 20 samples, use the estimate at sample 20
    for t in range(200):
        upto = max(t, startup)
        mean_square = (np.sum(samples[:upto + 1].astype(np.float64) ** 2) + 10 ** (prior_db / 10) * prior_n) \
            / (upto + 1 + prior_n)
        gain_db = target - 10 * np.log10(mean_square)
        expected[t] = samples[t] * 10 ** (gain_db / 20)
    seg = AudioSegment(samples, rate)
    seg.normalize_online_bayesian(target, prior_db, prior_n, startup_delay=delay)
    np.testing.assert_allclose(seg.samples, expected, rtol=1e-5)
    with pytest.raises(AudioError, match="empty"):
        AudioSegment(np.zeros(0), rate).normalize_online_bayesian(target, prior_db, prior_n)


def test_speech_segment(tmp_path):
    path = tmp_path / "u.flac"
    soundfile.write(path, sine(seconds=0.1), 16000, format="FLAC")
    speech = SpeechSegment.from_file(path, "hello")
    assert isinstance(speech, SpeechSegment) and speech.transcript == "hello" and speech.num_samples == 1600
    assert speech == SpeechSegment.from_bytes(path.read_bytes(), "hello")
    assert speech != SpeechSegment.from_bytes(path.read_bytes(), "other")
    joined = SpeechSegment.concatenate(speech, SpeechSegment.make_silence(0.1, 16000), speech)
    assert joined.transcript == "hello hello" and joined.num_samples == 4800
    speech.gain_db(-3)
    assert speech.transcript == "hello"
    with pytest.raises(TypeError):
        SpeechSegment.concatenate(speech, AudioSegment(sine(seconds=0.1), 16000))
