"""Search spaces, looked up by name: `nas_core.spaces.get("nb201")`.

Registered with `@spaces.register(name, summary=...)` on a factory (nas_core.registry's
convention); `list(pattern)`, `info(name)`, `create(name)` as for every other registry.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from functools import cache
from typing import Any

from nas_core.registry import ComponentInfo, Registry
from nas_core.spaces.base import ENCODINGS, SearchSpace, derive_choices

_REGISTRY: Registry[Callable[[], SearchSpace]] = Registry("search space")


@_REGISTRY.register("nb201", summary="NAS-Bench-201 cell: 6 edges x 5 ops, 15,625 architectures")
def _nb201() -> SearchSpace:
    from nas_core.spaces.nb201 import NB201Space

    return NB201Space()


@_REGISTRY.register("nbgraph", summary="NAS-Bench-Graph GNN space: 26,206 architectures")
def _nbgraph() -> SearchSpace:
    from nas_core.spaces.nbgraph import NBGraphSpace

    return NBGraphSpace()


@_REGISTRY.register(
    "tnb101-micro", summary="TransNAS-Bench-101 micro cell: 6 edges x 4 ops, 4,096 architectures"
)
def _tnb101_micro() -> SearchSpace:
    from nas_core.spaces.tnb101 import TNB101MicroSpace

    return TNB101MicroSpace()


@_REGISTRY.register(
    "tnb101-macro", summary="TransNAS-Bench-101 macro skeleton: 4-6 modules, 3,256 architectures"
)
def _tnb101_macro() -> SearchSpace:
    from nas_core.spaces.tnb101 import TNB101MacroSpace

    return TNB101MacroSpace()


@_REGISTRY.register(
    "nb101", summary="NAS-Bench-101 cell: 7-vertex DAG, <= 9 edges, 423,624 cells (open)"
)
def _nb101() -> SearchSpace:
    from nas_core.spaces.nb101 import NB101Space

    return NB101Space()


@_REGISTRY.register(
    "darts", summary="DARTS / NAS-Bench-301 normal+reduction cells: ~1.08e18 architectures (open)"
)
def _darts() -> SearchSpace:
    from nas_core.spaces.darts import DartsSpace

    return DartsSpace()


@cache
def get(name: str) -> SearchSpace:
    """The (shared, immutable) space called `name`."""
    return _REGISTRY.get(name)()


def names() -> builtins.list[str]:
    return _REGISTRY.names()


def list(pattern: str = "*") -> builtins.list[str]:  # noqa: A001 - as benchmarks.list()
    """Registered space names matching a glob `pattern`."""
    return _REGISTRY.list(pattern)


def info(name: str) -> ComponentInfo:
    """Summary and parameters (the built-in spaces take none) of space `name`."""
    return _REGISTRY.info(name)


def create(name: str, **params: Any) -> SearchSpace:
    """Space `name`; without parameters the shared instance `get(name)` returns."""
    if not params:
        return get(name)
    return _REGISTRY.create(name, **params)


def register(
    name: str, summary: str = ""
) -> Callable[[Callable[..., SearchSpace]], Callable[..., SearchSpace]]:
    """Register a factory `f(**params) -> SearchSpace` under `name` (duplicates raise)."""
    return _REGISTRY.register(name, summary=summary)


__all__ = [
    "ENCODINGS",
    "SearchSpace",
    "create",
    "derive_choices",
    "get",
    "info",
    "list",
    "names",
    "register",
]
