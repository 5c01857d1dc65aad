"""`NetworkPool`: build many NAS-Bench-201 networks one after another, recycling the modules.

Why: scoring all 15,625 cells builds 15,625 networks, and constructing one (about 330
`nn.Module` objects) costs more Python time than drawing its weights, a noticeable share of
scoring it with synflow + NASWOT (timings: perf/results/zerocost.md). A pool keeps one network and, per
cell position, edge and op, one edge module; `build(ops)` plugs the right modules into the
cells and re-initialises every parameter and buffer.

The result is the network `build(ops, num_classes, C, N)` would return from the same torch RNG
state, bit for bit: the same module tree and parameter names, the same random draws in the same
order (torch's own `reset_parameters` of each layer, walked in construction order, with each
conv weight drawn into a fresh contiguous tensor as a new layer's is), BN running statistics
reset, gradients cleared, train mode. The RNG is left where a fresh build leaves it.

A pool hands out one network at a time: `build` recycles the previous network's modules, so a
network from the pool is valid until the next `build` on that pool.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from nas_core.arch import Arch
from nas_core.networks._modules import Cell, NB201Network, conv_weights_to, make_op
from nas_core.networks.nb201 import EDGES, NONE, _check_arch, build


class NetworkPool:
    def __init__(self, num_classes: int = 10, C: int = 16, N: int = 5):
        self.num_classes, self.C, self.N = num_classes, C, N
        self._net: NB201Network | None = None
        self._modules: dict[tuple[int, str, int], nn.Module] = {}  # (cell, edge, op) -> module

    def build(
        self, arch: Arch | Sequence[int], memory_format: torch.memory_format | None = None
    ) -> NB201Network:
        """The network of `arch` with weights drawn from the current torch RNG (see module
        docstring); recycles the previous network from this pool. `memory_format`: convert the
        conv weights to it after drawing them (e.g. `torch.channels_last`)."""
        ops = _check_arch(arch)
        if self._net is None:  # the first one is built normally; its modules seed the pool
            net = build(ops, self.num_classes, self.C, self.N)
            self._net = net
            for k, cell in enumerate(self._cells()):
                for key, mod in cell.edges.items():
                    self._modules[(k, key, ops[_EDGE_INDEX[key]])] = mod
            if memory_format is not None:
                conv_weights_to(net, memory_format)
            return net
        net = self._net
        for k, cell in enumerate(self._cells()):
            mods = {key: self._module(k, key, ops[e], cell.c) for e, key in _live_edges(ops)}
            cell.set_edges(ops, mods)
        net.ops = ops
        _reinitialise(net, memory_format)
        return net

    def _cells(self) -> list[Cell]:
        assert self._net is not None
        return [m for m in self._net.cells if isinstance(m, Cell)]

    def _module(self, cell: int, key: str, op: int, c: int) -> nn.Module:
        mod = self._modules.get((cell, key, op))
        if mod is None:
            # A new module draws its weights in its constructor; keep those draws off the
            # caller's RNG stream (the weights are drawn again, in order, by _reinitialise).
            with torch.random.fork_rng(devices=[]):
                mod = make_op(op, c)
            self._modules[(cell, key, op)] = mod
        return mod


_EDGE_INDEX = {f"{i}_{j}": e for e, (i, j) in enumerate(EDGES)}


def _live_edges(ops: tuple[int, ...]) -> list[tuple[int, str]]:
    return [(e, f"{i}_{j}") for e, (i, j) in enumerate(EDGES) if ops[e] != NONE]


def _reinitialise(net: nn.Module, memory_format: torch.memory_format | None) -> None:
    """Draw every parameter again as the constructors do, in construction order (the order of
    `modules()` for this network); reset buffers, gradients and train mode, all in one walk."""
    for m in net.modules():
        m.training = True  # what net.train() does, without walking the tree again
        if isinstance(m, nn.Conv2d):
            # Draw into a new contiguous tensor, as a new layer does: uniform_ on a plain
            # channels-last tensor fills it in memory order, i.e. puts the numbers elsewhere.
            m.weight.data = torch.empty(m.weight.shape, dtype=m.weight.dtype)
            m.reset_parameters()
            if memory_format is not None:
                m.weight.data = m.weight.data.contiguous(memory_format=memory_format)
        elif isinstance(m, (nn.BatchNorm2d, nn.Linear)):
            m.reset_parameters()
        for p in m.parameters(recurse=False):
            p.grad = None
            p.requires_grad_(True)
