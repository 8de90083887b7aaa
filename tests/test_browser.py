"""The push-to-talk page in headless Chromium with a fake microphone playing a WAV: hold, release, transcript
(and, with an online model, the text growing while the button is held).

Chromium is driven over the DevTools protocol (aiohttp's WebSocket client); the test is skipped
where Debian's ``chromium`` is not installed.
"""
import asyncio
import base64
import itertools
import json
import os
import pathlib
import shutil
import subprocess
import time

import aiohttp
import numpy as np
import pytest
import soundfile

from data_utils.audio import AudioSegment
from deploy.server_process import running_servers
from model_fixture import infer_transcript, server_flags, tiny_model, tiny_online_model  # noqa: F401  (fixtures)

CHROMIUM = shutil.which("chromium")
HOLD_SECONDS = 2.5
TIMEOUT = 30

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")


def start_chromium(fake_audio: str, profile: str) -> tuple[subprocess.Popen, int]:
    """Headless Chromium with a fake microphone looping ``fake_audio``; returns it and its DevTools port."""
    process = subprocess.Popen([
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-default-apps", "--autoplay-policy=no-user-gesture-required",
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={fake_audio}", f"--user-data-dir={profile}",
        "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank",
    ], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port_file = os.path.join(profile, "DevToolsActivePort")
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if os.path.exists(port_file) and open(port_file).read().strip():
            return process, int(open(port_file).read().split()[0])
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("chromium did not open its DevTools port")


class DevTools:
    """A minimal DevTools-protocol client for one page target."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse):
        self.ws = ws
        self.ids = itertools.count(1)

    async def call(self, method: str, **params) -> dict:
        call_id = next(self.ids)
        await self.ws.send_json({"id": call_id, "method": method, "params": params})
        async for message in self.ws:
            reply = json.loads(message.data)
            if reply.get("id") == call_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
        raise RuntimeError("DevTools connection closed")

    async def evaluate(self, expression: str):
        return (await self.call("Runtime.evaluate", expression=expression, returnByValue=True))["result"].get("value")

    async def wait_for(self, expression: str):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if value := await self.evaluate(expression):
                return value
            await asyncio.sleep(0.1)
        raise TimeoutError(expression)

    async def mouse(self, kind: str, x: float, y: float) -> None:
        await self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", buttons=1, clickCount=1)


# Records every change of the transcript element: its text, whether it is a partial result, and when.
RECORD_TRANSCRIPT = """
window.shown = [];
const element = document.getElementById('transcript');
new MutationObserver(() => window.shown.push({at: performance.now(), text: element.textContent,
                                             partial: element.classList.contains('partial')}))
  .observe(element, {childList: true, characterData: true, subtree: true, attributes: true});
"""


async def talk_through_page(devtools_port: int, page_url: str, screenshot: str) -> dict:
    """Open the page, hold the talk button for HOLD_SECONDS, release; the page's text once it is shown, the
    transcript's changes over time ("shown") and the moment of the release ("released_at", page time in ms)."""
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{devtools_port}/json/list") as response:
            target = next(t for t in await response.json() if t["type"] == "page")
        async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            page = DevTools(ws)
            await page.call("Page.enable")
            await page.call("Page.navigate", url=page_url)
            await page.wait_for("document.readyState === 'complete' && !!document.getElementById('talk')")
            box = await page.evaluate("JSON.stringify(document.getElementById('talk').getBoundingClientRect())")
            box = json.loads(box)
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            await page.evaluate(RECORD_TRANSCRIPT)
            await page.mouse("mouseMoved", x, y)
            await page.mouse("mousePressed", x, y)
            await page.wait_for("document.getElementById('talk').classList.contains('recording')")
            await asyncio.sleep(HOLD_SECONDS)
            released_at = await page.evaluate("performance.now()")
            await page.mouse("mouseReleased", x, y)
            latency = await page.wait_for("document.getElementById('latency').textContent")
            shot = await page.call("Page.captureScreenshot", format="png")
            with open(screenshot, "wb") as handle:
                handle.write(base64.b64decode(shot["data"]))
            return {"transcript": await page.evaluate("document.getElementById('transcript').textContent"),
                    "latency": latency, "status": await page.evaluate("document.getElementById('status').textContent"),
                    "words": await page.evaluate("document.getElementById('words').textContent"),
                    "shown": await page.evaluate("window.shown"), "released_at": released_at}


def best_correlation(captured: np.ndarray, source: np.ndarray) -> float:
    """Highest normalised correlation of ``captured`` with any stretch of ``source`` played in a loop."""
    looped = np.tile(source, int(np.ceil(len(captured) / len(source))) + 1).astype(np.float64)
    captured = captured.astype(np.float64)
    n = len(captured)
    size = 1 << int(np.ceil(np.log2(len(looped) + n)))
    dots = np.fft.irfft(np.fft.rfft(looped, size) * np.conj(np.fft.rfft(captured, size)), size)[:len(looped) - n + 1]
    energy = np.concatenate([[0.0], np.cumsum(looped ** 2)])
    norms = np.sqrt(energy[n:] - energy[:-n]) * np.linalg.norm(captured) + 1e-12
    return float(np.max(dots / norms))


def talk_to_server(model: dict, tmp_path) -> tuple[dict, str, AudioSegment, pathlib.Path]:
    """Serve ``model``, hold the page's button while the fake microphone plays three of its utterances: what the
    page showed, the server's log, that speech and the server's speech directory."""
    speech = AudioSegment.concatenate(*(AudioSegment.from_file(e["audio_filepath"]) for e in model["entries"][:3]))
    fake_audio = str(tmp_path / "microphone.wav")
    speech.to_wav_file(fake_audio)
    with running_servers(str(tmp_path), server_flags(model)) as (server,):
        browser, devtools_port = start_chromium(fake_audio, str(tmp_path / "profile"))
        try:
            shown = asyncio.run(talk_through_page(devtools_port, server.http_url + "/", str(tmp_path / "page.png")))
        finally:
            browser.terminate()
            browser.wait(10)
        return shown, server.log(), speech, server.speech_dir


def test_push_to_talk_page_shows_the_transcript(tiny_model, tmp_path, capsys):  # noqa: F811
    shown, log, speech, speech_dir = talk_to_server(tiny_model, tmp_path)
    assert (tmp_path / "page.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shown["status"] == "Ready." and "ms from release to transcript" in shown["latency"]
    # the server got the fake microphone's audio: about as long as the button was held, and that WAV's sound
    (sent,) = speech_dir.glob("*_ws.wav")
    captured, rate = soundfile.read(sent, dtype="float32")
    assert rate == 16000 and 1.0 < len(captured) / rate < HOLD_SECONDS + 1.5
    # half-second windows: a loaded machine makes Chromium's fake microphone drop or repeat a few buffers, which
    # shifts the rest of the capture but leaves most windows intact
    window = rate // 2
    scores = [best_correlation(captured[i:i + window], speech.samples)
              for i in range(0, len(captured) - window + 1, window)]
    assert np.median(scores) > 0.8, scores  # white noise: ~0.05
    # and the page shows what infer.py makes of that audio, without partial results (an offline model)
    assert shown["transcript"] == infer_transcript(tiny_model, str(sent), capsys)
    assert f"{shown['transcript']!r}" in log
    assert not any(change["partial"] for change in shown["shown"])


def test_page_shows_the_text_growing_while_the_button_is_held(tiny_online_model, tmp_path):  # noqa: F811
    shown, log, _, speech_dir = talk_to_server(tiny_online_model, tmp_path)
    assert shown["status"] == "Ready." and "ms from release to transcript" in shown["latency"]
    held = [change for change in shown["shown"] if change["at"] < shown["released_at"]]
    assert any(change["partial"] and change["text"].strip() for change in held), shown["shown"]
    final = shown["shown"][-1]
    assert not final["partial"] and final["text"] == shown["transcript"] and f"{shown['transcript']!r}" in log
    assert [line.split()[0] for line in shown["words"].split(" · ") if line] == shown["transcript"].split()
    assert len(list(speech_dir.glob("*_ws.wav"))) == 1
