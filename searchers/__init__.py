"""Ask/tell NAS search strategies (see `searchers.base.Searcher` for the contract).

`searchers.create(name, space, seed=..., **params)` builds one; `searchers.list(pattern)` names
them; `searchers.info(name)` gives each parameter's type, default and description.
Importing this package registers every built-in searcher, and the predictor-guided ones
(`searchers.predictor_guided`) where that module is present.
"""

from __future__ import annotations

import importlib

from searchers import evolution, local_search, nsga2, random_search, reinforce, tpe  # noqa: F401
from searchers.base import Searcher
from searchers.registry import create, get, info, list, params_of, register_searcher

try:
    importlib.import_module("searchers.predictor_guided")
except ModuleNotFoundError as _e:  # only "that module is absent" is tolerated
    if _e.name != "searchers.predictor_guided":
        raise

__all__ = ["Searcher", "create", "get", "info", "list", "params_of", "register_searcher"]
