"""Which metrics a study uses by default, chosen from the metrics' roles (not from tables keyed by
benchmark name), and the provenance lines a study's report prints for them.

`default_metrics(bench, dataset) -> (search, report, objectives)`:
- search: the objective measured on the validation split, else the first objective;
- report: the objective measured on the test split, else the search metric;
- objectives (multi-objective studies): the search metric paired with the first hardware metric,
  else the first size metric (parameters, FLOPs), else the next objective.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from benchmarks.base import Benchmark, MetricInfo, is_finite

#: Roles a search may optimise when a benchmark has no `objective` metric at all.
_FALLBACK_ROLES = ("hardware", "proxy", "size")


def default_metrics(bench: Benchmark, dataset: str) -> tuple[str, str, tuple[str, ...]]:
    """(search metric, report metric, objectives) a NAS researcher would pick (module doc)."""
    infos = bench.metrics(dataset)
    objectives = [m for m in infos if m.role == "objective"]
    if objectives:
        search = _first(objectives, split="valid") or objectives[0]
        report = _first(objectives, split="test") or search
    else:
        search = next((m for m in infos if m.role in _FALLBACK_ROLES), infos[0])
        report = search
    second = (
        _first(infos, role="hardware")
        or _first(infos, role="size")
        or next((m for m in objectives if m.name not in (search.name, report.name)), None)
    )
    if second is None or second.name == search.name:
        return search.name, report.name, (search.name,)
    return search.name, report.name, (search.name, second.name)


def _first(infos: Iterable[MetricInfo], **want: Any) -> MetricInfo | None:
    return next((m for m in infos if all(getattr(m, k) == v for k, v in want.items())), None)


def provenance_lines(bench: Benchmark, dataset: str, metrics: Iterable[str]) -> list[str]:
    """One line per distinct metric: '`name` (role[, split]): <provenance>'."""
    out = []
    for name in dict.fromkeys(metrics):
        info = bench.metric_info(name, dataset)
        where = info.role + (f", {info.split} split" if info.split else "")
        out.append(f"`{name}` ({where}): {info.provenance.line()}")
    return out


def no_optimum_reason(bench: Benchmark) -> str | None:
    """Why a study shows no optimum or regret for `bench` (None when it has one)."""
    if is_finite(bench):
        return None
    kind = "a surrogate" if bench.is_surrogate else "a benchmark"
    return (
        f"no optimum or regret: {bench.name!r} is {kind} with no finite table of architectures "
        f"(space {bench.space.name!r}), so the best achievable value is unknown"
    )
