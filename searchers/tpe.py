"""Tree-structured Parzen Estimator (Bergstra et al., NeurIPS 2011) through Optuna's ask-and-tell
interface (`optuna.samplers.TPESampler`), not re-implemented.

Each position of `Arch.ops` is one categorical parameter `x<i>` over its choices (see
`searchers._spaces.choices`). The sampler is seeded from this searcher's generator, so the same
seed gives the same trajectory. Defaults are Optuna's (10 random start-up trials, 24 EI
candidates); `multivariate=True` models the positions jointly. Optuna's logging is silenced.

Repeats. On a finite categorical space TPE soon proposes architectures it has already seen; the
runner does not charge repeats, so a plain loop would spend thousands of Optuna trials (each
O(history)) re-asking the same few cells. Instead, a proposal this searcher has already seen (up to
isomorphism, `space.canonical`) is told its known value at once (true information for the model)
and replaced by a random one-change mutation of it that is new (`space.mutate`, a few tries), which
enters the study as a completed trial (`study.add_trial`) when its value is told.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from nas_core.arch import Arch
from nas_core.spaces.base import SearchSpace
from searchers._spaces import choices, try_choices
from searchers.base import Searcher
from searchers.registry import register_searcher


@register_searcher("tpe")
class TPE(Searcher):
    def __init__(
        self,
        space: SearchSpace,
        seed: int | None = 0,
        *,
        n_startup_trials: int = 10,
        n_ei_candidates: int = 24,
        multivariate: bool = True,
        max_mutation_tries: int = 20,
    ):
        super().__init__(
            space,
            seed,
            n_startup_trials=n_startup_trials,
            n_ei_candidates=n_ei_candidates,
            multivariate=multivariate,
            max_mutation_tries=max_mutation_tries,
        )
        import optuna
        from optuna.distributions import CategoricalDistribution

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        with warnings.catch_warnings():  # multivariate is marked experimental in Optuna
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            sampler = optuna.samplers.TPESampler(
                seed=int(self.rng.integers(2**31 - 1)),
                n_startup_trials=n_startup_trials,
                n_ei_candidates=n_ei_candidates,
                multivariate=multivariate,
            )
        self.study = optuna.create_study(direction="maximize", sampler=sampler)
        self._dists = {
            f"x{i}": CategoricalDistribution(list(range(c))) for i, c in enumerate(choices(space))
        }
        self._trials: dict[Arch, list] = {}
        self._extra: dict[Arch, int] = {}  # mutated replacements awaiting a value
        self._seen: dict[Arch, float | None] = {}  # canonical arch -> told value (None: pending)
        self.max_mutation_tries = max_mutation_tries
        self.replaced = 0

    def ask(self, n: int = 1) -> list[Arch]:
        out = []
        canonical = self.space.canonical
        for _ in range(n):
            trial = self.study.ask(self._dists)
            arch = self._arch_of(trial)
            while arch is None:  # a combination outside the space: a failed trial, ask again
                self._tell_trial(trial, np.nan)
                trial = self.study.ask(self._dists)
                arch = self._arch_of(trial)
            key = canonical(arch)
            if key not in self._seen:
                self._seen[key] = None
                self._trials.setdefault(arch, []).append(trial)
                out.append(arch)
                continue
            known = self._seen[key]
            self._tell_trial(trial, np.nan if known is None else known)
            new = arch
            for _ in range(self.max_mutation_tries):
                new = self.space.mutate(new, self.rng)
                if canonical(new) not in self._seen:
                    break
            self.replaced += 1
            self._seen.setdefault(canonical(new), None)
            self._extra[new] = self._extra.get(new, 0) + 1
            out.append(new)
        return out

    def _arch_of(self, trial) -> Arch | None:
        params = trial.params  # a deep copy per access in Optuna: read it once
        return try_choices(self.space, [params[k] for k in self._dists])

    def _tell_trial(self, trial, value: float) -> None:
        from optuna.trial import TrialState

        if np.isfinite(value):
            self.study.tell(trial, float(value))
        else:
            self.study.tell(trial, state=TrialState.FAIL)

    def tell(self, archs: Sequence[Arch], values: np.ndarray) -> None:
        from optuna.trial import create_trial

        for a, v in zip(archs, np.asarray(values, dtype=float).reshape(-1), strict=True):
            v = float(v)
            key = self.space.canonical(a)
            if self._seen.get(key) is None:
                self._seen[key] = v
            stack = self._trials.get(a)
            if stack:
                trial = stack.pop(0)
                if not stack:
                    del self._trials[a]
                self._tell_trial(trial, v)
            elif self._extra.get(a):
                self._extra[a] -= 1
                if not self._extra[a]:
                    del self._extra[a]
                if np.isfinite(v):
                    params = {k: int(o) for k, o in zip(self._dists, a.ops, strict=True)}
                    self.study.add_trial(
                        create_trial(params=params, distributions=self._dists, value=v)
                    )
