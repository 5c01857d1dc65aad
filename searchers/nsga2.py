"""NSGA-II (Deb et al., IEEE TEVC 2002) through pymoo's ask-and-tell interface.

Each position of the space's categorical view is an integer variable in 0..choices-1 (see
`searchers._spaces`: `Arch.ops` on a product space, edge bits and op choices on nb101);
offspring come from pymoo's simulated binary crossover and polynomial mutation with rounding
repair, the standard pymoo recipe for integer variables, and duplicates are eliminated. `tell`
takes an (n, k) array of objectives to MAXIMISE (pymoo minimises, so they are negated inside).
An individual that is no member of the space (an nb101 vector with too many edges) gets the
worst objectives without a query; while a generation has no member left to hand out, random
members are asked instead (they enter the archive, not the population). The population default
(20) suits budgets of a few hundred queries. `result()` returns the Pareto front of everything
told so far. The Pareto helpers the study uses for every searcher (`pareto_mask`, `hypervolume`)
live in `nas_core.metrics` and are importable from here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nas_core.arch import Arch
from nas_core.errors import InvalidInputError
from nas_core.metrics import hypervolume, pareto_mask
from nas_core.spaces.base import SearchSpace
from searchers._spaces import choices, try_choices
from searchers.base import Searcher
from searchers.registry import Param, register_searcher

__all__ = ["NSGA2", "hypervolume", "pareto_mask"]


@register_searcher(
    "nsga2",
    summary="NSGA-II (Deb et al. 2002, pymoo): multi-objective evolution, Pareto front",
    params={
        "num_objectives": Param("objectives per architecture (a study sets it)", ge=1, le=100),
        "pop_size": Param("population size", ge=2, le=10**6),
        "crossover_prob": Param("probability of SBX crossover", ge=0, le=1),
        "crossover_eta": Param("SBX distribution index", gt=0, le=1000),
        "mutation_eta": Param("polynomial mutation distribution index", gt=0, le=1000),
    },
)
class NSGA2(Searcher):
    needs_choices = True  # one categorical variable per position of the categorical view

    def __init__(
        self,
        space: SearchSpace,
        seed: int | None = 0,
        *,
        num_objectives: int = 2,
        pop_size: int = 20,
        crossover_prob: float = 0.9,
        crossover_eta: float = 15.0,
        mutation_eta: float = 20.0,
    ):
        super().__init__(
            space,
            seed,
            num_objectives=num_objectives,
            pop_size=pop_size,
            crossover_prob=crossover_prob,
            crossover_eta=crossover_eta,
            mutation_eta=mutation_eta,
        )
        if num_objectives < 1 or pop_size < 2:
            raise InvalidInputError(
                f"nsga2 needs num_objectives >= 1 and pop_size >= 2, got "
                f"({num_objectives=}, {pop_size=})"
            )
        from pymoo.algorithms.moo.nsga2 import NSGA2 as _NSGA2
        from pymoo.core.problem import Problem
        from pymoo.operators.crossover.sbx import SBX
        from pymoo.operators.mutation.pm import PM
        from pymoo.operators.repair.rounding import RoundingRepair
        from pymoo.operators.sampling.rnd import IntegerRandomSampling

        self.num_objectives = num_objectives
        cards = np.asarray(choices(space, "nsga2"))
        problem = Problem(n_var=len(cards), n_obj=num_objectives, xl=0, xu=cards - 1, vtype=int)
        self.algorithm = _NSGA2(
            pop_size=pop_size,
            sampling=IntegerRandomSampling(),
            crossover=SBX(
                prob=crossover_prob, eta=crossover_eta, vtype=float, repair=RoundingRepair()
            ),
            mutation=PM(eta=mutation_eta, vtype=float, repair=RoundingRepair()),
            eliminate_duplicates=True,
        )
        self.algorithm.setup(
            problem, termination=("n_gen", 10**9), seed=int(self.rng.integers(2**31 - 1))
        )
        self._pop: Any = None
        self._F: np.ndarray | None = None
        self._next = 0  # next individual of _pop to hand out
        self._slots: dict[Arch, list[int]] = {}  # arch -> individuals awaiting a value
        self._told = 0
        self._archive_archs: list[Arch] = []
        self._archive_values: list[np.ndarray] = []
        self.invalid = 0  # individuals outside the space (worst objectives, no query)

    def _new_generation(self) -> None:
        self._pop = self.algorithm.ask()
        self._F = np.full((len(self._pop), self.num_objectives), np.nan)
        self._next = 0
        self._told = 0
        self._slots = {}

    def ask(self, n: int = 1) -> list[Arch]:
        out = []
        for _ in range(n):
            if self._pop is None:
                self._new_generation()
            arch = None
            while arch is None and self._next < len(self._pop):
                x = self._pop[self._next].X
                arch = try_choices(self.space, np.rint(x).astype(np.int64))
                if arch is None:  # outside the space: worst possible objectives, no query
                    self._F[self._next] = 1e12
                    self._told += 1
                    self.invalid += 1
                else:
                    self._slots.setdefault(arch, []).append(self._next)
                self._next += 1
            if arch is None and self._told == len(self._pop):  # whole generation was invalid
                self._finish_generation()
                arch = self.space.sample(self.rng, 1)[0]
            elif (
                arch is None
            ):  # whole generation handed out but not yet told: explore at random meanwhile
                arch = self.space.sample(self.rng, 1)[0]
            out.append(arch)
        return out

    def tell(self, archs: Sequence[Arch], values: np.ndarray) -> None:
        vals = np.asarray(values, dtype=float).reshape(len(archs), -1)
        if vals.shape[1] != self.num_objectives:
            raise InvalidInputError(
                f"nsga2 expects {self.num_objectives} objectives per architecture, got "
                f"{vals.shape[1]}"
            )
        for a, v in zip(archs, vals, strict=True):
            self._archive_archs.append(a)
            self._archive_values.append(v)
            slots = self._slots.get(a)
            if not slots or self._F is None:
                continue
            i = slots.pop(0)
            # pymoo minimises; an architecture with no value is as bad as possible but finite
            self._F[i] = np.where(np.isfinite(v), -v, 1e12)
            self._told += 1
        if self._pop is not None and self._told == len(self._pop):
            self._finish_generation()

    def _finish_generation(self) -> None:
        self._pop.set("F", self._F)
        self.algorithm.tell(infills=self._pop)
        self._pop = None

    def result(self) -> dict[str, Any]:
        """The Pareto front of everything told: {'archs': [...], 'values': (m, k) array}."""
        if not self._archive_values:
            return {"archs": [], "values": np.empty((0, self.num_objectives))}
        values = np.vstack(self._archive_values)
        mask = pareto_mask(values)
        return {
            "archs": [a for a, m in zip(self._archive_archs, mask, strict=True) if m],
            "values": values[mask],
        }
