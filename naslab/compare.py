"""The method-comparison study behind `naslab compare`: searchers x seeds on one benchmark.

The benchmark: `StudyConfig.bench` is a registered name (with `bench_options`), a
`naslab.bench_spec.BenchSpec` (names and options, several parts joined), or a benchmark object
built in Python (a `Benchmark` instance: a custom subclass, a `benchmarks.join(...)` result). An
object is shipped to worker processes with cloudpickle, so a class defined in a notebook or in a
script read from stdin works with `workers > 1`; its study file cannot rebuild it (it says
`benchmark = "in-memory: <name>"`) and the resume check compares its name only.

Layout of the output directory (`out`):

- `study.toml`: the resolved study (`naslab.study_file`: benchmark parts with absolute paths,
  every setting with its default filled in); `naslab compare --study out/study.toml` reruns it.
  `study.json`: the same settings as JSON. Rerunning into the same directory must use the same
  benchmark, dataset, metrics, constraints, budgets and parameters; more searchers or seeds are
  fine, and both files (and the report) then describe the union of every searcher and the largest
  number of seeds run in the folder.
- `log/`: a `nas_core.results.ResultLog` of every finished run (its whole trajectory, or one row
  saying it failed and why), appended as runs finish (a part every `flush_s`). Rerunning skips
  runs already logged as ok (failed runs are retried), so an interrupted study resumes where it
  stopped.
- `trajectories.parquet` (one row per distinct query of every ok run), `runs.csv` (one row per
  run: status, error, stop reason, wall time), `summary.csv` / `summary.json`, the plots
  (`best_vs_queries.png`, `best_vs_time.png`, `pareto.png` for multi-objective studies) and
  `report.md`, all rebuilt from the log at the end of every invocation.
- `.naslab-output.json` (this folder is a naslab compare output, with checksums of the files
  above), `.naslab.lock` (held while a study writes here) and `.damaged/` (unreadable parts or
  settings, set aside): the job runner's guarantees, see `nas_core.jobs`.

Seeds. Run (searcher, seed) uses the searcher seed
`SeedSequence(base_seed, spawn_key=(seed,)).generate_state(1)[0]`: independent streams per seed
index, and the SAME stream for every searcher at a given seed (common random numbers, which makes
the paired per-seed comparison against random search sharper). Same settings, same trajectory.

The statistics, tables, figures and report are built by `naslab.study_report` from the log.
Default metrics come from the metrics' roles (`naslab.study_metrics.default_metrics`).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import benchmarks
import searchers
from benchmarks.base import Benchmark, FiniteBenchmark
from nas_core.errors import InvalidInputError, NaslabError, UnknownNameError, check_name
from nas_core.jobs import OutputDir, run_tasks
from nas_core.results import ResultLog, guard_writes
from naslab.bench_spec import BenchSpec
from naslab.study_metrics import default_metrics
from naslab.study_report import (
    REPORT_FILES,
    RUN_COLUMNS,
    RUN_KEYS,
    build_outputs,
    load_results,
)
from naslab.study_run import RunTask, execute_run, make_searcher, pack_bench
from naslab.surrogate_warning import OwnModelWarning, own_model_warnings
from naslab.validate import check_seed, check_time_budget
from searchers.constraints import parse_constraints, parse_objectives
from searchers.loop import check_budget, check_isomorphism

DEFAULT_SEARCHERS = ("rs", "re", "ls", "reinforce", "tpe")


@dataclass
class StudyConfig:
    """Everything that defines a study (and must match when resuming into the same directory).

    `bench`: a registered name (its loader options in `bench_options`), a `BenchSpec`, or a
    `Benchmark` object (see the module docstring). `objectives` may carry a sign (`-latency`:
    minimise; see `searchers.constraints`); `constraints` are texts like `"latency_pixel3<=10"`.
    `resolve` returns the config with `bench` as a BenchSpec (or the object), bare objective names
    and normalised constraint texts."""

    bench: str | BenchSpec | Benchmark = "analognas"
    dataset: str | None = None
    searchers: tuple[str, ...] = DEFAULT_SEARCHERS
    seeds: int = 10
    base_seed: int = 0
    budget: int | None = 300
    time_budget: float | None = None
    metric: str | None = None
    report_metric: str | None = None
    objectives: tuple[str, ...] = ()
    batch_size: int = 1
    isomorphism: str = "per-cell"  # searchers.loop.ISOMORPHISM: "per-cell" or "merge"
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    bench_options: dict[str, Any] = field(default_factory=dict)
    constraints: tuple[str, ...] = ()

    #: settings that must agree with an existing study.json before resuming
    FIXED = (
        "bench",
        "dataset",
        "base_seed",
        "budget",
        "time_budget",
        "metric",
        "report_metric",
        "objectives",
        "batch_size",
        "isomorphism",
        "params",
        "constraints",
    )

    @property
    def spec(self) -> BenchSpec | None:
        """The benchmark as a BenchSpec (None for a benchmark object)."""
        if isinstance(self.bench, BenchSpec):
            return self.bench
        if isinstance(self.bench, str):
            return BenchSpec.single(self.bench, **self.bench_options)
        return None

    @property
    def bench_name(self) -> str:
        """The benchmark's name (`a+b` for a join of named parts)."""
        return self.spec.name if self.spec is not None else str(self.bench.name)  # type: ignore[union-attr]

    def bench_label(self) -> Any:
        """The JSON form of the benchmark: a BenchSpec's parts, or "in-memory: <name>"."""
        spec = self.spec
        return spec.to_list() if spec is not None else f"in-memory: {self.bench_name}"

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["bench"] = self.bench_label()
        d["bench_options"] = {}  # folded into "bench"
        d["searchers"] = list(self.searchers)
        d["objectives"] = list(self.objectives)
        d["constraints"] = list(self.constraints)
        d["params"] = {k: dict(v) for k, v in self.params.items()}
        return d


def _normalised(d: dict[str, Any]) -> dict[str, Any]:
    """A study.json's settings with the benchmark in one form (older files kept `bench` as a
    name and its options in `bench_options`)."""
    d = dict(d)
    b, opts = d.get("bench"), d.pop("bench_options", None) or {}
    if isinstance(b, str) and not b.startswith("in-memory:"):
        d["bench"] = BenchSpec.single(b, **opts).with_absolute_paths().to_list()
    d.setdefault("constraints", [])
    return d


def resolve(config: StudyConfig) -> tuple[StudyConfig, Benchmark]:
    """Check every name and number in `config` and fill the defaults; raise naslab errors."""
    spec = config.spec
    if spec is not None:
        if isinstance(config.bench, str):
            check_name("benchmark", config.bench, benchmarks.list())
        elif config.bench_options:
            raise InvalidInputError(
                "bench_options go with a benchmark name; a BenchSpec carries its own options"
            )
        spec = spec.with_absolute_paths()
        bench = spec.load()
    elif isinstance(config.bench, Benchmark):
        if config.bench_options:
            raise InvalidInputError(
                "bench_options go with a benchmark name, not a Benchmark object"
            )
        bench = config.bench
    else:
        raise InvalidInputError(
            "bench must be a registered benchmark name, a BenchSpec or a Benchmark object, got "
            f"{type(config.bench).__name__}"
        )
    dataset = bench._dataset(config.dataset)
    if not config.searchers:
        raise InvalidInputError(f"give at least one searcher; valid: {', '.join(searchers.list())}")
    for s in config.searchers:
        searchers.get(s)
    if len(set(config.searchers)) != len(config.searchers):
        raise InvalidInputError(f"searchers listed twice: {', '.join(config.searchers)}")
    if config.seeds < 1:
        raise InvalidInputError(
            f"seeds must be >= 1 (the number of runs per searcher), got {config.seeds}"
        )
    check_budget(config.budget, config.time_budget)
    check_seed(config.base_seed, "base seed")
    check_time_budget(bench, dataset, config.time_budget)
    if config.batch_size < 1:
        raise InvalidInputError(f"batch size must be >= 1, got {config.batch_size}")
    check_isomorphism(config.isomorphism)
    d_metric, d_report, d_objs = default_metrics(bench, dataset)
    metric = config.metric or d_metric
    report = config.report_metric or (d_report if config.metric is None else metric)
    multi = [
        s
        for s in config.searchers
        if searchers.get(s).num_objectives > 1 or "num_objectives" in searchers.params_of(s)
    ]
    given_objs = parse_objectives(config.objectives, bench, dataset)
    objectives = given_objs or (tuple(d_objs) if multi else ())
    if given_objs and config.metric is None:
        metric = objectives[0]
        report = config.report_metric or metric
    for m in (metric, report, *objectives):
        bench.metric_info(m, dataset)
    cons = parse_constraints(config.constraints, bench, dataset)
    _check_satisfiable(bench, dataset, cons)
    constraints = tuple(str(c) for c in cons)
    if multi and len(objectives) < 2:
        raise InvalidInputError(
            f"searcher(s) {', '.join(multi)} are multi-objective: give --objectives with at least "
            f"two of: {', '.join(m.name for m in bench.metrics(dataset))}"
        )
    for s, p in config.params.items():
        check_name("searcher in --param", s, config.searchers)
        valid = searchers.params_of(s)
        for k in p:
            if k not in valid:
                raise UnknownNameError("parameter", k, valid, f"of searcher {s!r}")
        try:  # a bad value: one clear error now, rather than every run failing on it
            make_searcher(s, bench.space, 0, p, len(objectives))
        except (NaslabError, TypeError, ValueError) as e:
            said = str(e)  # registry errors already name the searcher
            where = "" if f"searcher {s!r}" in said else f" of searcher {s!r}"
            raise InvalidInputError(f"--param{where}: {said}") from None
    resolved = replace(
        config,
        bench=spec if spec is not None else bench,
        bench_options={},
        dataset=dataset,
        metric=metric,
        report_metric=report,
        objectives=objectives,
        constraints=constraints,
        searchers=tuple(config.searchers),
        params={k: dict(v) for k, v in config.params.items()},
    )
    return resolved, bench


def _check_satisfiable(bench: Benchmark, dataset: str, cons: tuple) -> None:
    """On a benchmark that lists its architectures, refuse constraints no architecture meets
    (every run would search in vain), naming each constrained metric's range."""
    if not cons or not isinstance(bench, FiniteBenchmark):
        return
    archs = bench.archs(dataset)
    ok = np.ones(len(archs), dtype=bool)
    ranges = {}
    for c in cons:
        v = np.asarray(bench.query(archs, c.metric, dataset), dtype=float)
        ok &= np.array([c.violation(x) == 0 for x in v]) if len(v) else ok
        if np.isfinite(v).any():
            ranges[c.metric] = (float(np.nanmin(v)), float(np.nanmax(v)))
    if len(archs) and not ok.any():
        shown = "; ".join(f"{m} ranges {lo:g}..{hi:g}" for m, (lo, hi) in ranges.items())
        raise InvalidInputError(
            f"no architecture of {bench.name!r} on {dataset!r} satisfies "
            f"{', '.join(map(str, cons))} ({shown or 'no values'}); loosen the bound"
        )


def run_seed(base_seed: int, seed: int) -> int:
    """The searcher seed of run `seed` (see the module docstring)."""
    return int(np.random.SeedSequence(base_seed, spawn_key=(seed,)).generate_state(1)[0])


def make_task(
    config: StudyConfig, searcher: str, seed: int, packed: tuple[str, bytes] | None = None
) -> RunTask:
    """The task of run (`searcher`, `seed`) of a resolved study `config`. For a benchmark object,
    `packed` is its `naslab.study_run.pack_bench` (pass it to pickle the object once per study)."""
    spec = config.spec
    if spec is not None:
        bench, blob = spec.key(), None
    else:
        bench, blob = packed or pack_bench(config.bench)  # type: ignore[arg-type]
    return RunTask(
        searcher=searcher,
        seed=seed,
        run_seed=run_seed(config.base_seed, seed),
        bench=bench,
        bench_blob=blob,
        dataset=config.dataset,
        metric=config.metric,
        report_metric=config.report_metric,
        objectives=tuple(config.objectives),
        budget=config.budget,
        time_budget=config.time_budget,
        batch_size=config.batch_size,
        isomorphism=config.isomorphism,
        params=dict(config.params.get(searcher, {})),
        constraints=tuple(config.constraints),
    )


#: What `naslab compare` writes in its output folder: its own files (deleted by --fresh) and the
#: outputs rebuilt from the log (checksummed, so a user's file of the same name is never lost).
OWN_FILES = ("log", "study.json", "study.toml")
OUTPUT_FILES = REPORT_FILES


def output_dir(out: str | Path) -> OutputDir:
    """The output folder of a comparison study (see nas_core.jobs for its guarantees)."""
    return OutputDir(Path(out), "compare", OWN_FILES, OUTPUT_FILES)


def _record_frame(rec: dict[str, Any]) -> pd.DataFrame:
    """A run's rows for the log: its trajectory with the run's facts repeated on every row."""
    cols = rec.get("columns")
    n = len(cols["step"]) if cols else 0
    if not n:  # a failed run (or one that queried nothing) is one row with no step
        cols, n = {"step": np.array([0], dtype=np.int64)}, 1
    data: dict[str, Any] = {
        c: [rec.get(c, "" if c in ("error", "stop_reason") else np.nan)] * n for c in RUN_COLUMNS
    }
    data.update(cols)
    return pd.DataFrame(data)


def _rows(task: RunTask, rec: dict[str, Any] | BaseException) -> pd.DataFrame:
    """The log rows of a finished run; a run whose worker died is logged as failed."""
    if isinstance(rec, BaseException):
        rec = {
            "searcher": task.searcher,
            "seed": task.seed,
            "run_seed": task.run_seed,
            "status": "failed",
            "error": f"{type(rec).__name__}: {rec}",
        }
    return _record_frame(rec)


def _run_error(rec: dict[str, Any] | BaseException) -> str | None:
    if isinstance(rec, BaseException):
        return f"{type(rec).__name__}: {rec}"
    return rec["error"] if rec.get("status") == "failed" else None


def _params_of(d: dict[str, Any]) -> dict[str, Any]:
    p = d.get("params")
    return {s: v for s, v in p.items() if v} if isinstance(p, dict) else {}


def _check_existing(od: OutputDir, config: StudyConfig) -> StudyConfig:
    """Refuse to resume a different study; a garbled study.json is set aside (its log is kept).

    Searchers and seeds may differ (a rerun may add or repeat some); a searcher run again must
    have the same parameters. Returns `config` widened to every searcher, the most seeds and
    the parameters of every searcher the folder has run (what its study files and report
    describe)."""
    old = od.read_json("study.json")
    if old is None:
        return config
    out = od.path
    old = _normalised(old)
    new = _normalised(json.loads(json.dumps(config.to_dict())))
    shown = [
        f"{k}: {old.get(k)!r} there, {new.get(k)!r} now"
        for k in StudyConfig.FIXED
        if k != "params" and old.get(k) != new.get(k)
    ]
    old_p, new_p = _params_of(old), _params_of(new)
    shown += [
        f"params of {s}: {old_p.get(s, {})!r} there, {new_p.get(s, {})!r} now"
        for s in config.searchers
        if old_p.get(s, {}) != new_p.get(s, {})
    ]
    if shown:
        raise InvalidInputError(
            f"{out} holds a different study ({', '.join(shown)}); use another --out, or --fresh "
            "to discard it"
        )
    before = [s for s in old.get("searchers", []) if isinstance(s, str)]
    seeds = old.get("seeds")
    kept = {s: p for s, p in old_p.items() if s not in config.searchers and isinstance(p, dict)}
    return replace(
        config,
        searchers=tuple(dict.fromkeys([*before, *config.searchers])),
        seeds=max(config.seeds, seeds if isinstance(seeds, int) else 0),
        params={**kept, **{s: dict(p) for s, p in config.params.items()}},
    )


def run_study(
    config: StudyConfig,
    out: str | Path,
    *,
    executor: str = "local",
    workers: int = 1,
    address: str | None = None,
    fresh: bool = False,
    flush_s: float = 0.5,
    on_progress: Callable[[int, int], None] | None = None,
    pool: str = "auto",
    progress: Any = None,
) -> dict[str, Any]:
    """Run every missing (searcher, seed) of `config` into `out`, then rebuild the tables, plots and
    report from the log. Returns the summary (what `--json` prints).

    Finished runs are appended to the log at most `flush_s` seconds after they finish, and always
    before this function returns or an interrupt (Ctrl-C) propagates, so an interrupted study
    loses only the runs in flight. `on_progress(done, total)` is called as runs finish;
    `progress` (a `naslab.progress.RunProgress`, or any object with `set_total(group, n)`,
    `skip(group, n)` and `advance(group, seconds)`) is told per searcher: its runs, those already
    done, and each run's duration as it finishes.

    `pool` ("auto", "always", "never"; local executor, workers > 1): by default the runs start
    inline and move to a process pool only once they show it pays for its start-up, so a small
    study never waits for workers it cannot use (`nas_core.parallel.AutoExecutor`).
    """
    from naslab.study_file import write_study

    check_executor(executor, workers, pool)
    config, bench = resolve(config)
    for line in own_model_warnings(config, bench):  # the report repeats them
        warnings.warn(line, OwnModelWarning, stacklevel=2)
    od = output_dir(out)
    with od.open(fresh=fresh):
        described = _check_existing(od, config)
        od.write_json("study.json", described.to_dict())
        write_study(od.path / "study.toml", described.spec or described.bench_label(), described)
        log = od.log("log", required=(*RUN_KEYS, "status"))
        done = _ok_runs(log)
        packed = pack_bench(bench) if config.spec is None else None
        tasks = [
            make_task(config, s, seed, packed)
            for seed in range(config.seeds)
            for s in config.searchers
            if (s, seed) not in done
        ]
        total = config.seeds * len(config.searchers)
        finished = total - len(tasks)
        if on_progress:
            on_progress(finished, total)
        if progress is not None:
            for s in config.searchers:
                progress.set_total(s, config.seeds)
                progress.skip(s, sum(1 for seed in range(config.seeds) if (s, seed) in done))

        def on_result(task: RunTask, rec: Any) -> None:
            nonlocal finished
            finished += 1
            if on_progress:
                on_progress(finished, total)
            if progress is not None:
                wall = rec.get("wall_s") if isinstance(rec, dict) else None
                progress.advance(task.searcher, wall if isinstance(wall, float) else None)

        job = run_tasks(
            execute_run,
            tasks,
            log=log,
            to_rows=_rows,
            error_of=_run_error,
            executor=executor,
            workers=workers,
            address=address,
            flush_s=flush_s,
            on_result=on_result,
            pool=pool,
        )
        with guard_writes(od.path):
            try:
                summary = build_outputs(od.path, described, bench)
            finally:
                od.record()  # whatever was written is naslab's, even if a later file failed
    summary["wall_s_this_invocation"] = job.wall_s
    summary["runs_run_this_invocation"] = len(tasks)
    summary["worker_restarts_this_invocation"] = job.restarts
    summary["workers_started_this_invocation"] = job.workers_started
    return summary


def check_executor(executor: str, workers: int, pool: str = "auto") -> None:
    """Fail before any work starts on an unknown executor, a bad worker count or pool choice."""
    check_name("executor", executor, ["local", "ray"])
    if workers < 1:
        raise InvalidInputError(f"workers must be >= 1, got {workers}")
    check_name("pool", pool, ["auto", "always", "never"])


def _ok_runs(log: ResultLog) -> set[tuple]:
    df = log.read([*RUN_KEYS, "status"])
    if df.empty:
        return set()
    ok = df.loc[df["status"] == "ok", list(RUN_KEYS)].drop_duplicates()
    return set(map(tuple, ok.itertuples(index=False)))


__all__ = [
    "StudyConfig",
    "build_outputs",
    "execute_run",
    "load_results",
    "make_task",
    "resolve",
    "run_seed",
    "run_study",
]
