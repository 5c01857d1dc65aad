"""Small open search spaces for tests: far too many members to index, so every generic path
(searchers, encodings, the conformance suite) is exercised without an index table.

`OpenProductSpace`: 30 positions x 4 choices (4^30 ~ 1.2e18 members, `size` None, no
`index`/`from_index`), spelled as a string of 30 digits 0..3. Its graph form is a chain (input,
one node per position, output). `UnorderedSpace`: the same members, but stating that it is not a
product of categorical choices (`choices()` None), for the searchers that must refuse it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nas_core.arch import Arch
from nas_core.errors import InvalidArchError
from nas_core.spaces.base import SearchSpace

POSITIONS = 30
CHOICES = 4


class OpenProductSpace(SearchSpace):
    name = "test-open"
    ops = ("a", "b", "c", "d")
    size = None

    def parse(self, obj: Any) -> Arch:
        if isinstance(obj, Arch):
            if obj.space != self.name:
                raise InvalidArchError(
                    f"architecture of space {obj.space!r} given to {self.name!r}"
                )
            obj = obj.ops
        if isinstance(obj, str):
            s = obj.strip()
            if len(s) != POSITIONS or any(ch not in "0123" for ch in s):
                raise InvalidArchError(f"{self.name}: need {POSITIONS} digits 0..3, got {obj!r}")
            return Arch(self.name, tuple(int(ch) for ch in s))
        if isinstance(obj, (tuple, list, np.ndarray)):
            try:
                ops = tuple(int(o) for o in obj)
            except (TypeError, ValueError):
                raise InvalidArchError(f"{self.name}: op ids must be ints, got {obj!r}") from None
            if len(ops) == POSITIONS and all(0 <= o < CHOICES for o in ops):
                return Arch(self.name, ops)
        raise InvalidArchError(
            f"{self.name}: need {POSITIONS} op ids in 0..{CHOICES - 1}, got {obj!r}"
        )

    def to_str(self, arch: Arch) -> str:
        return "".join(map(str, self.parse(arch).ops))

    def index(self, arch: Arch) -> int:
        raise InvalidArchError(f"space {self.name!r} is open: its members have no index")

    def from_index(self, i: int) -> Arch:
        raise InvalidArchError(f"space {self.name!r} is open: its members have no index")

    def choices(self) -> tuple[int, ...] | None:
        return (CHOICES,) * POSITIONS

    def sample(self, rng: np.random.Generator, n: int) -> list[Arch]:
        rows = rng.integers(0, CHOICES, size=(n, POSITIONS)).tolist()
        return [Arch(self.name, tuple(r)) for r in rows]

    def mutate(self, arch: Arch, rng: np.random.Generator) -> Arch:
        ops = list(self.parse(arch).ops)
        pos = int(rng.integers(POSITIONS))
        ops[pos] = (ops[pos] + int(rng.integers(1, CHOICES))) % CHOICES
        return Arch(self.name, tuple(ops))

    def neighbours(self, arch: Arch) -> list[Arch]:
        base = self.parse(arch).ops
        return [
            Arch(self.name, base[:p] + (o,) + base[p + 1 :])
            for p in range(POSITIONS)
            for o in range(CHOICES)
            if o != base[p]
        ]

    def _graph_from_ops(self, ops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n, nodes = len(ops), POSITIONS + 2
        adj = np.zeros((n, nodes, nodes), dtype=np.float32)
        adj[:, np.arange(nodes - 1), np.arange(1, nodes)] = 1.0
        x = np.zeros((n, nodes, 2 + CHOICES), dtype=np.float32)
        x[:, 0, 0] = 1.0
        x[:, -1, 1] = 1.0
        if n:
            x[np.arange(n)[:, None], np.arange(1, nodes - 1)[None, :], 2 + ops] = 1.0
        return adj, x


class UnorderedSpace(OpenProductSpace):
    """Same members; states it is not a product of categorical choices."""

    name = "test-unordered"

    def choices(self) -> tuple[int, ...] | None:
        return None

    def _encode_onehot(self, ops: np.ndarray) -> np.ndarray:
        return np.eye(CHOICES, dtype=np.float32)[ops].reshape(len(ops), POSITIONS * CHOICES)
