"""Torch modules of the NAS-Bench-101 network (see nas_core.networks.nb101 for the layout)."""

from __future__ import annotations

import math

import torch
from torch import nn

from nas_core.arch import Arch
from nas_core.networks.nb101 import (
    _KERNEL,
    MAXPOOL,
    Cell,
    _counts,
    build,
    check_input_size,
    output_fan_in,
    vertex_channels,
)


class ConvBnRelu(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel: int):
        super().__init__(
            nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=False),
        )


class NB101Cell(nn.Module):
    """One cell (module) of NAS-Bench-101: projections of the input, vertex ops, truncated sums
    into interior vertices, concatenation (+ projected input) into the output."""

    def __init__(self, c: Cell, c_in: int, c_out: int):
        super().__init__()
        m, ops = c
        n = len(ops)
        self.n = n
        self.channels = vertex_channels(c_in, c_out, m)
        self.matrix = [[bool(v) for v in row] for row in m.tolist()]
        self.ops = nn.ModuleDict()
        self.proj = nn.ModuleDict()
        for t in range(1, n):
            if self.matrix[0][t]:
                self.proj[str(t)] = ConvBnRelu(c_in, self.channels[t], 1)
            if t < n - 1:
                k = _KERNEL.get(ops[t])
                self.ops[str(t)] = (
                    nn.MaxPool2d(3, stride=1, padding=1)
                    if ops[t] == MAXPOOL
                    else ConvBnRelu(self.channels[t], self.channels[t], k)
                )
        # per interior vertex: (op, projection of the input or None, interior sources)
        self._plan = [
            (
                self.ops[str(t)],
                self.proj[str(t)] if self.matrix[0][t] else None,
                [s for s in range(1, t) if self.matrix[s][t]],
            )
            for t in range(1, n - 1)
        ]
        self._to_out = [t for t in range(1, n - 1) if self.matrix[t][n - 1]]
        self._out_proj = self.proj[str(n - 1)] if self.matrix[0][n - 1] else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: list[torch.Tensor] = [x]
        for t, (op, proj, srcs) in enumerate(self._plan, start=1):
            c = self.channels[t]
            acc = proj(x) if proj is not None else None
            for s in srcs:
                y = out[s] if out[s].shape[1] == c else out[s][:, :c]
                acc = y if acc is None else acc + y
            out.append(op(acc))
        if not self._to_out:
            return self._out_proj(x)
        y = (
            out[self._to_out[0]]
            if len(self._to_out) == 1
            else torch.cat([out[t] for t in self._to_out], dim=1)
        )
        return y if self._out_proj is None else y + self._out_proj(x)


def init_weights(net: nn.Module) -> None:
    """nasbench_pytorch's `_initialize_weights` (what NASLib's NAS-Bench-101 networks get)."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.Conv2d):
                n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                m.weight.normal_(0, math.sqrt(2.0 / n))
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.fill_(1.0)
                m.bias.zero_()
            elif isinstance(m, nn.Linear):
                m.weight.normal_(0, 0.01)
                m.bias.zero_()


class NB101Network(nn.Module):
    """Meets `nas_core.networks.protocol.ProxyNetwork`, with every optional hook."""

    space = "nb101"

    def __init__(
        self,
        arch: Arch,
        c: Cell,
        num_classes: int,
        stem_channels: int,
        num_stacks: int,
        cells_per_stack: int,
    ):
        super().__init__()
        self._arch, self.cell = arch, c
        self.num_classes = num_classes
        self.stem_channels, self.num_stacks = stem_channels, num_stacks
        self.cells_per_stack = cells_per_stack
        self.stem = ConvBnRelu(3, stem_channels, 3)
        layers: list[nn.Module] = []
        c_in = ch = stem_channels
        for s in range(num_stacks):
            if s:
                layers.append(nn.MaxPool2d(2, stride=2))
                ch *= 2
            for _ in range(cells_per_stack):
                layers.append(NB101Cell(c, c_in, ch))
                c_in = ch
        self.cells = nn.Sequential(*layers)
        self.classifier = nn.Linear(ch, num_classes)
        init_weights(self)

    def _check(self, x: torch.Tensor) -> None:
        if x.dim() != 4 or x.shape[1] != 3:
            from nas_core.errors import InvalidInputError

            raise InvalidInputError(
                f"the NAS-Bench-101 network takes images of shape (batch, 3, H, W), got "
                f"{tuple(x.shape)}"
            )
        check_input_size(int(x.shape[2]), int(x.shape[3]), self.num_stacks)

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        """The (n, C, h, w) output of the last cell, before global average pooling."""
        self._check(x)
        return self.cells(self.stem(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.feature_map(x).mean(dim=(2, 3)))

    # --- ProxyNetwork hooks -----------------------------------------------------------------
    @property
    def arch(self) -> Arch:
        return self._arch

    def _sizes(self) -> tuple[int, int, int, int]:
        return self.num_classes, self.stem_channels, self.num_stacks, self.cells_per_stack

    def count_params(self) -> int:
        k, c, s, n = self._sizes()
        return _counts(self.cell, k, (32, 32), c, s, n)[0]

    def count_flops(self, input_hw: tuple[int, int]) -> int:
        """NAS-Bench-Suite-Zero's convention (nas_core.networks.nb101)."""
        k, c, s, n = self._sizes()
        _, macs, other = _counts(self.cell, k, tuple(input_hw), c, s, n)
        return macs + other

    def thin(self) -> NB101Network:
        """The same cell, one cell per stack, at the fewest stem channels the cell's output
        split allows; weights from the torch RNG."""
        return build(
            self._raw_or_arch(), self.num_classes, output_fan_in(self.cell), self.num_stacks, 1
        )

    def thin_cell(self) -> nn.Module:
        """One cell, no stem, then BN-ReLU (TE-NAS's linear-region protocol): one input channel,
        as few output channels as the split allows (one per vertex feeding the output); maps
        (n, 1, h, w) to (n, k, h, w). Torch's default initialisation, as TE-NAS's."""
        k = output_fan_in(self.cell)
        return nn.Sequential(NB101Cell(self.cell, 1, k), nn.BatchNorm2d(k), nn.ReLU(inplace=False))

    def _raw_or_arch(self) -> tuple:
        """The built cell as a (matrix, ops) spelling, so `thin` keeps its vertex order."""
        from nas_core.spaces.nb101 import OPS

        m, ops = self.cell
        return (m.tolist(), [OPS[o] for o in ops])
