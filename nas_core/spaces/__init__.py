"""Search spaces, looked up by name: `nas_core.spaces.get("nb201")`."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from nas_core.registry import Registry
from nas_core.spaces.base import ENCODINGS, SearchSpace

_REGISTRY: Registry[Callable[[], SearchSpace]] = Registry("search space")


@_REGISTRY.register("nb201")
def _nb201() -> SearchSpace:
    from nas_core.spaces.nb201 import NB201Space

    return NB201Space()


@_REGISTRY.register("nbgraph")
def _nbgraph() -> SearchSpace:
    from nas_core.spaces.nbgraph import NBGraphSpace

    return NBGraphSpace()


@cache
def get(name: str) -> SearchSpace:
    """The (shared, immutable) space called `name`."""
    return _REGISTRY.get(name)()


def names() -> list[str]:
    return _REGISTRY.names()


def register(name: str) -> Callable[[Callable[[], SearchSpace]], Callable[[], SearchSpace]]:
    return _REGISTRY.register(name)


__all__ = ["ENCODINGS", "SearchSpace", "get", "names", "register"]
