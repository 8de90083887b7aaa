"""The demo server as a real process on loopback: its three protocols, bad input, concurrent clients."""
import asyncio
import json
import re
import socket
import struct
import time
import types

import aiohttp
import numpy as np
import pytest
import soundfile

import infer
from data_utils.audio import AudioSegment
from deploy import demo_client
from deploy.server_process import running_servers
from model_fixture import infer_transcript, server_flags, tiny_model  # noqa: F401  (tiny_model: the fixture)
from model_utils.checkpoint import explicit_flags
from model_utils.recognizer import Recognizer
from test_short_clips import short_clips

MAX_SECONDS = 5
READ_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def servers(tiny_model, tmp_path_factory):  # noqa: F811
    """A 16-bit server with short limits, and one speaking DS2's original 32-bit framing."""
    limits = [f"--max_audio_seconds={MAX_SECONDS}", f"--read_timeout={READ_TIMEOUT}"]
    flags = server_flags(tiny_model)
    with running_servers(str(tmp_path_factory.mktemp("servers")), flags + limits,
                         flags + ["--sample_width=4"]) as started:
        yield started


@pytest.fixture(scope="module")
def server(servers):
    return servers[0]


def pcm16(path: str) -> bytes:
    return demo_client.file_pcm(path, 2)


async def http_recognize(session: aiohttp.ClientSession, url: str, body: bytes) -> tuple[int, dict]:
    async with session.post(url + "/v1/recognize", data=body) as response:
        return response.status, await response.json()


async def ws_recognize(session: aiohttp.ClientSession, url: str, pcm: bytes, chunk: int = 3200) -> dict:
    async with session.ws_connect(url) as ws:
        await ws.send_json({"signal": "start", "sample_rate": 16000})
        assert await ws.receive_json() == {"status": "ok", "signal": "server_ready"}
        for start in range(0, len(pcm), chunk):
            await ws.send_bytes(pcm[start:start + chunk])
        await ws.send_json({"signal": "end"})
        return await ws.receive_json()


async def send_all(ws: aiohttp.ClientWebSocketResponse, messages: list) -> None:
    """Send each message: a dict as JSON, a str as text, bytes as binary."""
    for message in messages:
        if isinstance(message, dict):
            await ws.send_json(message)
        elif isinstance(message, str):
            await ws.send_str(message)
        else:
            await ws.send_bytes(message)


async def ws_exchange(session: aiohttp.ClientSession, url: str, messages: list) -> list[dict]:
    """Send ``messages`` on a new /v1/stream connection; the JSON replies until the server closes it."""
    async with session.ws_connect(url) as ws:
        await send_all(ws, messages)
        return [json.loads(m.data) async for m in ws if m.type == aiohttp.WSMsgType.TEXT]


def assert_words(words: list[dict], text: str, duration: float) -> None:
    """The timed words of a reply: the transcript's words, in order, within the audio, with confidences."""
    assert [word["word"] for word in words] == text.split()
    for word in words:
        assert set(word) == {"word", "start", "end", "confidence"}
        assert 0 <= word["start"] <= word["end"] <= duration and 0 <= word["confidence"] <= 1
    assert [word["start"] for word in words] == sorted(word["start"] for word in words)


async def tcp_recognize(port: int, pcm: bytes) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(struct.pack(">i", len(pcm)) + pcm)
    await writer.drain()
    text = await reader.read()
    writer.close()
    return text.decode("utf-8")


def test_three_protocols_give_infer_py_transcripts(servers, tiny_model, tmp_path, capsys):  # noqa: F811
    server, ds2_server = servers
    wav = tiny_model["entries"][1]["audio_filepath"]
    expected = infer_transcript(tiny_model, wav, capsys)
    assert expected.strip(), "the tiny model should emit some characters"
    # a stereo 22.05 kHz copy for HTTP: the server resamples and downmixes as infer.py does
    audio = AudioSegment.from_file(wav)
    audio.resample(22050)
    stereo = tmp_path / "stereo.wav"
    soundfile.write(stereo, np.stack([audio.samples, audio.samples], axis=1), 22050, subtype="PCM_16")
    expected_stereo = infer_transcript(tiny_model, str(stereo), capsys)
    flac = tmp_path / "mono.flac"
    soundfile.write(flac, audio.samples, 22050, format="FLAC")
    expected_flac = infer_transcript(tiny_model, str(flac), capsys)

    assert demo_client.recognize_pcm("127.0.0.1", server.tcp_port, pcm16(wav)) == expected
    assert demo_client.recognize_pcm("127.0.0.1", ds2_server.tcp_port, demo_client.file_pcm(wav, 4)) == expected
    assert demo_client.main(["--host_ip=127.0.0.1", f"--host_port={server.tcp_port}", f"--file={wav}"]) == 0
    assert f"Recognition Results: {expected}\n" in capsys.readouterr().out

    async def web_requests():
        async with aiohttp.ClientSession() as session:
            status, reply = await http_recognize(session, server.http_url, stereo.read_bytes())
            assert status == 200 and reply["text"] == expected_stereo
            assert reply["duration"] == pytest.approx(audio.duration, abs=1e-3) and reply["latency_ms"] > 0
            assert_words(reply["words"], reply["text"], reply["duration"])
            assert (await http_recognize(session, server.http_url, flac.read_bytes()))[1]["text"] == expected_flac
            finished = await ws_recognize(session, server.ws_url, pcm16(wav))
            assert finished["signal"] == "finished" and finished["result"] == expected
            assert_words(finished["words"], expected, finished["duration"])
            assert "compute_ms" not in finished, "an offline model's stream is recognised at the end"
            async with session.get(server.http_url + "/healthz") as response:
                assert (await response.json())["status"] == "ok"

    asyncio.run(web_requests())
    assert len(list(server.speech_dir.glob("*_tcp.wav"))) >= 2, "requests' audio is saved under --speech_save_dir"
    assert re.search(r"#\d+ ws 127\.0\.0\.1 [\d.]+ s audio in \d+ ms", server.log())


def tcp_exchange(port: int, payload: bytes, close_write: bool = True) -> tuple[bytes, float]:
    """Send raw bytes; the server's reply and how long it took to close the connection."""
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(payload)
        if close_write:
            sock.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := sock.recv(4096):
            reply += chunk
    return reply, time.monotonic() - start


def test_bad_tcp_requests_are_refused_and_logged(server, tiny_model, capsys):  # noqa: F811
    too_long = MAX_SECONDS * 16000 * 2 + 2
    cases = {
        "length prefix -5": struct.pack(">i", -5),
        "length prefix 0": struct.pack(">i", 0),
        f"length prefix {too_long}": struct.pack(">i", too_long),
        "not a whole number of 2-byte samples": struct.pack(">i", 3201) + bytes(range(256)) * 12 + b"x" * 129,
        "is the audio silent": struct.pack(">i", 3200) + bytes(3200),
        "hung up mid-request": struct.pack(">i", 1000) + b"\x01" * 10,
    }
    for reason, payload in cases.items():
        reply, _ = tcp_exchange(server.tcp_port, payload)
        assert reply == b"", reason
        assert reason in server.log(), reason
    # a client that stalls after the header is dropped after --read_timeout, without closing its side
    reply, elapsed = tcp_exchange(server.tcp_port, struct.pack(">i", 3200), close_write=False)
    assert reply == b"" and READ_TIMEOUT <= elapsed < READ_TIMEOUT + 5
    assert f"nothing received for {READ_TIMEOUT:g} s" in server.log()
    good = tiny_model["entries"][0]["audio_filepath"]
    assert demo_client.recognize_pcm("127.0.0.1", server.tcp_port, pcm16(good)) == infer_transcript(
        tiny_model, good, capsys)
    assert server.alive()


def corrupt_wavs(wav_path: str, tmp_path) -> dict:
    data = open(wav_path, "rb").read()
    unsupported = bytearray(data)
    unsupported[20:22] = struct.pack("<H", 0x7777)  # an unknown WAVE format tag
    long_audio = tmp_path / "long.wav"
    soundfile.write(long_audio, np.full(16000 * (MAX_SECONDS + 1), 0.1, dtype=np.float32), 16000)
    return {"empty body": b"", "not audio": b"hello, this is not audio" * 10, "truncated header": data[:30],
            "unsupported format": bytes(unsupported), "too long": long_audio.read_bytes()}


def test_bad_http_and_websocket_requests_get_clear_errors(server, tiny_model, tmp_path):  # noqa: F811
    wav = tiny_model["entries"][2]["audio_filepath"]
    bodies = corrupt_wavs(wav, tmp_path)

    async def requests():
        async with aiohttp.ClientSession() as session:
            for name, body in bodies.items():
                status, reply = await http_recognize(session, server.http_url, body)
                assert status == 400 and reply["error"], name
            assert "empty body" in (await http_recognize(session, server.http_url, b""))[1]["error"]
            assert "longer than the limit" in (await http_recognize(session, server.http_url,
                                                                    bodies["too long"]))[1]["error"]
            async with session.get(server.http_url + "/v1/recognize") as response:
                assert response.status == 405 and "error" in await response.json()
            errors = {}
            for name, messages in {
                "text instead of PCM": [{"signal": "start", "sample_rate": 16000}, "hello"],
                "PCM before start": [b"\x00\x01" * 100],
                "bad sample rate": [{"signal": "start", "sample_rate": "fast"}],
                "never sends end": [{"signal": "start", "sample_rate": 16000}, b"\x00\x01" * 100],
                "too long": [{"signal": "start", "sample_rate": 16000}, b"\x00\x01" * (MAX_SECONDS * 16000 + 1)],
            }.items():
                errors[name] = (await ws_exchange(session, server.ws_url, messages))[-1]
            assert all(reply["signal"] == "error" for reply in errors.values()), errors
            assert "got 'hello'" in errors["text instead of PCM"]["message"]
            assert "binary data" in errors["PCM before start"]["message"]
            assert "nothing received" in errors["never sends end"]["message"]
            assert f"more than {MAX_SECONDS} s of audio" in errors["too long"]["message"]
            # and the next requests are served normally
            status, reply = await http_recognize(session, server.http_url, open(wav, "rb").read())
            assert status == 200
            assert (await ws_recognize(session, server.ws_url, pcm16(wav)))["result"] == reply["text"]

    asyncio.run(requests())
    # a body that stalls half way gets 408 after --read_timeout
    host, port = server.http_url.removeprefix("http://").split(":")
    stalled = (f"POST /v1/recognize HTTP/1.1\r\nHost: {host}\r\nContent-Length: 1000\r\n\r\n").encode() + b"RIFF"
    reply, elapsed = tcp_exchange(int(port), stalled, close_write=False)
    assert reply.startswith(b"HTTP/1.1 408") and b"not received within" in reply and elapsed >= READ_TIMEOUT
    assert server.alive()


def test_clips_shorter_than_the_receptive_field_are_answered(server, tiny_model, tmp_path, capsys):  # noqa: F811
    for path in short_clips(tiny_model, tmp_path).values():
        expected = infer_transcript(tiny_model, path, capsys)
        assert demo_client.recognize_pcm("127.0.0.1", server.tcp_port, pcm16(path)) == expected

        async def web_requests():
            async with aiohttp.ClientSession() as session:
                status, reply = await http_recognize(session, server.http_url, open(path, "rb").read())
                assert status == 200 and reply["text"] == expected
                assert (await ws_recognize(session, server.ws_url, pcm16(path)))["result"] == expected

        asyncio.run(web_requests())
    assert server.alive()


def test_sixteen_concurrent_clients_get_correct_transcripts(server, tiny_model):  # noqa: F811
    parser = infer.parser
    argv = [f"--model_path={tiny_model['model_path']}", "--decoding_method=ctc_greedy", "--use_gpu=False"]
    recognizer = Recognizer.from_args(parser.parse_args(argv), explicit_flags(parser, argv))
    paths = [entry["audio_filepath"] for entry in tiny_model["entries"]]
    expected = {path: recognizer.recognize(AudioSegment.from_file(path), path) for path in paths}

    async def client(session, index):
        path = paths[index % len(paths)]
        kind = ("tcp", "http", "ws")[index % 3]
        if kind == "tcp":
            return path, await tcp_recognize(server.tcp_port, pcm16(path))
        if kind == "http":
            return path, (await http_recognize(session, server.http_url, open(path, "rb").read()))[1]["text"]
        return path, (await ws_recognize(session, server.ws_url, pcm16(path)))["result"]

    async def clients():
        async with aiohttp.ClientSession() as session:
            return await asyncio.gather(*(client(session, i) for i in range(16)))

    results = asyncio.run(clients())
    assert [text for _, text in results] == [expected[path] for path, _ in results]
    assert server.alive()


class FakeStream:
    """pyaudio's input stream, fed by the test through the callback it was opened with."""

    def __init__(self, stream_callback, **settings):
        self.callback, self.settings, self.active = stream_callback, settings, False

    def start_stream(self):
        self.active = True

    def stop_stream(self):
        self.active = False

    def is_active(self):
        return self.active


class FakePyAudio:
    """The parts of the pyaudio module (and its PyAudio object) the live client uses."""
    paInt16, paInt32, paContinue = 8, 2, 0

    def PyAudio(self):
        return self

    def open(self, **settings):
        self.stream = FakeStream(**settings)
        return self.stream


def test_live_client_sends_what_it_recorded_while_space_was_held(servers, tiny_model, capsys):  # noqa: F811
    _, ds2_server = servers
    wav = tiny_model["entries"][3]["audio_filepath"]
    args = demo_client.parser.parse_args(["--host_ip=127.0.0.1", f"--host_port={ds2_server.tcp_port}",
                                          "--sample_width=4"])
    keyboard = types.SimpleNamespace(Key=types.SimpleNamespace(space="space", esc="esc"))
    client = demo_client.PushToTalk(args, FakePyAudio(), keyboard)
    stream = client.stream
    assert stream.settings["format"] == FakePyAudio.paInt32 and stream.settings["rate"] == 16000
    expected = infer_transcript(tiny_model, wav, capsys)
    stream.callback(b"\x01\x00\x00\x00" * 800, 800, None, 0)  # recorded before space: not sent
    client.on_press("space")
    pcm = demo_client.file_pcm(wav, 4)
    for start in range(0, len(pcm), 4096):
        assert stream.callback(pcm[start:start + 4096], 1024, None, 0) == (None, FakePyAudio.paContinue)
    client.on_release("space")
    assert not stream.is_active()
    assert capsys.readouterr().out.endswith(f"Recognition Results: {expected}\n")
    assert client.on_release("esc") is False
