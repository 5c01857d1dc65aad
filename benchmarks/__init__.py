"""One query API over real NAS benchmarks: `benchmarks.load(name, **options)`, `benchmarks.list()`.

Imports only `nas_core`. Each loader converts its source once into the columnar cache
(`benchmarks.cache`) and returns a `Benchmark` (`benchmarks.base`).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

from benchmarks.base import (
    ROLES,
    Benchmark,
    CostInfo,
    FiniteBenchmark,
    MetricInfo,
    TabularBenchmark,
    is_finite,
)
from nas_core.registry import Registry

_REGISTRY: Registry[Callable[..., Benchmark]] = Registry("benchmark")
_SUMMARY: dict[str, str] = {}


def register(
    name: str, summary: str
) -> Callable[[Callable[..., Benchmark]], Callable[..., Benchmark]]:
    """Register a loader `f(**options) -> Benchmark` under `name` (duplicates raise)."""

    def deco(f: Callable[..., Benchmark]) -> Callable[..., Benchmark]:
        _REGISTRY.register(name)(f)
        _SUMMARY[name] = summary
        return f

    return deco


def load(name: str, /, **options: Any) -> Benchmark:
    """Load benchmark `name`; options are loader-specific (e.g. `path=` for file-backed ones)."""
    return _REGISTRY.get(name)(**options)


def list() -> builtins.list[str]:  # noqa: A001 - the issue asks for benchmarks.list()
    return _REGISTRY.names()


def summary(name: str) -> str:
    _REGISTRY.get(name)
    return _SUMMARY[name]


@register(
    "analognas",
    "AnalogNAS-Bench (embedded): 15,625 NB201 cells, CIFAR-10, hardware-aware accuracies",
)
def _analognas(path: str | None = None) -> Benchmark:
    from benchmarks import analognas

    return analognas.load(path)


@register("nbgraph", "NAS-Bench-Graph (embedded): 26,206 GNN archs, 9 graph datasets")
def _nbgraph(**options: Any) -> Benchmark:
    from benchmarks import nbgraph

    return nbgraph.load(**options)


@register(
    "suite-zero",
    "NAS-Bench-Suite-Zero zc_*.json (path=...): ~725 archs per task, "
    "validation accuracy + 13 zero-cost scores",
)
def _suite_zero(**options: Any) -> Benchmark:
    from benchmarks import suite_zero

    return suite_zero.load(**options)


@register(
    "nb201",
    "NAS-Bench-201 official .pth file (path=...): per-epoch train/valid/test "
    "accuracy and loss, 12- and 200-epoch schedules, times",
)
def _nb201(**options: Any) -> Benchmark:
    from benchmarks import nb201_pth

    return nb201_pth.load(**options)


@register(
    "table",
    "any CSV/Parquet with one row per architecture of a finite space "
    "(path=..., plus a column mapping)",
)
def _table(**options: Any) -> Benchmark:
    from benchmarks import table

    return table.load(**options)


def join(*parts: Benchmark, name: str | None = None) -> Benchmark:
    """One benchmark with all metrics of `parts` (same space); see benchmarks.join_bench."""
    from benchmarks.join_bench import join as _join

    return _join(*parts, name=name)


__all__ = [
    "ROLES",
    "Benchmark",
    "CostInfo",
    "FiniteBenchmark",
    "MetricInfo",
    "TabularBenchmark",
    "is_finite",
    "join",
    "list",
    "load",
    "register",
    "summary",
]
