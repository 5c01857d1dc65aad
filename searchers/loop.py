"""The search loop: the only place where a searcher, a benchmark and the (simulated) clock meet.

It is the unit of work of searchers, so it lives with them and library users call it without the
CLI (`from searchers.loop import run_search`); `naslab.runner` re-exports it.

`run_search` drives one searcher against one benchmark and returns its full trajectory. Rules,
chosen to match how NAS comparisons are reported in the literature (NAS-Bench-201, NASLib):

- Budget: `budget` distinct architectures and/or `time_budget` simulated seconds, where one
  query costs `Benchmark.cost` (the benchmark's measured training time, or 1 s per query where it
  has none; `Benchmark.cost_source` says which). A query that would cross `time_budget` is not
  made. Whichever budget is reached first stops the run.
- Cost epoch: a query costs the training it takes to read the search metric, i.e.
  `bench.cost(arch, dataset, epoch=E)` where E is the epoch the search metric is read at (its
  default epoch: the latest it holds, or its final value when it has one without an epoch); see
  `cost_epoch`/`cost_rule`. A search on a 12-epoch validation accuracy joined with a 200-epoch
  table is charged 12 epochs, not the 200-epoch total. Benchmarks whose cost does not depend on
  the epoch (`cost_info().epoch_dependent` False) are charged their one cost.
- Constraints (`constraints`, see `searchers.constraints`): an architecture violating one is a
  query like any other (budget, cost, simulated time) but never the incumbent; the searcher is
  told a penalty below everything seen so far. `best_search`/`best_report` are over feasible
  queries only (NaN until the first feasible one).
- Isomorphism (`isomorphism`, a study option). "per-cell" (the default): every cell is its own
  architecture, as the benchmarks recorded it. The benchmark is queried with the proposed cell
  itself (for nb201, two isomorphic cells were trained separately and differ by training noise),
  and budget counts each distinct cell. "merge": a proposal is identified with its class
  representative `space.canonical(arch)`; the benchmark is queried for the representative, a
  cell isomorphic to one already queried is answered with that value for free, and budget
  counts distinct classes. Either way a repeat of a key already queried is answered from memory
  without charging budget or time (but is still told to the searcher, which asked for it). A
  space whose `parse` already canonicalises (nbgraph: one table row per class) is the same
  under both. A searcher that proposes `max_repeats` repeats in a row (it has converged, or
  the space is exhausted) or `max_asks` proposals in all is stopped (stop reason "stalled").
- Search vs report: the searcher sees `metric` (e.g. validation accuracy), the trajectory also
  records `report_metric` (e.g. test accuracy) and, for multi-objective studies, every metric of
  `objectives`. Best-so-far is judged by `metric`; `best_report` is the report value of that
  incumbent, i.e. "test accuracy of the architecture with the best validation accuracy".
- Direction: searchers always maximise; a metric whose `MetricInfo.higher_is_better` is False is
  negated before `tell`. A value the benchmark lacks (NaN) is told as -inf.
- Architectures the benchmark does not hold (e.g. nbgraph's proteins table covers 2,021 archs)
  are told -inf, are not charged and are not recorded as steps; the run counts them in `missing`.

The per-step loop uses only dicts and floats, and reads the search metric through
`bench.reader(metric, dataset)` (the column resolved once per run; the same values as `query`);
everything else (report metric, objectives, costs when there is no time budget, best-so-far) is
queried or computed once per run, vectorised.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from nas_core.arch import Arch
from nas_core.errors import InvalidInputError, NotInBenchmarkError
from searchers.base import Searcher
from searchers.constraints import Constraint, parse_constraints

if TYPE_CHECKING:  # the loop needs only the Benchmark protocol, not the benchmarks package
    from benchmarks.base import Benchmark


@dataclass
class Trajectory:
    """One run: per-step columns (NumPy arrays, one row per distinct query) plus run facts."""

    columns: dict[str, np.ndarray]
    stop_reason: str
    asks: int
    repeats: int
    missing: int
    wall_s: float
    result: Any = None
    info: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.columns["step"])


def _sign(bench: Benchmark, metric: str, dataset: str) -> float:
    return 1.0 if bench.metric_info(metric, dataset).higher_is_better else -1.0


#: Values of `run_search(isomorphism=...)` and what each means for the budget (for reports).
ISOMORPHISM = {
    "per-cell": "each cell is queried and counted on its own (its own measured value, as the "
    "benchmark recorded it); only repeats of the same cell are free",
    "merge": "isomorphic cells share their class representative's value; a cell isomorphic to "
    "one already queried is free, and the budget counts distinct classes",
}


def check_isomorphism(isomorphism: str) -> str:
    """`isomorphism`, or InvalidInputError naming the valid values."""
    if isomorphism not in ISOMORPHISM:
        raise InvalidInputError(
            f"isomorphism must be one of {', '.join(map(repr, ISOMORPHISM))}, got {isomorphism!r}"
        )
    return isomorphism


def check_budget(budget: int | None, time_budget: float | None) -> None:
    """Raise InvalidInputError unless at least one budget is given and every given one is > 0."""
    if budget is None and time_budget is None:
        raise InvalidInputError("give a budget: a number of queries and/or simulated seconds")
    if budget is not None and (int(budget) != budget or budget <= 0):
        raise InvalidInputError(f"budget must be a positive number of queries, got {budget}")
    if time_budget is not None and not time_budget > 0:
        raise InvalidInputError(
            f"time budget must be a positive number of simulated seconds, got {time_budget}"
        )


def cost_epoch(bench: Benchmark, metric: str, dataset: str | None = None) -> int | None:
    """The epoch a query of `metric` is charged for (`bench.cost(..., epoch=...)`): the epoch
    `metric` is read at by default (its latest, or None for a final value), or None when the
    benchmark's cost does not depend on the epoch."""
    d = bench._dataset(dataset)
    if not bench.cost_info(d).epoch_dependent:
        return None
    eps = bench.epochs(metric, d)
    if None in eps or not eps:
        return None
    return max(e for e in eps if e is not None)


def cost_rule(bench: Benchmark, metric: str, dataset: str | None = None) -> str:
    """One sentence for reports: what one query of a search on `metric` costs."""
    d = bench._dataset(dataset)
    e = cost_epoch(bench, metric, d)
    info = bench.cost_info(d, epoch=e)
    if info.kind == "unit":
        return f"each query costs 1 simulated second ({info.description})"
    if e is None:
        return (
            f"each query costs the training time of the value {metric!r} is read at "
            f"(final): {info.description}"
        )
    return (
        f"each query costs the training time to epoch {e}, where {metric!r} is read "
        f"(bench.cost(arch, {d!r}, epoch={e})): {info.description}"
    )


def run_search(
    searcher: Searcher,
    bench: Benchmark,
    *,
    metric: str,
    dataset: str | None = None,
    report_metric: str | None = None,
    objectives: tuple[str, ...] = (),
    budget: int | None = None,
    time_budget: float | None = None,
    batch_size: int = 1,
    max_asks: int | None = None,
    max_repeats: int = 1000,
    isomorphism: str = "per-cell",
    constraints: tuple[str | Constraint, ...] = (),
) -> Trajectory:
    """Run `searcher` on `bench` until a budget is spent; see the module docstring for the rules.

    Multi-objective searchers (`searcher.num_objectives > 1`) are told the `objectives` (signed so
    higher is better) instead of `metric`; `metric` still defines the best-so-far columns.
    Returned columns: step, arch (space string), search, report, cost, sim_time, best_search,
    best_report, asks (proposals so far, repeats included), `obj:<metric>` per objective and,
    with `constraints`, `feasible` and `con:<metric>` per constrained metric.
    """
    check_budget(budget, time_budget)
    check_isomorphism(isomorphism)
    if batch_size < 1:
        raise InvalidInputError(f"batch_size must be >= 1, got {batch_size}")
    d = bench._dataset(dataset)
    report_metric = report_metric or metric
    k = searcher.num_objectives
    objectives = tuple(objectives)
    for m in (metric, report_metric, *objectives):
        bench.metric_info(m, d)
    cons = parse_constraints(constraints, bench, d)
    if k > 1 and len(objectives) != k:
        raise InvalidInputError(
            f"searcher {type(searcher).__name__} optimises {k} objectives; give exactly {k} "
            f"objective metrics, got {list(objectives) or 'none'}"
        )
    space = bench.space
    sign = _sign(bench, metric, d)
    obj_signs = np.array([_sign(bench, m, d) for m in objectives]) if k > 1 else None
    max_asks = max_asks or (100 * (budget or 1000) + 10_000)
    limit = budget if budget is not None else np.inf
    tlimit = time_budget if time_budget is not None else np.inf
    query = bench.query
    try:
        epoch = cost_epoch(bench, metric, d)
    except AttributeError:  # a duck-typed benchmark without cost_info/epochs: its one cost
        epoch = None
    if epoch is None:
        cost_of = bench.cost
    else:

        def cost_of(a: Any, d: str) -> Any:
            return bench.cost(a, d, epoch=epoch)

    reader = getattr(bench, "reader", None)  # Benchmark.reader; a duck-typed one may lack it
    if reader is not None:
        read = reader(metric, d)
    else:

        def read(a: Any) -> float:
            return query(a, metric, d)

    timed = time_budget is not None
    con_metrics = list(dict.fromkeys(c.metric for c in cons))
    con_read = [bench.reader(m, d) if reader is not None else None for m in con_metrics]
    con_vals: list[list[float]] = []
    feasible: list[bool] = []
    lowest = np.full(k, np.inf)  # lowest finite signed value told so far, per column

    def penalised(c: Arch, v: Any) -> tuple[Any, list[float], bool]:
        """The value told for `c` (real, or the penalty if infeasible), its constraint values."""
        vals = [
            float(r(c)) if r is not None else float(query(c, m, d))
            for r, m in zip(con_read, con_metrics, strict=True)
        ]
        by = dict(zip(con_metrics, vals, strict=True))
        viol = sum(con.violation(by[con.metric]) for con in cons)
        row = np.atleast_1d(np.asarray(v, dtype=float))
        fin = np.isfinite(row)
        np.minimum(lowest, np.where(fin, row, np.inf), out=lowest)
        if viol <= 0:
            return v, vals, True
        pen = np.where(np.isfinite(lowest), lowest - viol, -np.inf)
        return (float(pen[0]) if k == 1 else pen), vals, False

    parse = space.parse
    merge = isomorphism == "merge"
    if merge:
        canonical = space.canonical

        def key_of(a: Any) -> Arch:
            return canonical(parse(a))
    else:
        key_of = parse

    key_memo: dict[Any, Arch] = {}  # proposal -> the arch queried for it (itself, or its class)
    told: dict[Arch, Any] = {}  # queried arch -> value told (float or objective row)
    keys: list[Arch] = []
    search_vals: list[float] = []
    costs: list[float] = []
    asks_at: list[int] = []
    elapsed = 0.0
    asks = repeats = missing = streak = 0
    stop = ""
    ask, tell = searcher.ask, searcher.tell
    inf, array = np.inf, np.array
    t0 = time.perf_counter()
    while not stop:
        proposals = ask(batch_size)
        out: list[Arch] = []
        vals: list[Any] = []
        for a in proposals:
            asks += 1
            # a proposal equal to a queried arch is a repeat whatever its key: key_of(a) == a
            v = told.get(a)
            if v is None:
                if not merge and type(a) is Arch:
                    c = parse(a)  # == a: told.get(c) would miss again, and no memo is needed
                else:
                    c = key_memo.get(a)
                    if c is None:
                        c = key_memo[a] = key_of(a)
                    v = told.get(c)
            if v is None:
                try:
                    raw = read(c)
                    step_cost = float(cost_of(c, d)) if timed else 0.0
                except NotInBenchmarkError:
                    missing += 1
                    v = told[c] = -inf if k == 1 else np.full(k, -inf)
                else:
                    if timed:
                        if elapsed + step_cost > tlimit:
                            stop = "time_budget"
                            break
                        elapsed += step_cost
                        costs.append(step_cost)
                    streak = 0
                    keys.append(c)
                    search_vals.append(raw)
                    asks_at.append(asks)
                    if k == 1:
                        v = sign * raw if raw == raw else -inf
                    else:
                        row = np.array([query(c, m, d) for m in objectives]) * obj_signs
                        v = np.where(np.isnan(row), -inf, row)
                    if cons:
                        v, cv, ok = penalised(c, v)
                        con_vals.append(cv)
                        feasible.append(ok)
                    told[c] = v
                    out.append(a)
                    vals.append(v)
                    if len(keys) >= limit:  # only a new query can reach the budget
                        stop = "budget"
                        break
                    if asks >= max_asks or streak >= max_repeats:
                        stop = "stalled"
                        break
                    continue
            else:
                repeats += 1
                streak += 1
            out.append(a)
            vals.append(v)
            if asks >= max_asks or streak >= max_repeats:
                stop = "stalled"
                break
        if out:
            tell(out, array(vals, float))  # np.array: a fresh array, cheaper than asarray
    wall = time.perf_counter() - t0

    n = len(keys)
    search = np.asarray(search_vals, dtype=float)
    columns: dict[str, np.ndarray] = {
        "step": np.arange(1, n + 1, dtype=np.int64),
        "arch": np.array([space.to_str(a) for a in keys], dtype=object),
        "search": search,
    }
    if n:
        report = (
            search if report_metric == metric else np.asarray(query(keys, report_metric, d), float)
        )
        if time_budget is None:
            cost = np.asarray(cost_of(keys, d), dtype=float)
        else:
            cost = np.asarray(costs, dtype=float)
        feas = np.asarray(feasible, dtype=bool) if cons else np.ones(n, dtype=bool)
        signed = np.where(np.isnan(search) | ~feas, -np.inf, sign * search)
        running = np.maximum.accumulate(signed)
        # index of the incumbent at each step: the last step where the running best improved
        improved = np.r_[True, running[1:] > running[:-1]]
        inc = np.maximum.accumulate(np.where(improved, np.arange(n), 0))
        seen_feasible = np.maximum.accumulate(feas)
    else:
        report = cost = np.empty(0)
        inc = np.empty(0, dtype=np.int64)
        seen_feasible = np.empty(0, dtype=bool)
    columns["report"] = report
    columns["cost"] = cost
    columns["sim_time"] = np.cumsum(cost)
    columns["best_search"] = np.where(seen_feasible, search[inc], np.nan)
    columns["best_report"] = np.where(seen_feasible, report[inc], np.nan)
    columns["asks"] = np.asarray(asks_at, dtype=np.int64)
    if k > 1 or objectives:
        for m in objectives:
            columns[f"obj:{m}"] = np.asarray(query(keys, m, d), dtype=float) if n else np.empty(0)
    if cons:
        columns["feasible"] = np.asarray(feasible, dtype=bool)
        cv = np.asarray(con_vals, dtype=float).reshape(n, len(con_metrics))
        for i, m in enumerate(con_metrics):
            columns[f"con:{m}"] = cv[:, i]
    return Trajectory(
        columns=columns,
        stop_reason=stop,
        asks=asks,
        repeats=repeats,
        missing=missing,
        wall_s=wall,
        result=searcher.result(),
        info={
            "isomorphism": isomorphism,
            "cost_epoch": epoch,
            "constraints": [str(c) for c in cons],
        },
    )
