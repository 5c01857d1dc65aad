"""The searcher registry: `create(name, space, seed=..., **params)`, `list()`, `info()`,
`register_searcher`.

Follows nas_core.registry's convention: parameters are the keyword arguments of the class's
`__init__` (types and defaults from the signature; descriptions and bounds from a `param_specs`
class attribute or `register_searcher(name, params=...)`). `create` checks names and types before
the constructor runs (which checks ranges it knows); one clear InvalidInputError otherwise.

Kept apart from `searchers/__init__.py` so that modules defining searchers (including
`searchers.predictor_guided`) can import the decorator without an import cycle.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from typing import Any

from nas_core import spaces
from nas_core.registry import ComponentInfo, Param, Registry
from nas_core.spaces.base import SearchSpace
from searchers.base import Searcher

#: `space` and `seed` are `create`'s own arguments, not listed among a searcher's parameters.
_REGISTRY: Registry[type[Searcher]] = Registry("searcher", skip=("space", "seed"))
_SEED = Param("random seed of the searcher", type=int | None, ge=0, default=0, name="seed")


def register_searcher(
    name: str, *, summary: str = "", params: Mapping[str, Param] | None = None
) -> Callable[[type[Searcher]], type[Searcher]]:
    """Class decorator: make `cls` available as `searchers.create(name, ...)`. Duplicates raise.
    `params` adds descriptions and bounds to the constructor's keyword arguments."""

    def deco(cls: type[Searcher]) -> type[Searcher]:
        _REGISTRY.register(name, summary=summary, params=params)(cls)
        cls.registered_name = name  # type: ignore[attr-defined]
        return cls

    return deco


def get(name: str) -> type[Searcher]:
    """The class registered as `name` (UnknownNameError naming the valid ones otherwise)."""
    return _REGISTRY.get(name)


def list(pattern: str = "*") -> builtins.list[str]:  # noqa: A001 - the issue asks for searchers.list()
    """Registered searcher names matching a glob `pattern`."""
    return _REGISTRY.list(pattern)


def info(name: str) -> ComponentInfo:
    """Summary, objectives and every parameter (type, default, description, bounds)."""
    i = _REGISTRY.info(name)
    cls = get(name)
    meta = {"multi_objective": cls.num_objectives > 1 or "num_objectives" in i.params}
    return ComponentInfo(i.name, i.kind, i.summary, i.params, i.accepts_extra, meta)


def params_of(name: str) -> dict[str, Any]:
    """Tunable keyword parameters of searcher `name` with their defaults."""
    return {k: p.default for k, p in _REGISTRY.params(name).items() if not p.required}


def create(name: str, space: SearchSpace | str, seed: int | None = 0, **params: Any) -> Searcher:
    """Build searcher `name` over `space` (a SearchSpace or a space name) with its own seed.

    Unknown parameter names and values of the wrong type raise one InvalidInputError line listing
    what is valid (rather than a bare TypeError from the constructor).
    """
    cls = get(name)
    checked = _REGISTRY.validate(name, params)
    seed = _SEED.check(seed, f"searcher {name!r}")
    if isinstance(space, str):
        space = spaces.get(space)
    return cls(space, seed=seed, **checked)
