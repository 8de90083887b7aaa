"""Live recognition over /v1/stream with an online model: the incremental featurizer and the batched streaming
forward against their whole-utterance / one-stream counterparts, then the real server on loopback (partials,
timed final words, eight streams at once, bad input and vanishing clients)."""
import asyncio
import types

import aiohttp
import numpy as np
import pytest

from data_utils.audio import AudioSegment
from data_utils.featurizer.audio_featurizer import AudioFeaturizer
from data_utils.featurizer.stream_featurizer import StreamFeaturizer
from deploy.server_process import running_servers
from model_fixture import server_flags, tiny_online_model  # noqa: F401  (tiny_online_model: the fixture)
from model_utils.stream_recognizer import forward_streams
from model_utils.streaming import StreamingForward
from test_server import assert_words, pcm16, send_all, ws_exchange
from test_streaming_forward import FEAT, make_model

MAX_SECONDS = 5
READ_TIMEOUT = 1.0
CHUNK_BYTES = 5120  # 160 ms of 16 kHz 16-bit PCM


def random_pieces(total: int, rng: np.random.Generator, largest: int) -> list[slice]:
    bounds = np.unique(np.concatenate([[0, total], rng.integers(0, total, size=total // largest * 2 + 1)]))
    return [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]


@pytest.mark.parametrize("specgram_type", ["linear", "fbank"])
@pytest.mark.parametrize("normalize", [False, True], ids=["fixed_gain", "running_gain"])
def test_stream_featurizer_frames_equal_the_whole_signal(specgram_type, normalize):
    rng = np.random.default_rng(3)
    samples = (0.05 * rng.standard_normal(16000 + 123)).astype(np.float32)
    config = {"specgram_type": specgram_type, "use_dB_normalization": normalize}
    streamer, frames, gained = StreamFeaturizer(config, 16000), [], []
    for piece in random_pieces(len(samples), rng, 2000):
        frames.append(streamer.accept(samples[piece]))
        chunk = AudioSegment(samples[piece], 16000)
        chunk.gain_db(streamer.gain_db)  # 0 without normalisation: the running gain each chunk got
        gained.append(chunk.samples)
    frames.append(streamer.finish())
    whole = AudioFeaturizer(specgram_type=specgram_type, use_dB_normalization=False)
    expected = whole.featurize(AudioSegment(np.concatenate(gained), 16000))
    np.testing.assert_allclose(np.concatenate(frames), expected, rtol=0, atol=1e-5)


def test_resampled_stream_and_running_gain_come_close_to_the_whole_utterance(tiny_online_model):  # noqa: F811
    audio = AudioSegment.from_file(tiny_online_model["entries"][0]["audio_filepath"])
    audio.resample(44100)
    streamer = StreamFeaturizer({"specgram_type": "linear"}, 44100)
    step = 7056  # 160 ms
    frames = np.concatenate([streamer.accept(audio.samples[i:i + step]) for i in range(0, audio.num_samples, step)]
                            + [streamer.finish()])
    expected = AudioFeaturizer().featurize(audio)
    assert abs(len(frames) - len(expected)) <= 1
    rows = min(len(frames), len(expected))
    # log power: the running gain settles within a few dB of the whole utterance's (ln 10 / 10 per dB)
    assert np.median(np.abs(frames[:rows] - expected[:rows])) < 5 * np.log(10) / 10


def test_mfcc_features_do_not_stream():
    with pytest.raises(ValueError, match="only linear and fbank features can stream"):
        StreamFeaturizer({"specgram_type": "mfcc"}, 16000)


@pytest.mark.parametrize("use_gru", [True, False], ids=["gru", "simple_rnn"])
def test_batched_streams_equal_streams_run_one_at_a_time(use_gru):
    model = make_model(use_gru=use_gru)
    rng = np.random.default_rng(11)
    lengths = [0, 7, 45, 120, 190]
    features = [rng.standard_normal((length, FEAT)).astype("float32") for length in lengths]
    alone = [StreamingForward(model) for _ in lengths]
    batched = [types.SimpleNamespace(forward=StreamingForward(model), compute_seconds=0.0) for _ in lengths]
    positions, outputs_alone, outputs_batched = [0] * len(lengths), [[] for _ in lengths], [[] for _ in lengths]
    for _ in range(30):  # each step, a random subset of the streams brings a chunk of random size
        rows = [row for row in range(len(lengths)) if rng.random() < 0.7]
        chunks = []
        for row in rows:
            chunk = features[row][positions[row]:positions[row] + int(rng.integers(0, 20))]
            positions[row] += len(chunk)
            chunks.append(chunk)
            outputs_alone[row].append(alone[row].accept(chunk))
        for row, probs in zip(rows, forward_streams([batched[row] for row in rows], chunks) if rows else []):
            outputs_batched[row].append(probs)
    for row in range(len(lengths)):
        rest = features[row][positions[row]:]
        expected = np.concatenate(outputs_alone[row] + [alone[row].accept(rest), alone[row].finish()])
        got = np.concatenate(outputs_batched[row] + forward_streams([batched[row]], [rest])
                             + [batched[row].forward.finish()])
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
        assert batched[row].compute_seconds > 0


@pytest.fixture(scope="module")
def online_server(tiny_online_model, tmp_path_factory):  # noqa: F811
    flags = server_flags(tiny_online_model) + [f"--max_audio_seconds={MAX_SECONDS}", f"--read_timeout={READ_TIMEOUT}"]
    with running_servers(str(tmp_path_factory.mktemp("online")), flags) as (server,):
        yield server


def speech_pcm(model: dict, count: int = 3) -> bytes:
    return b"".join(pcm16(entry["audio_filepath"]) for entry in model["entries"][:count])


async def stream_utterance(session: aiohttp.ClientSession, url: str, pcm: bytes, sample_rate: int = 16000,
                           chunk: int = CHUNK_BYTES, pace: float = 0.0) -> tuple[list[dict], dict]:
    """Send ``pcm`` in chunks (``pace`` seconds apart) and end; the partials received and the final reply."""
    async with session.ws_connect(url) as ws:
        await ws.send_json({"signal": "start", "sample_rate": sample_rate})
        assert await ws.receive_json() == {"status": "ok", "signal": "server_ready"}
        for start in range(0, len(pcm), chunk):
            await ws.send_bytes(pcm[start:start + chunk])
            await asyncio.sleep(pace)
        await ws.send_json({"signal": "end"})
        partials = []
        while (reply := await ws.receive_json())["signal"] == "partial":
            partials.append(reply)
        return partials, reply


def test_partials_grow_while_audio_arrives_and_the_final_has_timed_words(online_server,
                                                                        tiny_online_model):  # noqa: F811
    pcm = speech_pcm(tiny_online_model)
    chunks = -(-len(pcm) // CHUNK_BYTES)

    async def requests():
        async with aiohttp.ClientSession() as session:
            streamed = await stream_utterance(session, online_server.ws_url, pcm, pace=0.05)
            async with session.post(online_server.http_url + "/v1/recognize",
                                    data=open(tiny_online_model["entries"][0]["audio_filepath"], "rb").read()) as r:
                whole = await r.json()
            audio = AudioSegment.from_pcm(pcm, 16000)
            audio.resample(44100)
            resampled = await stream_utterance(session, online_server.ws_url, audio.to_bytes("int16"), 44100)
            return streamed, whole, resampled

    (partials, final), whole, (_, resampled) = asyncio.run(requests())
    counts = [partial["chunks"] for partial in partials]
    assert counts == sorted(set(counts)) and counts[-1] == chunks and len(partials) >= chunks // 2
    texts = [partial["result"] for partial in partials] + [final["result"]]
    assert all(later.startswith(earlier) for earlier, later in zip(texts, texts[1:])), texts  # greedy: prefixes
    assert any(text.strip() for text in texts[:-1]), "the tiny online model should emit letters while audio comes"
    assert final["signal"] == "finished" and final["duration"] == pytest.approx(len(pcm) / 32000)
    assert final["compute_ms"] > 0 and final["latency_ms"] > 0
    assert_words(final["words"], final["result"], final["duration"])
    assert_words(whole["words"], whole["text"], whole["duration"])
    assert resampled["signal"] == "finished" and resampled["duration"] == pytest.approx(final["duration"], abs=1e-3)
    assert "ws-live 127.0.0.1" in online_server.log()


def test_eight_concurrent_streams_get_what_one_stream_gets(online_server, tiny_online_model):  # noqa: F811
    pcms = [pcm16(entry["audio_filepath"]) for entry in tiny_online_model["entries"][:8]]

    async def one_at_a_time():
        async with aiohttp.ClientSession() as session:
            return [(await stream_utterance(session, online_server.ws_url, pcm))[1] for pcm in pcms]

    async def together():
        async with aiohttp.ClientSession() as session:
            return await asyncio.gather(*(stream_utterance(session, online_server.ws_url, pcm, pace=0.02)
                                          for pcm in pcms))

    alone = asyncio.run(one_at_a_time())
    batched = [final for _, final in asyncio.run(together())]
    assert [final["result"] for final in batched] == [final["result"] for final in alone]
    assert [[w["word"] for w in final["words"]] for final in batched] == \
        [[w["word"] for w in final["words"]] for final in alone]


async def pending(session: aiohttp.ClientSession, url: str) -> int:
    async with session.get(url + "/healthz") as response:
        return (await response.json())["pending"]


def test_bad_live_input_gets_clear_errors_and_vanishing_clients_free_their_streams(online_server,
                                                                                   tiny_online_model):  # noqa: F811
    speech = speech_pcm(tiny_online_model, 1)
    start = {"signal": "start", "sample_rate": 16000}
    silence = [bytes(CHUNK_BYTES)] * (MAX_SECONDS * 32000 // CHUNK_BYTES + 2)

    async def requests():
        errors = {}
        async with aiohttp.ClientSession() as session:
            for name, messages in {
                "bad sample rate": [{"signal": "start", "sample_rate": 4000}],
                "text amid the audio": [start, speech[:CHUNK_BYTES], "hello", speech[CHUNK_BYTES:]],
                "JSON amid the audio": [start, speech[:CHUNK_BYTES], {"signal": "start"}],
                "odd-sized chunk": [start, speech[:CHUNK_BYTES + 1]],
                "silence for too long": [start, *silence],
                "silent client": [start, speech[:CHUNK_BYTES]],
            }.items():
                errors[name] = (await ws_exchange(session, online_server.ws_url, messages))[-1]
            for _ in range(3):  # clients that vanish mid-utterance, without a close frame
                async with aiohttp.ClientSession() as doomed:
                    ws = await doomed.ws_connect(online_server.ws_url)
                    await send_all(ws, [start, *[speech[i:i + CHUNK_BYTES] for i in range(0, len(speech), 1600)]])
                    await asyncio.sleep(0.05)
            for _ in range(50):
                if await pending(session, online_server.http_url) == 0:
                    break
                await asyncio.sleep(0.1)
            left = await pending(session, online_server.http_url)
            _, final = await stream_utterance(session, online_server.ws_url, speech)
        return errors, left, final

    errors, left, final = asyncio.run(requests())
    assert all(reply["signal"] == "error" for reply in errors.values()), errors
    assert "sample_rate must be an integer 8000..96000" in errors["bad sample rate"]["message"]
    assert "got 'hello'" in errors["text amid the audio"]["message"]
    assert "expected signal 'end'" in errors["JSON amid the audio"]["message"]
    assert "not a whole number of 16-bit samples" in errors["odd-sized chunk"]["message"]
    assert f"more than {MAX_SECONDS} s of audio" in errors["silence for too long"]["message"]
    assert "nothing received" in errors["silent client"]["message"]
    assert left == 0, "every stream's state is freed when its client goes"
    assert final["signal"] == "finished" and online_server.alive()
    log = online_server.log()
    assert "closed before sending 'end'" in log and "Traceback" not in log and "never retrieved" not in log
