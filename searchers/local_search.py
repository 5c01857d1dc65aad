"""Local search (White, Nolen, Savani & Zela, "Exploring the loss landscape in neural architecture
search", UAI 2021).

Evaluate `num_init` random architectures and start from the best. Then evaluate the current
architecture's neighbours (`space.neighbours`, one elementary change each) in random order and move
to the first one that is better (first improvement, NASLib's default `query_full_neighborhood=False`;
set `first_improvement=False` to scan the whole neighbourhood and move to its best). When no
neighbour is better the search is at a local optimum and restarts from a new random architecture.
Defaults follow NASLib (num_init 10).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nas_core.arch import Arch
from nas_core.errors import InvalidInputError
from nas_core.spaces.base import SearchSpace
from searchers.base import Searcher
from searchers.registry import Param, register_searcher

_INIT, _NBR, _RESTART = 0, 1, 2


@register_searcher(
    "ls",
    summary="local search (White et al. 2020): hill-climb over neighbours, restart when stuck",
    params={
        "num_init": Param("random architectures evaluated before climbing", ge=1, le=10**6),
        "first_improvement": Param("move to the first better neighbour (else scan them all)"),
    },
)
class LocalSearch(Searcher):
    def __init__(
        self,
        space: SearchSpace,
        seed: int | None = 0,
        *,
        num_init: int = 10,
        first_improvement: bool = True,
    ):
        super().__init__(space, seed, num_init=num_init, first_improvement=first_improvement)
        if num_init < 1:
            raise InvalidInputError(f"local search needs num_init >= 1, got {num_init=}")
        self.num_init = num_init
        self.first_improvement = first_improvement
        self.current: Arch | None = None
        self.current_value = -np.inf
        self.restarts = 0
        self._init_asked = 0
        self._init_told = 0
        self._queue: list[Arch] = []
        self._pending: dict[Arch, list[int]] = {}  # arch -> roles of outstanding asks
        self._scan_best: tuple[float, Arch] | None = None  # best neighbour (full-scan mode)
        self._outstanding_nbrs = 0

    def _move(self, arch: Arch, value: float) -> None:
        self.current, self.current_value = arch, value
        nbrs = self.space.neighbours(arch)
        self._queue = [nbrs[int(i)] for i in self.rng.permutation(len(nbrs))]
        self._scan_best = None

    def ask(self, n: int = 1) -> list[Arch]:
        out: list[Arch] = []
        for _ in range(n):
            if self._init_asked < self.num_init:
                self._init_asked += 1
                arch, role = self.space.sample(self.rng, 1)[0], _INIT
            elif self._queue:
                arch, role = self._queue.pop(), _NBR
                self._outstanding_nbrs += 1
            else:  # local optimum (or waiting on tells): restart from a random architecture
                arch, role = self.space.sample(self.rng, 1)[0], _RESTART
            self._pending.setdefault(arch, []).append(role)
            out.append(arch)
        return out

    def tell(self, archs: Sequence[Arch], values: np.ndarray) -> None:
        for a, v in zip(archs, np.asarray(values, dtype=float).reshape(-1), strict=True):
            roles = self._pending.get(a)
            role = roles.pop(0) if roles else _NBR
            if roles == []:
                del self._pending[a]
            v = float(v)
            if role == _INIT:
                self._init_told += 1
                if self.current is None or v > self.current_value:
                    self.current, self.current_value = a, v
                if self._init_told == self.num_init:
                    self._move(self.current, self.current_value)
            elif role == _RESTART:
                self.restarts += 1
                self._move(a, v)
            else:
                self._outstanding_nbrs = max(self._outstanding_nbrs - 1, 0)
                if self.first_improvement:
                    if v > self.current_value:
                        self._move(a, v)
                    continue
                if v > self.current_value and (self._scan_best is None or v > self._scan_best[0]):
                    self._scan_best = (v, a)
                if not self._queue and self._outstanding_nbrs == 0 and self._scan_best:
                    self._move(self._scan_best[1], self._scan_best[0])
