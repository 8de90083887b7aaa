"""HTTP and WebSocket front ends of the demo server (aiohttp), plus the push-to-talk page.

    POST /v1/recognize   body: a WAV/FLAC/OGG file (any rate, mono or stereo)
                         -> 200 {"text", "duration", "latency_ms", "words"}; 4xx/503 {"error": "..."}
    GET  /healthz        -> {"status": "ok", "pending", "served"}
    GET  /v1/stream      WebSocket, PaddleSpeech's message shape:
                         client {"signal": "start", "sample_rate": 16000}  -> {"status": "ok", "signal": "server_ready"}
                         client binary 16-bit little-endian mono PCM chunks (any rate 8000..96000 Hz, resampled)
                         -> online model only: {"status": "ok", "signal": "partial", "result": "<text so far>",
                            "chunks": n} each time the audio up to chunk n has been recognised
                         client {"signal": "end"} -> {"status": "ok", "signal": "finished", "result", "duration",
                         "latency_ms", "words"} ("compute_ms" too for an online model); then another "start" may
                         follow. A bad message (text amid the audio, more than ``max_audio_seconds``) or a client
                         silent for ``read_timeout`` gets {"status": "error", "signal": "error", "message"} and a close.
    GET  /               the push-to-talk page (static/index.html, all assets local)

"words": [{"word", "start", "end", "confidence"}], times in seconds. Partial results need a model trained with
--online True (deploy/live.py recognises its audio as it arrives, with the training's fixed mean/std and a running
loudness estimate); an offline (bidirectional) model needs the whole utterance, so its stream answers at "end" only.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from typing import Awaitable, Callable

from aiohttp import WSMessage, WSMsgType, web

from data_utils.audio import AudioSegment
from deploy.live import LiveUtterance
from deploy.service import Busy, RecognitionService, RequestError, Result

STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
# Upper bound on an encoded body per second of audio: 96 kHz stereo float32.
MAX_BODY_BYTES_PER_SECOND = 96000 * 2 * 4
MAX_STREAM_SAMPLE_RATE = 96000

logger = logging.getLogger("demo_server")


def json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@web.middleware
async def json_errors(request: web.Request,
                      handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """Every HTTP error as JSON, including aiohttp's own (413 body too large, 404, 405)."""
    try:
        return await handler(request)
    except web.HTTPException as err:
        if err.status < 400:
            raise
        logger.info("http %s %s %s: %d %s", request.remote, request.method, request.path, err.status, err.reason)
        return json_error(err.status, err.text or err.reason)


class WebFrontEnd:
    """The aiohttp application serving HTTP, WebSocket and the page with one RecognitionService."""

    def __init__(self, service: RecognitionService, read_timeout: float = 10.0):
        self.service = service
        self.read_timeout = read_timeout

    def app(self) -> web.Application:
        max_body = int(self.service.max_audio_seconds * MAX_BODY_BYTES_PER_SECOND) + (1 << 16)
        app = web.Application(client_max_size=max_body, middlewares=[json_errors])
        app.router.add_post("/v1/recognize", self.recognize)
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/v1/stream", self.stream)
        app.router.add_get("/", self.index)
        app.router.add_static("/static/", STATIC_DIR)
        return app

    async def index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(os.path.join(STATIC_DIR, "index.html"))

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "pending": self.service.pending, "served": self.service.served})

    async def recognize(self, request: web.Request) -> web.Response:
        try:
            body = await asyncio.wait_for(request.read(), self.read_timeout)
        except TimeoutError:
            logger.info("http %s closed: request body not received within %g s", request.remote, self.read_timeout)
            response = json_error(408, f"request body not received within {self.read_timeout:g} s")
            response.force_close()  # the rest of the body may still come: this connection is done
            return response
        if not body:
            return json_error(400, "empty body: send a WAV, FLAC or OGG file")
        try:
            result = await self.service.recognize(lambda: AudioSegment.from_bytes(body), "http", request.remote)
        except Busy as err:
            return json_error(503, str(err))
        except RequestError as err:
            return json_error(400, str(err))
        return web.json_response({"text": result.text, "duration": result.duration,
                                  "latency_ms": result.latency_ms, "words": result.words})

    async def stream(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=1 << 20)
        await ws.prepare(request)
        try:
            await self._stream_session(ws, request.remote)
        except RequestError as err:
            await self._send_error(ws, request.remote, str(err))
        except TimeoutError:
            await self._send_error(ws, request.remote, f"nothing received for {self.read_timeout:g} s")
        finally:
            await ws.close()
        return ws

    @staticmethod
    async def _send_error(ws: web.WebSocketResponse, peer: str, message: str) -> None:
        logger.info("ws %s closed: %s", peer, message)
        with contextlib.suppress(ConnectionError):  # the client may be gone already
            await ws.send_json({"status": "error", "signal": "error", "message": message})

    async def _receive(self, ws: web.WebSocketResponse) -> WSMessage | None:
        """The next message, None once the client has closed; TimeoutError after ``read_timeout`` of silence."""
        message = await asyncio.wait_for(ws.receive(), self.read_timeout)
        if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
            return None
        return message

    @staticmethod
    def _signal(message: WSMessage, expected: str) -> dict:
        """The JSON control message ``expected`` ("start" or "end"); RequestError for anything else."""
        if message.type != WSMsgType.TEXT:
            raise RequestError(f"expected a JSON {{\"signal\": \"{expected}\"}} message, got binary data")
        try:
            command = json.loads(message.data)
        except json.JSONDecodeError:
            raise RequestError(f"expected a JSON {{\"signal\": \"{expected}\"}} message, got {message.data[:40]!r}") \
                from None
        if not isinstance(command, dict) or command.get("signal") != expected:
            raise RequestError(f"expected signal {expected!r}, got {str(command)[:80]}")
        return command

    async def _stream_session(self, ws: web.WebSocketResponse, peer: str) -> None:
        """Utterances until the client closes: start, PCM chunks, end -> finished."""
        while (message := await self._receive(ws)) is not None:
            start = self._signal(message, "start")
            sample_rate = start.get("sample_rate", 16000)
            if not isinstance(sample_rate, int) or not 8000 <= sample_rate <= MAX_STREAM_SAMPLE_RATE:
                raise RequestError(f"sample_rate must be an integer 8000..{MAX_STREAM_SAMPLE_RATE}, "
                                   f"got {sample_rate!r}")
            await ws.send_json({"status": "ok", "signal": "server_ready"})
            if self.service.recognizer.streams:
                result = await self._live_utterance(ws, sample_rate, peer)
            else:
                result = await self._buffered_utterance(ws, sample_rate, peer)
            if result is None:
                logger.info("ws %s closed before sending 'end'", peer)
                return
            reply = {"status": "ok", "signal": "finished", "result": result.text, "duration": result.duration,
                     "latency_ms": result.latency_ms, "words": result.words}
            if result.compute_ms is not None:
                reply["compute_ms"] = result.compute_ms
            await ws.send_json(reply)

    async def _live_utterance(self, ws: web.WebSocketResponse, sample_rate: int, peer: str) -> Result | None:
        """Recognise the audio as it arrives, sending partials; the final result (None: the client left)."""
        utterance = LiveUtterance(self.service, ws, sample_rate, peer)
        try:
            if not await self._read_audio(ws, sample_rate, utterance.add):
                return None
            return await utterance.finish()
        finally:
            utterance.close()

    async def _buffered_utterance(self, ws: web.WebSocketResponse, sample_rate: int, peer: str) -> Result | None:
        """Collect the utterance, then recognise it; the result (None: the client left)."""
        pcm = bytearray()
        if not await self._read_audio(ws, sample_rate, pcm.extend):
            return None
        data = bytes(pcm)
        return await self.service.recognize(lambda: AudioSegment.from_pcm(data, sample_rate), "ws", peer)

    async def _read_audio(self, ws: web.WebSocketResponse, sample_rate: int, take: Callable[[bytes], None]) -> bool:
        """Pass each binary message to ``take`` until "end" (True) or a close (False); RequestError for anything
        else, or for more than ``max_audio_seconds`` of audio."""
        max_bytes = int(self.service.max_audio_seconds * sample_rate) * 2
        received = 0
        while (message := await self._receive(ws)) is not None and message.type == WSMsgType.BINARY:
            received += len(message.data)
            if received > max_bytes:
                raise RequestError(f"more than {self.service.max_audio_seconds:g} s of audio")
            take(message.data)
        if message is None:
            return False
        self._signal(message, "end")
        return True
