"""The ask/tell searcher protocol (Optuna-style).

A searcher proposes architectures with `ask(n)` and learns from `tell(archs, values)`. It never
touches a benchmark or a clock: the search loop (`searchers.loop.run_search`) alone queries the
benchmark, counts the budget and keeps time. Values are to be MAXIMISED (the loop negates
minimised metrics); a multi-objective searcher receives an (n, k) array. A searcher uses only the
`SearchSpace` protocol (sample, mutate, neighbours, canonical, encode, and `choices()` where it
sets `needs_choices`), so it works on any space that provides those.

Contract every searcher meets (checked by tests/searchers/test_conformance.py):
- the constructor only stores arguments and builds `self.rng = np.random.default_rng(seed)`;
  all randomness comes from `self.rng` (or a library seeded from it), never global state;
- `ask(n)` returns `n` architectures of `self.space`; it may be called again before `tell`;
- `tell` accepts any architectures this searcher asked for, in any order;
- same seed, same sequence of tell values -> the same sequence of asks, bit for bit.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from nas_core.arch import Arch
from nas_core.spaces.base import SearchSpace


class Searcher(ABC):
    #: Number of objectives `tell` expects per architecture.
    num_objectives: int = 1
    #: True for searchers that treat `Arch.ops` as categorical variables (`space.choices()`):
    #: they refuse a space without choices; the others work on any space.
    needs_choices: bool = False
    #: True for searchers that need a finite space with an index table: they refuse an open
    #: space (none of the built-in ones; predictor-guided searchers fit on encodings).
    needs_index: bool = False
    #: Registered predictors (`predictors.list()`) the searcher fits, by default, to choose what
    #: to query; () for searchers guided by no performance predictor. A study warns when such a
    #: searcher runs on a surrogate benchmark built from the same model class (NAS-Bench-x11's
    #: guideline; `naslab.surrogate_warning`).
    guide_predictors: tuple[str, ...] = ()

    def __init__(self, space: SearchSpace, seed: int | None = 0, **params: Any):
        self.space = space
        self.seed = seed
        self.params = params
        self.rng = np.random.default_rng(seed)

    @abstractmethod
    def ask(self, n: int = 1) -> list[Arch]:
        """Propose `n` architectures to evaluate next."""

    @abstractmethod
    def tell(self, archs: Sequence[Arch], values: np.ndarray) -> None:
        """Report measured values (higher is better) for architectures returned by `ask`."""

    def guiding_predictors(self) -> tuple[str, ...]:
        """The predictors this instance fits (its parameters may replace the default ones)."""
        return self.guide_predictors

    def result(self) -> Any:  # noqa: B027 - optional hook
        """Searcher-specific summary (e.g. a Pareto front); None by default."""
        return None
