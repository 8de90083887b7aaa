"""Streaming forward pass of an online DeepSpeech2 network: feature chunks in, final output probabilities out.

    stream = StreamingForward(model)          # model: an online DeepSpeech2Model (trained with --online True)
    for chunk in chunks:                      # normalised feature frames, [frames, feat_size] each, any sizes
        probs = stream.accept(chunk)          # [new_output_frames, vocab_size + 1], softmax, blank last
    probs = stream.finish()                   # the rest; the stream is then ready for the next utterance
    probs = accept_streams([stream, ...], [chunk, ...])  # several streams' accept() as one padded batch

The concatenated outputs equal ``model.infer_batch_probs`` on the whole utterance (up to float rounding): each
output frame is returned as soon as no later input can change it, ``latency_frames`` input frames after the
first frame of its stride block. The state carried between chunks:

* the conv stage's input frames that later outputs still read: its left context and the frames waiting for
  their right context. The conv stage is re-run on them plus the new frames, from a frame aligned to the time
  stride, and only the outputs whose whole receptive field has arrived are kept;
* each RNN layer's last state, from which the next chunk's recurrence starts;
* the top RNN states still waiting for the row convolution's future frames.

The end of the stream is the end of the utterance: zero padding follows, and an utterance shorter than the
receptive field is padded up to it first, as ``pad_short_utterances`` does.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import paddle
import paddle.nn.functional as F

from data_utils.data import pad_sequences
from model_utils.decoding import ExportedModel
from model_utils.model import DeepSpeech2Model
from model_utils.network import frame_mask


class StreamingForward:
    """Runs an online DeepSpeech2Model's network over feature chunks, in eval mode, without re-running the past."""

    def __init__(self, model: DeepSpeech2Model):
        if isinstance(model, ExportedModel):
            raise ValueError("cannot stream an exported model (its network runs whole utterances in Paddle "
                             "Inference): load the checkpoint instead")
        network = model.network
        if not network.online:
            raise ValueError("cannot stream an offline model: its bidirectional RNNs need the whole utterance "
                             "(train one with --online True)")
        self.network = network
        self.feat_size = model.config["feat_size"]
        self.num_classes = model.blank + 1
        self.stride = network.time_stride
        # frames on each side of a conv-stage output frame's centre (the stage's padding is symmetric)
        self.conv_context = (network.receptive_field - 1) // 2
        self.reset()

    @property
    def latency_frames(self) -> int:
        """Input frames of look-ahead: output frame j (input frames stride * j onwards) is returned once input
        frame stride * j + latency_frames has arrived."""
        return self.conv_context + self.stride * self.network.row_conv.context

    def reset(self) -> None:
        """Forget the current utterance."""
        self._frames = np.zeros([0, self.feat_size], dtype=np.float32)  # input frames from _start on
        self._start = 0  # the global index of _frames[0], a multiple of the stride
        self._received = 0  # input frames so far
        self._conv_done = 0  # conv-stage output frames passed to the RNNs
        self._states: list[paddle.Tensor | None] = [None] * len(self.network.rnn)
        self._pending = np.zeros([0, self.network.row_conv.weight.shape[1]], dtype=np.float32)

    def accept(self, frames: np.ndarray) -> np.ndarray:
        """Take the next feature frames [n, feat_size]; return the output frames they complete [m, vocab + 1]."""
        return accept_streams([self], [frames])[0]

    def finish(self) -> np.ndarray:
        """End the utterance: return its remaining output frames and reset for the next one."""
        self._append(np.zeros([max(0, self.network.receptive_field - self._received), self.feat_size], np.float32))
        try:
            return _advance([self], [math.ceil(self._received / self.stride)], final=True)[0]
        finally:
            self.reset()

    def _append(self, frames: np.ndarray) -> int:
        """Add input frames [n, feat_size]; the conv-stage outputs whose whole input has now arrived."""
        frames = np.asarray(frames, dtype=np.float32)
        if frames.ndim != 2 or frames.shape[1] != self.feat_size:
            raise ValueError(f"expected feature frames [n, {self.feat_size}], got shape {list(frames.shape)}")
        self._frames = np.concatenate([self._frames, frames])
        self._received += len(frames)
        # conv output j reads input frames up to stride * j + conv_context
        return max(0, (self._received - self.conv_context - 1) // self.stride + 1)

    def _take_conv_outputs(self, features: np.ndarray, conv_ready: int) -> np.ndarray:
        """This stream's new outputs _conv_done .. conv_ready - 1 [n, C * F'] of the conv stage run on its kept
        frames (``features``: the stage's outputs [T', C * F'] for them); drops the input no later one needs.

        The stage runs on the kept frames as if they were a whole utterance: the outputs taken see only real
        frames (or, at the start and the end, the same zero padding as the whole utterance).
        """
        offset = self._start // self.stride
        outputs = features[self._conv_done - offset:conv_ready - offset]
        # the next output, conv_ready, reads from input frame stride * conv_ready - conv_context on
        start = self.stride * max(0, conv_ready - math.ceil(self.conv_context / self.stride))
        self._frames = self._frames[start - self._start:]
        self._start, self._conv_done = start, conv_ready
        return outputs

    def _outputs(self, final: bool) -> np.ndarray:
        """Probabilities of the pending RNN frames whose row-convolution future is known (all of them if final)."""
        context = self.network.row_conv.context
        states = self._pending
        if final:
            states = np.concatenate([states, np.zeros([context, states.shape[1]], dtype=np.float32)])
        ready = len(states) - context
        if ready <= 0:
            return np.zeros([0, self.num_classes], dtype=np.float32)
        self._pending = states[ready:]
        looked_ahead = self.network.row_conv.valid(paddle.to_tensor(states[None]))
        return F.softmax(self.network.fc(looked_ahead)[0].astype("float32"), axis=-1).numpy()


def accept_streams(forwards: Sequence[StreamingForward], chunks: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Each stream's ``accept(chunk)``, with the conv stage and the RNN steps of all the streams that have new
    conv-stage outputs padded into one batch (the streams share one network); their new output frames, in order.

    ``StreamingForward.accept`` is this with one stream.
    """
    if len(forwards) != len(chunks):
        raise ValueError(f"{len(forwards)} streams but {len(chunks)} chunks")
    if not forwards:
        return []
    return _advance(forwards, [forward._append(chunk) for forward, chunk in zip(forwards, chunks)], final=False)


def _advance(forwards: Sequence[StreamingForward], conv_ready: Sequence[int], final: bool) -> list[np.ndarray]:
    """Run each stream's network up to its conv-stage output ``conv_ready``; the output frames that became final."""
    network = forwards[0].network
    if any(forward.network is not network for forward in forwards):
        raise ValueError("streams batched together must share one network")
    was_training = network.training
    network.eval()
    try:
        with paddle.no_grad():
            moving = [(forward, ready) for forward, ready in zip(forwards, conv_ready) if ready > forward._conv_done]
            if moving:
                movers = [forward for forward, _ in moving]
                for forward, states in zip(movers, _recurrent(movers, _conv_outputs(moving))):
                    forward._pending = np.concatenate([forward._pending, states])
            return [forward._outputs(final) for forward in forwards]
    finally:
        network.train(was_training)


def _padded(arrays: Sequence[np.ndarray]) -> tuple[paddle.Tensor, paddle.Tensor]:
    """Arrays [n_i, D] zero-padded into [B, max n_i, D], and their lengths [B]."""
    batch, lengths = pad_sequences(arrays, arrays[0].shape[1:], np.float32)
    return paddle.to_tensor(batch), paddle.to_tensor(lengths)


def _conv_outputs(moving: Sequence[tuple[StreamingForward, int]]) -> list[np.ndarray]:
    """The conv stage over each stream's kept frames, in one padded batch: each stream's outputs up to its
    ``conv_ready`` [n_i, C * F'] (see ``_take_conv_outputs``)."""
    forwards = [forward for forward, _ in moving]
    features, _ = forwards[0].network.conv_stage(*_padded([forward._frames for forward in forwards]))
    features = features.numpy()
    return [forward._take_conv_outputs(features[row], ready) for row, (forward, ready) in enumerate(moving)]


def _recurrent(forwards: Sequence[StreamingForward], inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The RNN stack over each stream's new conv-stage outputs [n_i, I], each layer from the stream's last state,
    in one padded batch -> the top layer's states [n_i, H]."""
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
