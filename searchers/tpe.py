"""Tree-structured Parzen Estimator (Bergstra et al., NeurIPS 2011) through the ask-and-tell
interface of Optuna's TPE, not re-implemented. Two engines run the same sampler:

- `engine="rustuna"` (default): Rustuna (`pip install rustuna`, github.com/optuna/rustuna), the
  Optuna team's Rust port of Optuna with the same ask/tell API. Its `TPESampler` has Optuna's
  defaults (10 random start-up trials, 24 EI candidates, gamma = min(ceil(0.1 n), 25), Optuna's
  recency weights) at a small fraction of the CPU: Optuna's Python sampler rebuilds its view of
  the whole history on every ask, which dominated the CPU of a `naslab compare` with TPE
  (perf/results/searchers.md).
- `engine="optuna"`: Optuna's `TPESampler`; the only engine where `n_ei_candidates` can change.

`perf/bench_tpe_engines.py` measures both engines side by side on analognas (speed, and best
found at several budgets over the same seeds). Each position of the space's categorical view is
one categorical parameter `x<i>` over its choices (`searchers._spaces`: `Arch.ops` on a product
space, edge bits and op choices on nb101). A proposal that is no member is told as a failed trial
and asked again, at most `MAX_REDRAWS` times in a row; then a random member takes its place. The sampler is seeded from
this searcher's generator, so the same seed gives the same trajectory (with either engine, also
across processes). `multivariate=True` models the positions jointly (as in BOHB).

Repeats. On a finite categorical space TPE soon proposes architectures it has already seen; the
runner does not charge repeats, so a plain loop would spend thousands of trials (each O(history))
re-asking the same few cells. Instead, a proposal this searcher has already seen (up to
isomorphism, `space.canonical`) is told its known value at once (true information for the model)
and replaced by a random one-change mutation of it that is new (`space.mutate`, a few tries), which
enters the study as a completed trial (`add_trial`) when its value is told.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from nas_core.arch import Arch
from nas_core.errors import InvalidInputError, UnknownNameError
from nas_core.spaces.base import SearchSpace
from searchers._spaces import MAX_REDRAWS, choices, to_choices, try_choices
from searchers.base import Searcher
from searchers.registry import Param, register_searcher

ENGINES = ("rustuna", "optuna")
RUSTUNA_EI_CANDIDATES = 24  # fixed in Rustuna's TPESampler (Optuna's default)


class _OptunaStudy:
    """One Optuna study over categorical parameters `x0..x<k-1>`."""

    def __init__(self, sizes, seed, n_startup_trials, n_ei_candidates, multivariate):
        import optuna
        from optuna.distributions import CategoricalDistribution

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        with warnings.catch_warnings():  # multivariate is marked experimental in older Optuna
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            sampler = optuna.samplers.TPESampler(
                seed=seed,
                n_startup_trials=n_startup_trials,
                n_ei_candidates=n_ei_candidates,
                multivariate=multivariate,
            )
        self.study = optuna.create_study(direction="maximize", sampler=sampler)
        self._dists = {
            f"x{i}": CategoricalDistribution(list(range(c))) for i, c in enumerate(sizes)
        }

    def ask(self) -> tuple[Any, list[int]]:
        trial = self.study.ask(self._dists)
        params = trial.params  # a deep copy per access in Optuna: read it once
        return trial, [params[k] for k in self._dists]

    def tell(self, trial: Any, value: float) -> None:
        from optuna.trial import TrialState

        if np.isfinite(value):
            self.study.tell(trial, value)
        else:
            self.study.tell(trial, state=TrialState.FAIL)

    def add(self, ops: Sequence[int], value: float) -> None:
        from optuna.trial import create_trial

        params = {k: int(o) for k, o in zip(self._dists, ops, strict=True)}
        self.study.add_trial(create_trial(params=params, distributions=self._dists, value=value))

    def __len__(self) -> int:
        return len(self.study.get_trials(deepcopy=False))


class _RustunaStudy:
    """The same over Rustuna's study (same ask/tell API, a trial is told by its number)."""

    def __init__(self, sizes, seed, n_startup_trials, multivariate):
        import rustuna

        self._rustuna = rustuna
        sampler = rustuna.samplers.TPESampler(
            seed=seed, n_startup_trials=n_startup_trials, multivariate=multivariate
        )
        self.study = rustuna.create_study(direction="maximize", sampler=sampler)
        self._choices = {f"x{i}": list(range(c)) for i, c in enumerate(sizes)}
        self._dists = {
            k: rustuna.distributions.CategoricalDistribution(v) for k, v in self._choices.items()
        }

    def ask(self) -> tuple[Any, list[int]]:
        trial = self.study.ask()
        return trial, [trial.suggest_categorical(k, c) for k, c in self._choices.items()]

    def tell(self, trial: Any, value: float) -> None:
        if np.isfinite(value):
            self.study.tell(trial.number, value)
        else:
            self.study.tell(trial.number, state=self._rustuna.trial.TrialState.FAIL)

    def add(self, ops: Sequence[int], value: float) -> None:
        params = {k: int(o) for k, o in zip(self._choices, ops, strict=True)}
        trial = self._rustuna.create_trial(params=params, distributions=self._dists, value=value)
        self.study.add_trial(trial)

    def __len__(self) -> int:
        return len(self.study.trials)


@register_searcher(
    "tpe",
    summary="Tree-structured Parzen Estimator (Optuna's TPE; the Rustuna engine by default)",
    params={
        "engine": Param("TPE implementation (rustuna: the fast Rust port)", choices=ENGINES),
        "n_startup_trials": Param("random trials before TPE takes over", ge=0, le=10**6),
        "n_ei_candidates": Param("candidates scored per suggestion (engine='optuna' only)", ge=1,
                                 le=10**5),
        "multivariate": Param("model the choices jointly (multivariate TPE)"),
        "max_mutation_tries": Param("mutations tried to replace an already-seen arch", ge=0,
                                    le=10**4),
    },
)  # fmt: skip
class TPE(Searcher):
    needs_choices = True  # one categorical variable per position of the categorical view

    def __init__(
        self,
        space: SearchSpace,
        seed: int | None = 0,
        *,
        engine: str = "rustuna",
        n_startup_trials: int = 10,
        n_ei_candidates: int = 24,
        multivariate: bool = True,
        max_mutation_tries: int = 20,
    ):
        super().__init__(
            space,
            seed,
            engine=engine,
            n_startup_trials=n_startup_trials,
            n_ei_candidates=n_ei_candidates,
            multivariate=multivariate,
            max_mutation_tries=max_mutation_tries,
        )
        if engine not in ENGINES:
            raise UnknownNameError("TPE engine", engine, ENGINES)
        if engine == "rustuna" and n_ei_candidates != RUSTUNA_EI_CANDIDATES:
            raise InvalidInputError(
                f"n_ei_candidates={n_ei_candidates} needs engine='optuna': Rustuna's TPE fixes it "
                f"at {RUSTUNA_EI_CANDIDATES} (Optuna's default)"
            )
        sizes = choices(space, "tpe")
        sampler_seed = int(self.rng.integers(2**31 - 1))
        if engine == "rustuna":
            self.study = _RustunaStudy(sizes, sampler_seed, n_startup_trials, multivariate)
        else:
            self.study = _OptunaStudy(
                sizes, sampler_seed, n_startup_trials, n_ei_candidates, multivariate
            )
        self._trials: dict[Arch, list] = {}
        self._extra: dict[Arch, int] = {}  # mutated replacements awaiting a value
        self._seen: dict[Arch, float | None] = {}  # canonical arch -> told value (None: pending)
        self.max_mutation_tries = max_mutation_tries
        self.replaced = 0
        self.invalid = 0  # proposals outside the space (told as failed trials)
        self.fallbacks = 0  # asks that gave up redrawing and took a random member

    @property
    def n_trials(self) -> int:
        """Trials in the engine's study (asked, told as repeats, and added replacements)."""
        return len(self.study)

    def ask(self, n: int = 1) -> list[Arch]:
        out = []
        canonical = self.space.canonical
        for _ in range(n):
            trial, ops = self.study.ask()
            arch = try_choices(self.space, ops)
            tries = 1
            while arch is None:  # a combination outside the space: a failed trial, ask again
                self.study.tell(trial, np.nan)
                self.invalid += 1
                if tries == MAX_REDRAWS:  # the model keeps proposing non-members: go random
                    trial, arch = None, self.space.sample(self.rng, 1)[0]
                    self.fallbacks += 1
                    break
                trial, ops = self.study.ask()
                arch = try_choices(self.space, ops)
                tries += 1
            key = canonical(arch)
            if key not in self._seen:
                self._seen[key] = None
                if trial is None:  # enters the study when its value is told
                    self._extra[arch] = self._extra.get(arch, 0) + 1
                else:
                    self._trials.setdefault(arch, []).append(trial)
                out.append(arch)
                continue
            if trial is not None:
                known = self._seen[key]
                self.study.tell(trial, np.nan if known is None else known)
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

    def tell(self, archs: Sequence[Arch], values: np.ndarray) -> None:
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
                self.study.tell(trial, v)
            elif self._extra.get(a):
                self._extra[a] -= 1
                if not self._extra[a]:
                    del self._extra[a]
                if np.isfinite(v):
                    self.study.add(to_choices(self.space, a), v)
