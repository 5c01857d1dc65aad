"""`cell_gbt`: an ensemble of XGBoost and LightGBM on isomorphism-aware cell features.

naslab's best NAS-Bench-201 surrogate (perf/surrogate_beat_reference.py measures it beside the
XGBoost one-hot reference of issue 16 on the same splits). Three choices make it better than
trees on the one-hot encoding, each measured there:

1. Canonical, live cells. Every cell is replaced by its isomorphism class representative
   (`space.canonical`, NATS-Bench's unique string) and the edges that cannot reach the output or
   be reached from the input are set to `none`. Isomorphic cells, which the one-hot encoding
   shows as unrelated, get identical features, so the training data no longer disagree with
   themselves and every training cell speaks for its whole class.
2. Structural features (`cell_features`), computable for any cell, not looked up: the live
   one-hot (30), live counts of each op (4), per input->output route (4 routes) whether it is
   alive and its conv3x3 / conv1x1 / pool / skip counts (20), the number of live routes and the
   most, fewest and mean convolutions on one (the cell's effective depth), the network's
   parameters and FLOPs with the live ops (`nas_core.networks.nb201`), and the BANANAS path
   encoding (84). Trees split on "how deep is the deepest conv path" in one step, where on the
   one-hot encoding that takes a conjunction over six edges.
3. A log-gap target: members fit -log(c - y) with the ceiling c = max(y_train) + `gap` * std
   (y_train), which stretches the near-optimal end of the accuracy scale, where search happens,
   and compresses the collapsed cells (10%); predictions are mapped back (always < c).

Members: `n_xgb` XGBoost boosters (depth 6, learning rate 0.05, 1000 rounds, rows 0.8, columns
0.5 per tree) and `n_lgb` LightGBM models (NASLib's settings, `predictors.classic`), each with its
own seed (seed * 1000 + k), so row and column sampling differ; `predict` is their mean and
`predict_dist` their (mean, std), the spread a surrogate benchmark's seeded draws use.
The default `encoding="auto"` is "cell" on nb201 and the space's one-hot encoding elsewhere (any
space encoding can be asked for; the cell features exist for nb201 only). Saved like xgb and lgb
(predictors.io): the members' boosters in their own formats, the ceiling and the members' feature
scaling; `load` rebuilds them without fitting (the cell feature table is recomputed) and checks
the stored predictions on the training set.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from nas_core.errors import InvalidInputError
from nas_core.registry import Param
from nas_core.spaces.base import ENCODINGS
from predictors.base import encoder_input
from predictors.classic import (
    LGBPredictor,
    XGBPredictor,
    _RefitPredictor,
    member_state,
    restore_member,
)

TARGETS = ("log-gap", "identity")
#: XGBoost member settings (tuned by CV-free sweeps at N=1000 on NB201; see the module docstring).
XGB_MEMBER = {
    "max_depth": 6,
    "learning_rate": 0.05,
    "n_estimators": 1000,
    "subsample": 0.8,
    "colsample_bytree": 0.5,
}
_SKIP, _NONE, _CONV3, _CONV1, _POOL = range(5)
#: The four input->output routes of an NB201 cell, as edge positions.
_ROUTES: tuple[tuple[int, ...], ...] = ((2,), (0, 4), (1, 5), (0, 3, 5))
_CELL_CACHE: dict[str, np.ndarray] = {}


def _live_ops(ops: tuple[int, ...]) -> list[int]:
    from nas_core.networks.nb201 import live_edges

    return [o if alive else _NONE for o, alive in zip(ops, live_edges(ops), strict=True)]


def _one_cell(ops: tuple[int, ...]) -> list[float]:
    from nas_core.networks.nb201 import count_flops, count_params

    lops = _live_ops(ops)
    onehot = [0.0] * 30
    for e, o in enumerate(lops):
        onehot[e * 5 + o] = 1.0
    counts = [float(lops.count(k)) for k in (_SKIP, _CONV3, _CONV1, _POOL)]
    routes: list[float] = []
    convs: list[int] = []
    for r in _ROUTES:
        seq = [lops[e] for e in r]
        alive = _NONE not in seq
        c3, c1 = seq.count(_CONV3) * alive, seq.count(_CONV1) * alive
        routes += [float(alive), c3, c1, seq.count(_POOL) * alive, seq.count(_SKIP) * alive]
        if alive:
            convs.append(c3 + c1)
    depth = [
        float(len(convs)),
        float(max(convs, default=-1)),
        float(min(convs, default=-1)),
        float(np.mean(convs)) if convs else -1.0,
    ]
    size = [float(count_params(lops)), float(count_flops(lops))]
    return onehot + counts + routes + depth + size


def cell_features(space: Any, idx: np.ndarray) -> np.ndarray:
    """(n, 144) float32 cell features of NB201 cells given by space index (see the module
    docstring), computed from each cell's canonical, live form. The table of all 15,625 cells is
    computed once per process (about a second) and indexed."""
    if space.name != "nb201":
        raise InvalidInputError(
            f"encoding 'cell' exists for space 'nb201', got {space.name!r}; use one of "
            f"{', '.join(ENCODINGS)} there"
        )
    table = _CELL_CACHE.get(space.name)
    if table is None:
        canon = space.canonical_indices(np.arange(space.size))
        ops = space.op_array.astype(np.int64)
        rows = np.zeros((space.size, 60), dtype=np.float32)
        first = {}
        for i, c in enumerate(canon.tolist()):
            if c not in first:
                first[c] = _one_cell(tuple(ops[c].tolist()))
            rows[i] = first[c]
        path = space.encode(canon, "path")
        table = np.ascontiguousarray(np.concatenate([rows, path], axis=1), dtype=np.float32)
        _CELL_CACHE[space.name] = table
    return table[np.asarray(idx, dtype=np.int64)]


class CellGBTPredictor(_RefitPredictor):
    """Ensemble of XGBoost and LightGBM on canonical NB201 cell features; std over members."""

    has_uncertainty = True
    min_samples = 5
    encodings = ("auto", "cell", *ENCODINGS, "none")
    param_specs: ClassVar[dict[str, Param]] = {
        "encoding": Param(
            "'cell' (nb201: canonical cell features), a space encoding, or 'auto': 'cell' on "
            "nb201, else 'onehot'"
        ),
        "n_xgb": Param("XGBoost members", ge=0, le=50),
        "n_lgb": Param("LightGBM members", ge=0, le=50),
        "target": Param("fit -log(ceiling - y) ('log-gap') or y itself", choices=TARGETS),
        "gap": Param(
            "log-gap ceiling: max(y) + gap * std(y) of the training targets", gt=0, le=100
        ),
        "xgb_params": Param("settings of the XGBoost members (over XGB_MEMBER; see 'xgb')"),
        "lgb_params": Param("settings of the LightGBM members (see 'lgb')"),
        # member k is seeded seed * 1000 + k; LightGBM takes seeds below 2**31
        "seed": Param("random seed; member k is seeded seed * 1000 + k", ge=0, le=2_000_000),
    }

    @classmethod
    def _check_params(cls, params: dict[str, Any]) -> None:
        """At least two members (a spread needs two); member settings valid for xgb / lgb."""
        n = int(params.get("n_xgb", 3)) + int(params.get("n_lgb", 3))
        if n < 2:
            raise InvalidInputError(
                f"predictor 'cell_gbt' needs n_xgb + n_lgb >= 2 members (its spread is their "
                f"std), got {n}"
            )
        owned = ("space", "encoding", "seed", "n_jobs")
        for key, member in (("xgb_params", XGBPredictor), ("lgb_params", LGBPredictor)):
            given = dict(params.get(key) or {})
            clash = sorted(set(given) & set(owned))
            if clash:
                raise InvalidInputError(
                    f"predictor 'cell_gbt', {key}: {', '.join(clash)} are set by the ensemble "
                    "itself, not per member"
                )
            try:
                member.validate_params(given)
            except InvalidInputError as e:
                raise InvalidInputError(f"predictor 'cell_gbt', {key}: {e}") from None

    def __init__(
        self,
        space: str = "nb201",
        encoding: str = "auto",
        n_xgb: int = 3,
        n_lgb: int = 3,
        target: str = "log-gap",
        gap: float = 0.4,
        xgb_params: dict[str, Any] | None = None,
        lgb_params: dict[str, Any] | None = None,
        seed: int = 0,
        n_jobs: int = 1,
    ):
        self.space = space
        self.encoding = encoding
        self.n_xgb = n_xgb
        self.n_lgb = n_lgb
        self.target = target
        self.gap = gap
        self.xgb_params = xgb_params
        self.lgb_params = lgb_params
        self.seed = seed
        self.n_jobs = n_jobs

    def _blas_limit(self) -> Any:
        from contextlib import nullcontext

        return nullcontext()  # the members take their thread counts themselves

    def _x(self, idx: np.ndarray, feats: np.ndarray) -> np.ndarray:
        """The members' input: the encoding (see `encoding`) with the extra features after it."""
        space = self._resolve_space()
        kind = self.encoding
        if kind == "auto":
            kind = "cell" if space.name == "nb201" else "onehot"
        if kind == "none":
            return self._encode(idx, feats)  # extra features only (or the base class's error)
        if kind == "cell":
            if idx.dtype == object:
                raise InvalidInputError(
                    f"encoding 'cell' exists for space 'nb201', got {space.name!r}; use one of "
                    f"{', '.join(ENCODINGS)} there"
                )
            x = cell_features(space, idx)
        else:
            x = space.encode(encoder_input(idx), kind)
        return np.concatenate([x, feats.astype(np.float32)], axis=1) if feats.shape[1] else x

    def _forward(self, y: np.ndarray) -> np.ndarray:
        if self.target == "identity":
            return y
        return -np.log(self.ceiling_ - y)

    def _inverse(self, z: np.ndarray) -> np.ndarray:
        if self.target == "identity":
            return z
        return self.ceiling_ - np.exp(-z)

    def _fit(self, idx, feats, y):
        sd = float(y.std())
        self.ceiling_ = float(y.max()) + float(self.gap) * (sd if sd > 0 else 1.0)
        z = self._forward(y)
        x = self._x(idx, feats)
        # the features go in as the members' only input, already built; members fit them
        # through their own (cheap) feature standardisation, which trees ignore
        self.members_ = [m.fit(idx, z, features=x) for m in self._new_members()]

    def _new_members(self) -> list[Any]:
        """The unfitted members: `n_xgb` XGBoost then `n_lgb` LightGBM, member k seeded
        seed * 1000 + k."""
        specs = [(XGBPredictor, {**XGB_MEMBER, **(self.xgb_params or {})})] * int(self.n_xgb)
        specs += [(LGBPredictor, dict(self.lgb_params or {}))] * int(self.n_lgb)
        return [
            cls(
                space=self.space,
                encoding="none",
                seed=int(self.seed) * 1000 + k,
                n_jobs=self.n_jobs,
                **params,
            )
            for k, (cls, params) in enumerate(specs)
        ]

    def _native_state(self) -> dict[str, Any]:
        states = [member_state(m) for m in self.members_]
        return {
            "ceiling": float(self.ceiling_),
            "members": {str(k): s for k, s in enumerate(states)},
        }

    def _set_native_state(self, state: dict[str, Any]) -> None:
        ceiling = state["ceiling"]
        if isinstance(ceiling, bool) or not isinstance(ceiling, (int, float)):
            raise ValueError("the stored log-gap ceiling is not a number")
        members = self._new_members()
        stored = state["members"]
        if not isinstance(stored, dict) or sorted(stored) != sorted(map(str, range(len(members)))):
            raise ValueError(f"the stored cell_gbt model does not hold its {len(members)} members")
        self.ceiling_ = float(ceiling)
        self.members_ = [
            restore_member(m, stored[str(k)], self.space_name_) for k, m in enumerate(members)
        ]

    def _member_outputs(self, idx: np.ndarray, feats: np.ndarray) -> np.ndarray:
        x = self._x(idx, feats)
        return np.stack([self._inverse(m.predict(idx, features=x)) for m in self.members_])

    def _predict(self, idx, feats):
        return self._member_outputs(idx, feats).mean(axis=0)

    def _predict_dist(self, idx, feats):
        out = self._member_outputs(idx, feats)
        return out.mean(axis=0), out.std(axis=0)
