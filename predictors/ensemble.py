"""`ensemble`: bootstrap ensemble of any registered predictor, giving it an uncertainty.

Each of `n_members` copies of `base` (created with `base_params` and its own seed) is fitted on a
bootstrap resample of the training set (Lakshminarayanan et al. 2017 use different seeds; for
deterministic learners such as XGBoost with subsample=1, only resampling makes members differ).
`predict_dist` returns the members' mean and std, which is what predictor-guided searchers
(BANANAS' Thompson sampling / UCB) need.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from nas_core.errors import InvalidInputError
from nas_core.registry import Param
from predictors.classic import _RefitPredictor, member_state, restore_member


class EnsemblePredictor(_RefitPredictor):
    """Bootstrap ensemble of any registered predictor; std over members."""

    has_uncertainty = True
    encodings = ()
    param_specs: ClassVar[dict[str, Param]] = {
        "base": Param("registered predictor each member is (not 'ensemble')"),
        "n_members": Param("ensemble members", ge=2, le=100),
        "bootstrap": Param("fit each member on a bootstrap resample (else: seeds only differ)"),
        "base_params": Param("parameters of every member (their seeds are the ensemble's)"),
        "seed": Param("random seed; member k is seeded seed * 1000 + k", ge=0, le=2**32 - 1),
    }

    @classmethod
    def _check_params(cls, params: dict[str, Any]) -> None:
        """`base` is a registered predictor other than 'ensemble'; `base_params` are valid for it."""
        from predictors import get_class

        base = params.get("base", "xgb")
        if base == "ensemble":
            raise InvalidInputError("an ensemble of ensembles is not supported")
        member = get_class(base)  # unknown name -> UnknownNameError with a suggestion
        inner = {k: v for k, v in (params.get("base_params") or {}).items() if k != "seed"}
        try:
            member.validate_params(inner)
        except InvalidInputError as e:
            raise InvalidInputError(f"predictor 'ensemble', base_params: {e}") from None

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

    def _new_member(self, m: int) -> Any:
        from predictors import create

        params = dict(self.base_params or {})
        params.pop("seed", None)
        return create(self.base, space=self.space, seed=int(self.seed) * 1000 + m, **params)

    def _fit(self, idx, feats, y):
        rng = np.random.default_rng(self.seed)
        members = []
        for m in range(int(self.n_members)):
            member = self._new_member(m)
            rows = rng.integers(0, len(idx), len(idx)) if self.bootstrap else np.arange(len(idx))
            # Members see already-standardised features: fit them without extra scaling.
            members.append(member.fit(idx[rows], y[rows], features=feats[rows]))
        self.members_ = members

    def _native_state(self) -> dict[str, Any] | None:
        """The members' native states (xgb, lgb, cell_gbt members have one); None if any lacks
        one, and then `load` refits the whole ensemble."""
        states = [member_state(m) for m in self.members_]
        if any(s is None for s in states):
            return None
        return {"members": {str(k): s for k, s in enumerate(states)}}

    def _set_native_state(self, state: dict[str, Any]) -> None:
        stored = state["members"]
        n = int(self.n_members)
        if not isinstance(stored, dict) or sorted(stored) != sorted(map(str, range(n))):
            raise ValueError(f"the stored ensemble does not hold its {n} members")
        self.members_ = [
            restore_member(self._new_member(k), stored[str(k)], self.space_name_) for k in range(n)
        ]

    def _member_outputs(self, idx, feats):
        return np.stack([m.predict(idx, features=feats) for m in self.members_])

    def _predict(self, idx, feats):
        return self._member_outputs(idx, feats).mean(axis=0)

    def _predict_dist(self, idx, feats):
        out = self._member_outputs(idx, feats)
        return out.mean(axis=0), out.std(axis=0)
