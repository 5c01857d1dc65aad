"""Torch modules of the NAS-Bench-201 network (see nas_core.networks.nb201 for the layout)."""

from __future__ import annotations

import torch
from torch import nn

from nas_core.arch import Arch
from nas_core.networks.nb201 import CONV1, CONV3, EDGES, NONE, POOL, SKIP, check_input_size


class ReLUConvBN(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out),
        )


class ResNetBasicBlock(nn.Module):
    """Stride-2 reduction between stages (NAS-Bench-201's `ResNetBasicblock`)."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride=2)
        self.conv_b = ReLUConvBN(c_out, c_out, 3)
        self.downsample = nn.Sequential(
            nn.AvgPool2d(2, stride=2), nn.Conv2d(c_in, c_out, 1, bias=False)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_b(self.conv_a(x)) + self.downsample(x)


class AvgPool3x3(nn.Module):
    """NAS-Bench-201's `avg_pool_3x3`: 3x3 mean, stride 1, padding 1, padded cells not counted;
    the values of `nn.AvgPool2d(3, 1, 1, count_include_pad=False)` up to float rounding.

    Why not that module: computed here as a 3-tap sum along W, then along H, times 1/count, which
    on CPU is faster both forward and backward, and pooling is a noticeable share of the CPU of
    scoring a cell with NASWOT (timings: perf/results/zerocost.md). Without autograd the sums are taken in place; with it, from
    a zero-padded copy (in-place slice updates would make the backward slow). Both add the same
    numbers in the same order (centre + left, then + right), so they agree bit for bit."""

    #: 1/count maps by (height, width, dtype, device), shared by every instance
    _inv: dict[tuple, torch.Tensor] = {}

    def _inv_count(self, x: torch.Tensor) -> torch.Tensor:
        h, w = int(x.shape[-2]), int(x.shape[-1])
        key = (h, w, x.dtype, x.device)
        inv = self._inv.get(key)
        if inv is None:

            def taps(n: int) -> torch.Tensor:  # cells of a 3-window inside the image
                t = torch.full((n,), 3.0, dtype=torch.float64)
                t[0] -= 1
                t[-1] -= 1
                return t.clamp_(min=1.0)

            inv = (1.0 / torch.outer(taps(h), taps(w))).to(x.dtype).to(x.device)
            self._inv[key] = inv
        return inv

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        inv = self._inv_count(x)
        if torch.is_grad_enabled() and x.requires_grad:
            p = nn.functional.pad(x, (1, 1, 0, 0))
            row = p[..., 1:-1] + p[..., :-2]
            row = row + p[..., 2:]
            q = nn.functional.pad(row, (0, 0, 1, 1))
            out = q[..., 1:-1, :] + q[..., :-2, :]
            return (out + q[..., 2:, :]) * inv
        # centre + left written straight into a new tensor (no copy of x first), then + right
        row = torch.empty_like(x)
        torch.add(x[..., :, 1:], x[..., :, :-1], out=row[..., :, 1:])
        row[..., :, 0] = x[..., :, 0]
        row[..., :, :-1] += x[..., :, 1:]
        out = torch.empty_like(row)
        torch.add(row[..., 1:, :], row[..., :-1, :], out=out[..., 1:, :])
        out[..., 0, :] = row[..., 0, :]
        out[..., :-1, :] += row[..., 1:, :]
        return out.mul_(inv)


def make_op(op: int, c: int) -> nn.Module:
    """The module of one non-`none` cell edge with `c` channels."""
    if op == CONV3:
        return ReLUConvBN(c, c, 3)
    if op == CONV1:
        return ReLUConvBN(c, c, 1)
    if op == POOL:
        return AvgPool3x3()
    if op == SKIP:
        return nn.Identity()
    raise ValueError(op)


class Cell(nn.Module):
    """A NAS-Bench-201 cell. `none` edges hold no module and add nothing; a node whose inputs are
    all `none` is a zero tensor that its outgoing ops still process, exactly as in the benchmark
    (whose `Zero` op multiplies by 0), so activation-based proxies see the same ReLUs."""

    def __init__(self, ops: tuple[int, ...], c: int):
        super().__init__()
        self.c = c
        self.edges = nn.ModuleDict(
            {f"{i}_{j}": make_op(o, c) for (i, j), o in zip(EDGES, ops, strict=True) if o != NONE}
        )
        self._set_plan(ops)

    def set_edges(self, ops: tuple[int, ...], modules: dict[str, nn.Module]) -> None:
        """Make this the cell of `ops` with the given edge modules ("i_j" -> module, one per
        non-`none` edge), keeping the edges' registration order as a new cell would have it
        (used by `NetworkPool` to recycle modules; the caller re-initialises the weights)."""
        self.edges.clear()
        for (i, j), o in zip(EDGES, ops, strict=True):
            if o != NONE:
                self.edges[f"{i}_{j}"] = modules[f"{i}_{j}"]
        self._set_plan(ops)

    def _set_plan(self, ops: tuple[int, ...]) -> None:
        self.ops = ops
        self._plan = [
            [
                (i, self.edges[f"{i}_{j}"])
                for (i, t), o in zip(EDGES, ops, strict=True)
                if t == j and o != NONE
            ]
            for j in (1, 2, 3)
        ]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes: list[torch.Tensor] = [x]
        for incoming in self._plan:
            acc = None
            for i, mod in incoming:
                y = mod(nodes[i])
                acc = y if acc is None else acc + y
            nodes.append(torch.zeros_like(x) if acc is None else acc)
        return nodes[3]


class NB201Network(nn.Module):
    """Meets `nas_core.networks.protocol.ProxyNetwork`, with every optional hook."""

    space = "nb201"

    def __init__(self, ops: tuple[int, ...], num_classes: int, C: int, N: int):
        super().__init__()
        self.ops, self.num_classes, self.C, self.N = ops, num_classes, C, N
        self.stem = nn.Sequential(nn.Conv2d(3, C, 3, padding=1, bias=False), nn.BatchNorm2d(C))
        layers: list[nn.Module] = []
        chans = (C, 2 * C, 4 * C)
        for s, c in enumerate(chans):
            if s:
                layers.append(ResNetBasicBlock(chans[s - 1], c))
            layers.extend(Cell(ops, c) for _ in range(N))
        self.cells = nn.Sequential(*layers)
        self.lastact = nn.Sequential(nn.BatchNorm2d(chans[2]), nn.ReLU(inplace=False))
        self.classifier = nn.Linear(chans[2], num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled pre-classifier features, shape (batch, 4C)."""
        if x.dim() != 4 or x.shape[1] != 3:
            from nas_core.errors import InvalidInputError

            raise InvalidInputError(
                f"the NAS-Bench-201 network takes images of shape (batch, 3, H, W), got "
                f"{tuple(x.shape)}"
            )
        check_input_size(int(x.shape[2]), int(x.shape[3]))
        x = self.lastact(self.cells(self.stem(x)))
        return x.mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))

    # --- ProxyNetwork hooks -----------------------------------------------------------------
    @property
    def arch(self) -> Arch:
        return Arch("nb201", tuple(self.ops))

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        """The (n, 4C, h, w) map after the last BN-ReLU, before global pooling."""
        return self.lastact(self.cells(self.stem(x)))

    def count_params(self) -> int:
        from nas_core.networks.nb201 import count_params

        return count_params(self.ops, self.num_classes, self.C, self.N)

    def count_flops(self, input_hw: tuple[int, int]) -> int:
        from nas_core.networks.nb201 import count_flops

        return count_flops(self.ops, self.num_classes, tuple(input_hw), self.C, self.N)

    def thin(self) -> NB201Network:
        """The same cell at C=1, N=1 (TE-NAS's linear-region count), from the torch RNG."""
        from nas_core.networks.nb201 import build

        return build(self.ops, self.num_classes, C=1, N=1)

    def thin_cell(self) -> nn.Module:
        """One cell at one channel, no stem, then BN-ReLU: TE-NAS's network for counting linear
        regions (its `TinyNetworkDarts` with C=1, N=1, depth=1, use_stem=False, up to the last
        ReLU). Maps (n, 1, h, w) to (n, 1, h, w); weights from the current torch RNG."""
        return nn.Sequential(Cell(self.ops, 1), nn.BatchNorm2d(1), nn.ReLU(inplace=False))


def conv_weights_to(net: nn.Module, memory_format: torch.memory_format) -> None:
    """Convert every conv weight of `net` to `memory_format` (values unchanged). As
    `net.to(memory_format=...)` does, but touching only the 4-D conv weights."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.data = m.weight.data.contiguous(memory_format=memory_format)
