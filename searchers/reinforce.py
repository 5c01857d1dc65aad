"""REINFORCE over independent per-position categorical distributions (Williams 1992), as run on
NAS-Bench-201 by Dong & Yang (ICLR 2020) and NATS-Bench (Dong et al., TPAMI 2021).

The policy holds one logit vector per position of the space's categorical view (for nb201: one
per edge over its 5 ops; for nb101: one per edge bit and per interior vertex). A draw that is no
member of the space is drawn again, at most `MAX_REDRAWS` times in a row; then a random member
takes its place and is credited to the policy through its choice vector (`to_choices`), so a
policy that drifts towards non-members is still told about members. An architecture is sampled position by position; after its reward r is told, an exponential
moving average baseline b is updated first (momentum 0.9, bias-corrected as in their
`ExponentialMovingAverage`) and the logits take one Adam step along (r - b) * grad log p(arch).
Defaults: Adam learning rate 0.01 (NATS-Bench's `reinforce.py`; NAS-Bench-201's script used
0.001), EMA momentum 0.9. Rewards are used in the benchmark's units (Adam is scale invariant).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nas_core.arch import Arch
from nas_core.errors import InvalidInputError
from nas_core.spaces.base import SearchSpace
from searchers._spaces import MAX_REDRAWS, choices, to_choices, try_choices
from searchers.base import Searcher
from searchers.registry import Param, register_searcher


@register_searcher(
    "reinforce",
    summary="REINFORCE (Williams 1992): a softmax policy per choice, moving-average baseline",
    params={
        "learning_rate": Param("Adam step size of the policy", gt=0, le=10),
        "ema_momentum": Param("momentum of the reward baseline", ge=0, lt=1),
        "betas": Param("Adam (beta1, beta2)"),
        "eps": Param("Adam epsilon", gt=0, le=1),
    },
)
class Reinforce(Searcher):
    needs_choices = True  # one categorical variable per position of the categorical view

    def __init__(
        self,
        space: SearchSpace,
        seed: int | None = 0,
        *,
        learning_rate: float = 0.01,
        ema_momentum: float = 0.9,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ):
        super().__init__(
            space,
            seed,
            learning_rate=learning_rate,
            ema_momentum=ema_momentum,
            betas=betas,
            eps=eps,
        )
        if not learning_rate > 0 or not 0 <= ema_momentum < 1:
            raise InvalidInputError(
                f"reinforce needs learning_rate > 0 and 0 <= ema_momentum < 1, got "
                f"({learning_rate=}, {ema_momentum=})"
            )
        self.learning_rate, self.ema_momentum = learning_rate, ema_momentum
        self.betas, self.eps = betas, eps
        self.cards = np.asarray(choices(space, "reinforce"), dtype=np.int64)
        positions, width = len(self.cards), int(self.cards.max())
        self.logits = np.zeros((positions, width))
        self._mask = np.arange(width)[None, :] >= self.cards[:, None]  # choices that do not exist
        self._m = np.zeros_like(self.logits)
        self._v = np.zeros_like(self.logits)
        self._t = 0
        self._ema_num = 0.0
        self._ema_den = 0.0
        self._probs: np.ndarray | None = None
        self._sampled: dict[Arch, list[np.ndarray]] = {}
        self.invalid = 0  # draws outside the space
        self.fallbacks = 0  # asks that gave up redrawing and took a random member

    @property
    def baseline(self) -> float:
        return self._ema_num / self._ema_den if self._ema_den else 0.0

    def probabilities(self) -> np.ndarray:
        """(positions, max choices) policy probabilities; impossible choices have 0."""
        if self._probs is None:
            z = np.where(self._mask, -np.inf, self.logits)
            z = np.exp(z - z.max(axis=1, keepdims=True))
            self._probs = z / z.sum(axis=1, keepdims=True)
        return self._probs

    def _draw(self, n: int) -> np.ndarray:
        cdf = np.cumsum(self.probabilities(), axis=1)
        u = self.rng.random((n, len(self.cards)))
        picks = (u[:, :, None] >= cdf[None, :, :]).sum(axis=2)
        return np.minimum(picks, self.cards[None, :] - 1)  # guard against cdf rounding below 1

    def ask(self, n: int = 1) -> list[Arch]:
        out = []
        for row in self._draw(n):
            arch = try_choices(self.space, row)
            tries = 1
            while arch is None:  # a combination outside the space: draw again from the policy
                self.invalid += 1
                if tries == MAX_REDRAWS:
                    arch = self.space.sample(self.rng, 1)[0]
                    row = np.asarray(to_choices(self.space, arch), dtype=np.int64)
                    self.fallbacks += 1
                    break
                row = self._draw(1)[0]
                arch = try_choices(self.space, row)
                tries += 1
            self._sampled.setdefault(arch, []).append(row)
            out.append(arch)
        return out

    def tell(self, archs: Sequence[Arch], values: np.ndarray) -> None:
        b1, b2 = self.betas
        rows = np.arange(len(self.cards))
        for a, r in zip(archs, np.asarray(values, dtype=float).reshape(-1), strict=True):
            stack = self._sampled.get(a)
            if not stack:  # not asked by this policy: its log-probability is not defined here
                continue
            picks = stack.pop(0)
            if not stack:
                del self._sampled[a]
            if not np.isfinite(r):
                continue
            m = self.ema_momentum
            self._ema_num = m * self._ema_num + (1 - m) * r
            self._ema_den = m * self._ema_den + (1 - m)
            advantage = r - self.baseline
            grad = -self.probabilities().copy()
            grad[rows, picks] += 1.0
            grad *= advantage  # ascent direction of (r - b) * log p(arch)
            grad[self._mask] = 0.0
            self._t += 1
            self._m = b1 * self._m + (1 - b1) * grad
            self._v = b2 * self._v + (1 - b2) * grad * grad
            m_hat = self._m / (1 - b1**self._t)
            v_hat = self._v / (1 - b2**self._t)
            self.logits += self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)
            self._probs = None
