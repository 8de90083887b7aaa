"""RecognitionService: the recogniser behind every protocol of the demo server.

Audio decoding and featurization run in a thread pool; the network runs on one thread of its own
(paddle's dynamic graph is not thread-safe, see model_utils/recognizer.py). Utterances that wait
for the network meanwhile go through it together, up to ``max_batch_size`` in one padded batch:
the recurrent layers step through time in Python, so a batch costs little more than one utterance.
Live streams of an online model (``open_stream``, deploy/live.py) are batched the same way: the new audio of
every stream waiting at the same moment goes through the network in one step (model_utils/stream_recognizer.py).
At most ``max_pending`` requests (live streams included, from start to end) are admitted at a time; more are
refused with ``Busy`` so a flood of clients queues nothing unbounded. Every request is logged on one line.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import itertools
import logging
import os
import time
from typing import Any, Callable, Sequence

import numpy as np

from data_utils.audio import AudioError, AudioSegment
from model_utils.ctc_decoder import word_records
from model_utils.recognizer import Recognizer
from model_utils.stream_recognizer import RecognitionStream, forward_streams

logger = logging.getLogger("demo_server")


class RequestError(ValueError):
    """A client's request cannot be served; the message says why (it is sent back to the client)."""


class Busy(RequestError):
    """Too many requests in flight."""


@dataclasses.dataclass
class Result:
    """A transcript; ``words``: JSON-ready timed words (model_utils.ctc_decoder.word_records); ``compute_ms``
    (live streams): the server's time spent on the utterance, its share of batched network steps included."""
    text: str
    duration: float
    latency_ms: float
    words: list[dict]
    compute_ms: float | None = None


class Batcher:
    """Runs ``run_batch`` on ``executor`` over the items submitted while it is busy, up to ``max_size`` at a time."""

    def __init__(self, executor: concurrent.futures.Executor, run_batch: Callable[[list], Sequence],
                 max_size: int):
        self.executor, self.run_batch, self.max_size = executor, run_batch, max_size
        self._waiting: list[tuple[Any, asyncio.Future]] = []
        self._task: asyncio.Task | None = None

    async def submit(self, item: Any) -> Any:
        """``run_batch``'s result for ``item``, once its batch has run (its exception if the batch failed)."""
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            batch = self._waiting[:self.max_size]
            del self._waiting[:self.max_size]
            try:
                results = await loop.run_in_executor(self.executor, self.run_batch, [item for item, _ in batch])
            except Exception as err:  # reported to every request of the batch
                for _, future in batch:
                    if not future.done():
                        future.set_exception(err)
            else:
                for (_, future), result in zip(batch, results):
                    if not future.done():
                        future.set_result(result)


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
        self._feature_pool = concurrent.futures.ThreadPoolExecutor(num_feature_threads, "features")
        self._model_thread = concurrent.futures.ThreadPoolExecutor(1, "network")
        self._utterances = Batcher(self._model_thread, recognizer.transcribe_words, max_batch_size)
        self._chunks = Batcher(self._model_thread, lambda items: forward_streams(*zip(*items)), max_batch_size)
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
            self.admit()
            try:
                loop = asyncio.get_running_loop()
                audio = await loop.run_in_executor(self._feature_pool, load)
                duration = audio.duration
                self.check_duration(duration)
                features = await loop.run_in_executor(self._feature_pool, self._prepare, audio, protocol, request_id)
                text, words = await self._utterances.submit(features)
            finally:
                self.done()
        except (AudioError, ValueError) as err:
            error = err if isinstance(err, RequestError) else RequestError(str(err))
            logger.info("#%d %s %s rejected after %.0f ms: %s", request_id, protocol, peer,
                        1000 * (time.perf_counter() - start), error)
            raise error from None
        result = Result(text, duration, 1000 * (time.perf_counter() - start), word_records(words, duration))
        self._log_served(result, request_id, protocol, peer)
        return result

    def admit(self) -> None:
        """Count a request in (``done`` counts it out); Busy when ``max_pending`` are in flight."""
        if self.pending >= self.max_pending:
            raise Busy(f"server busy: {self.pending} requests in flight, try again")
        self.pending += 1

    def done(self) -> None:
        self.pending -= 1

    def open_stream(self, sample_rate: int) -> tuple[int, RecognitionStream]:
        """A request id and a live utterance of the online model, admitted (``done`` when it ends)."""
        self.admit()
        return next(self._ids), self.recognizer.open_stream(sample_rate)

    async def stream_chunk(self, stream: RecognitionStream, pcm: bytes) -> str:
        """Recognise the next PCM of a live utterance (featurize, a batched network step, decode): the text so far."""
        loop = asyncio.get_running_loop()
        try:
            frames = await loop.run_in_executor(self._feature_pool, stream.features, pcm)
        except (AudioError, ValueError) as err:
            raise RequestError(str(err)) from None
        probs = await self._chunks.submit((stream, frames))
        return await loop.run_in_executor(self._feature_pool, stream.decode, probs)

    async def finish_stream(self, stream: RecognitionStream, request_id: int, peer: str, pcm: bytes | None,
                            end_time: float) -> Result:
        """The final result of a live utterance whose audio has all been through ``stream_chunk``; ``pcm``: its
        audio, to save under ``speech_save_dir``; ``end_time``: when the client ended it (perf_counter)."""
        loop = asyncio.get_running_loop()
        text, words = await loop.run_in_executor(self._model_thread, stream.finish)
        if pcm is not None:
            await loop.run_in_executor(self._feature_pool, self._save, AudioSegment.from_pcm(pcm, stream.sample_rate),
                                       "ws", request_id)
        result = Result(text, stream.duration, 1000 * (time.perf_counter() - end_time),
                        word_records(words, stream.duration), 1000 * stream.compute_seconds)
        self._log_served(result, request_id, "ws-live", peer)
        return result

    def _log_served(self, result: Result, request_id: int, protocol: str, peer: str) -> None:
        self.served += 1
        logger.info("#%d %s %s %.2f s audio in %.0f ms: %r", request_id, protocol, peer, result.duration,
                    result.latency_ms, result.text)

    def _prepare(self, audio: AudioSegment, protocol: str, request_id: int) -> np.ndarray:
        self._save(audio, protocol, request_id)
        return self.recognizer.features(audio, f"request #{request_id}")

    def _save(self, audio: AudioSegment, protocol: str, request_id: int) -> None:
        if self.speech_save_dir:
            name = f"{time.strftime('%Y%m%d-%H%M%S')}_{request_id:06d}_{protocol}.wav"
            audio.to_wav_file(os.path.join(self.speech_save_dir, name))

    def warm_up(self, segments: list[tuple[str, AudioSegment]]) -> None:
        """Recognise each (name, audio) once before serving, printing its response time (as DS2 did)."""
        for name, audio in segments:
            start = time.perf_counter()
            text = self.recognizer.recognize(audio, name)
            print(f"Warm-up {name}: {audio.duration:.2f} s in {time.perf_counter() - start:.3f} s: {text!r}",
                  flush=True)
