"""Random search: uniform samples from the space (Li & Talwalkar 2019; the baseline every NAS
comparison needs). Repeats are possible, as in the literature; the runner does not charge them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nas_core.arch import Arch
from nas_core.spaces.base import SearchSpace
from searchers.base import Searcher
from searchers.registry import register_searcher


@register_searcher("rs", summary="random search: uniform samples of the space")
class RandomSearch(Searcher):
    def __init__(self, space: SearchSpace, seed: int | None = 0):
        super().__init__(space, seed)

    def ask(self, n: int = 1) -> list[Arch]:
        return self.space.sample(self.rng, n)

    def tell(self, archs: Sequence[Arch], values: np.ndarray) -> None:
        pass
