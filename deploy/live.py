"""LiveUtterance: one utterance on /v1/stream recognised while it arrives (an online model; see deploy/web.py)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiohttp import web

from deploy.service import RecognitionService, RequestError, Result

logger = logging.getLogger("demo_server")


class LiveUtterance:
    """Audio chunks in (``add``), a ``partial`` message out each time the network has got through the audio so far,
    and the final ``Result`` (``finish``).

    The chunks that arrive while earlier ones are being recognised are taken together in the next step, so a slow
    moment delays partials but queues no work: each partial's ``chunks`` says how many of the utterance's chunks it
    covers. ``close`` stops the recognition and frees the stream (a client gone mid-utterance).
    """

    def __init__(self, service: RecognitionService, ws: web.WebSocketResponse, sample_rate: int, peer: str):
        self.service, self.ws, self.peer = service, ws, peer
        self.request_id, self.stream = service.open_stream(sample_rate)
        self.chunks = 0
        self._unread = bytearray()  # audio received but not yet recognised
        self._audio = bytearray() if service.speech_save_dir else None  # all of it, to save
        self._task: asyncio.Task | None = None
        self._closed = False

    def add(self, pcm: bytes) -> None:
        """Take the next chunk of 16-bit PCM; RequestError if it is not whole samples or recognition failed."""
        if len(pcm) % 2:
            raise RequestError(f"a PCM chunk of {len(pcm)} bytes is not a whole number of 16-bit samples")
        self.chunks += 1
        self._unread += pcm
        if self._audio is not None:
            self._audio += pcm
        if self._task is None or self._task.done():
            if self._task is not None:
                self._task.result()  # the previous step's error, if any
            self._task = asyncio.create_task(self._recognise())

    async def finish(self) -> Result:
        """The final result, once the audio so far has been recognised."""
        end_time = time.perf_counter()
        if self._task is not None:
            await self._task
        audio = None if self._audio is None else bytes(self._audio)
        return await self.service.finish_stream(self.stream, self.request_id, self.peer, audio, end_time)

    def close(self) -> None:
        """Stop recognising and count the request out (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                self._task.exception()  # retrieved: a client gone mid-send is no server error
        self.service.done()

    async def _recognise(self) -> None:
        while self._unread:
            pcm, chunks = bytes(self._unread), self.chunks
            self._unread.clear()
            text = await self.service.stream_chunk(self.stream, pcm)
            await self.ws.send_json({"status": "ok", "signal": "partial", "result": text, "chunks": chunks})
