"""The DeepSpeech2 network: 2-D conv stage, bidirectional RNN stack, linear output layer.

Padding never changes a real frame: padded frames are zeroed after every layer, batch-norm statistics
are computed over real frames only, and the backward RNN starts at each utterance's last real frame.
So a padded batch gives, on its real frames, exactly the per-utterance results.

The online variant (``online=True``, for streaming) has forward-only RNNs followed by DS2's row convolution,
which looks ``row_conv_context`` output frames ahead: every output frame then depends on a bounded stretch of
future input (model_utils.streaming runs it chunk by chunk).
"""
from __future__ import annotations

import os

import numpy as np
import paddle
import paddle.nn as nn
import paddle.nn.functional as F

RELU_CLIP = 20.0
# DS2's conv pattern as (time, freq): the features are time-major, [B, C, T, F] inside the conv stage.
FIRST_KERNEL, FIRST_STRIDE, FIRST_PADDING = (11, 41), (3, 2), (5, 20)
NEXT_KERNEL, NEXT_STRIDE, NEXT_PADDING = (11, 21), (1, 2), (5, 10)
CONV_CHANNELS = 32
# Future output frames (30 ms each at DS2's time stride 3) that the online network's row convolution sees. With the
# conv stage's own 200 ms of look-ahead (2 layers) the network hears 440 ms ahead, within one typical streaming chunk
# (160-640 ms). On the tiny example, 8 frames rather than 2 (260 ms) lowered beam-search WER from 20.3% to 19.3% on
# test and from 33.4% to 31.3% on the held-out voices (bench/RESULTS.md, "The online (streaming) model").
ROW_CONV_CONTEXT = 8


# MKL_DEBUG_CPU_TYPE values: 5 is MKL's AVX2 path, 7 its AVX-512 path for Skylake-SP and later (6 and 8 are the
# Xeon Phi paths, which use instructions AMD CPUs lack). The AVX-512 path needs these CPU flags.
MKL_AVX2, MKL_AVX512 = "5", "7"
AVX512_FLAGS = frozenset({"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"})


def use_fast_mkl_kernels_on_amd(cpuinfo_path: str = "/proc/cpuinfo") -> bool:
    """On AMD CPUs, make the MKL that Paddle's CPU build links run its AVX-512 or AVX2 kernels; True if it did.

    MKL checks the CPU vendor and gives non-Intel CPUs a generic code path: on an AMD EPYC, Paddle's GEMMs
    ran 2-3x slower than numpy's (bench/RESULTS.md). ``MKL_DEBUG_CPU_TYPE`` selects the AVX-512 path where
    the CPU has AVX-512 (Zen 4 and later; on this project's EPYC, GEMMs ~1.8x and the tiny example's
    training ~12% faster than with AVX2), else the AVX2 path. MKL reads it at its first call, so this runs
    when the network module is imported, before any GEMM. A value the user set is kept; Intel CPUs are left
    alone.
    """
    if "MKL_DEBUG_CPU_TYPE" in os.environ:
        return False
    try:
        with open(cpuinfo_path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return False
    if not any(line.startswith("vendor_id") and "AuthenticAMD" in line for line in lines):
        return False
    flags = next((set(line.split(":", 1)[1].split()) for line in lines if line.startswith("flags")), set())
    os.environ["MKL_DEBUG_CPU_TYPE"] = MKL_AVX512 if AVX512_FLAGS <= flags else MKL_AVX2
    return True


use_fast_mkl_kernels_on_amd()


def set_num_threads(num_threads: int) -> None:
    """Let Paddle's CPU kernels use ``num_threads`` threads (Paddle defaults to one).

    On a shared, oversubscribed CPU two threads were slower than one (bench/RESULTS.md); there,
    data-parallel processes of one thread each use the cores better.
    """
    paddle.base.core.set_num_threads(num_threads)


def conv_output_lengths(audio_len: paddle.Tensor, time_stride: int) -> paddle.Tensor:
    """Frames after the conv stage: kernel 11 with padding 5 keeps ceil(T / stride) frames per layer."""
    return (audio_len + (time_stride - 1)) // time_stride


def receptive_field(num_conv_layers: int, time_stride: int) -> int:
    """Input frames seen by one conv-stage output frame (the RNNs then see the whole utterance)."""
    span = FIRST_KERNEL[0]
    for _ in range(num_conv_layers - 1):
        span += (NEXT_KERNEL[0] - 1) * time_stride
    return span


def frame_mask(lengths: paddle.Tensor, max_len: int | paddle.Tensor) -> paddle.Tensor:
    """[B, T] float32 mask: 1 on real frames, 0 on padding."""
    steps = paddle.arange(max_len, dtype=lengths.dtype).unsqueeze(0)
    return (steps < lengths.unsqueeze(1)).astype("float32")


class MaskedBatchNorm(nn.Layer):
    """Batch norm over ``axis`` (the channels) whose training statistics count real frames only.

    ``mask`` broadcasts against the input and is 1 on real frames. Eval mode normalises every frame
    with the running statistics, so each frame is independent of the rest of the batch.
    """

    def __init__(self, num_channels: int, axis: int, momentum: float = 0.9, epsilon: float = 1e-5):
        super().__init__()
        self.axis, self.momentum, self.epsilon = axis, momentum, epsilon
        self.weight = self.create_parameter([num_channels], default_initializer=nn.initializer.Constant(1.0))
        self.bias = self.create_parameter([num_channels], is_bias=True)
        self.register_buffer("_mean", paddle.zeros([num_channels]))
        self.register_buffer("_variance", paddle.ones([num_channels]))

    def _broadcast(self, vector: paddle.Tensor, ndim: int) -> paddle.Tensor:
        shape = [1] * ndim
        shape[self.axis] = -1
        return vector.reshape(shape)

    def _masked_sum(self, x: paddle.Tensor, mask: paddle.Tensor, axes: list) -> paddle.Tensor:
        """Per-channel sum of x over its real frames, keeping x's rank.

        Channels-last inputs ([B, T, C] with a [B, T, 1] mask, the RNN projections) sum as one
        [1, B*T] x [B*T, C] product instead of a masked multiply and a reduction over the leading axes:
        the whole batch norm of a [16, 167, 3072] input fell from 540 to 360 ms forward + backward.
        """
        if self.axis == len(x.shape) - 1 and mask.shape == x.shape[:-1] + [1]:
            channels = x.shape[-1]
            total = paddle.matmul(mask.reshape([1, -1]), x.reshape([-1, channels]))
            return total.reshape([1] * (len(x.shape) - 1) + [channels])
        return (x * mask).sum(axes, keepdim=True)

    def forward(self, x: paddle.Tensor, mask: paddle.Tensor) -> paddle.Tensor:
        ndim = len(x.shape)
        if self.training:
            axes = [i for i in range(ndim) if i != self.axis]
            count = mask.sum()
            for i in axes:  # axes the mask broadcasts over hold real values everywhere
                if mask.shape[i] == 1:
                    count = count * x.shape[i]
            mean = self._masked_sum(x, mask, axes) / count
            centered = x - mean
            var = self._masked_sum(centered * centered, mask, axes) / count
            with paddle.no_grad():
                m = self.momentum
                paddle.assign(m * self._mean + (1 - m) * mean.flatten(), self._mean)
                paddle.assign(m * self._variance + (1 - m) * var.flatten(), self._variance)
        else:
            mean, var = self._broadcast(self._mean, ndim), self._broadcast(self._variance, ndim)
            centered = x - mean
        scale = self._broadcast(self.weight, ndim) * paddle.rsqrt(var + self.epsilon)
        return centered * scale + self._broadcast(self.bias, ndim)


def fft_size(n: int) -> int:
    """The smallest 2^a 3^b 5^c >= n: a length the FFT handles fast."""
    size = n
    while True:
        rest = size
        for factor in (2, 3, 5):
            while rest % factor == 0:
                rest //= factor
        if rest == 1:
            return size
        size += 1


def shifted_dft(taps: int, size: int, bins: int, shift: int) -> tuple[paddle.Tensor, paddle.Tensor]:
    """cos and sin of +2 pi u (k - shift) / size for kernel taps k and DFT bins u, each [taps, bins].

    These make the conjugate spectrum of a kernel whose tap k sits at circular position k - shift:
    correlating with it is correlating with the original kernel after padding the input by ``shift``.
    """
    k = np.arange(taps)[:, None] - shift
    u = np.arange(bins)[None, :]
    angle = 2.0 * np.pi * ((k * u) % size) / size
    return paddle.to_tensor(np.cos(angle).astype("float32")), paddle.to_tensor(np.sin(angle).astype("float32"))


def kernel_spectrum(weight: paddle.Tensor, grid: list, padding: tuple) -> paddle.Tensor:
    """Conjugate 2-D spectrum of the padding-shifted kernels, [Nt * (Nf // 2 + 1), C, O] complex.

    Computed as two small real DFT products (the kernels are 11 x 21 taps; an FFT of the whole grid
    would transform mostly zeros), laid out directly as the per-bin [C, O] matrices that mix channels.
    """
    out_channels, channels, kernel_t, kernel_f = weight.shape
    cos_t, sin_t = shifted_dft(kernel_t, grid[0], grid[0], padding[0])
    cos_f, sin_f = shifted_dft(kernel_f, grid[1], grid[1] // 2 + 1, padding[1])
    taps = weight.transpose([3, 2, 1, 0]).reshape([kernel_f, -1])  # [Kf, Kt * C * O]
    bins_f = cos_f.shape[1]
    # along frequency: [F', Kt, C * O], then time-major [Kt, F' * C * O]
    real = paddle.matmul(cos_f, taps, transpose_x=True).reshape([bins_f, kernel_t, -1]).transpose([1, 0, 2])
    imag = paddle.matmul(sin_f, taps, transpose_x=True).reshape([bins_f, kernel_t, -1]).transpose([1, 0, 2])
    real, imag = real.reshape([kernel_t, -1]), imag.reshape([kernel_t, -1])
    # along time (complex): [Nt, F' * C * O]
    spectrum_real = paddle.matmul(cos_t, real, transpose_x=True) - paddle.matmul(sin_t, imag, transpose_x=True)
    spectrum_imag = paddle.matmul(cos_t, imag, transpose_x=True) + paddle.matmul(sin_t, real, transpose_x=True)
    return paddle.complex(spectrum_real, spectrum_imag).reshape([-1, channels, out_channels])


def fft_conv2d(x: paddle.Tensor, weight: paddle.Tensor, padding: tuple, freq_stride: int) -> paddle.Tensor:
    """Conv2D (cross-correlation, time stride 1, no bias) of x [B, C, T, F] computed through 2-D FFTs.

    The same result as ``F.conv2d`` up to float rounding, with ~20x fewer operations for DS2's
    32-channel (11, 21) kernels; Paddle's direct CPU convolution is the slowest part of training.
    The padding is not materialised: the kernel's spectrum carries it as a circular shift. A grid of
    at least (T + pad_t, F + pad_f) keeps the circular correlation from wrapping into kept outputs.
    """
    batch, channels, frames, freq = x.shape
    out_channels, _, kernel_t, kernel_f = weight.shape
    pad_t, pad_f = padding
    grid = [fft_size(frames + pad_t), fft_size(freq + pad_f)]
    spectrum = paddle.fft.rfft2(x, s=grid)  # [B, C, Nt, Nf']
    bins_t, bins_f = spectrum.shape[2], spectrum.shape[3]
    # per frequency bin, mix the channels: [K, B, C] @ [K, C, O]
    mixed = paddle.matmul(spectrum.transpose([2, 3, 0, 1]).reshape([bins_t * bins_f, batch, channels]),
                          kernel_spectrum(weight, grid, padding))
    mixed = mixed.reshape([bins_t, bins_f, batch, out_channels]).transpose([2, 3, 0, 1])
    y = paddle.fft.irfft2(mixed, s=grid)
    out_frames = frames + 2 * pad_t - kernel_t + 1
    return y[:, :, :out_frames, 0:freq + 2 * pad_f - kernel_f + 1:freq_stride]


class ConvBlock(nn.Layer):
    """Conv2D (no bias) -> masked batch norm -> clipped ReLU -> zero the padded frames.

    Eager layers with time stride 1 convolve through FFTs (``fft_conv2d``); static graphs (export)
    keep the direct convolution, which oneDNN runs well.
    """

    def __init__(self, in_channels: int, kernel: tuple, stride: tuple, padding: tuple):
        super().__init__()
        self.time_stride, self.freq_stride, self.padding = stride[0], stride[1], padding
        self.conv = nn.Conv2D(in_channels, CONV_CHANNELS, kernel, stride, padding, bias_attr=False)
        self.bn = MaskedBatchNorm(CONV_CHANNELS, axis=1)

    def forward(self, x: paddle.Tensor, lengths: paddle.Tensor) -> tuple[paddle.Tensor, paddle.Tensor]:
        if self.time_stride == 1 and paddle.in_dynamic_mode():
            x = fft_conv2d(x, self.conv.weight, self.padding, self.freq_stride)
        else:
            x = self.conv(x)
        lengths = conv_output_lengths(lengths, self.time_stride)
        mask = frame_mask(lengths, x.shape[2]).unsqueeze(1).unsqueeze(3)
        x = F.hardtanh(self.bn(x, mask), 0.0, RELU_CLIP) * mask
        return x, lengths


def reverse_padded(x: paddle.Tensor, lengths: paddle.Tensor) -> paddle.Tensor:
    """Reverse each utterance of x [B, T, H] within its own length; padded frames stay in place.

    A row gather on the flattened [B * T, H] tensor: ~10x faster forward + backward than
    ``take_along_axis`` with a full-size index.
    """
    batch, frames = x.shape[0], x.shape[1]
    steps = paddle.arange(frames, dtype=lengths.dtype).unsqueeze(0)
    last = lengths.unsqueeze(1) - 1
    index = paddle.where(steps <= last, last - steps, steps)
    rows = index + paddle.arange(batch, dtype=lengths.dtype).unsqueeze(1) * frames
    return paddle.gather(x.reshape([batch * frames, -1]), rows.flatten()).reshape(x.shape)


def gru_gates(x_rz: paddle.Tensor, x_n: paddle.Tensor, h: paddle.Tensor, weight: paddle.Tensor,
              bias: paddle.Tensor) -> tuple[paddle.Tensor, paddle.Tensor, paddle.Tensor, paddle.Tensor]:
    """One GRU step's reset and update gates, candidate state and recurrent candidate input (r, z, n, h_n).

    All D directions at once: h [D, B, H], weight [D, H, 3H], bias [D, 1, 3H]; x_rz and x_n are the step's
    projected, normalised inputs. The new state is n + z * (h - n).
    """
    hidden = paddle.split(paddle.bmm(h, weight) + bias, [2 * h.shape[2], h.shape[2]], axis=2)
    r, z = paddle.split(F.sigmoid(x_rz + hidden[0]), 2, axis=2)
    return r, z, paddle.tanh(x_n + r * hidden[1]), hidden[1]


class GRURecurrence(paddle.autograd.PyLayer):
    """The GRU recurrence over time with a hand-written backward through time.

    Autograd would record ~12 ops a step and accumulate the recurrent weight's gradient step by step; here the
    backward runs ~8 ops a step on precomputed gate factors and gets the weight and bias gradients from one GEMM
    over all steps: 1.1x (GRU 256) to 2.1x (1024) faster forward + backward on a CPU, with equal gradients.
    Inputs are time-major with D directions: x_rz [T, D, B, 2H], x_n [T, D, B, H]; returns the states [T, D, B, H].
    """

    @staticmethod
    def forward(ctx, x_rz: paddle.Tensor, x_n: paddle.Tensor, weight: paddle.Tensor,
                bias: paddle.Tensor) -> paddle.Tensor:
        h = paddle.zeros(x_n.shape[1:], dtype=x_n.dtype)
        saved: list[list[paddle.Tensor]] = [[], [], [], [], []]  # h before the step, r, z, n, h_n
        outputs = []
        for x_rz_t, x_n_t in zip(paddle.unbind(x_rz), paddle.unbind(x_n)):
            r, z, n, h_n = gru_gates(x_rz_t, x_n_t, h, weight, bias)
            for store, value in zip(saved, (h, r, z, n, h_n)):
                store.append(value)
            h = n + z * (h - n)
            outputs.append(h)
        ctx.save_for_backward(weight, *[paddle.stack(store) for store in saved])
        return paddle.stack(outputs)

    @staticmethod
    def backward(ctx, d_states: paddle.Tensor) -> tuple[paddle.Tensor, ...]:
        weight, hs, rs, zs, ns, h_ns = ctx.saved_tensor()
        steps, directions, batch, hidden = hs.shape
        # the factors of the gate derivatives that do not depend on the incoming gradient, for all steps at once
        gate_n = paddle.unbind((1 - zs) * (1 - ns * ns))
        gate_z = paddle.unbind((hs - ns) * zs * (1 - zs))
        gate_r = paddle.unbind(h_ns * rs * (1 - rs))
        keep, resets, incoming = paddle.unbind(zs), paddle.unbind(rs), paddle.unbind(d_states)
        dh = paddle.zeros_like(incoming[0])
        d_n, d_gates = [None] * steps, [None] * steps
        for t in range(steps - 1, -1, -1):
            dh = dh + incoming[t]
            d_n[t] = dh * gate_n[t]
            d_gates[t] = paddle.concat([d_n[t] * gate_r[t], dh * gate_z[t], d_n[t] * resets[t]], axis=2)
            dh = dh * keep[t] + paddle.matmul(d_gates[t], weight, transpose_y=True)
        d_gates = paddle.stack(d_gates)  # [T, D, B, 3H]: the gradient of the recurrent pre-activations
        per_direction = d_gates.transpose([1, 0, 2, 3]).reshape([directions, steps * batch, 3 * hidden])
        states = hs.transpose([1, 0, 2, 3]).reshape([directions, steps * batch, hidden])
        d_weight = paddle.matmul(states, per_direction, transpose_x=True)
        d_bias = per_direction.sum(axis=1, keepdim=True)
        return d_gates[..., :2 * hidden], paddle.stack(d_n), d_weight, d_bias


class RNNLayer(nn.Layer):
    """One recurrent layer in DS2's form: input projection -> sequence-wise BN -> recurrence.

    The recurrence takes the projected, normalised input directly (no second input matrix). A bidirectional
    (offline) layer runs both directions together as a batch of two and outputs [forward, backward] states;
    with ``share_weights`` (simple RNN only, as in DS2) both directions use one projection, while each
    direction always has its own recurrent weights. A forward-only (online) layer can start from a given
    state, so that a stream continues each chunk where the previous one stopped.
    """

    def __init__(self, input_size: int, hidden_size: int, use_gru: bool, share_weights: bool,
                 bidirectional: bool = True):
        super().__init__()
        self.hidden_size, self.use_gru = hidden_size, use_gru
        self.directions = 2 if bidirectional else 1
        self.share_weights = share_weights and not use_gru and bidirectional
        gates = 3 * hidden_size if use_gru else hidden_size
        projections = 1 if self.share_weights else self.directions
        self.proj = nn.Linear(input_size, projections * gates, bias_attr=False)
        self.bn = MaskedBatchNorm(projections * gates, axis=2)
        bound = hidden_size ** -0.5
        init = nn.initializer.Uniform(-bound, bound)
        self.weight_hh = self.create_parameter([self.directions, hidden_size, gates], default_initializer=init)
        if use_gru:
            self.bias_hh = self.create_parameter([self.directions, 1, gates], is_bias=True, default_initializer=init)

    @property
    def output_size(self) -> int:
        """Features per output frame: the states of all directions side by side."""
        return self.directions * self.hidden_size

    def _step(self, x_t: list, h: paddle.Tensor) -> paddle.Tensor:
        """One time step of all directions: h [D, B, H]; x_t holds the step's [D, B, *] inputs."""
        if not self.use_gru:
            return F.hardtanh(x_t[0] + paddle.bmm(h, self.weight_hh), 0.0, RELU_CLIP)
        _, z, n, _ = gru_gates(x_t[0], x_t[1], h, self.weight_hh, self.bias_hh)
        return n + z * (h - n)

    def _recurrence(self, inputs: list, h0: paddle.Tensor | None) -> paddle.Tensor:
        """Run all directions over time-major inputs ([T, D, B, *] each) from h0 [D, B, H] (None: zeros)
        -> states [T, D, B, H].

        A GRU that records gradients from a zero state runs ``GRURecurrence`` (hand-written backward through time).
        Otherwise eager mode iterates over ``unbind``'s slices (their gradient is one stack, not a full-size
        tensor per step); a static graph (export) needs a while loop over the unknown length.
        """
        if h0 is None and self.use_gru and paddle.in_dynamic_mode() and paddle.is_grad_enabled():
            return GRURecurrence.apply(inputs[0], inputs[1], self.weight_hh, self.bias_hh)
        h = paddle.zeros([self.directions, inputs[0].shape[2], self.hidden_size], dtype=inputs[0].dtype) \
            if h0 is None else h0
        outputs = []
        if paddle.in_dynamic_mode():
            for x_t in zip(*[paddle.unbind(x) for x in inputs]):
                h = self._step(list(x_t), h)
                outputs.append(h)
        else:
            for t in range(inputs[0].shape[0]):
                h = self._step([x[t] for x in inputs], h)
                outputs.append(h)
        return paddle.stack(outputs)

    def _direction_inputs(self, projected: paddle.Tensor, lengths: paddle.Tensor) -> list:
        """The projected input of each direction, [B, T, G] each; the backward one reversed within each length."""
        if self.directions == 1:
            return [projected]
        forward_in, backward_in = (projected, projected) if self.share_weights else paddle.chunk(projected, 2, axis=2)
        return [forward_in, reverse_padded(backward_in, lengths)]

    def forward(self, x: paddle.Tensor, lengths: paddle.Tensor, mask: paddle.Tensor,
                initial_state: paddle.Tensor | None = None) -> paddle.Tensor:
        """x [B, T, I] -> [B, T, D * H] (forward then backward direction), zero on padded frames.

        ``initial_state`` [B, H] (forward-only layers): the state before the first frame, zeros when None.
        """
        if initial_state is not None and self.directions != 1:
            raise ValueError("only a forward-only (online) RNN layer can start from a given state")
        projected = self.bn(self.proj(x), mask)
        # time-major, directions stacked: [T, D, B, G]
        inputs = paddle.stack(self._direction_inputs(projected, lengths)).transpose([2, 0, 1, 3])
        if self.use_gru:
            inputs = paddle.split(inputs, [2 * self.hidden_size, self.hidden_size], axis=3)
        h0 = None if initial_state is None else initial_state.unsqueeze(0)
        states = self._recurrence(list(inputs) if self.use_gru else [inputs], h0).transpose([1, 2, 0, 3])
        if self.directions == 1:
            return states[0] * mask
        return paddle.concat([states[0], reverse_padded(states[1], lengths)], axis=2) * mask


class RowConv(nn.Layer):
    """DS2's lookahead (row) convolution: out[t] = sum over j = 0..context of weight[j] * x[t + j], per channel.

    Placed above forward-only RNNs, it lets each output frame use ``context`` future frames of the top layer's
    states at a bounded latency. Frames past the end count as zeros, as padded frames (zeroed by the RNN layer)
    already are, so padding never changes a real frame. The weights start as the identity on the current frame
    (the plain forward-only network); training learns how much of the future to mix in.
    """

    def __init__(self, size: int, context: int):
        super().__init__()
        if context < 0:
            raise ValueError(f"row convolution context must be >= 0 frames, got {context}")
        self.context = context
        start = np.zeros([context + 1, size], dtype="float32")
        start[0] = 1.0
        self.weight = self.create_parameter([context + 1, size], default_initializer=nn.initializer.Assign(start))

    def valid(self, x: paddle.Tensor) -> paddle.Tensor:
        """Outputs for the frames of x [B, T, H] whose whole future is in x: [B, T - context, H] (T > context)."""
        taps = paddle.unbind(self.weight)
        # tap j reads frames j .. T - context + j - 1; a negative end needs no length (static graphs have none)
        return sum(x[:, j:(j - self.context) or None] * tap for j, tap in enumerate(taps))

    def forward(self, x: paddle.Tensor) -> paddle.Tensor:
        """x [B, T, H] -> [B, T, H], zero future past the end."""
        return self.valid(F.pad(x, [0, self.context], data_format="NLC"))


class DeepSpeech2(nn.Layer):
    """DS2: conv stage, RNN stack and a linear layer to ``dict_size + 1`` logits (blank last).

    ``time_stride`` is the first conv's time stride (DS2: 3); the other conv layers keep the frame rate.
    Offline, the RNNs are bidirectional. ``online`` makes them forward-only and adds DS2's row convolution
    (``row_conv_context`` future frames) before the output layer, so that the network can stream.
    """

    def __init__(self, feat_size: int, dict_size: int, num_conv_layers: int = 2, num_rnn_layers: int = 3,
                 rnn_size: int = 1024, use_gru: bool = False, share_rnn_weights: bool = True,
                 time_stride: int = FIRST_STRIDE[0], online: bool = False, row_conv_context: int = ROW_CONV_CONTEXT):
        super().__init__()
        if num_conv_layers < 1 or num_rnn_layers < 1:
            raise ValueError(f"need at least one conv and one RNN layer, got {num_conv_layers} and {num_rnn_layers}")
        self.time_stride = time_stride
        self.num_conv_layers = num_conv_layers
        self.online = online
        first_stride = (time_stride, FIRST_STRIDE[1])
        blocks = [ConvBlock(1, FIRST_KERNEL, first_stride, FIRST_PADDING)]
        freq = (feat_size + 2 * FIRST_PADDING[1] - FIRST_KERNEL[1]) // FIRST_STRIDE[1] + 1
        for _ in range(num_conv_layers - 1):
            blocks.append(ConvBlock(CONV_CHANNELS, NEXT_KERNEL, NEXT_STRIDE, NEXT_PADDING))
            freq = (freq + 2 * NEXT_PADDING[1] - NEXT_KERNEL[1]) // NEXT_STRIDE[1] + 1
        self.conv = nn.LayerList(blocks)
        rnn_input = CONV_CHANNELS * freq
        layers = []
        for _ in range(num_rnn_layers):
            layers.append(RNNLayer(rnn_input, rnn_size, use_gru, share_rnn_weights, bidirectional=not online))
            rnn_input = layers[-1].output_size
        self.rnn = nn.LayerList(layers)
        self.row_conv = RowConv(rnn_input, row_conv_context) if online else None
        self.fc = nn.Linear(rnn_input, dict_size + 1)

    @property
    def receptive_field(self) -> int:
        """Input frames behind one conv-stage output frame."""
        return receptive_field(self.num_conv_layers, self.time_stride)

    def output_lengths(self, audio_len: paddle.Tensor) -> paddle.Tensor:
        """Output frames per utterance for ``audio_len`` input frames."""
        return conv_output_lengths(audio_len, self.time_stride)

    def conv_stage(self, audio: paddle.Tensor, audio_len: paddle.Tensor) -> tuple[paddle.Tensor, paddle.Tensor]:
        """audio [B, T, D], audio_len [B] -> (the RNNs' input [B, T', C * F'], its lengths [B])."""
        x = audio * frame_mask(audio_len, audio.shape[1]).unsqueeze(2)
        x = x.unsqueeze(1)  # [B, 1, T, D]
        lengths = audio_len
        for block in self.conv:
            x, lengths = block(x, lengths)
        batch, channels, frames, freq = x.shape
        return x.transpose([0, 2, 1, 3]).reshape([batch, frames, channels * freq]), lengths

    def forward(self, audio: paddle.Tensor, audio_len: paddle.Tensor) -> tuple[paddle.Tensor, paddle.Tensor]:
        """audio [B, T, D] float32, audio_len [B] int64 -> (logits [B, T', dict_size + 1], out_len [B])."""
        x, lengths = self.conv_stage(audio, audio_len)
        mask = frame_mask(lengths, x.shape[1]).unsqueeze(2)
        for layer in self.rnn:
            x = layer(x, lengths, mask)
        if self.row_conv is not None:
            x = self.row_conv(x)  # zero on padded frames: their future is padding too
        return self.fc(x), lengths
