"""Torch modules of the DARTS CIFAR network (see nas_core.networks.darts for the layout)."""

from __future__ import annotations

import torch
from torch import nn

from nas_core.arch import Arch
from nas_core.networks.darts import (
    AVG_POOL,
    DIL3,
    DIL5,
    KERNEL,
    MAX_POOL,
    SEP3,
    SEP5,
    SKIP,
    STEM_MULTIPLIER,
    Cell,
    _layout,
    check_input_size,
)


class ReLUConvBN(nn.Sequential):
    def __init__(self, c_in: int, c_out: int):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out),
        )


class FactorizedReduce(nn.Module):
    """Stride-2 1x1 convs on the map and on it shifted by one pixel, concatenated, then BN."""

    def __init__(self, c_in: int, c_out: int, affine: bool = True):
        super().__init__()
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(c_out, affine=affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(x[:, :, 1:, 1:])], dim=1))


def _dw_pw(c: int, k: int, stride: int, dilation: int, affine: bool) -> list[nn.Module]:
    pad = dilation * (k - 1) // 2
    return [
        nn.ReLU(inplace=False),
        nn.Conv2d(c, c, k, stride=stride, padding=pad, dilation=dilation, groups=c, bias=False),
        nn.Conv2d(c, c, 1, bias=False),
        nn.BatchNorm2d(c, affine=affine),
    ]


def make_op(op: int, c: int, stride: int, naslib: bool) -> nn.Module:
    """The module of one cell edge with `c` channels."""
    affine = not naslib
    if op in (SEP3, SEP5):
        k = KERNEL[op]
        return nn.Sequential(*_dw_pw(c, k, stride, 1, affine), *_dw_pw(c, k, 1, 1, affine))
    if op in (DIL3, DIL5):
        return nn.Sequential(*_dw_pw(c, KERNEL[op], stride, 2, affine))
    if op in (MAX_POOL, AVG_POOL):
        pool = (
            nn.MaxPool2d(3, stride=stride, padding=1)
            if op == MAX_POOL
            else nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False)
        )
        return nn.Sequential(pool, nn.BatchNorm2d(c, affine=False)) if naslib else pool
    if op == SKIP:
        return nn.Identity() if stride == 1 else FactorizedReduce(c, c, affine=affine)
    raise ValueError(op)


class DartsCell(nn.Module):
    def __init__(
        self,
        cell: Cell,
        c_pp: int,
        c_p: int,
        c: int,
        reduction: bool,
        reduction_prev: bool,
        naslib: bool,
    ):
        super().__init__()
        self.reduction = reduction
        self.preprocess0 = FactorizedReduce(c_pp, c) if reduction_prev else ReLUConvBN(c_pp, c)
        self.preprocess1 = ReLUConvBN(c_p, c)
        self.inputs = tuple(i for i, _ in cell)
        self.ops = nn.ModuleList(
            make_op(o, c, 2 if reduction and i < 2 else 1, naslib) for i, o in cell
        )

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for k in range(len(self.inputs) // 2):
            a, b = 2 * k, 2 * k + 1
            states.append(self.ops[a](states[self.inputs[a]]) + self.ops[b](states[self.inputs[b]]))
        return torch.cat(states[2:], dim=1)


class DartsNetwork(nn.Module):
    """Meets `nas_core.networks.protocol.ProxyNetwork`, with the hooks count_params, count_flops,
    feature_map and thin."""

    space = "darts"

    def __init__(self, cells: tuple[Cell, Cell], num_classes: int, C: int, layers: int, style: str):
        super().__init__()
        self.cells_spec, self.num_classes = cells, num_classes
        self.C, self.layers, self.style = C, layers, style
        naslib = style == "naslib"
        c_stem = STEM_MULTIPLIER * C
        self.stem = nn.Sequential(
            nn.Conv2d(3, c_stem, 3, padding=1, bias=False), nn.BatchNorm2d(c_stem)
        )
        self.cells = nn.ModuleList(
            DartsCell(cells[red], c_pp, c_p, c, red, red_prev, naslib)
            for red, red_prev, c_pp, c_p, c in _layout(C, layers)
        )
        c_last = 4 * self.cells[-1].preprocess1[1].out_channels
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_last, num_classes)

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        """The (n, 4C_last, h, w) output of the last cell, before global pooling."""
        if x.dim() != 4 or x.shape[1] != 3:
            from nas_core.errors import InvalidInputError

            raise InvalidInputError(
                f"the DARTS network takes images of shape (batch, 3, H, W), got {tuple(x.shape)}"
            )
        check_input_size(int(x.shape[2]), int(x.shape[3]), self.layers)
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return s1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.global_pooling(self.feature_map(x)).flatten(1))

    # --- ProxyNetwork hooks -----------------------------------------------------------------
    @property
    def arch(self) -> Arch:
        from nas_core.spaces.darts import DartsSpace

        return DartsSpace().parse([list(c) for c in self.cells_spec])

    def count_params(self) -> int:
        from nas_core.networks.darts import count_params

        return count_params(self.cells_spec, self.num_classes, self.C, self.layers, self.style)

    def count_flops(self, input_hw: tuple[int, int]) -> int:
        from nas_core.networks.darts import count_flops

        return count_flops(
            self.cells_spec, self.num_classes, tuple(input_hw), self.C, self.layers, self.style
        )

    def thin(self) -> DartsNetwork:
        """The same cells at C=1 in 5 cells (normal, reduction, normal, reduction, normal: the
        smallest depth with the full pattern), weights from the current torch RNG."""
        return DartsNetwork(self.cells_spec, self.num_classes, 1, 5, self.style)
