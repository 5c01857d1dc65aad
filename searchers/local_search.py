"""Local search (White, Nolen, Savani & Zela, "Exploring the loss landscape in neural architecture
search", UAI 2021).

Evaluate `num_init` random architectures and start from the best. Then evaluate the current
architecture's neighbours (`space.neighbours`, one elementary change each) in random order, and
move according to `neighbourhood`:

- "best_improvement": evaluate the whole neighbourhood, then move to its best member if that is
  better than the current architecture;
- "first_improvement": move to the first neighbour that is better, without evaluating the rest.

When no neighbour is better, the search is at a local optimum and restarts: it evaluates
`restart_samples` new random architectures and climbs from the best of them.

The two reference implementations differ, and each is one parameter setting:

- NASLib (`naslib/optimizers/discrete/ls/optimizer.py`): `neighbourhood="best_improvement",
  restart_samples=1` (scan the whole neighbourhood, move to the best; at a local optimum, restart
  from ONE random architecture). This is naslab's default, with NASLib's `num_init` 10.
- naszilla (White et al.'s own code, `local_search(query_full_nbhd=False)` in
  `naszilla/nas_algorithms.py`): `neighbourhood="first_improvement", restart_samples=10` (first
  improvement; at a local optimum, start over from the best of `num_init` = 10 random cells).

Repeated proposals cost nothing in the search loop, so neighbours already evaluated are simply
evaluated again for free (NASLib and naszilla skip them; the values they see are the same).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nas_core.arch import Arch
from nas_core.errors import InvalidInputError
from nas_core.spaces.base import SearchSpace
from searchers.base import Searcher
from searchers.registry import Param, register_searcher

_START, _NBR, _FILL = 0, 1, 2
NEIGHBOURHOOD = ("best_improvement", "first_improvement")


@register_searcher(
    "ls",
    summary="local search (White et al. 2021): hill-climb over neighbours, restart when stuck",
    params={
        "num_init": Param("random architectures evaluated before climbing", ge=1, le=10**6),
        "neighbourhood": Param(
            "best_improvement: scan all neighbours, move to the best (NASLib); "
            "first_improvement: move to the first better one (naszilla)",
            choices=NEIGHBOURHOOD,
        ),
        "restart_samples": Param(
            "random architectures evaluated at a local optimum; the climb restarts from their "
            "best (NASLib 1, naszilla 10)",
            ge=1,
            le=10**6,
        ),
    },
)
class LocalSearch(Searcher):
    def __init__(
        self,
        space: SearchSpace,
        seed: int | None = 0,
        *,
        num_init: int = 10,
        neighbourhood: str = "best_improvement",
        restart_samples: int = 1,
    ):
        super().__init__(
            space,
            seed,
            num_init=num_init,
            neighbourhood=neighbourhood,
            restart_samples=restart_samples,
        )
        if num_init < 1 or restart_samples < 1:
            raise InvalidInputError(
                f"local search needs num_init >= 1 and restart_samples >= 1, got "
                f"({num_init=}, {restart_samples=})"
            )
        if neighbourhood not in NEIGHBOURHOOD:
            raise InvalidInputError(
                f"local search neighbourhood must be one of {', '.join(NEIGHBOURHOOD)}, got "
                f"{neighbourhood!r}"
            )
        self.num_init = num_init
        self.neighbourhood = neighbourhood
        self.first_improvement = neighbourhood == "first_improvement"
        self.restart_samples = restart_samples
        self.current: Arch | None = None
        self.current_value = -np.inf
        self.restarts = 0
        # a start phase: `_start_left` random archs still to ask, `_start_size` to be told
        self._start_left = num_init
        self._start_size = num_init
        self._start_told = 0
        self._start_best: tuple[float, Arch] | None = None
        self._queue: list[Arch] = []
        self._pending: dict[Arch, list[tuple[int, int]]] = {}  # arch -> (role, epoch) per ask
        self._epoch = 0  # bumped on every move/restart: tells for an older epoch are stale
        self._scan_best: tuple[float, Arch] | None = None  # best neighbour so far (best mode)
        self._outstanding_nbrs = 0

    def _move(self, arch: Arch, value: float) -> None:
        self.current, self.current_value = arch, value
        nbrs = self.space.neighbours(arch)
        self._queue = [nbrs[int(i)] for i in self.rng.permutation(len(nbrs))]
        self._scan_best = None
        self._outstanding_nbrs = 0
        self._epoch += 1

    def _restart(self) -> None:
        self.restarts += 1
        self._start_left = self._start_size = self.restart_samples
        self._start_told = 0
        self._start_best = None
        self._epoch += 1

    def ask(self, n: int = 1) -> list[Arch]:
        out: list[Arch] = []
        for _ in range(n):
            climbed_out = not self._queue and self._outstanding_nbrs == 0
            started = self._start_left == 0 and self._start_told == self._start_size
            if started and climbed_out and self._scan_best is None:
                self._restart()  # local optimum: every neighbour told, none better
            if self._start_left > 0 or (not self._queue and self._start_told < self._start_size):
                if self._start_left > 0:
                    self._start_left -= 1
                else:  # batched asks before the start phase is told: one more start sample
                    self._start_size += 1
                arch, role = self.space.sample(self.rng, 1)[0], _START
            elif self._queue:
                arch, role = self._queue.pop(), _NBR
                self._outstanding_nbrs += 1
            else:  # waiting on tells (batched asks): a random architecture meanwhile
                arch, role = self.space.sample(self.rng, 1)[0], _FILL
            self._pending.setdefault(arch, []).append((role, self._epoch))
            out.append(arch)
        return out

    def tell(self, archs: Sequence[Arch], values: np.ndarray) -> None:
        for a, v in zip(archs, np.asarray(values, dtype=float).reshape(-1), strict=True):
            asked = self._pending.get(a)
            role, epoch = asked.pop(0) if asked else (_FILL, self._epoch)
            if asked == []:
                del self._pending[a]
            v = float(v)
            if epoch != self._epoch:
                continue  # asked before the last move or restart: no longer relevant
            if role == _START:
                self._start_told += 1
                if self._start_best is None or v > self._start_best[0]:
                    self._start_best = (v, a)
                if self._start_told == self._start_size:
                    self._move(self._start_best[1], self._start_best[0])
                continue
            if role == _NBR:
                self._outstanding_nbrs -= 1
            if self.first_improvement:
                if v > self.current_value:
                    self._move(a, v)
                continue
            if v > self.current_value and (self._scan_best is None or v > self._scan_best[0]):
                self._scan_best = (v, a)
            if not self._queue and self._outstanding_nbrs == 0 and self._scan_best:
                self._move(self._scan_best[1], self._scan_best[0])
