"""Streaming forward pass of an online DeepSpeech2 network: feature chunks in, final output probabilities out.

    stream = StreamingForward(model)          # model: an online DeepSpeech2Model (trained with --online True)
    for chunk in chunks:                      # normalised feature frames, [frames, feat_size] each, any sizes
        probs = stream.accept(chunk)          # [new_output_frames, vocab_size + 1], softmax, blank last
    probs = stream.finish()                   # the rest; the stream is then ready for the next utterance

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

import numpy as np
import paddle
import paddle.nn.functional as F

from model_utils.decoding import ExportedModel
from model_utils.model import DeepSpeech2Model


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
        frames = np.asarray(frames, dtype=np.float32)
        if frames.ndim != 2 or frames.shape[1] != self.feat_size:
            raise ValueError(f"expected feature frames [n, {self.feat_size}], got shape {list(frames.shape)}")
        self._frames = np.concatenate([self._frames, frames])
        self._received += len(frames)
        # conv output j reads input frames up to stride * j + conv_context
        return self._advance(max(0, (self._received - self.conv_context - 1) // self.stride + 1), final=False)

    def finish(self) -> np.ndarray:
        """End the utterance: return its remaining output frames and reset for the next one."""
        short = max(0, self.network.receptive_field - self._received)
        self._frames = np.concatenate([self._frames, np.zeros([short, self.feat_size], dtype=np.float32)])
        self._received += short
        try:
            return self._advance(math.ceil(self._received / self.stride), final=True)
        finally:
            self.reset()

    def _advance(self, conv_ready: int, final: bool) -> np.ndarray:
        """Run the network up to conv-stage output ``conv_ready``; the output frames that became final."""
        was_training = self.network.training
        self.network.eval()
        try:
            with paddle.no_grad():
                if conv_ready > self._conv_done:
                    self._pending = np.concatenate([self._pending, self._recurrent(self._conv_outputs(conv_ready))])
                return self._outputs(final)
        finally:
            self.network.train(was_training)

    def _conv_outputs(self, conv_ready: int) -> paddle.Tensor:
        """Conv-stage outputs _conv_done .. conv_ready - 1 [1, n, C * F']; drops the input no later one needs.

        The stage runs on the kept frames as if they were a whole utterance: the outputs taken see only real
        frames (or, at the start and the end, the same zero padding as the whole utterance).
        """
        window = paddle.to_tensor(self._frames[None])
        features, _ = self.network.conv_stage(window, paddle.to_tensor([len(self._frames)], dtype="int64"))
        offset = self._start // self.stride
        outputs = features[:, self._conv_done - offset:conv_ready - offset]
        # the next output, conv_ready, reads from input frame stride * conv_ready - conv_context on
        start = self.stride * max(0, conv_ready - math.ceil(self.conv_context / self.stride))
        self._frames = self._frames[start - self._start:]
        self._start, self._conv_done = start, conv_ready
        return outputs

    def _recurrent(self, x: paddle.Tensor) -> np.ndarray:
        """The RNN stack over new conv-stage outputs x [1, n, I], each layer from its last state -> [n, H]."""
        lengths = paddle.to_tensor([x.shape[1]], dtype="int64")
        mask = paddle.ones([1, x.shape[1], 1])
        for index, layer in enumerate(self.network.rnn):
            x = layer(x, lengths, mask, self._states[index])
            self._states[index] = x[:, -1]
        return x[0].numpy()

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
