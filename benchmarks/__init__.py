"""One query API over real NAS benchmarks: `benchmarks.load(name, **options)`, `benchmarks.list()`,
`benchmarks.info(name)` (the loader's options with defaults and descriptions).

Loaders are registered with `@benchmarks.register(name, summary)` (nas_core.registry's
convention); their options are read from the loader's signature (or `signature_of=`, the module
function a thin wrapper forwards to), so `load` refuses an option the loader does not take with
one line listing the valid ones, before any loader code runs.

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
from nas_core.registry import ComponentInfo, Param, Registry

_REGISTRY: Registry[Callable[..., Benchmark]] = Registry("benchmark", noun="option")
_PATH = "data file (or folder) of the benchmark"


def register(
    name: str,
    summary: str,
    *,
    params: dict[str, Param] | None = None,
    signature_of: Callable[..., Any] | str | None = None,
    embedded: bool | None = None,
) -> Callable[[Callable[..., Benchmark]], Callable[..., Benchmark]]:
    """Register a loader `f(**options) -> Benchmark` under `name` (duplicates raise).

    `params` describes its options (descriptions, bounds, choices); `signature_of` names the
    function whose signature lists them when `f` only forwards `**options` ("module:function",
    imported when asked). `embedded`: whether the data ships with naslab (default: the summary
    says "embedded")."""
    emb = "embedded" in summary.lower() if embedded is None else embedded

    def deco(f: Callable[..., Benchmark]) -> Callable[..., Benchmark]:
        _REGISTRY.register(
            name, summary=summary, params=params, signature_of=signature_of, embedded=emb
        )(f)
        return f

    return deco


def load(name: str, /, **options: Any) -> Benchmark:
    """Load benchmark `name`; options are loader-specific (e.g. `path=` for file-backed ones).

    An option the loader does not take, or of the wrong type, raises InvalidInputError listing
    the loader's options; an unknown name raises UnknownNameError with a suggestion."""
    _check_path(options.get("path"))
    return _REGISTRY.create(name, **options)


def _check_path(path: Any) -> None:
    """A path no file can have is one clear error here, not an OS-level ValueError/RuntimeError
    from deep in a loader (a NUL byte; '~nosuchuser')."""
    from pathlib import Path

    from nas_core.errors import MissingFileError

    if isinstance(path, str):
        if "\x00" in path:
            raise MissingFileError(f"path {path!r} holds a NUL byte: no file has that name")
        try:
            Path(path).expanduser()
        except RuntimeError:
            raise MissingFileError(f"path {path!r}: no such user's home directory") from None


def list(pattern: str = "*") -> builtins.list[str]:  # noqa: A001 - the issue asks for benchmarks.list()
    """Registered benchmark names matching a glob `pattern`."""
    return _REGISTRY.list(pattern)


def summary(name: str) -> str:
    return _REGISTRY.summary(name)


def info(name: str) -> ComponentInfo:
    """Summary, whether the data is embedded, and every loader option with its default."""
    return _REGISTRY.info(name)


def is_embedded(name: str) -> bool:
    """Whether benchmark `name` ships its data (no `path` needed)."""
    return bool(_REGISTRY.meta(name)["embedded"])


@register(
    "analognas",
    "AnalogNAS-Bench (embedded): 15,625 NB201 cells, CIFAR-10, hardware-aware accuracies",
    params={"path": Param(f"{_PATH} (default: the installed analog-nasbench package's)")},
    signature_of="benchmarks.analognas:load",
)
def _analognas(**options: Any) -> Benchmark:
    from benchmarks import analognas

    return analognas.load(**options)


@register(
    "nbgraph",
    "NAS-Bench-Graph (embedded): 26,206 GNN archs, 9 graph datasets",
    params={
        "path": Param("folder with the nine <dataset>.bench files (default: the package's)"),
        "dataset": Param("default dataset of queries"),
    },
    signature_of="benchmarks.nbgraph:load",
)
def _nbgraph(**options: Any) -> Benchmark:
    from benchmarks import nbgraph

    return nbgraph.load(**options)


@register(
    "suite-zero",
    "NAS-Bench-Suite-Zero zc_*.json (path=...): NB201, NB101, NB301 (surrogate accuracy) or "
    "TransNAS-Bench-101 micro/macro; ~300-725 archs per task, validation metric + zero-cost scores",
    params={
        "path": Param("a NAS-Bench-Suite-Zero zc_<benchmark>.json file"),
        "space": Param(
            "the file's search space, where its layout and keys leave it open (default: "
            "recognised)",
            choices=("nb201", "nb101", "darts", "tnb101-micro", "tnb101-macro"),
        ),
    },
    signature_of="benchmarks.suite_zero:load",
)
def _suite_zero(**options: Any) -> Benchmark:
    from benchmarks import suite_zero

    return suite_zero.load(**options)


@register(
    "tnb101-micro",
    "TransNAS-Bench-101 micro, all_benchmarks_zen.zip (path=...): all 4,096 cells x 7 tasks, "
    "each task's validation metric + Zen score",
    params={
        "path": Param("NASLib's all_benchmarks_zen.zip"),
        "dataset": Param("default task of queries"),
    },
    signature_of="benchmarks.tnb101:load",
)
def _tnb101_micro(**options: Any) -> Benchmark:
    from benchmarks import tnb101

    return tnb101.load(**options)


@register(
    "nb201",
    "NAS-Bench-201 official .pth file (path=...): per-epoch train/valid/test "
    "accuracy and loss, 12- and 200-epoch schedules, times",
    params={
        "path": Param("the official NAS-Bench-201-v1_1-096897.pth file"),
        "schedule": Param("training schedule in epochs (12 or 200)", choices=(12, 200)),
        "progress": Param("show a progress bar while converting the file once"),
    },
    signature_of="benchmarks.nb201_pth:load",
)
def _nb201(**options: Any) -> Benchmark:
    from benchmarks import nb201_pth

    return nb201_pth.load(**options)


@register(
    "table",
    "any CSV/Parquet with one row per architecture of a finite space "
    "(path=..., plus a column mapping)",
    params={
        "path": Param("the CSV or Parquet file"),
        "space": Param("search space of the architectures (default: the preset's)"),
        "arch_column": Param("column holding the architecture"),
        "columns": Param("column mapping: a dict, 'col=dataset/metric@epoch, ...' or a .json"),
        "preset": Param("a ready-made mapping (benchmarks.table.PRESETS)"),
        "dataset": Param("dataset of columns whose mapping names none"),
        "name": Param("benchmark name shown in reports"),
    },
    signature_of="benchmarks.table:load",
)
def _table(**options: Any) -> Benchmark:
    from benchmarks import table

    return table.load(**options)


@register(
    "surrogate",
    "a saved surrogate benchmark folder (path=...) or a shipped one (shipped=NAME): fitted "
    "models that predict a metric for "
    "any architecture of their space; no optimum",
    params={
        "path": Param("the surrogate's folder (manifest.json, models, train_archs.json)"),
        "shipped": Param("the name of a surrogate naslab ships in data/surrogates (not with path)"),
    },
    signature_of="benchmarks.surrogate:load",
)
def _surrogate(**options: Any) -> Benchmark:
    from benchmarks import surrogate

    return surrogate.load(**options)


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
    "info",
    "is_embedded",
    "join",
    "list",
    "load",
    "register",
    "summary",
]
