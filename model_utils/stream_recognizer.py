"""Live recognition of an online model: PCM chunks in, the text so far out, then the final text with timed words.

    stream = RecognitionStream(recognizer, sample_rate)       # recognizer: an online model's Recognizer
    frames = stream.features(pcm)                              # NumPy only: any thread, one chunk at a time
    probs = forward_streams([stream, ...], [frames, ...])      # the network thread: several streams in one batch
    text = stream.decode(probs)                                # the text so far
    text, words = stream.finish()                              # the network thread: end of the utterance

``features`` runs StreamFeaturizer and the checkpoint's fixed mean/std; ``forward_streams`` does what
``StreamingForward.accept`` does for each stream, with the conv stage and the RNN steps of all streams padded into
one batch (the recurrent layers step through time in Python, so a batch of 8 costs little more than one stream);
``decode`` feeds the decoder's stream (beam search: decoders' BeamSearchStream; greedy: best path).
"""
from __future__ import annotations

import functools
import math
import time
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np
import paddle

from data_utils.audio import AudioSegment
from data_utils.featurizer.stream_featurizer import StreamFeaturizer
from model_utils.ctc_decoder import CTCDecoder, greedy_numpy
from model_utils.network import frame_mask
from model_utils.streaming import StreamingForward

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
    """Each stream's ``forward.accept(chunk)``, with the streams that need the network run as one padded batch."""
    start = time.perf_counter()
    forwards = [stream.forward for stream in streams]
    network = forwards[0].network
    network.eval()
    with paddle.no_grad():
        moving = []
        for forward, chunk in zip(forwards, chunks):
            forward._frames = np.concatenate([forward._frames, chunk])
            forward._received += len(chunk)
            conv_ready = max(0, (forward._received - forward.conv_context - 1) // forward.stride + 1)
            if conv_ready > forward._conv_done:
                moving.append((forward, conv_ready))
        if moving:
            states = _recurrent_batch([forward for forward, _ in moving], _conv_batch(moving))
            for (forward, _), new in zip(moving, states):
                forward._pending = np.concatenate([forward._pending, new])
        outputs = [forward._outputs(final=False) for forward in forwards]
    for stream in streams:
        stream.compute_seconds += (time.perf_counter() - start) / len(streams)
    return outputs


def _padded(arrays: Sequence[np.ndarray]) -> tuple[paddle.Tensor, paddle.Tensor]:
    """Arrays [n_i, D] zero-padded into [B, max n_i, D], and their lengths [B]."""
    lengths = [len(array) for array in arrays]
    batch = np.zeros([len(arrays), max(lengths), arrays[0].shape[1]], dtype=np.float32)
    for row, array in enumerate(arrays):
        batch[row, :len(array)] = array
    return paddle.to_tensor(batch), paddle.to_tensor(lengths, dtype="int64")


def _conv_batch(moving: list[tuple[StreamingForward, int]]) -> list[np.ndarray]:
    """The conv stage over each stream's kept frames, in one batch: each stream's outputs ``_conv_done`` up to its
    ``conv_ready`` [n_i, C * F'], its no longer needed frames dropped (StreamingForward._conv_outputs, batched)."""
    forwards = [forward for forward, _ in moving]
    features, _ = forwards[0].network.conv_stage(*_padded([forward._frames for forward in forwards]))
    features = features.numpy()
    outputs = []
    for row, (forward, conv_ready) in enumerate(moving):
        offset = forward._start // forward.stride
        outputs.append(features[row, forward._conv_done - offset:conv_ready - offset])
        keep_from = forward.stride * max(0, conv_ready - math.ceil(forward.conv_context / forward.stride))
        forward._frames = forward._frames[keep_from - forward._start:]
        forward._start, forward._conv_done = keep_from, conv_ready
    return outputs


def _recurrent_batch(forwards: list[StreamingForward], inputs: list[np.ndarray]) -> list[np.ndarray]:
    """The RNN stack over each stream's new conv-stage outputs, from its last states, in one padded batch."""
    x, lengths = _padded(inputs)
    mask = frame_mask(lengths, x.shape[1]).unsqueeze(2)
    last = paddle.to_tensor([len(array) - 1 for array in inputs], dtype="int64")
    rows = paddle.arange(len(inputs), dtype="int64")
    for index, layer in enumerate(forwards[0].network.rnn):
        initial = [forward._states[index] for forward in forwards]
        zeros = paddle.zeros([1, layer.hidden_size])
        x = layer(x, lengths, mask, paddle.concat([zeros if state is None else state for state in initial]))
        ends = x[rows, last]  # each stream's state after its last new frame
        for row, forward in enumerate(forwards):
            forward._states[index] = ends[row:row + 1]
    x = x.numpy()
    return [x[row, :len(array)] for row, array in enumerate(inputs)]
