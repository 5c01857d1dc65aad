"""Performance predictors: scikit-learn-compatible estimators over architectures.

    import predictors
    predictors.list()                                   # ['bananas', 'bayes_ridge', ...]
    p = predictors.create("gin", space="nb201", epochs=100)
    p.fit(archs, accuracies).predict(other_archs)
    p.save("model.pt"); q = predictors.load("model.pt")

Imports only nas_core (and torch / scikit-learn / xgboost lazily, inside the models).
See predictors.base for the input conventions and predictors.io for the safe file format.
"""

from __future__ import annotations

import builtins
import fnmatch
import os
from collections.abc import Callable
from typing import Any

from nas_core.registry import Registry
from nas_core.spaces.base import SearchSpace
from predictors.base import Predictor
from predictors.classic import (
    BayesRidgePredictor,
    GPPredictor,
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

_REGISTRY: Registry[type[Predictor]] = Registry("predictor")
_SUMMARY: dict[str, str] = {}


def register(name: str, summary: str = "") -> Callable[[type[Predictor]], type[Predictor]]:
    """Class decorator: register a Predictor subclass under `name` (duplicates raise)."""

    def deco(cls: type[Predictor]) -> type[Predictor]:
        _REGISTRY.register(name)(cls)
        cls.name = name
        _SUMMARY[name] = summary or (cls.__doc__ or "").strip().splitlines()[0]
        return cls

    return deco


for _name, _cls, _summary in [
    ("xgb", XGBPredictor, "XGBoost gradient-boosted trees on an encoding"),
    ("xgb_tuned", XGBTunedPredictor, "XGBoost with small-data settings (best with ZC features)"),
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
]:
    register(_name, _summary)(_cls)


def create(name: str, space: str | SearchSpace = "nb201", **params: Any) -> Predictor:
    """A new, unfitted predictor `name` for `space` (a name or a SearchSpace).

    A `seed` is dropped for models that have none (ridge, bayes_ridge); any other unknown
    parameter raises an error listing the valid ones.
    """
    from nas_core.errors import InvalidInputError

    cls = _REGISTRY.get(name)
    valid = cls._get_param_names()
    if "seed" in params and "seed" not in valid:
        params.pop("seed")
    bad = sorted(set(params) - set(valid))
    if bad:
        raise InvalidInputError(
            f"predictor {name!r} has no parameter(s) {', '.join(bad)}; valid: {', '.join(valid)}"
        )
    space_name = space.name if isinstance(space, SearchSpace) else space
    return cls(space=space_name, **params)


def get_class(name: str) -> type[Predictor]:
    return _REGISTRY.get(name)


def list(pattern: str = "*") -> builtins.list[str]:  # noqa: A001 - mirrors benchmarks.list()
    """Registered predictor names matching a glob `pattern`."""
    return [n for n in _REGISTRY.names() if fnmatch.fnmatch(n, pattern)]


def summary(name: str) -> str:
    _REGISTRY.get(name)
    return _SUMMARY[name]


def load(path: str | os.PathLike[str]) -> Predictor:
    """Load a predictor saved with `Predictor.save` (see predictors.io; never runs code)."""
    from predictors.io import load as _load

    return _load(path)


__all__ = ["Predictor", "create", "get_class", "list", "load", "register", "summary"]
