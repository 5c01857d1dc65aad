"""The searcher registry: `create(name, space, seed=..., **params)`, `list()`, `register_searcher`.

Kept apart from `searchers/__init__.py` so that modules defining searchers (including
`searchers.predictor_guided`) can import the decorator without an import cycle.
"""

from __future__ import annotations

import builtins
import inspect
from collections.abc import Callable
from typing import Any

from nas_core import spaces
from nas_core.errors import InvalidInputError
from nas_core.registry import Registry
from nas_core.spaces.base import SearchSpace
from searchers.base import Searcher

_REGISTRY: Registry[type[Searcher]] = Registry("searcher")


def register_searcher(name: str) -> Callable[[type[Searcher]], type[Searcher]]:
    """Class decorator: make `cls` available as `searchers.create(name, ...)`. Duplicates raise."""

    def deco(cls: type[Searcher]) -> type[Searcher]:
        _REGISTRY.register(name)(cls)
        cls.registered_name = name  # type: ignore[attr-defined]
        return cls

    return deco


def get(name: str) -> type[Searcher]:
    """The class registered as `name` (UnknownNameError naming the valid ones otherwise)."""
    return _REGISTRY.get(name)


def list() -> builtins.list[str]:  # noqa: A001 - the issue asks for searchers.list()
    return _REGISTRY.names()


def params_of(name: str) -> dict[str, Any]:
    """Tunable keyword parameters of searcher `name` with their defaults."""
    sig = inspect.signature(get(name).__init__)
    return {
        p.name: p.default
        for p in sig.parameters.values()
        if p.kind is p.KEYWORD_ONLY and p.default is not p.empty
    }


def create(name: str, space: SearchSpace | str, seed: int | None = 0, **params: Any) -> Searcher:
    """Build searcher `name` over `space` (a SearchSpace or a space name) with its own seed.

    Unknown parameter names raise InvalidInputError listing the valid ones (rather than a bare
    TypeError from the constructor).
    """
    cls = get(name)
    if isinstance(space, str):
        space = spaces.get(space)
    valid = params_of(name)
    unknown = sorted(set(params) - set(valid))
    if unknown:
        listed = ", ".join(f"{k}={v!r}" for k, v in valid.items()) or "none"
        raise InvalidInputError(
            f"searcher {name!r} has no parameter(s) {', '.join(unknown)}; valid: {listed}"
        )
    return cls(space, seed=seed, **params)
