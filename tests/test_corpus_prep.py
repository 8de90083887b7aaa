"""Corpus preparation end to end: small archives in each corpus' real layout, served from 127.0.0.1, fetched
and turned into manifests by the real scripts; plus the resume, restart, MD5-failure and skip paths."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile

from corpus_fixtures import (REPO_ROOT, SAMPLE_RATE, encode, load_script, make_tar, make_zip, script_env,
                             start_server, synthesize)
from data_utils.download import DownloadError, download, parallel_map, unpack

LIBRI_UTTERANCES = {  # subset -> [(utterance id, transcript as in .trans.txt)]
    "test-clean": [("1089-134686-0000", "HE HOPED THERE WOULD BE STEW FOR DINNER"),
                   ("1089-134686-0001", "STUFF IT INTO YOU"),
                   ("121-121726-0000", "I'LL BE THERE SOON")],
    "dev-clean": [("84-121123-0000", "GO DO YOU HEAR"),
                  ("84-121123-0001", "BUT IN LESS THAN FIVE MINUTES")],
}


@pytest.fixture(scope="module")
def server():
    srv = start_server()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(autouse=True)
def fresh_server(server):
    server.files.clear()
    server.requests.clear()
    server.ignore_range = False
    server.cut_after = None
    yield


def md5_of(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


_speech_cache: dict[tuple[str, str], np.ndarray] = {}


def speech(text: str, voice: str = "en") -> np.ndarray:
    if (text, voice) not in _speech_cache:
        _speech_cache[(text, voice)] = synthesize(text, voice)
    return _speech_cache[(text, voice)]


def read_lines(path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def check_manifest(path, expected: list[tuple[str, np.ndarray, str]]) -> None:
    """Line by line: the audio file exists and holds these samples, the duration and the text match."""
    lines = read_lines(path)
    assert [line["audio_filepath"] for line in lines] == [p for p, _, _ in expected]
    for line, (audio_path, samples, text) in zip(lines, expected):
        assert set(line) == {"audio_filepath", "duration", "text"}
        assert os.path.isfile(audio_path)
        assert line["duration"] == pytest.approx(len(samples) / SAMPLE_RATE, abs=1e-6)
        assert line["text"] == text


# ---------------------------------------------------------------- data_utils.download


def test_download_resumes_a_partial_file_with_a_range_request(server, tmp_path):
    payload = np.random.default_rng(0).bytes(300_000)
    server.files["/blob.bin"] = payload
    (tmp_path / "blob.bin.part").write_bytes(payload[:150_000])
    path = download(server.url("blob.bin"), md5_of(payload), tmp_path)
    assert server.requests == [("/blob.bin", "bytes=150000-")]
    assert open(path, "rb").read() == payload
    assert not (tmp_path / "blob.bin.part").exists()


def test_an_interrupted_download_resumes_on_the_next_run(server, tmp_path):
    payload = np.random.default_rng(3).bytes(200_000)
    server.files["/blob.bin"] = payload
    server.cut_after = 70_000
    with pytest.raises(DownloadError, match=r"blob\.bin\.part: transfer from .* (ended early|broke off)"):
        download(server.url("blob.bin"), md5_of(payload), tmp_path)
    assert (tmp_path / "blob.bin.part").read_bytes() == payload[:70_000]
    path = download(server.url("blob.bin"), md5_of(payload), tmp_path)
    assert server.requests == [("/blob.bin", None), ("/blob.bin", "bytes=70000-")]
    assert open(path, "rb").read() == payload


def test_download_restarts_when_the_server_ignores_range(server, tmp_path):
    payload = np.random.default_rng(1).bytes(50_000)
    server.files["/blob.bin"] = payload
    server.ignore_range = True
    (tmp_path / "blob.bin.part").write_bytes(b"x" * 20_000)  # not even a prefix of the real file
    path = download(server.url("blob.bin"), md5_of(payload), tmp_path)
    assert open(path, "rb").read() == payload


def test_download_of_a_complete_part_file_just_verifies_it(server, tmp_path):
    payload = b"all of it arrived before the crash"
    server.files["/blob.bin"] = payload
    (tmp_path / "blob.bin.part").write_bytes(payload)
    path = download(server.url("blob.bin"), md5_of(payload), tmp_path)
    assert open(path, "rb").read() == payload  # the server answered 416 to bytes=34-


def test_md5_mismatch_names_the_file_and_drops_the_bad_download(server, tmp_path):
    server.files["/blob.bin"] = b"corrupted on the way"
    with pytest.raises(DownloadError, match=r"blob\.bin: MD5 checksum mismatch.*expected 0{32}"):
        download(server.url("blob.bin"), "0" * 32, tmp_path)
    assert os.listdir(tmp_path) == []


def test_download_skips_a_verified_file_and_reports_http_errors(server, tmp_path):
    (tmp_path / "blob.bin").write_bytes(b"already here")
    download(server.url("blob.bin"), md5_of(b"already here"), tmp_path)
    assert server.requests == []
    with pytest.raises(DownloadError, match=r"missing\.bin\.part: HTTP 404"):
        download(server.url("missing.bin"), None, tmp_path)


def test_unpack_refuses_members_outside_the_target(tmp_path):
    archive = tmp_path / "evil.tar.gz"
    archive.write_bytes(make_tar({"../escaped.txt": b"no"}))
    with pytest.raises(DownloadError, match="evil.tar.gz: cannot unpack"):
        unpack(archive, tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()


def test_download_cli_fetches_and_unpacks(server, tmp_path):
    archive = make_tar({"model/params.txt": b"weights"})
    server.files["/model.tar.gz"] = archive
    result = subprocess.run([sys.executable, "-m", "data_utils.download", "--url", server.url("model.tar.gz"),
                             "--md5sum", md5_of(archive), "--target_dir", str(tmp_path), "--unpack", "True"],
                            cwd=REPO_ROOT, env=script_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "model" / "params.txt").read_bytes() == b"weights"


def test_parallel_map_keeps_order_and_stops_early_on_failure():
    assert parallel_map(lambda x: x * x, range(20), 4, desc="squares") == [x * x for x in range(20)]
    started = []

    def fail_first(x):
        started.append(x)
        if x == 0:
            raise ValueError("item 0 is bad")
        time.sleep(0.001)
        return x
    with pytest.raises(ValueError, match="item 0 is bad"):
        parallel_map(fail_first, range(1000), 1, desc="fails")
    assert len(started) < 500  # the queued items were cancelled


# ---------------------------------------------------------------- LibriSpeech


def librispeech_archive(subset: str) -> tuple[bytes, list[tuple[str, np.ndarray, str]]]:
    """``<subset>.tar.gz`` as openslr ships it, and (path relative to target_dir, samples, text) per utterance."""
    members = {"LibriSpeech/SPEAKERS.TXT": b";ID |SEX| SUBSET | MINUTES | NAME\n"}
    transcripts: dict[str, list[str]] = {}
    expected = []
    for utt_id, text in LIBRI_UTTERANCES[subset]:
        speaker, chapter, _ = utt_id.split("-")
        folder = f"LibriSpeech/{subset}/{speaker}/{chapter}"
        samples = speech(text.lower())
        members[f"{folder}/{utt_id}.flac"] = encode(samples, "FLAC")
        transcripts.setdefault(f"{folder}/{speaker}-{chapter}.trans.txt", []).append(f"{utt_id} {text}")
        expected.append((f"{subset}/{folder}/{utt_id}.flac", samples, text.lower()))
    for name, lines in transcripts.items():
        members[name] = ("\n".join(lines) + "\n").encode()
    return make_tar(members), sorted(expected, key=lambda item: item[0])


def test_librispeech_end_to_end_with_resume_and_rerun(server, tmp_path, monkeypatch):
    module = load_script("data/librispeech/librispeech.py")
    expected = {}
    for subset in ("test-clean", "dev-clean"):
        archive, expected[subset] = librispeech_archive(subset)
        server.files[f"/12/{subset}.tar.gz"] = archive
        monkeypatch.setitem(module.MD5SUMS, subset, md5_of(archive))
    target = tmp_path / "libri"
    target.mkdir()
    half = len(server.files["/12/test-clean.tar.gz"]) // 2
    (target / "test-clean.tar.gz.part").write_bytes(server.files["/12/test-clean.tar.gz"][:half])
    prefix = str(tmp_path / "manifest")
    argv = ["--target_dir", str(target), "--manifest_prefix", prefix, "--url_base", server.url("12"),
            "--num_workers", "2"]

    module.main(argv)
    assert ("/12/test-clean.tar.gz", f"bytes={half}-") in server.requests
    assert ("/12/dev-clean.tar.gz", None) in server.requests
    for subset in ("test-clean", "dev-clean"):
        check_manifest(f"{prefix}.{subset}", [(str(target / path), samples, text)
                                              for path, samples, text in expected[subset]])
    assert read_lines(f"{prefix}.test-clean")[2]["text"] == "i'll be there soon"
    first = {s: open(f"{prefix}.{s}").read() for s in ("test-clean", "dev-clean")}

    server.requests.clear()
    module.main(argv)  # everything is in place: nothing is fetched, the manifests come out the same
    assert server.requests == []
    assert {s: open(f"{prefix}.{s}").read() for s in ("test-clean", "dev-clean")} == first


def test_librispeech_cli_rejects_an_archive_with_the_wrong_md5(server, tmp_path):
    for subset in ("test-clean", "dev-clean"):
        server.files[f"/12/{subset}.tar.gz"] = librispeech_archive(subset)[0]
    result = subprocess.run([sys.executable, "-m", "data.librispeech.librispeech", "--target_dir", str(tmp_path),
                             "--manifest_prefix", str(tmp_path / "manifest")],  # DS2's real MD5s
                            cwd=REPO_ROOT, env=script_env(LIBRISPEECH_URL_BASE=server.url("12")),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "test-clean.tar.gz: MD5 checksum mismatch" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "manifest.test-clean").exists()


def test_librispeech_transcript_naming_a_missing_flac_is_an_error_with_file_and_line(tmp_path):
    module = load_script("data/librispeech/librispeech.py")
    chapter = tmp_path / "LibriSpeech" / "dev-clean" / "84" / "121123"
    chapter.mkdir(parents=True)
    (chapter / "84-121123-0000.flac").write_bytes(encode(speech("go do you hear"), "FLAC"))
    (chapter / "84-121123.trans.txt").write_text("84-121123-0000 GO DO YOU HEAR\n84-121123-0001 GONE\n")
    with pytest.raises(ValueError, match=r"84-121123\.trans\.txt:2: audio file .*84-121123-0001\.flac is missing"):
        module.read_transcripts(str(tmp_path))


# ---------------------------------------------------------------- Aishell

AISHELL_UTTERANCES = [  # (split, speaker, utterance id, transcript words as in aishell_transcript_v0.8.txt)
    ("train", "S0002", "BAC009S0002W0122", "而 对 楼市 成交 抑制"),
    ("train", "S0002", "BAC009S0002W0123", "也 成为 地方 政府"),
    ("dev", "S0724", "BAC009S0724W0121", "广州 市 房地产"),
    ("test", "S0764", "BAC009S0764W0121", "甚至 出现 交易"),
]


def test_aishell_end_to_end(server, tmp_path, monkeypatch):
    module = load_script("data/aishell/aishell.py")
    speakers: dict[str, dict[str, bytes]] = {}
    expected = {"train": [], "dev": [], "test": []}
    for split, speaker, utt_id, words in AISHELL_UTTERANCES:
        samples = speech("".join(words.split()), voice="cmn")
        speakers.setdefault(speaker, {})[f"{split}/{speaker}/{utt_id}.wav"] = encode(samples, "WAV")
        path = tmp_path / "aishell" / "data_aishell" / "wav" / split / speaker / f"{utt_id}.wav"
        expected[split].append((str(path), samples, "".join(words.split())))
    speakers["S0002"]["train/S0002/BAC009S0002W0999.wav"] = encode(speech("no transcript"), "WAV")
    transcript = "".join(f"{utt_id} {words}\n" for _, _, utt_id, words in AISHELL_UTTERANCES)
    data_members = {f"data_aishell/wav/{speaker}.tar.gz": make_tar(files) for speaker, files in speakers.items()}
    data_members["data_aishell/transcript/aishell_transcript_v0.8.txt"] = transcript.encode()
    server.files["/33/data_aishell.tgz"] = make_tar(data_members)
    server.files["/33/resource_aishell.tgz"] = make_tar({"resource_aishell/lexicon.txt": "而 er2\n".encode(),
                                                         "resource_aishell/speaker.info": b"0002 F\n"})
    for name in ("data_aishell.tgz", "resource_aishell.tgz"):
        monkeypatch.setitem(module.MD5SUMS, name, md5_of(server.files["/33/" + name]))
    prefix = str(tmp_path / "manifest")
    monkeypatch.chdir(tmp_path)  # a relative --target_dir still gives absolute manifest paths
    argv = ["--target_dir", "aishell", "--manifest_prefix", prefix, "--url_base", server.url("33"),
            "--num_workers", "2"]

    module.main(argv)
    for split in ("train", "dev", "test"):
        check_manifest(f"{prefix}.{split}", expected[split])
    wav_dir = tmp_path / "aishell" / "data_aishell" / "wav"
    assert not list(wav_dir.glob("*.tar.gz"))  # speaker archives unpacked, then removed
    assert (tmp_path / "aishell" / "resource_aishell" / "lexicon.txt").is_file()

    server.requests.clear()
    module.main(argv)
    assert server.requests == []
    check_manifest(f"{prefix}.train", expected["train"])


# ---------------------------------------------------------------- VoxForge

VOXFORGE_SUBMISSIONS = [  # (name, dialect line, audio type, [(prompt id, transcript)])
    ("anonymous-20080723-ouv", "American English", "wav",
     [("a0389", "THE GIRL FACED HIM"), ("a0390", "WELL-KNOWN FACES"), ("a0391", "CHAPTER 9 BEGINS")]),
    ("ralfherzog-20071219-de34", "European English", "flac", [("de10-001", "IT IS A TRUTH")]),
    ("bob-20100101-abc", "Canadian English", "wav", [("b0001", "GOOD MORNING")]),
    ("kim-20090202-xyz", "British English", "wav", [("rp-01", "I'D RATHER NOT")]),
    ("raj-20110303-qqq", "Indian English", "wav", [("in-01", "THANK YOU")]),
    ("yann-20120404-zzz", "French", "wav", [("fr-01", "BONJOUR")]),  # no requested dialect
]


def voxforge_archive(name: str, dialect: str, audio_type: str, prompts) -> tuple[bytes, list]:
    members = {f"{name}/etc/README": f"User Name:{name}\n\nPronunciation dialect: {dialect}\n".encode(),
               f"{name}/LICENSE": b"GPL\n"}
    prompt_lines, expected = [], []
    for utt, text in prompts:
        samples = speech(text.lower())
        members[f"{name}/{audio_type}/{utt}.{audio_type}"] = encode(samples, audio_type.upper())
        prompt_lines.append(f"{name}/mfc/{utt} {text}")
        expected.append((f"{name}/{audio_type}/{utt}.{audio_type}", samples, text))
    members[f"{name}/etc/PROMPTS"] = ("\n".join(prompt_lines) + "\n").encode()
    return make_tar(members), expected


def test_voxforge_recipe_end_to_end(server, tmp_path):
    links, expected = [], {}
    for name, dialect, audio_type, prompts in VOXFORGE_SUBMISSIONS:
        server.files[f"/16kHz_16bit/{name}.tgz"], expected[name] = voxforge_archive(name, dialect, audio_type,
                                                                                   prompts)
        links.append(f'<a href="{name}.tgz">{name}.tgz</a> <a href="?C=M;O=A">sort</a>')
    server.files["/16kHz_16bit/"] = ("<html><body>" + "\n".join(links) + "</body></html>").encode()
    target, prefix = tmp_path / "voxforge", str(tmp_path / "manifest")
    env = script_env(VOXFORGE_URL=server.url("16kHz_16bit/"), TARGET_DIR=str(target), DATA_DIR=str(tmp_path),
                     LOG_DIR=str(tmp_path / "logs"))
    result = subprocess.run(["bash", "examples/voxforge/run.sh"], cwd=REPO_ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr

    def entries(name, keep):  # DS2's rule: hyphens -> spaces, reject non-letters, lower-case
        return [(str(target / "audio" / path), samples, text.replace("-", " ").lower())
                for path, samples, text in expected[name] if keep(text)]
    everything = lambda text: True  # noqa: E731
    american = entries("anonymous-20080723-ouv", lambda text: "9" not in text)
    check_manifest(prefix + ".american", american)
    assert [line["text"] for line in read_lines(prefix + ".american")] == ["the girl faced him", "well known faces"]
    check_manifest(prefix + ".american-canadian", american + entries("bob-20100101-abc", everything))
    check_manifest(prefix + ".commonwealth", entries("kim-20090202-xyz", everything))
    check_manifest(prefix + ".european", entries("ralfherzog-20071219-de34", everything))
    check_manifest(prefix + ".indian", entries("raj-20110303-qqq", everything))
    for dialect in ("australian", "irish"):
        assert read_lines(f"{prefix}.{dialect}") == []
    assert "is not plain upper-case words" in result.stdout
    assert len(os.listdir(target / "tgz")) == len(VOXFORGE_SUBMISSIONS)


# ---------------------------------------------------------------- CHiME-3 background


def test_chime3_background_end_to_end(server, tmp_path, monkeypatch):
    module = load_script("data/noise/chime3_background.py")
    rng = np.random.default_rng(2)
    inner, originals, pieces = {}, [], []
    target = tmp_path / "chime"
    for index, environment in enumerate(module.ENVIRONMENTS):  # 0.75, 1.5, 2.25 and 3 seconds of noise
        noise = (0.1 * rng.standard_normal(SAMPLE_RATE * 3 // 4 * (index + 1))).astype(np.float32)
        noise = np.round(noise * 32767) / 32767  # exactly representable in 16-bit PCM
        stem = f"BGD_15021{index}_010_{environment.upper()}.CH1"
        member = f"CHiME3/data/audio/16kHz/backgrounds/{stem}.wav"
        inner[f"CHiME3_background_{environment}.zip"] = make_zip({member: encode(noise, "WAV")})
        originals.append((str(target / member), noise, ""))
        # 1-second pieces; a shorter last piece is kept from half a second up, a short file is kept whole
        cuts = [noise[i:i + SAMPLE_RATE] for i in range(0, len(noise), SAMPLE_RATE)]
        cuts = [c for n, c in enumerate(cuts) if n == 0 or 2 * len(c) >= SAMPLE_RATE]
        pieces += [(str(target / "segments_1s" / f"{stem}_{n:04d}.wav"), c, "") for n, c in enumerate(cuts)]
    server.files["/packagev2/AG0Y3DNBE5IWRRTV/"] = make_zip(inner)
    monkeypatch.setattr(module, "MD5", md5_of(server.files["/packagev2/AG0Y3DNBE5IWRRTV/"]))
    url = server.url("packagev2/AG0Y3DNBE5IWRRTV/?dlid=W19XG7T0NNHB027139H0EQ")

    module.main(["--target_dir", str(target), "--manifest_filepath", str(tmp_path / "segmented"), "--url", url,
                 "--segment_seconds", "1"])
    assert (target / module.ARCHIVE_NAME).is_file()
    assert len(pieces) == 1 + 2 + 2 + 3
    check_manifest(tmp_path / "segmented", sorted(pieces, key=lambda item: item[0]))
    for path, samples, _ in pieces:
        np.testing.assert_allclose(soundfile.read(path, dtype="float32")[0], samples, atol=1e-4)

    server.requests.clear()
    module.main(["--target_dir", str(target), "--manifest_filepath", str(tmp_path / "whole"), "--url", url,
                 "--segment_seconds", "0"])
    assert server.requests == []
    check_manifest(tmp_path / "whole", sorted(originals, key=lambda item: item[0]))


# ---------------------------------------------------------------- released models and language models


@pytest.mark.parametrize("script, env_var, filename", [
    ("models/librispeech/download_model.sh", "LIBRISPEECH_MODEL_URL", "librispeech_model_fluid.tar.gz"),
    ("models/aishell/download_model.sh", "AISHELL_MODEL_URL", "aishell_model_fluid.tar.gz"),
    ("models/baidu_en8k/download_model.sh", "BAIDU_EN8K_MODEL_URL", "baidu_en8k_model_fluid.tar.gz"),
    ("models/lm/download_lm_en.sh", "LM_EN_URL", "common_crawl_00.prune01111.trie.klm"),
    ("models/lm/download_lm_ch.sh", "LM_CH_URL", "zh_giga.no_cna_cmn.prune01244.klm"),
])
def test_model_download_scripts_check_ds2_md5(server, tmp_path, script, env_var, filename):
    server.files["/" + filename] = make_tar({"not/the/release": b"x"})
    result = subprocess.run(["bash", script, str(tmp_path)], cwd=REPO_ROOT,
                            env=script_env(**{env_var: server.url(filename)}), capture_output=True, text=True,
                            timeout=60)
    assert server.paths_requested() == ["/" + filename]
    assert result.returncode != 0
    assert f"{tmp_path / filename}: MD5 checksum mismatch" in result.stderr
    assert os.listdir(tmp_path) == []
