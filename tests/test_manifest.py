"""Manifest reading/writing and tar: shard reading on real files."""
import json
import multiprocessing
import tarfile

import numpy as np
import pytest
import soundfile

from data_utils import utility
from data_utils.audio import AudioError, AudioSegment
from data_utils.manifest import ManifestError, read_manifest, write_manifest


def write_lines(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def entry(path="a.wav", duration=1.5, text="hello world"):
    return json.dumps({"audio_filepath": path, "duration": duration, "text": text})


def test_read_filters_by_duration_and_keeps_line_numbers(tmp_path):
    manifest = write_lines(tmp_path / "m.json", [
        entry("short.wav", 0.5), "", entry("mid.wav", 2.0), "   ",
        json.dumps({"audio_filepath": "long.wav", "duration": 9, "text": "é", "speaker": 3})])
    all_entries = read_manifest(manifest)
    assert [e["audio_filepath"] for e in all_entries] == ["short.wav", "mid.wav", "long.wav"]
    assert [e["line_no"] for e in all_entries] == [1, 3, 5]
    assert all_entries[2]["speaker"] == 3 and all_entries[2]["text"] == "é"
    kept = read_manifest(manifest, min_duration=1.0, max_duration=2.0)
    assert [e["audio_filepath"] for e in kept] == ["mid.wav"]


def test_write_then_read_round_trip_drops_line_no(tmp_path):
    entries = [{"audio_filepath": "x.wav", "duration": 1.25, "text": "你好", "line_no": 7},
               {"audio_filepath": "tar:/s.tar#y.wav", "duration": 0, "text": ""}]
    path = tmp_path / "sub" / "out.json"
    write_manifest(path, entries)
    assert "line_no" not in path.read_text(encoding="utf-8")
    assert "你好" in path.read_text(encoding="utf-8")
    back = read_manifest(path)
    assert [{k: v for k, v in e.items() if k != "line_no"} for e in back] == \
        [{k: v for k, v in e.items() if k != "line_no"} for e in entries]


@pytest.mark.parametrize("bad_line, message", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    (json.dumps({"audio_filepath": "a.wav", "text": "x"}), "missing key(s) duration"),
    (json.dumps({"duration": 1, "text": "x"}), "missing key(s) audio_filepath"),
    (entry(duration="1.0"), "duration must be"),
    (entry(duration=-0.1), "duration must be"),
    (entry(duration=True), "duration must be"),
    ('{"audio_filepath": "a.wav", "duration": NaN, "text": "x"}', "duration must be"),
    (entry(text=None), "text must be a string"),
    (entry(text=5), "text must be a string"),
    (entry(path=""), "audio_filepath must be"),
])
def test_malformed_line_names_file_and_line(tmp_path, bad_line, message):
    manifest = write_lines(tmp_path / "bad.json", [entry(), "", bad_line])
    with pytest.raises(ManifestError) as info:
        read_manifest(manifest)
    assert str(info.value).startswith(f"{manifest}:3:")
    assert message in str(info.value)


def test_non_utf8_line_and_missing_file(tmp_path):
    manifest = tmp_path / "latin1.json"
    manifest.write_bytes(entry().encode() + b"\n" + b'{"text": "\xe9"}\n')
    with pytest.raises(ManifestError, match=f"^{manifest}:2: not valid UTF-8"):
        read_manifest(manifest)
    with pytest.raises(FileNotFoundError, match="nope.json"):
        read_manifest(tmp_path / "nope.json")


def make_shard(tmp_path, count=3):
    """A tar shard of short WAV files; returns (shard path, list of extracted paths)."""
    paths = []
    for i in range(count):
        wav = tmp_path / f"utt{i}.wav"
        t = np.arange(1600 * (i + 1)) / 16000
        soundfile.write(wav, 0.3 * np.sin(2 * np.pi * 300 * (i + 1) * t), 16000, subtype="PCM_16")
        paths.append(wav)
    shard = tmp_path / "shard.tar"
    with tarfile.open(shard, "w") as tar:
        for wav in paths:
            tar.add(wav, arcname=f"clips/{wav.name}")
    return shard, paths


def read_in_child(path, queue):
    queue.put(AudioSegment.from_file(path).samples)


def test_tar_member_reads_like_extracted_file_and_survives_fork(tmp_path):
    shard, paths = make_shard(tmp_path)
    for wav in paths:
        from_tar = AudioSegment.from_file(f"tar:{shard}#clips/{wav.name}")
        assert from_tar == AudioSegment.from_file(wav)
    assert str(shard) in utility._cache.open  # the index is cached in this process
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=read_in_child, args=(f"tar:{shard}#clips/{paths[1].name}", queue))
    child.start()
    samples = queue.get(timeout=20)
    child.join(timeout=20)
    assert child.exitcode == 0
    np.testing.assert_array_equal(samples, AudioSegment.from_file(paths[1]).samples)
    # the parent's cached handle still reads correctly after the child used its own
    assert AudioSegment.from_file(f"tar:{shard}#clips/{paths[2].name}") == AudioSegment.from_file(paths[2])


def test_tar_errors_name_the_path(tmp_path):
    shard, _ = make_shard(tmp_path, count=1)
    with pytest.raises(AudioError, match="missing.wav"):
        AudioSegment.from_file(f"tar:{shard}#clips/missing.wav")
    with pytest.raises(AudioError, match="no_shard.tar"):
        AudioSegment.from_file(f"tar:{tmp_path}/no_shard.tar#clips/utt0.wav")
    with pytest.raises(AudioError, match="expected 'tar:"):
        AudioSegment.from_file(f"tar:{shard}")
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"\x01" * 1000)
    with pytest.raises(AudioError, match="junk.tar"):
        AudioSegment.from_file(f"tar:{junk}#a.wav")


def test_tar_cache_evicts_least_recently_used(tmp_path, monkeypatch):
    monkeypatch.setattr(utility, "MAX_OPEN_TARS", 2)
    monkeypatch.setattr(utility, "_cache", utility._TarCache())
    shards = []
    for name in ("a", "b", "c"):
        folder = tmp_path / name
        folder.mkdir()
        shards.append(make_shard(folder, count=1)[0])
    for shard in shards[:2]:
        AudioSegment.from_file(f"tar:{shard}#clips/utt0.wav")
    oldest = utility._cache.open[str(shards[0])][0]
    AudioSegment.from_file(f"tar:{shards[2]}#clips/utt0.wav")
    assert list(utility._cache.open) == [str(shards[1]), str(shards[2])]
    assert oldest.closed
