"""Regularized evolution (Real et al., AAAI 2019, "aging evolution").

Start from `population_size` random architectures; then repeatedly pick `sample_size` members of
the population uniformly at random (with replacement, as in the paper's Algorithm 1), mutate the
best of them (one elementary change: `space.mutate`), add the child and remove the OLDEST member. Defaults follow the NAS-Bench-201 paper's REA runs
(population 10, tournament 3; Dong & Yang 2020, scripts-search/algos/R-EA.sh).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from operator import itemgetter

import numpy as np

from nas_core.arch import Arch
from nas_core.errors import InvalidInputError
from nas_core.spaces.base import SearchSpace
from searchers._rng import BufferedIntegers
from searchers.base import Searcher
from searchers.registry import Param, register_searcher

_value = itemgetter(0)  # a member's value: (value, arch)


@register_searcher(
    "re",
    summary="regularized evolution (Real et al. 2019): tournament, mutate, oldest dies",
    params={
        "population_size": Param("architectures kept (the oldest leaves first)", ge=1, le=10**6),
        "sample_size": Param("tournament size: parents are the best of this many", ge=1, le=10**6),
    },
)
class RegularizedEvolution(Searcher):
    def __init__(
        self,
        space: SearchSpace,
        seed: int | None = 0,
        *,
        population_size: int = 10,
        sample_size: int = 3,
    ):
        super().__init__(space, seed, population_size=population_size, sample_size=sample_size)
        if population_size < 1 or sample_size < 1:
            raise InvalidInputError(
                f"regularized evolution needs population_size >= 1 and sample_size >= 1, got "
                f"({population_size=}, {sample_size=})"
            )
        self.population_size = population_size
        self.sample_size = sample_size
        self.population: deque[tuple[float, Arch]] = deque()
        self._initial_left = population_size
        # every draw goes through `self.rng`'s stream, bit for bit, minus NumPy's per-call cost
        self._draw = BufferedIntegers(self.rng)

    def ask(self, n: int = 1) -> list[Arch]:
        out: list[Arch] = []
        pop, draw, k = self.population, self._draw, self.sample_size
        mutate, member = self.space.mutate, pop.__getitem__
        for _ in range(n):
            if self._initial_left > 0 or not pop:
                self._initial_left = max(self._initial_left - 1, 0)
                out.append(self.space.sample(draw, 1)[0])
                continue
            # the first best of the tournament (max keeps the first of equal values)
            parent = max(map(member, draw.integers_list(0, len(pop), k)), key=_value)[1]
            out.append(mutate(parent, draw))
        return out

    def tell(self, archs: Sequence[Arch], values: np.ndarray) -> None:
        pop, size = self.population, self.population_size
        if type(values) is np.ndarray and values.dtype == np.float64 and values.ndim == 1:
            vals = values.tolist()
        else:
            vals = np.asarray(values, dtype=float).reshape(-1).tolist()
        for a, v in zip(archs, vals, strict=True):
            pop.append((v, a))
            if len(pop) > size:
                pop.popleft()
