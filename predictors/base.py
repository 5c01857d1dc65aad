"""`Predictor`: the scikit-learn-style base every performance predictor subclasses.

Conventions (scikit-learn's, see STYLE.md): `__init__` only stores its keyword arguments (so
`get_params`, `set_params`, `sklearn.base.clone`, `GridSearchCV` and `cross_val_score` work); all
validation happens in `fit`; learned state ends in `_`; `predict` on an unfitted model raises
`nas_core.errors.NotFittedError` (a `ValueError`, like sklearn's).

Inputs. `archs` is a batch of architectures of the predictor's space in any spelling the space
parses (Arch, index, op tuple, string) or an int array of space indices. On an open space
(`space.size` None: nb101, darts) there are no indices: the batch is parsed into canonical
`Arch`s and every model works from their encodings (`space.encode`, `graph_arrays`, `op_rows`). Extra per-architecture
features (zero-cost scores, parameters, FLOPs) go alongside, either as `features=` (n, k) array
or by passing a pandas DataFrame with an `arch` column whose other columns are the features. The
DataFrame form is what makes extra features work inside `sklearn.model_selection` tools, which
split X but do not split keyword arguments given to `predict`. Features are standardised with
statistics of the training set; a model fitted with k features must be given the same k columns.

Targets are any real numbers, higher = better (accuracy); predictions come back in the same units,
except for models trained with a pairwise ranking loss, whose outputs only order architectures.

Hyper-parameters. Every constructor argument has a spec (`nas_core.registry.Param`: type, default,
description, bounds or choices) read from the signature and the class's `param_specs`; the bounds
are sane upper limits too, so a saved file edited to `n_estimators=10**7` is refused rather than
hanging its loader. `predictors.create` and `fit` check them (`validate_params`), and
`predictors.io.load` checks a file's before building anything.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from nas_core import spaces
from nas_core.errors import InvalidArchError, InvalidInputError, NotFittedError
from nas_core.registry import Param, check_params, specs_for
from nas_core.spaces.base import ENCODINGS, SearchSpace

#: Upper bound for thread counts (`n_jobs`, `n_threads`).
MAX_THREADS = 1024
_SPECS: dict[type, dict[str, Param]] = {}


class Predictor(RegressorMixin, BaseEstimator):
    """Base class. Subclasses implement `_fit(idx, feats, y)`, `_predict(idx, feats)`, and, where
    the model has uncertainty, `_predict_dist(idx, feats)`; plus `_get_state`/`_set_state` for
    `save`/`load` (see predictors.io).

    Shapes: `idx` (n,) is the batch: int64 space indices on a finite space, or, on an open
    space, an object array of canonical `Arch`s (`arch_batch`; it slices like the index array,
    and `encoder_input(idx)` is what the space's encoders take either way); `feats` float32
    (n, k) standardised extra features (k may be 0); `y` float64 (n,).
    """

    #: Registry name (set by `predictors.register`).
    name: ClassVar[str] = ""
    #: Whether `predict_dist` returns a meaningful std.
    has_uncertainty: ClassVar[bool] = False
    #: Fewest training architectures the model can be fitted on.
    min_samples: ClassVar[int] = 2
    #: Encodings this model accepts in its `encoding` parameter (empty: it has none).
    encodings: ClassVar[tuple[str, ...]] = (*ENCODINGS, "none")
    #: `save` stores the training set and `load` refits (cheap, deterministic models); otherwise
    #: `_get_state`/`_set_state` give the learned tensors.
    state_by_refit: ClassVar[bool] = False
    #: Descriptions and bounds of constructor arguments (merged along the MRO; subclasses add
    #: their own). Types and defaults come from the `__init__` signature.
    param_specs: ClassVar[dict[str, Param]] = {
        "space": Param("search space name (or a SearchSpace)", type=str | SearchSpace),
        "encoding": Param("architecture encoding fed to the model; 'none': extra features only"),
        # members of an ensemble and of a neural model are seeded seed * 1000 + k: this bound
        # keeps those within every library's range (torch: 2**64)
        "seed": Param("random seed", ge=0, le=2**53),
        "n_jobs": Param("threads used while fitting and predicting", ge=1, le=MAX_THREADS),
        "n_threads": Param("torch threads used while fitting and predicting", ge=1, le=MAX_THREADS),
    }

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give `encoding` the choices this class accepts (its `encodings`)."""
        super().__init_subclass__(**kwargs)
        if cls.encodings and "encoding" in inspect.signature(cls.__init__).parameters:
            own = dict(cls.__dict__.get("param_specs", {}))
            base = own.get("encoding") or Predictor.param_specs["encoding"]
            own["encoding"] = replace(base, choices=tuple(cls.encodings))
            cls.param_specs = own

    @classmethod
    def param_spec(cls) -> dict[str, Param]:
        """Every constructor argument's spec (type, default, description, bounds), in order."""
        if cls not in _SPECS:
            _SPECS[cls] = specs_for(cls, owner=f"predictor {cls.name or cls.__name__!r}")[0]
        return dict(_SPECS[cls])

    @classmethod
    def validate_params(cls, params: dict[str, Any]) -> dict[str, Any]:
        """`params` (constructor arguments) checked against `param_spec()` and converted:
        unknown names, wrong types and out-of-range values raise one InvalidInputError line."""
        owner = f"predictor {cls.name or cls.__name__!r}"
        out = check_params(cls.param_spec(), params, owner, require=False)
        cls._check_params(out)
        return out

    @classmethod
    def _check_params(cls, params: dict[str, Any]) -> None:
        """Hook for checks across parameters or against the registry (see EnsemblePredictor)."""

    # ------------------------------------------------------------------------------------------
    # public API
    def fit(self, archs: Any, y: Any, features: Any = None) -> Predictor:
        """Fit on `archs` with targets `y` (higher = better) and optional extra `features`."""
        self.validate_params(self.get_params(deep=False))
        space = self._resolve_space()
        idx, raw = self._inputs(space, archs, features)
        y_arr = _targets(y, len(idx))
        if len(idx) < self.min_samples:
            raise InvalidInputError(
                f"{type(self).__name__} needs at least {self.min_samples} training "
                f"architectures, got {len(idx)}"
            )
        self.space_name_ = space.name
        self.n_features_extra_ = raw.shape[1]
        if raw.shape[1]:
            if not np.isfinite(raw).all():
                raise InvalidInputError("extra features contain NaN or inf; impute or drop them")
            mean, std = raw.mean(axis=0), raw.std(axis=0)
            self.feature_mean_ = mean
            self.feature_scale_ = np.where(std > 0, std, 1.0)
        else:
            self.feature_mean_ = np.zeros(0)
            self.feature_scale_ = np.ones(0)
        with self._blas_limit():
            self._fit(idx, self._scale(raw), y_arr)
        if self.state_by_refit:
            self.train_idx_, self.train_features_, self.train_y_ = idx, raw, y_arr
        self.n_train_ = len(idx)
        return self

    def predict(self, archs: Any, features: Any = None) -> np.ndarray:
        """Predicted performance, float64 (n,)."""
        idx, feats = self._predict_inputs(archs, features)
        with self._blas_limit():
            out = self._predict(idx, feats)
        return np.asarray(out, dtype=np.float64).reshape(-1)

    def predict_dist(self, archs: Any, features: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """(mean, std), each float64 (n,). Only for models with `has_uncertainty`; wrap any other
        in `predictors.create("ensemble", base=...)` to get a spread."""
        if not self.has_uncertainty:
            raise InvalidInputError(
                f"predictor {self.name or type(self).__name__!r} has no predictive uncertainty; "
                "use one that has (bananas, gp, bayes_ridge, rf, ensemble) or wrap it: "
                f"predictors.create('ensemble', base={self.name!r})"
            )
        idx, feats = self._predict_inputs(archs, features)
        with self._blas_limit():
            mean, std = self._predict_dist(idx, feats)
        return np.asarray(mean, np.float64).reshape(-1), np.asarray(std, np.float64).reshape(-1)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the fitted model to `path` (see predictors.io for the safe file format)."""
        from predictors.io import save

        return save(self, path)

    @staticmethod
    def load(path: str | os.PathLike[str]) -> Predictor:
        from predictors.io import load

        return load(path)

    # ------------------------------------------------------------------------------------------
    # hooks
    def _fit(self, idx: np.ndarray, feats: np.ndarray, y: np.ndarray) -> None:
        raise NotImplementedError

    def _predict(self, idx: np.ndarray, feats: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _predict_dist(self, idx: np.ndarray, feats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _get_state(self) -> dict[str, Any]:
        raise NotImplementedError

    def _set_state(self, state: dict[str, Any]) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------------------------------
    # helpers for subclasses
    def _blas_limit(self) -> Any:
        """Cap BLAS/OpenMP threads at the model's `n_threads`/`n_jobs` (default 1) while it works.

        These models are small: on a shared machine, extra BLAS threads spin against each other
        and make a small factorisation many times slower, not faster (perf/results/predictors.md).
        """
        n = getattr(self, "n_threads", None) or getattr(self, "n_jobs", None) or 1
        return _threadpools().limit(limits=max(1, int(n)))

    def _resolve_space(self) -> SearchSpace:
        s = getattr(self, "space", "nb201")
        if isinstance(s, SearchSpace):
            return s
        if not isinstance(s, str):
            raise InvalidInputError(f"space must be a space name or SearchSpace, got {s!r}")
        return spaces.get(s)

    def _encode(self, idx: np.ndarray, feats: np.ndarray) -> np.ndarray:
        """Space encoding (self.encoding) with the extra features appended: float32 (n, d + k).
        encoding="none" uses the extra features alone (e.g. zero-cost scores only)."""
        if self.encoding == "none":
            if not feats.shape[1]:
                raise InvalidInputError('encoding="none" needs extra features (features=...)')
            return feats.astype(np.float32)
        x = self._resolve_space().encode(encoder_input(idx), self.encoding)
        return np.concatenate([x, feats.astype(np.float32)], axis=1) if feats.shape[1] else x

    def _probe_batch(self) -> np.ndarray:
        """A one-architecture batch of the space, for working out input sizes (see `_set_state`)."""
        space = self._resolve_space()
        if space.size is None:
            return arch_batch(space, space.sample(np.random.default_rng(0), 1))
        return np.zeros(1, np.int64)

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_train_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(archs, y) first"
            )

    def _scale(self, raw: np.ndarray) -> np.ndarray:
        if not raw.shape[1]:
            return raw.astype(np.float32)
        return ((raw - self.feature_mean_) / self.feature_scale_).astype(np.float32)

    def _predict_inputs(self, archs: Any, features: Any) -> tuple[np.ndarray, np.ndarray]:
        self._check_fitted()
        space = self._resolve_space()
        idx, raw = self._inputs(space, archs, features)
        if raw.shape[1] != self.n_features_extra_:
            raise InvalidInputError(
                f"model was fitted with {self.n_features_extra_} extra feature column(s), "
                f"got {raw.shape[1]}"
            )
        if raw.shape[1] and not np.isfinite(raw).all():
            raise InvalidInputError("extra features contain NaN or inf; impute or drop them")
        return idx, self._scale(raw)

    @staticmethod
    def _inputs(space: SearchSpace, archs: Any, features: Any) -> tuple[np.ndarray, np.ndarray]:
        archs, features = split_frame(archs, features)
        if isinstance(archs, (str, bytes)) or not hasattr(archs, "__len__"):
            raise InvalidInputError(
                f"archs must be a batch (list or array) of architectures, got {type(archs).__name__}"
            )
        if space.size is None:
            idx = arch_batch(space, archs)
        elif isinstance(archs, np.ndarray) and archs.dtype.kind in "iu" and archs.ndim == 1:
            idx = space.indices(archs)
        else:
            idx = space.indices(list(archs))
        n = len(idx)
        if features is None:
            return idx, np.zeros((n, 0))
        f = np.asarray(features, dtype=np.float64)
        if f.ndim == 1:
            f = f[:, None]
        if f.ndim != 2 or f.shape[0] != n:
            raise InvalidInputError(
                f"features must have shape (n_archs, k) = ({n}, k), got {np.shape(features)}"
            )
        return idx, f


def arch_batch(space: SearchSpace, archs: Any) -> np.ndarray:
    """A batch of an open space as a 1-D object array of canonical `Arch`s (each parsed, so any
    spelling works). An array slices, fancy-indexes and has a length as an index array does,
    which is all the models do with a batch besides encoding it."""
    if isinstance(archs, np.ndarray) and archs.ndim == 1 and archs.dtype.kind in "iuf":
        raise InvalidArchError(
            f"space {space.name!r} is open: its architectures have no index, so an array of "
            "numbers cannot name them; pass the architectures (Arch objects or strings)"
        )
    parse = space.parse
    out = np.empty(len(archs), dtype=object)
    for i, a in enumerate(archs):
        out[i] = parse(a)
    return out


def encoder_input(idx: np.ndarray) -> Any:
    """What a space's encoders take for a batch: the index array itself, or the list of `Arch`s
    of an open space's object batch (an object array would be read as indices)."""
    return idx.tolist() if idx.dtype == object else idx


def split_frame(archs: Any, features: Any) -> tuple[Any, Any]:
    """A DataFrame with an `arch` column -> (arch column, the other columns as features)."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        return archs, features
    if isinstance(archs, pd.DataFrame):
        if "arch" not in archs.columns:
            raise InvalidInputError(
                f"a DataFrame of architectures needs an 'arch' column, got {list(archs.columns)}"
            )
        if features is not None:
            raise InvalidInputError("give extra features either as DataFrame columns or features=")
        rest = archs.drop(columns="arch")
        return list(archs["arch"]), (rest.to_numpy(np.float64) if rest.shape[1] else None)
    return archs, features


def _targets(y: Any, n: int) -> np.ndarray:
    try:
        arr = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError("targets y must be numbers") from None
    if arr.ndim != 1:
        arr = arr.reshape(-1) if arr.size == n else arr
    if arr.ndim != 1 or arr.shape[0] != n:
        raise InvalidInputError(
            f"archs and y differ in length: {n} architectures vs {np.shape(y)} targets"
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        raise InvalidInputError(
            f"y contains {int(bad.sum())} NaN/inf value(s) (first at position "
            f"{int(np.argmax(bad))}); drop those architectures first"
        )
    return arr


def standardise(y: np.ndarray) -> tuple[np.ndarray, float, float]:
    mu, sd = float(y.mean()), float(y.std())
    sd = sd if sd > 0 else 1.0
    return (y - mu) / sd, mu, sd


def batched(n: int, size: int) -> Sequence[slice]:
    return [slice(s, min(s + size, n)) for s in range(0, n, size)]


_CONTROLLER: Any = None


def _threadpools() -> Any:
    """One threadpoolctl controller per process: scanning the loaded libraries costs ~6 ms, which
    a fresh `threadpool_limits` paid on every predict (a single surrogate query). A library loaded
    after the first scan is not capped; torch's threads are set by the neural predictors."""
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER
