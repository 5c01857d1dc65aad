"""Predictor-guided searchers: a performance predictor decides what to evaluate next.

All four share one loop (`_PredictorGuided`): the first `initial` asks are random; afterwards the
predictor (any registered one: `predictor=` + `predictor_params=`) is refitted on everything told
so far whenever `refit_every` new values (and at least 20% more than at the last fit) have
arrived, a candidate pool is generated and scored by
the searcher's acquisition function once per refit, and asks pop the best-scored candidates not yet
asked. Refitting every k values instead of every value is what keeps a budget of a few hundred
queries cheap (BANANAS itself proposes k=10 architectures per iteration): a run of 300 queries
refits 14 times. Neural predictors train for 50 epochs here (a quarter of their study default).

- `bananas` (White et al., AAAI 2021): ensemble predictor (default: 5 MLPs on the path encoding;
  any predictor without uncertainty is wrapped in a bootstrap `ensemble`), acquisition
  independent Thompson sampling ("its", one draw per candidate from N(mean, std)) or UCB, optimised
  over mutations of the best architectures so far (the paper's mutation-based acquisition
  optimisation: 100 candidates from the top 10).
- `npenas` (Wei et al., IEEE TNNLS 2022, NPENAS-NP): evolution whose offspring are filtered by a
  graph neural predictor (default GIN): each of the top `parents` architectures spawns
  `mutations_per_parent` mutants, and the predicted best are evaluated.
- `gp_bo`: Gaussian-process Bayesian optimisation with expected improvement (Mockus 1978;
  Jones et al. 1998) over random samples plus mutations of the incumbents.
- `weaknas` (Wu et al., NeurIPS 2021, "Stronger NAS with Weaker Predictors"): fit a weak predictor
  on all samples, rank a large pool (the whole space when it has at most `pool` members), and
  sample new architectures uniformly from the predicted top `top_m` - progressively shrinking the
  search to the promising region.

They run on open spaces too (nb101, darts: no index table): predictors fit on the architectures'
encodings, and random candidates come from `space.sample`. On a space without the predictor's
default encoding (BANANAS' path encoding on a space with no paths) the predictor uses the first
encoding the space has (onehot, adjacency, path) unless `predictor_params` names one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nas_core.arch import Arch
from nas_core.errors import InvalidInputError
from nas_core.spaces.base import ENCODINGS, SearchSpace
from searchers.base import Searcher
from searchers.registry import Param, register_searcher


class _PredictorGuided(Searcher):
    #: Default predictor parameters (cheap training: the searcher refits many times).
    default_predictor_params: dict[str, Any] = {}
    needs_uncertainty = False
    param_specs = {
        "predictor": Param("registered predictor that guides the search (naslab predictor list)"),
        "predictor_params": Param("its parameters (default: cheaper training than a study's)"),
        "initial": Param("random architectures before the predictor is first fitted", ge=2,
                         le=10**6),
        "refit_every": Param("refit after this many new values (and >= 20% more)", ge=1,
                             le=10**6),
    }  # fmt: skip

    def __init__(
        self,
        space: SearchSpace,
        seed: int | None = 0,
        *,
        predictor: str = "bananas",
        predictor_params: dict[str, Any] | None = None,
        initial: int = 10,
        refit_every: int = 10,
        **params: Any,
    ):
        super().__init__(
            space,
            seed,
            predictor=predictor,
            predictor_params=predictor_params,
            initial=initial,
            refit_every=refit_every,
            **params,
        )
        import predictors

        predictors.get_class(predictor)  # unknown name -> UnknownNameError with suggestions
        if initial < 2:
            raise InvalidInputError(f"initial must be >= 2 to fit a predictor, got {initial=}")
        if refit_every < 1:
            raise InvalidInputError(f"refit_every must be >= 1, got {refit_every=}")
        self.predictor_name = predictor
        self.predictor_params = dict(
            self.default_predictor_params.get(predictor, {})
            if predictor_params is None
            else predictor_params
        )
        self.initial = initial
        self.refit_every = refit_every
        self.history: dict[Arch, float] = {}
        self.asked: set[Arch] = set()
        self.model: Any = None
        self._told_at_fit = 0
        self._queue: list[Arch] = []

    # --- the loop -------------------------------------------------------------------------------
    def ask(self, n: int = 1) -> list[Arch]:
        out: list[Arch] = []
        while len(out) < n:
            if len(self.history) < self.initial:
                arch = self._random_unasked()
            else:
                new = len(self.history) - self._told_at_fit
                if self.model is None or new >= max(self.refit_every, 0.2 * self._told_at_fit):
                    self._refit()
                while self._queue and self._queue[0] in self.asked:
                    self._queue.pop(0)
                if not self._queue:
                    self._queue = self._propose()
                    self._queue = [a for a in self._queue if a not in self.asked]
                arch = self._queue.pop(0) if self._queue else self._random_unasked()
            self.asked.add(arch)
            out.append(arch)
        return out

    def tell(self, archs: Sequence[Arch], values: np.ndarray) -> None:
        vals = np.asarray(values, dtype=float).reshape(-1)
        for a, v in zip(archs, vals, strict=True):
            self.asked.add(a)
            if np.isfinite(v):
                self.history[a] = float(v)

    def result(self) -> Any:
        return {"predictor": self.predictor_name, "fits": getattr(self, "_fits", 0)}

    def guiding_predictors(self) -> tuple[str, ...]:
        """The predictor this instance fits; for an `ensemble`, its members' predictor (the
        model class that decides; a wrapper of another class is a different model)."""
        if self.predictor_name != "ensemble":
            return (self.predictor_name,)
        import predictors

        base = self.predictor_params.get("base", predictors.params_of("ensemble")["base"].default)
        return (str(base),)

    # --- pieces -----------------------------------------------------------------------------------
    def _random_unasked(self) -> Arch:
        for _ in range(1000):
            a = self.space.sample(self.rng, 1)[0]
            if a not in self.asked:
                return a
        return self.space.sample(self.rng, 1)[0]  # space (nearly) exhausted: allow a repeat

    def _make_predictor(self) -> Any:
        import predictors

        seed = int(self.rng.integers(2**31 - 1))
        params = dict(self.predictor_params)
        cls = predictors.get_class(self.predictor_name)
        self._fit_encoding(cls, params)
        if self.needs_uncertainty and not cls.has_uncertainty:
            return predictors.create(
                "ensemble",
                space=self.space,
                base=self.predictor_name,
                base_params=params,
                seed=seed,
            )
        return predictors.create(self.predictor_name, space=self.space, seed=seed, **params)

    def _fit_encoding(self, cls: Any, params: dict[str, Any]) -> None:
        """Where the space lacks the predictor's default encoding (e.g. a space without paths
        for BANANAS' path encoding) and none was asked for, use the first it has of onehot,
        adjacency, path; an encoding the user chose is left alone (the space's error names it)."""
        spec = cls.param_spec().get("encoding")
        if spec is None or "encoding" in params or not spec.choices:
            return
        if not hasattr(self, "_encodings"):
            probe = self.space.sample(np.random.default_rng(0), 1)  # not self.rng: no side effect
            self._encodings = []
            for kind in ENCODINGS:
                try:
                    self.space.encode(probe, kind)
                except InvalidInputError:
                    continue
                self._encodings.append(kind)
        if spec.default not in self._encodings and self._encodings:
            params["encoding"] = self._encodings[0]

    def _refit(self) -> None:
        archs = list(self.history)
        y = np.fromiter(self.history.values(), dtype=float, count=len(archs))
        self.model = self._make_predictor().fit(archs, y)
        self._told_at_fit = len(self.history)
        self._fits = getattr(self, "_fits", 0) + 1
        self._queue = self._propose()

    def _top(self, k: int) -> list[Arch]:
        return sorted(self.history, key=self.history.__getitem__, reverse=True)[:k]

    def _mutants(self, parents: list[Arch], per_parent: int, max_edits: int = 1) -> list[Arch]:
        out: dict[Arch, None] = {}
        for p in parents:
            for _ in range(per_parent):
                a = p
                for _ in range(int(self.rng.integers(1, max_edits + 1))):
                    a = self.space.mutate(a, self.rng)
                if a not in self.asked:
                    out.setdefault(a)
        return list(out)

    def _rank(self, cands: list[Arch], scores: np.ndarray) -> list[Arch]:
        order = np.argsort(-scores, kind="stable")
        return [cands[i] for i in order]

    def _propose(self) -> list[Arch]:
        raise NotImplementedError


@register_searcher(
    "bananas",
    summary="BANANAS (White et al. 2021): ensemble predictor + Thompson sampling / UCB",
    params={
        "acquisition": Param("independent Thompson sampling or UCB", choices=("its", "ucb")),
        "ucb_beta": Param("weight of the std in UCB", ge=0, le=1000),
        "candidates": Param("mutants scored per refit", ge=1, le=10**6),
        "parents": Param("best architectures the mutants come from", ge=1, le=10**6),
        "max_edits": Param("most edits per mutant", ge=1, le=1000),
    },
)
class Bananas(_PredictorGuided):
    guide_predictors = ("bananas",)
    needs_uncertainty = True
    default_predictor_params = {"bananas": {"epochs": 50}}

    def __init__(
        self,
        space: SearchSpace,
        seed: int | None = 0,
        *,
        predictor: str = "bananas",
        predictor_params: dict[str, Any] | None = None,
        initial: int = 10,
        refit_every: int = 10,
        acquisition: str = "its",
        ucb_beta: float = 0.5,
        candidates: int = 100,
        parents: int = 10,
        max_edits: int = 2,
    ):
        if acquisition not in ("its", "ucb"):
            raise InvalidInputError(f"acquisition must be 'its' or 'ucb', got {acquisition!r}")
        super().__init__(
            space,
            seed,
            predictor=predictor,
            predictor_params=predictor_params,
            initial=initial,
            refit_every=refit_every,
            acquisition=acquisition,
            ucb_beta=ucb_beta,
            candidates=candidates,
            parents=parents,
            max_edits=max_edits,
        )
        self.acquisition, self.ucb_beta = acquisition, ucb_beta
        self.candidates, self.parents, self.max_edits = candidates, parents, max_edits

    def _propose(self) -> list[Arch]:
        per = max(1, -(-self.candidates // self.parents))
        cands = self._mutants(self._top(self.parents), per, self.max_edits)
        if not cands:
            return []
        mean, std = self.model.predict_dist(cands)
        if self.acquisition == "its":
            score = self.rng.normal(mean, np.maximum(std, 1e-12))
        else:
            score = mean + self.ucb_beta * std
        return self._rank(cands, score)


@register_searcher(
    "npenas",
    summary="NPENAS (Wei et al. 2022): evolution filtered by a graph neural predictor",
    params={
        "parents": Param("best architectures that spawn mutants", ge=1, le=10**6),
        "mutations_per_parent": Param("mutants per parent", ge=1, le=10**6),
    },
)
class NPENAS(_PredictorGuided):
    guide_predictors = ("gin",)
    default_predictor_params = {"gin": {"epochs": 50}}

    def __init__(
        self,
        space: SearchSpace,
        seed: int | None = 0,
        *,
        predictor: str = "gin",
        predictor_params: dict[str, Any] | None = None,
        initial: int = 10,
        refit_every: int = 10,
        parents: int = 10,
        mutations_per_parent: int = 10,
    ):
        super().__init__(
            space,
            seed,
            predictor=predictor,
            predictor_params=predictor_params,
            initial=initial,
            refit_every=refit_every,
            parents=parents,
            mutations_per_parent=mutations_per_parent,
        )
        self.parents, self.mutations_per_parent = parents, mutations_per_parent

    def _propose(self) -> list[Arch]:
        cands = self._mutants(self._top(self.parents), self.mutations_per_parent)
        if not cands:
            return []
        return self._rank(cands, self.model.predict(cands))


@register_searcher(
    "gp_bo",
    summary="Bayesian optimisation: Gaussian process + expected improvement",
    params={
        "random_candidates": Param("random architectures scored per refit", ge=0, le=10**6),
        "parents": Param("best architectures that spawn mutants", ge=1, le=10**6),
        "mutations_per_parent": Param("mutants per parent", ge=0, le=10**6),
        "xi": Param("exploration margin of expected improvement", ge=0, le=1000),
    },
)
class GPBayesOpt(_PredictorGuided):
    guide_predictors = ("gp",)
    needs_uncertainty = True
    default_predictor_params = {"gp": {"n_restarts": 0}}

    def __init__(
        self,
        space: SearchSpace,
        seed: int | None = 0,
        *,
        predictor: str = "gp",
        predictor_params: dict[str, Any] | None = None,
        initial: int = 10,
        refit_every: int = 10,
        random_candidates: int = 500,
        parents: int = 10,
        mutations_per_parent: int = 20,
        xi: float = 0.0,
    ):
        super().__init__(
            space,
            seed,
            predictor=predictor,
            predictor_params=predictor_params,
            initial=initial,
            refit_every=refit_every,
            random_candidates=random_candidates,
            parents=parents,
            mutations_per_parent=mutations_per_parent,
            xi=xi,
        )
        self.random_candidates, self.parents = random_candidates, parents
        self.mutations_per_parent, self.xi = mutations_per_parent, xi

    def _propose(self) -> list[Arch]:
        pool = dict.fromkeys(self._mutants(self._top(self.parents), self.mutations_per_parent))
        for a in self.space.sample(self.rng, self.random_candidates):
            if a not in self.asked:
                pool.setdefault(a)
        cands = list(pool)
        if not cands:
            return []
        mean, std = self.model.predict_dist(cands)
        best = max(self.history.values())
        std = np.maximum(std, 1e-9)
        z = (mean - best - self.xi) / std
        from scipy import stats  # here: SciPy's statistics take ~0.5 s to import

        ei = (mean - best - self.xi) * stats.norm.cdf(z) + std * stats.norm.pdf(z)
        return self._rank(cands, ei)


@register_searcher(
    "weaknas",
    summary="WeakNAS (Wu et al. 2021): weak predictors narrow the search to the predicted top",
    params={
        "pool": Param("architectures ranked per refit (the whole space if no larger)", ge=1,
                      le=10**7),
        "top_m": Param("new archs are drawn from the predicted top this many", ge=1, le=10**6),
    },
)  # fmt: skip
class WeakNAS(_PredictorGuided):
    guide_predictors = ("mlp",)
    default_predictor_params = {"mlp": {"epochs": 50}}

    def __init__(
        self,
        space: SearchSpace,
        seed: int | None = 0,
        *,
        predictor: str = "mlp",
        predictor_params: dict[str, Any] | None = None,
        initial: int = 10,
        refit_every: int = 10,
        pool: int = 20000,
        top_m: int = 100,
    ):
        super().__init__(
            space,
            seed,
            predictor=predictor,
            predictor_params=predictor_params,
            initial=initial,
            refit_every=refit_every,
            pool=pool,
            top_m=top_m,
        )
        if top_m < 1:
            raise InvalidInputError(f"top_m must be >= 1, got {top_m=}")
        self.pool, self.top_m = pool, top_m

    def _propose(self) -> list[Arch]:
        size = self.space.size
        if size is not None and size <= self.pool:
            cands = [a for a in self.space.all_archs() if a not in self.asked]
        else:
            cands = list(dict.fromkeys(a for a in self.space.sample(self.rng, self.pool)))
            cands = [a for a in cands if a not in self.asked]
        if not cands:
            return []
        pred = self.model.predict(cands)
        top = np.argsort(-pred, kind="stable")[: self.top_m]
        # Sample uniformly from the predicted top region (WeakNAS' exploration), not greedily.
        return [cands[i] for i in self.rng.permutation(top)]
