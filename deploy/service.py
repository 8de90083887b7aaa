"""RecognitionService: the recogniser behind every protocol of the demo server.

Audio decoding and featurization run in a thread pool; the network runs on one thread of its own
(paddle's dynamic graph is not thread-safe, see model_utils/recognizer.py). Utterances that wait
for the network meanwhile go through it together, up to ``max_batch_size`` in one padded batch:
the recurrent layers step through time in Python, so a batch costs little more than one utterance.
At most ``max_pending`` requests are admitted at a time; more are refused with ``Busy`` so a flood
of clients queues nothing unbounded. Every request is logged on one line.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import itertools
import logging
import os
import time
from typing import Callable

import numpy as np

from data_utils.audio import AudioError, AudioSegment
from model_utils.recognizer import Recognizer

logger = logging.getLogger("demo_server")


class RequestError(ValueError):
    """A client's request cannot be served; the message says why (it is sent back to the client)."""


class Busy(RequestError):
    """Too many requests in flight."""


@dataclasses.dataclass
class Result:
    text: str
    duration: float
    latency_ms: float


class RecognitionService:
    """Turns client audio into transcripts without letting any one client block the others."""

    def __init__(self, recognizer: Recognizer, max_audio_seconds: float = 60.0, max_pending: int = 64,
                 max_batch_size: int = 16, num_feature_threads: int = 2, speech_save_dir: str = ""):
        self.recognizer = recognizer
        self.max_audio_seconds = max_audio_seconds
        self.max_pending = max_pending
        self.max_batch_size = max_batch_size
        self.speech_save_dir = speech_save_dir
        self.pending = 0
        self.served = 0
        self._ids = itertools.count(1)
        self._waiting: list[tuple[np.ndarray, asyncio.Future]] = []
        self._batcher: asyncio.Task | None = None
        self._feature_pool = concurrent.futures.ThreadPoolExecutor(num_feature_threads, "features")
        self._model_thread = concurrent.futures.ThreadPoolExecutor(1, "network")
        if speech_save_dir:
            os.makedirs(speech_save_dir, exist_ok=True)

    def close(self) -> None:
        self._feature_pool.shutdown(cancel_futures=True)
        self._model_thread.shutdown(cancel_futures=True)

    def check_duration(self, seconds: float) -> None:
        """RequestError for audio longer than ``max_audio_seconds``."""
        if seconds > self.max_audio_seconds:
            raise RequestError(f"audio of {seconds:.1f} s is longer than the limit of {self.max_audio_seconds:g} s")

    async def recognize(self, load: Callable[[], AudioSegment], protocol: str, peer: str) -> Result:
        """Decode the audio with ``load`` (in the thread pool), transcribe it and log one line.

        Raises RequestError (Busy when full) for requests that cannot be served; the line is logged either way.
        """
        request_id = next(self._ids)
        start = time.perf_counter()
        duration = 0.0
        try:
            if self.pending >= self.max_pending:
                raise Busy(f"server busy: {self.pending} requests in flight, try again")
            self.pending += 1
            try:
                loop = asyncio.get_running_loop()
                audio = await loop.run_in_executor(self._feature_pool, load)
                duration = audio.duration
                self.check_duration(duration)
                features = await loop.run_in_executor(self._feature_pool, self._prepare, audio, protocol, request_id)
                text = await self._transcribe(features)
            finally:
                self.pending -= 1
        except (AudioError, ValueError) as err:
            error = err if isinstance(err, RequestError) else RequestError(str(err))
            logger.info("#%d %s %s rejected after %.0f ms: %s", request_id, protocol, peer,
                        1000 * (time.perf_counter() - start), error)
            raise error from None
        latency_ms = 1000 * (time.perf_counter() - start)
        self.served += 1
        logger.info("#%d %s %s %.2f s audio in %.0f ms: %r", request_id, protocol, peer, duration, latency_ms, text)
        return Result(text, duration, latency_ms)

    async def _transcribe(self, features: np.ndarray) -> str:
        """Queue the features for the network thread; the transcript once their batch has run."""
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((features, future))
        if self._batcher is None or self._batcher.done():
            self._batcher = asyncio.create_task(self._run_batches())
        return await future

    async def _run_batches(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            batch = self._waiting[:self.max_batch_size]
            del self._waiting[:self.max_batch_size]
            try:
                texts = await loop.run_in_executor(self._model_thread, self.recognizer.transcribe,
                                                   [features for features, _ in batch])
            except Exception as err:  # reported to every request of the batch
                for _, future in batch:
                    if not future.done():
                        future.set_exception(err)
            else:
                for (_, future), text in zip(batch, texts):
                    if not future.done():
                        future.set_result(text)

    def _prepare(self, audio: AudioSegment, protocol: str, request_id: int) -> np.ndarray:
        if self.speech_save_dir:
            name = f"{time.strftime('%Y%m%d-%H%M%S')}_{request_id:06d}_{protocol}.wav"
            audio.to_wav_file(os.path.join(self.speech_save_dir, name))
        return self.recognizer.features(audio, f"request #{request_id}")

    def warm_up(self, segments: list[tuple[str, AudioSegment]]) -> None:
        """Recognise each (name, audio) once before serving, printing its response time (as DS2 did)."""
        for name, audio in segments:
            start = time.perf_counter()
            text = self.recognizer.recognize(audio, name)
            print(f"Warm-up {name}: {audio.duration:.2f} s in {time.perf_counter() - start:.3f} s: {text!r}",
                  flush=True)
