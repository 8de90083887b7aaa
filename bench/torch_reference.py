"""PyTorch twin of model_utils/network.py: the reference side of bench/train_throughput.py.

The same DS2 network (conv stage, masked batch norm, bidirectional RNN/GRU on batch-normalised input
projections, linear layer) written as straightforward PyTorch. It runs in a throwaway venv holding
torch; the project itself never imports it.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

RELU_CLIP = 20.0


def frame_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """[B, T] float mask: 1 on real frames."""
    return (torch.arange(max_len).unsqueeze(0) < lengths.unsqueeze(1)).float()


class MaskedBatchNorm(nn.Module):
    """Batch norm whose training statistics count real frames only (channels on ``axis``)."""

    def __init__(self, num_channels: int, axis: int, momentum: float = 0.9, epsilon: float = 1e-5):
        super().__init__()
        self.axis, self.momentum, self.epsilon = axis, momentum, epsilon
        self.weight = nn.Parameter(torch.ones(num_channels))
        self.bias = nn.Parameter(torch.zeros(num_channels))
        self.register_buffer("running_mean", torch.zeros(num_channels))
        self.register_buffer("running_var", torch.ones(num_channels))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        shape = [1] * x.dim()
        shape[self.axis] = -1
        if self.training:
            axes = [i for i in range(x.dim()) if i != self.axis]
            count = mask.sum()
            for i in axes:
                if mask.shape[i] == 1:
                    count = count * x.shape[i]
            mean = (x * mask).sum(axes, keepdim=True) / count
            centered = x - mean
            var = (centered * centered * mask).sum(axes, keepdim=True) / count
            with torch.no_grad():
                self.running_mean.mul_(self.momentum).add_((1 - self.momentum) * mean.flatten())
                self.running_var.mul_(self.momentum).add_((1 - self.momentum) * var.flatten())
        else:
            mean, var = self.running_mean.view(shape), self.running_var.view(shape)
            centered = x - mean
        scale = self.weight.view(shape) * torch.rsqrt(var + self.epsilon)
        return centered * scale + self.bias.view(shape)


class ConvBlock(nn.Module):
    def __init__(self, in_channels: int, kernel: tuple, stride: tuple, padding: tuple):
        super().__init__()
        self.time_stride = stride[0]
        self.conv = nn.Conv2d(in_channels, 32, kernel, stride, padding, bias=False)
        self.bn = MaskedBatchNorm(32, axis=1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.conv(x)
        lengths = (lengths + self.time_stride - 1) // self.time_stride
        mask = frame_mask(lengths, x.shape[2])[:, None, :, None]
        return F.hardtanh(self.bn(x, mask), 0.0, RELU_CLIP) * mask, lengths


def reverse_padded(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    steps = torch.arange(x.shape[1]).unsqueeze(0)
    last = lengths.unsqueeze(1) - 1
    index = torch.where(steps <= last, last - steps, steps)
    return torch.gather(x, 1, index.unsqueeze(2).expand_as(x))


class BiRNNLayer(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, use_gru: bool, share_weights: bool):
        super().__init__()
        self.hidden_size, self.use_gru = hidden_size, use_gru
        self.share_weights = share_weights and not use_gru
        gates = 3 * hidden_size if use_gru else hidden_size
        projections = 1 if self.share_weights else 2
        self.proj = nn.Linear(input_size, projections * gates, bias=False)
        self.bn = MaskedBatchNorm(projections * gates, axis=2)
        bound = hidden_size ** -0.5
        self.weight_hh = nn.Parameter(torch.empty(2, hidden_size, gates).uniform_(-bound, bound))
        self.bias_hh = nn.Parameter(torch.empty(2, 1, gates).uniform_(-bound, bound)) if use_gru else None

    def _step(self, x_t: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        hidden = torch.bmm(h, self.weight_hh)
        if not self.use_gru:
            return F.hardtanh(x_t + hidden, 0.0, RELU_CLIP)
        hidden = hidden + self.bias_hh
        size = self.hidden_size
        r, z = torch.sigmoid(x_t[:, :, :2 * size] + hidden[:, :, :2 * size]).chunk(2, dim=2)
        n = torch.tanh(x_t[:, :, 2 * size:] + r * hidden[:, :, 2 * size:])
        return n + z * (h - n)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        projected = self.bn(self.proj(x), mask)
        if self.share_weights:
            forward_in, backward_in = projected, projected
        else:
            forward_in, backward_in = projected.chunk(2, dim=2)
        inputs = torch.stack([forward_in, reverse_padded(backward_in, lengths)]).permute(2, 0, 1, 3)
        h = x.new_zeros(2, x.shape[0], self.hidden_size)
        outputs = []
        for x_t in inputs:
            h = self._step(x_t, h)
            outputs.append(h)
        states = torch.stack(outputs).permute(1, 2, 0, 3)
        return torch.cat([states[0], reverse_padded(states[1], lengths)], dim=2) * mask


class DeepSpeech2(nn.Module):
    def __init__(self, feat_size: int, dict_size: int, num_conv_layers: int = 2, num_rnn_layers: int = 3,
                 rnn_size: int = 1024, use_gru: bool = False, share_rnn_weights: bool = True,
                 time_stride: int = 3):
        super().__init__()
        blocks = [ConvBlock(1, (11, 41), (time_stride, 2), (5, 20))]
        freq = (feat_size - 1) // 2 + 1
        for _ in range(num_conv_layers - 1):
            blocks.append(ConvBlock(32, (11, 21), (1, 2), (5, 10)))
            freq = (freq - 1) // 2 + 1
        self.conv = nn.ModuleList(blocks)
        layers, rnn_input = [], 32 * freq
        for _ in range(num_rnn_layers):
            layers.append(BiRNNLayer(rnn_input, rnn_size, use_gru, share_rnn_weights))
            rnn_input = 2 * rnn_size
        self.rnn = nn.ModuleList(layers)
        self.fc = nn.Linear(rnn_input, dict_size + 1)

    def forward(self, audio: torch.Tensor, audio_len: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = (audio * frame_mask(audio_len, audio.shape[1]).unsqueeze(2)).unsqueeze(1)
        lengths = audio_len
        for block in self.conv:
            x, lengths = block(x, lengths)
        batch, channels, frames, freq = x.shape
        x = x.transpose(1, 2).reshape(batch, frames, channels * freq)
        mask = frame_mask(lengths, frames).unsqueeze(2)
        for layer in self.rnn:
            x = layer(x, lengths, mask)
        return self.fc(x), lengths
