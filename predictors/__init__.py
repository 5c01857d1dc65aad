"""Performance predictors: scikit-learn-compatible estimators over architectures.

    import predictors
    predictors.list()                                   # ['bananas', 'bayes_ridge', ...]
    predictors.info("gin").params                       # every parameter: default, bounds
    p = predictors.create("gin", space="nb201", epochs=100)
    p.fit(archs, accuracies).predict(other_archs)
    p.save("model.pt"); q = predictors.load("model.pt")

Registered with `@predictors.register(name, summary)` (nas_core.registry's convention); a
parameter of the wrong type or out of its declared bounds is one clear error at `create` (and at
`fit`, for models built directly). Imports only nas_core (and torch / scikit-learn / xgboost /
lightgbm lazily, inside the models). See predictors.base for the input conventions and
predictors.io for the safe file format.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Callable
from typing import Any

from nas_core import spaces
from nas_core.registry import ComponentInfo, Param, Registry
from nas_core.spaces.base import SearchSpace
from predictors.base import Predictor
from predictors.cellgbt import CellGBTPredictor
from predictors.classic import (
    BayesRidgePredictor,
    GPPredictor,
    LGBPredictor,
    RFPredictor,
    RidgePredictor,
    XGBPredictor,
    XGBTunedPredictor,
)
from predictors.ensemble import EnsemblePredictor
from predictors.neural import (
    BananasPredictor,
    GCNPredictor,
    GINPredictor,
    LSTMPredictor,
    MLPPredictor,
)

#: `space` is given to `create` separately, so it is not listed among a predictor's parameters.
_REGISTRY: Registry[type[Predictor]] = Registry("predictor", skip=("space",))


def register(name: str, summary: str = "") -> Callable[[type[Predictor]], type[Predictor]]:
    """Class decorator: register a Predictor subclass under `name` (duplicates raise).
    Parameters come from its `__init__` signature and `param_specs` (see predictors.base)."""

    def deco(cls: type[Predictor]) -> type[Predictor]:
        _REGISTRY.register(name, summary=summary)(cls)
        cls.name = name
        return cls

    return deco


for _name, _cls, _summary in [
    ("xgb", XGBPredictor, "XGBoost gradient-boosted trees on an encoding"),
    ("xgb_tuned", XGBTunedPredictor, "XGBoost with small-data settings (best with ZC features)"),
    ("lgb", LGBPredictor, "LightGBM gradient-boosted trees on an encoding"),
    ("rf", RFPredictor, "random forest (NASLib defaults); std over trees"),
    ("gp", GPPredictor, "Gaussian process, Matern-5/2 kernel; predictive std"),
    ("ridge", RidgePredictor, "ridge regression on an encoding"),
    ("bayes_ridge", BayesRidgePredictor, "Bayesian linear regression; predictive std"),
    ("mlp", MLPPredictor, "feed-forward net on an encoding"),
    ("lstm", LSTMPredictor, "LSTM over the op sequence"),
    ("gcn", GCNPredictor, "GCN on the op-on-node DAG (Neural Predictor, Wen et al. 2020)"),
    ("gin", GINPredictor, "GIN on the op-on-node DAG (BRP-NAS style)"),
    ("bananas", BananasPredictor, "BANANAS: 5 MLPs on the path encoding; std over members"),
    ("ensemble", EnsemblePredictor, "bootstrap ensemble of any predictor (base=...); std"),
    ("cell_gbt", CellGBTPredictor, "XGBoost+LightGBM ensemble on canonical nb201 cell features"),
]:
    register(_name, _summary)(_cls)


def create(name: str, space: str | SearchSpace = "nb201", **params: Any) -> Predictor:
    """A new, unfitted predictor `name` for `space` (a name or a SearchSpace; a space object
    that is not registered is kept as the object, so a model can fit on it, but not be saved).

    A `seed` is dropped for models that have none (ridge, bayes_ridge). Unknown parameters, values
    of the wrong type and values outside the declared bounds raise one InvalidInputError line
    naming the parameter and what is valid.
    """
    cls = _REGISTRY.get(name)
    if "seed" in params and "seed" not in cls.param_spec():
        params.pop("seed")
    checked = cls.validate_params(params)
    if isinstance(space, SearchSpace) and space.name in spaces.names():
        space = space.name  # a registered space by name: plain params, saved files name it
    return cls(space=space, **checked)


def info(name: str) -> ComponentInfo:
    """Summary, uncertainty and every parameter (type, default, description, bounds)."""
    i = _REGISTRY.info(name)
    cls = _REGISTRY.get(name)
    meta = {"has_uncertainty": cls.has_uncertainty, "min_samples": cls.min_samples}
    return ComponentInfo(i.name, i.kind, i.summary, i.params, i.accepts_extra, meta)


def params_of(name: str) -> dict[str, Param]:
    """Parameter specs of predictor `name` (without `space`)."""
    return _REGISTRY.params(name)


def get_class(name: str) -> type[Predictor]:
    return _REGISTRY.get(name)


def list(pattern: str = "*") -> builtins.list[str]:  # noqa: A001 - mirrors benchmarks.list()
    """Registered predictor names matching a glob `pattern`."""
    return _REGISTRY.list(pattern)


def summary(name: str) -> str:
    return _REGISTRY.summary(name)


def load(path: str | os.PathLike[str]) -> Predictor:
    """Load a predictor saved with `Predictor.save` (see predictors.io; never runs code)."""
    from predictors.io import load as _load

    return _load(path)


__all__ = [
    "Predictor",
    "create",
    "get_class",
    "info",
    "list",
    "load",
    "params_of",
    "register",
    "summary",
]
