"""Regularized evolution (Real et al., AAAI 2019, "aging evolution").

Start from `population_size` random architectures; then repeatedly pick `sample_size` members of
the population uniformly at random (with replacement, as in the paper's Algorithm 1), mutate the best of them (one elementary change: `space.mutate`), add the
child and remove the OLDEST member. Defaults follow the NAS-Bench-201 paper's REA runs
(population 10, tournament 3; Dong & Yang 2020, scripts-search/algos/R-EA.sh).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np

from nas_core.arch import Arch
from nas_core.errors import InvalidInputError
from nas_core.spaces.base import SearchSpace
from searchers.base import Searcher
from searchers.registry import Param, register_searcher


def _value(member: tuple[float, Arch]) -> float:
    return member[0]


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

    def ask(self, n: int = 1) -> list[Arch]:
        out: list[Arch] = []
        pop, rng = self.population, self.rng
        for _ in range(n):
            if self._initial_left > 0 or not pop:
                self._initial_left = max(self._initial_left - 1, 0)
                out.append(self.space.sample(rng, 1)[0])
                continue
            picks = rng.integers(0, len(pop), size=self.sample_size)
            parent = max((pop[i] for i in picks.tolist()), key=_value)[1]
            out.append(self.space.mutate(parent, rng))
        return out

    def tell(self, archs: Sequence[Arch], values: np.ndarray) -> None:
        pop = self.population
        for a, v in zip(archs, np.asarray(values, dtype=float).reshape(-1), strict=True):
            pop.append((float(v), a))
            if len(pop) > self.population_size:
                pop.popleft()
