"""Composition: benchmarks over the same space joined on the architecture key into one benchmark
with all their metrics (`benchmarks.join(analognas, latency, suite_zero)`), which is what
multi-objective and hardware-aware studies need.

`JoinedBenchmark` delegates to its parts rather than copying their tables: each (dataset, metric,
epoch) resolves once, through a dict, to the part that holds it, so a single-arch query costs one
dict lookup more than querying the part itself.

Rules:
- All parts must share one space and hold finite tables (`FiniteBenchmark`; else
  InvalidInputError): the join is keyed on the architectures the parts list.
- Datasets are the union, in part order; the default dataset is the first part's.
- A metric with the same name on the same dataset in two parts merges when their epochs differ
  (a 200-epoch and a 12-epoch table give one `test_acc` with epochs [12, 200], default the final
  one). If two parts hold the *same* (dataset, metric, epoch), the metric is a clash: it is renamed
  `<part name>:<metric>` in every part holding it, on that dataset, and the bare name is
  not offered (no silent precedence). Clashing parts need distinct names (`name=` when loading).
- `archs()` is the union of the parts' archs. An arch missing from one part raises
  NotInBenchmarkError for that part's metrics only (the message names the part).
- `cost` comes from the first part with measured training time for the dataset (a part whose
  `cost_info` is not a unit cost), with its `CostInfo`; otherwise one simulated second per query,
  for any arch the joined benchmark holds.
- Every metric keeps its part's `MetricInfo` (role, split, provenance); only a clash renames it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.base import Benchmark, CostInfo, FiniteBenchmark, MetricInfo, is_single, unit_cost
from nas_core.arch import Arch
from nas_core.errors import InvalidInputError, NotInBenchmarkError, UnknownNameError

SEP = ":"

_Target = tuple[Benchmark, str]  # part, the metric's name in that part


class JoinedBenchmark(FiniteBenchmark):
    def __init__(self, parts: Sequence[Benchmark], name: str | None = None):
        if len(parts) < 1:
            raise InvalidInputError("join needs at least one benchmark")
        for p in parts:
            if not isinstance(p, Benchmark):
                raise InvalidInputError(f"join takes Benchmark objects, got {type(p).__name__}")
            if not isinstance(p, FiniteBenchmark):
                raise InvalidInputError(
                    f"join needs benchmarks with a finite table; {p.name!r} is over an open space "
                    "(it has no list of architectures to join on)"
                )
        spaces_ = {p.space.name for p in parts}
        if len(spaces_) > 1:
            raise InvalidInputError(
                "benchmarks over different spaces cannot be joined: "
                + ", ".join(f"{p.name!r} is {p.space.name!r}" for p in parts)
            )
        if len({id(p) for p in parts}) < len(parts):
            raise InvalidInputError("the same benchmark object is given to join twice")
        self.parts = tuple(parts)
        self.space = parts[0].space
        self.name = name or "+".join(p.name for p in parts)
        self.is_surrogate = any(p.is_surrogate for p in parts)
        self.description = "joined benchmark: " + "; ".join(
            f"{p.name} ({p.description})" for p in parts
        )
        self.citation = "\n".join(dict.fromkeys(p.citation for p in parts if p.citation))
        self.licence = "; ".join(dict.fromkeys(f"{p.name}: {p.licence}" for p in parts))
        ds: dict[str, None] = {}
        for p in parts:
            ds.update(dict.fromkeys(p.datasets))
        self._datasets = tuple(ds)
        self._default = parts[0].default_dataset
        self._build_routes()

    # --- routing ----------------------------------------------------------------------------
    def _build_routes(self) -> None:
        # (dataset, metric) -> {epoch: [(part, part metric)]}
        found: dict[tuple[str, str], dict[int | None, list[_Target]]] = {}
        infos: dict[tuple[int, str, str], MetricInfo] = {}
        for p in self.parts:
            for d in p.datasets:
                for info in p.metrics(d):
                    for e in p.epochs(info.name, d):
                        found.setdefault((d, info.name), {}).setdefault(e, []).append(
                            (p, info.name)
                        )
                    infos[(id(p), d, info.name)] = info
        self._routes: dict[tuple[str, str], dict[int | None, _Target]] = {}
        self._infos: dict[tuple[int, str, str], MetricInfo] = {}
        self._order: dict[str, list[str]] = {d: [] for d in self._datasets}
        for (d, m), by_epoch in found.items():
            holders = {id(t[0]): t[0].name for ts in by_epoch.values() for t in ts}
            if len(set(holders.values())) < len(holders):
                raise InvalidInputError(
                    f"two parts named {sorted(holders.values())} both hold {m!r} on {d!r}; give "
                    "them distinct names (name=... when loading) so the clash can be resolved"
                )
            clash = any(len(ts) > 1 for ts in by_epoch.values())
            for e, targets in by_epoch.items():
                for part, pm in targets:
                    name = f"{part.name}{SEP}{m}" if clash else m
                    key = (d, name)
                    if key not in self._routes:
                        self._routes[key] = {}
                        self._order[d].append(name)
                        base = infos[(id(part), d, m)]
                        self._infos[key] = replace(base, name=name)
                    self._routes[key][e] = (part, pm)
        # epoch=None: the part's own final value when only one part holds the metric, else the
        # latest epoch's part (a final-only column counts as latest).
        self._final: dict[tuple[str, str], tuple[Benchmark, str, int | None]] = {}
        for key, by_epoch in self._routes.items():
            e = None if None in by_epoch else max(e for e in by_epoch if e is not None)
            self._final[key] = (*by_epoch[e], e)

    def _route(
        self, metric: str, dataset: str | None, epoch: int | None
    ) -> tuple[Benchmark, str, str, int | None]:
        d = dataset or self._default
        key = (d, metric)
        if epoch is None:
            t = self._final.get(key)
            if t is not None:
                return t[0], t[1], d, t[2]
        else:
            by_epoch = self._routes.get(key)
            if by_epoch is not None:
                t = by_epoch.get(epoch)
                if t is not None:
                    return t[0], t[1], d, epoch
                valid = sorted(e for e in self.epochs(metric, d) if e is not None)
                raise InvalidInputError(
                    f"metric {metric!r} on {d!r} has no value at epoch {epoch}; "
                    f"available epochs: {valid or 'final value only (epoch=None)'}"
                )
        d = self._dataset(dataset)
        raise UnknownNameError("metric", metric, self._order[d], f"for dataset {d!r}")

    # --- description ------------------------------------------------------------------------
    @property
    def datasets(self) -> tuple[str, ...]:
        return self._datasets

    @property
    def default_dataset(self) -> str:
        return self._default

    def metrics(self, dataset: str | None = None) -> list[MetricInfo]:
        d = self._dataset(dataset)
        return [self._infos[(d, m)] for m in self._order[d]]

    def epochs(self, metric: str, dataset: str | None = None) -> list[int | None]:
        d = self._dataset(dataset)
        self.metric_info(metric, d)
        eps = self._routes[(d, metric)]
        return sorted(eps, key=lambda e: -1 if e is None else e)

    def part_of(self, metric: str, dataset: str | None = None, *, epoch: int | None = None) -> str:
        """Name of the part that answers `metric` on `dataset` (at `epoch`)."""
        return self._route(metric, dataset, epoch)[0].name

    # --- queries ----------------------------------------------------------------------------
    def query(
        self,
        archs: Any,
        metric: str,
        dataset: str | None = None,
        *,
        epoch: int | None = None,
        seed: int | None = None,
    ) -> Any:
        part, pm, d, e = self._route(metric, dataset, epoch)
        try:
            return part.query(archs, pm, d, epoch=e, seed=seed)
        except NotInBenchmarkError as err:
            raise NotInBenchmarkError(
                f"{metric!r} on {d!r} comes from part {part.name!r} of {self.name!r}: {err}"
            ) from err

    def _cost_part(self, d: str) -> Benchmark | None:
        cache = self.__dict__.setdefault("_cost_parts", {})
        if d not in cache:
            cache[d] = next(
                (p for p in self.parts if d in p.datasets and p.cost_info(d).kind != "unit"),
                None,
            )
        return cache[d]

    def cost(self, archs: Any, dataset: str | None = None, *, epoch: int | None = None) -> Any:
        d = self._dataset(dataset)
        part = self._cost_part(d)
        if part is not None:
            try:
                return part.cost(archs, d, epoch=epoch)
            except NotInBenchmarkError as err:
                raise NotInBenchmarkError(
                    f"cost on {d!r} comes from part {part.name!r} of {self.name!r}: {err}"
                ) from err
        idx = self.space.indices([archs] if is_single(archs) else archs)
        missing = ~np.isin(idx, self._index)
        if missing.any():
            shown = self.space.to_str(self.space.from_index(int(idx[missing][0])))
            raise NotInBenchmarkError(
                f"{int(missing.sum())} architecture(s) in no part of {self.name!r}, e.g. {shown}"
            )
        return 1.0 if is_single(archs) else np.ones(len(idx), dtype=np.float64)

    def cost_info(self, dataset: str | None = None, *, epoch: int | None = None) -> CostInfo:
        d = self._dataset(dataset)
        part = self._cost_part(d)
        if part is None:
            return unit_cost(f"no part has measured training time on {d!r}")
        info = part.cost_info(d, epoch=epoch)
        return replace(info, description=f"from part {part.name!r}: {info.description}")

    @property
    def _index(self) -> np.ndarray:
        cached = self.__dict__.get("_index_cache")
        if cached is None:
            cached = np.unique(np.concatenate([p.arch_indices() for p in self.parts]))  # type: ignore[attr-defined]
            self.__dict__["_index_cache"] = cached
        return cached

    def archs(self, dataset: str | None = None) -> list[Arch]:
        """The union of the parts' architectures (on `dataset`: of the parts holding it), in the
        space's index order."""
        return self.space.archs_at(self.arch_indices(dataset))

    def arch_indices(self, dataset: str | None = None) -> np.ndarray:
        """Space indices of `archs(dataset)`, without making `Arch` objects."""
        if dataset is None:
            return np.asarray(self._index)
        d = self._dataset(dataset)
        held = [p.arch_indices(d) for p in self.parts if d in p.datasets]  # type: ignore[attr-defined]
        return np.unique(np.concatenate(held))

    def optimum(
        self, metric: str, dataset: str | None = None, *, epoch: int | None = None
    ) -> float:
        part, pm, d, e = self._route(metric, dataset, epoch)
        return part.optimum(pm, d, epoch=e)

    def best_arch(
        self, metric: str, dataset: str | None = None, *, epoch: int | None = None
    ) -> Arch:
        part, pm, d, e = self._route(metric, dataset, epoch)
        return part.best_arch(pm, d, epoch=e)

    def to_frame(self) -> pd.DataFrame:
        """Outer join of the parts' frames on the space index; clashing columns get the part's
        name as prefix (`<part>:<dataset>/<metric>`), as do extras two parts share."""
        out = pd.DataFrame({"index": self._index})
        out["arch"] = [self.space.to_str(self.space.from_index(int(i))) for i in self._index]
        taken = set(out.columns)
        for p in self.parts:
            frame = p.to_frame().drop(columns=["arch"], errors="ignore")
            rename = {}
            for c in frame.columns:
                if c == "index":
                    continue
                new = self._frame_name(p, c)
                if new in taken:
                    new = f"{p.name}{SEP}{c}"
                rename[c] = new
                taken.add(new)
            out = out.merge(frame.rename(columns=rename), on="index", how="left")
        return out

    def _frame_name(self, part: Benchmark, column: str) -> str:
        d, slash, rest = column.partition("/")
        if not slash or d not in self._datasets:
            return column
        m = rest.split("@")[0].split("#")[0]
        if (d, m) not in self._routes and (d, f"{part.name}{SEP}{m}") in self._routes:
            return f"{d}/{part.name}{SEP}{rest}"
        return column


def join(*parts: Benchmark, name: str | None = None) -> JoinedBenchmark:
    """One benchmark with all metrics of `parts` (same space); see the module docstring."""
    if len(parts) == 1 and isinstance(parts[0], (list, tuple)):
        parts = tuple(parts[0])
    flat: list[Benchmark] = []
    for p in parts:
        flat.extend(p.parts if isinstance(p, JoinedBenchmark) else [p])
    return JoinedBenchmark(flat, name=name)
