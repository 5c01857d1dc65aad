"""`ensemble`: bootstrap ensemble of any registered predictor, giving it an uncertainty.

Each of `n_members` copies of `base` (created with `base_params` and its own seed) is fitted on a
bootstrap resample of the training set (Lakshminarayanan et al. 2017 use different seeds; for
deterministic learners such as XGBoost with subsample=1, only resampling makes members differ).
`predict_dist` returns the members' mean and std, which is what predictor-guided searchers
(BANANAS' Thompson sampling / UCB) need.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nas_core.errors import InvalidInputError
from predictors.classic import _RefitPredictor


class EnsemblePredictor(_RefitPredictor):
    has_uncertainty = True
    encodings = ()

    def __init__(
        self,
        space: str = "nb201",
        base: str = "xgb",
        n_members: int = 5,
        bootstrap: bool = True,
        base_params: dict[str, Any] | None = None,
        seed: int = 0,
    ):
        self.space = space
        self.base = base
        self.n_members = n_members
        self.bootstrap = bootstrap
        self.base_params = base_params
        self.seed = seed

    def _fit(self, idx, feats, y):
        from predictors import create

        if int(self.n_members) < 2:
            raise InvalidInputError(f"n_members must be >= 2, got {self.n_members}")
        if self.base == "ensemble":
            raise InvalidInputError("an ensemble of ensembles is not supported")
        rng = np.random.default_rng(self.seed)
        params = dict(self.base_params or {})
        params.pop("seed", None)
        members = []
        for m in range(int(self.n_members)):
            member = create(self.base, space=self.space, seed=int(self.seed) * 1000 + m, **params)
            rows = rng.integers(0, len(idx), len(idx)) if self.bootstrap else np.arange(len(idx))
            # Members see already-standardised features: fit them without extra scaling.
            members.append(member.fit(idx[rows], y[rows], features=feats[rows]))
        self.members_ = members

    def _member_outputs(self, idx, feats):
        return np.stack([m.predict(idx, features=feats) for m in self.members_])

    def _predict(self, idx, feats):
        return self._member_outputs(idx, feats).mean(axis=0)

    def _predict_dist(self, idx, feats):
        out = self._member_outputs(idx, feats)
        return out.mean(axis=0), out.std(axis=0)
