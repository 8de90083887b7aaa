"""Live recognition of an online model: PCM chunks in, the text so far out, then the final text with timed words.

    stream = RecognitionStream(recognizer, sample_rate)       # recognizer: an online model's Recognizer
    frames = stream.features(pcm)                              # NumPy only: any thread, one chunk at a time
    probs = forward_streams([stream, ...], [frames, ...])      # the network thread: several streams in one batch
    text = stream.decode(probs)                                # the text so far
    text, words = stream.finish()                              # the network thread: end of the utterance

``features`` runs StreamFeaturizer and the checkpoint's fixed mean/std; ``forward_streams`` runs streaming's
``accept_streams``: ``StreamingForward.accept`` for each stream, with the conv stage and the RNN steps of all streams
padded into one batch (the recurrent layers step through time in Python, so a batch of 8 costs little more than one
stream);
``decode`` feeds the decoder's stream (beam search: decoders' BeamSearchStream; greedy: best path).
"""
from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from data_utils.audio import AudioSegment
from data_utils.featurizer.stream_featurizer import StreamFeaturizer
from model_utils.ctc_decoder import CTCDecoder, greedy_numpy
from model_utils.streaming import StreamingForward, accept_streams

if TYPE_CHECKING:
    from decoders.swig_wrapper import WordTiming
    from model_utils.recognizer import Recognizer


class TextStream:
    """A CTCDecoder's decoding of probabilities that arrive in chunks: partial() any time, finish() once."""

    def __init__(self, decoder: CTCDecoder):
        self.decoder = decoder
        options = decoder.options
        self._probs: list[np.ndarray] = []  # greedy decoding keeps the utterance's probabilities
        self._beam = None
        if options.beam_search:
            from decoders.swig_wrapper import BeamSearchStream
            self._beam = BeamSearchStream(decoder.vocabulary, options.beam_size, options.cutoff_prob,
                                          options.cutoff_top_n, decoder.scorer, options.blank_penalty)

    def feed(self, probs: np.ndarray) -> None:
        if self._beam is None:
            self._probs.append(probs)
        else:
            self._beam.feed(probs)

    def partial(self) -> str:
        """The best text so far."""
        if self._beam is None:
            return greedy_numpy(self._all_probs(), self.decoder.vocabulary)
        return self._beam.partial()

    def finish(self, frame_duration: float) -> tuple[str, list[WordTiming]]:
        """The final text and its words, as the offline decoder gives them for all the frames fed."""
        if self._beam is None:
            return self.decoder.decode_batch_words([self._all_probs()], frame_duration)[0]
        results = self._beam.finish()
        return (results[0][1] if results else ""), self._beam.words(frame_duration)

    def _all_probs(self) -> np.ndarray:
        return np.concatenate(self._probs) if self._probs else np.zeros([0, len(self.decoder.vocabulary) + 1])


def _timed(method: Callable) -> Callable:
    """A RecognitionStream method that adds its running time to ``compute_seconds``."""
    @functools.wraps(method)
    def timed(self: "RecognitionStream", *args):
        start = time.perf_counter()
        try:
            return method(self, *args)
        finally:
            self.compute_seconds += time.perf_counter() - start
    return timed


class RecognitionStream:
    """One live utterance of an online model (see the module docstring); ``duration``: seconds of audio so far;
    ``compute_seconds``: the time spent on it so far (an equal share of each batched network step)."""

    def __init__(self, recognizer: Recognizer, sample_rate: int):
        self.forward = StreamingForward(recognizer.model)
        self.featurizer = StreamFeaturizer(recognizer.model.config["feature"], sample_rate)
        self.normalizer = recognizer.normalizer
        self.text = TextStream(recognizer.decoder)
        self.frame_duration = recognizer.model.frame_duration
        self.sample_rate = sample_rate
        self.samples = 0
        self.compute_seconds = 0.0

    @property
    def duration(self) -> float:
        return self.samples / self.sample_rate

    @_timed
    def features(self, pcm: bytes) -> np.ndarray:
        """Normalised feature frames [n, D] completed by a chunk of 16-bit little-endian mono PCM."""
        samples = AudioSegment.from_pcm(pcm, self.sample_rate).samples
        self.samples += len(samples)
        return self.normalizer.apply(self.featurizer.accept(samples))

    @_timed
    def decode(self, probs: np.ndarray) -> str:
        """Feed new output probabilities to the decoder; the text so far."""
        self.text.feed(probs)
        return self.text.partial()

    @_timed
    def finish(self) -> tuple[str, list[WordTiming]]:
        """End the utterance (on the network thread): the final text and its timed words."""
        frames = self.normalizer.apply(self.featurizer.finish())
        self.text.feed(np.concatenate([self.forward.accept(frames), self.forward.finish()]))
        return self.text.finish(self.frame_duration)


def forward_streams(streams: Sequence[RecognitionStream], chunks: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Each stream's ``forward.accept(chunk)``, the streams that need the network run as one padded batch
    (``accept_streams``); each stream's ``compute_seconds`` gets an equal share of the time."""
    start = time.perf_counter()
    outputs = accept_streams([stream.forward for stream in streams], chunks)
    share = (time.perf_counter() - start) / len(streams)
    for stream in streams:
        stream.compute_seconds += share
    return outputs
