"""The surrogate audit report: how far a saved surrogate benchmark may be trusted, measured against
the real architectures it was not fitted on, written as `audit.md`, `audit.json` and figures.

`run_audit(folder, source)` answers three questions (issue 16):

1. Fit quality on held-out real architectures (the "random" split): the saved surrogate's mean
   prediction for every architecture of the source with a finite value that was *not* in its
   training set, scored with `naslab.surrogate_audit.fit_quality` (R², MAE, Kendall τ, sparse τ,
   Spearman ρ, top-10% τ, precision@5%, each with a bootstrap CI). An architecture of the training
   set is never scored.
2. Out-of-distribution splits (NAS-Bench-301's leave-one-optimizer-out asks the same question):
   the true top 10% held out, and regions of the space held out (e.g. every NAS-Bench-201 cell with
   at least three 3x3 convolutions). The saved model has seen some of those architectures, so a
   *fresh* model of the same specification (the manifest's `model_spec`) is fitted on the same
   number of architectures drawn outside the held-out set and scored on it.
3. Optimizer-trajectory fidelity (`naslab.surrogate_trajectory.trajectory_fidelity`): the true
   value of what searchers find on the surrogate vs on the source, and whether they rank alike.

The report is written into the surrogate's folder (or `out`): every file goes to a temporary
folder first and is moved in with `os.replace`, and only the files an audit owns (`audit.md`,
`audit.json`, `audit_*` figures and the trajectory files an earlier audit listed) are ever
replaced. The headline numbers then go into the surrogate's manifest (`set_audit`), where
`naslab bench info` shows them.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nas_core.errors import (
    InvalidInputError,
    OutputDirError,
)

if TYPE_CHECKING:
    from benchmarks.base import Benchmark
    from benchmarks.surrogate import SurrogateBenchmark

AUDIT_FORMAT = "naslab-surrogate-audit"
AUDIT_MD = "audit.md"
AUDIT_JSON = "audit.json"
SCATTER = "audit_scatter"
SPLITS_FIG = "audit_splits"
#: Named regions held out by default, per space (`naslab.surrogate_audit.region_predicate`).
DEFAULT_REGIONS: dict[str, tuple[str, ...]] = {
    "nb201": ("nb201:nor_conv_3x3>=3",),
    "tnb101-micro": ("tnb101-micro:nor_conv_3x3>=3",),
    "nbgraph": ("nbgraph:gat>=2",),
}
OOD_KINDS = ("top", "region")
DEFAULT_SEARCHERS = ("rs", "re", "ls", "bananas", "tpe")
#: The metrics of the headline (the manifest and `bench info`), from fit_quality's.
HEADLINE_METRICS = (
    "kendall_tau",
    "sparse_kendall_tau",
    "r2",
    "top10_kendall_tau",
    "precision_at_5pct",
)
_LABELS = {
    "r2": "R²",
    "mae": "MAE",
    "kendall_tau": "τ",
    "sparse_kendall_tau": "sparse τ",
    "spearman_rho": "ρ",
    "top10_kendall_tau": "top-10% τ",
    "precision_at_5pct": "P@5%",
}
# Okabe-Ito, the house palette (naslab.figures), one colour per split.
_SPLIT_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
Log = Callable[[str], None]


# --- what the audit runs on -------------------------------------------------------------------
def naslab_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("naslab")
    except PackageNotFoundError:
        return "unknown (not installed)"


def source_file(bench: Any, spec: Any = None) -> str | None:
    """The data file a benchmark was read from: the `path` of a one-part BenchSpec, else the file
    its store names (what fit_surrogate hashes into the provenance)."""
    parts = getattr(spec, "parts", ())
    if len(parts) == 1 and isinstance(parts[0].options.get("path"), str):
        path = Path(parts[0].options["path"]).expanduser()
        if path.is_file():
            return str(path.resolve())
    meta = getattr(getattr(bench, "store", None), "meta", None) or {}
    found = meta.get("source") if isinstance(meta, dict) else None
    return found if isinstance(found, str) and Path(found).is_file() else None


def recorded_spec(surrogate: SurrogateBenchmark) -> Any:
    """The BenchSpec the surrogate's manifest records for its source (`naslab surrogate fit`
    stores it), or None."""
    from naslab.bench_spec import BenchSpec

    parts = surrogate.source.get("bench_spec")
    if not parts:
        return None
    return BenchSpec.from_list(parts)


def load_source(surrogate: SurrogateBenchmark, source: Any = None) -> tuple[Benchmark, str | None]:
    """(benchmark, its data file) to audit against: `source` (a Benchmark or a BenchSpec), else
    the one the manifest records."""
    from benchmarks.base import Benchmark
    from naslab.bench_spec import BenchSpec

    if isinstance(source, Benchmark):
        return source, source_file(source)
    if isinstance(source, BenchSpec):
        return source.load(), source_file(None, source) or source_file(source.load())
    if source is not None:
        raise InvalidInputError(
            f"source must be a Benchmark or a BenchSpec, got {type(source).__name__}"
        )
    spec = recorded_spec(surrogate)
    if spec is None:
        raise InvalidInputError(
            f"surrogate {surrogate.name!r} does not record how to load its source "
            f"({surrogate.source.get('benchmark')!r}); give it with --bench/--path/--option"
        )
    bench = spec.load()
    return bench, source_file(bench, spec)


def check_source(
    surrogate: SurrogateBenchmark,
    source: Benchmark,
    dataset: str,
    metric: str,
    path: str | None = None,
) -> None:
    """Refuse a source that is not the one the surrogate was fitted on: another space, no such
    dataset/metric, or a data file (`path`, default: the one its store names) whose sha256
    differs from the recorded one."""
    from benchmarks.base import is_finite
    from benchmarks.surrogate import sha256_of

    rec = surrogate.source
    fitted_on = f"{rec.get('benchmark', '?')!r}" + (
        f" (file {rec['file']}, sha256 {rec['file_sha256'][:12]})" if rec.get("file_sha256") else ""
    )
    if source.space.name != surrogate.space.name:
        raise InvalidInputError(
            f"source {source.name!r} is over space {source.space.name!r}, but surrogate "
            f"{surrogate.name!r} predicts space {surrogate.space.name!r} (fitted on {fitted_on})"
        )
    want = rec.get("file_sha256")
    path = path or source_file(source)
    have = sha256_of(path) if path else None
    if want and have != want:
        given = f"file {path}, sha256 {have[:12]}" if have else "no data file"
        raise InvalidInputError(
            f"source {source.name!r} ({given}) is not the one surrogate {surrogate.name!r} was "
            f"fitted on: {fitted_on}"
        )
    if not want and rec.get("benchmark") and rec["benchmark"] != source.name:
        raise InvalidInputError(
            f"source {source.name!r} is not the one surrogate {surrogate.name!r} was fitted on: "
            f"{fitted_on}"
        )

    if not is_finite(source):
        raise InvalidInputError(
            f"source {source.name!r} lists no architectures (an open space or a surrogate): the "
            "audit compares predictions with measured values of a finite table"
        )
    if dataset not in source.datasets:
        raise InvalidInputError(
            f"source {source.name!r} has no dataset {dataset!r} (the surrogate's); its datasets: "
            f"{', '.join(source.datasets)}"
        )
    names = [m.name for m in source.metrics(dataset)]
    if metric not in names:
        raise InvalidInputError(
            f"source {source.name!r} has no metric {metric!r} on {dataset!r} (the surrogate "
            f"predicts it); its metrics: {', '.join(names)}"
        )


def real_values(source: Benchmark, metric: str, dataset: str) -> tuple[list[Any], np.ndarray]:
    """The source's architectures holding a finite value of `metric`, and those values."""
    from benchmarks.surrogate import measured_values

    return measured_values(source, metric, dataset)


def model_factory(surrogate: SurrogateBenchmark) -> Callable[[], Any] | None:
    """A factory of fresh, unfitted models of the surrogate's specification (the manifest's
    `model_spec`: {"predictor": name, "params": {...}}), or None when none is recorded."""
    spec = surrogate.source.get("model_spec")
    if not isinstance(spec, Mapping) or not isinstance(spec.get("predictor"), str):
        return None
    import predictors

    name, params = spec["predictor"], dict(spec.get("params") or {})
    space = surrogate.space.name
    predictors.create(name, space=space, **params)  # a bad record: one clear error, now
    return lambda: predictors.create(name, space=space, **params)


def sparse_decimals(unit: str, y: np.ndarray) -> int:
    """Decimals of sparse τ: NAS-Bench-301 rounds accuracies in % to 0.1 points (1); a fraction
    in [0, 1] gets the same resolution with 3; other units keep 1."""
    if unit.strip() == "%":
        return 1
    if y.size and np.nanmax(np.abs(y)) <= 1.0:
        return 3
    return 1


def check_regions(regions: Sequence[str]) -> list[str]:
    from naslab.surrogate_audit import region_predicate

    out = []
    for r in regions:
        region_predicate(r)  # the form and the op name, before any work
        out.append(r.strip())
    return out


def default_regions(space: str) -> tuple[str, ...]:
    return DEFAULT_REGIONS.get(space, ())


# --- the audit ----------------------------------------------------------------------------------
def run_audit(
    folder: str | os.PathLike[str],
    source: Any = None,
    *,
    metric: str | None = None,
    out: str | os.PathLike[str] | None = None,
    ood: Sequence[str] = OOD_KINDS,
    regions: Sequence[str] | None = None,
    trajectories: bool = True,
    searchers: Sequence[str] = DEFAULT_SEARCHERS,
    traj_seeds: int = 10,
    traj_budget: int = 300,
    workers: int = 1,
    resamples: int = 1000,
    seed: int = 0,
    test_archs: Sequence[Any] | None = None,
    model: Callable[[], Any] | None = None,
    formats: Sequence[str] | str | None = ("png",),
    log: Log | None = None,
) -> dict[str, Any]:
    """Audit the surrogate saved in `folder` against `source` (a Benchmark or BenchSpec; default:
    the source its manifest records, which must be the same data: see `check_source`).

    `metric`: which fitted metric (default: the only one). `ood`: out-of-distribution split kinds
    ("top", "region"); `regions`: named regions held out (default per space, `DEFAULT_REGIONS`).
    `trajectories`: run the searchers on surrogate and source (`searchers`, `traj_seeds` seeds,
    `traj_budget` queries, `workers` processes). `resamples`, `seed`: the bootstrap CIs and the
    OOD train draws. `test_archs`: score the surrogate on these architectures only (refused if
    any was in its training set). `model`: a factory of fresh models for the OOD splits (default:
    the manifest's `model_spec`). Returns what `audit.json` holds; writes the report into `out`
    (default `folder`) and the headline into the manifest."""
    from benchmarks import surrogate as S
    from naslab.figures import check_formats
    from naslab.validate import check_int, check_resamples, check_seed

    log = log or (lambda _msg: None)
    check_resamples(resamples, "resamples")
    check_seed(seed, "seed")
    fig_formats = check_formats(formats)
    bad = [k for k in ood if k not in OOD_KINDS]
    if bad:
        raise InvalidInputError(
            f"unknown out-of-distribution split {bad[0]!r}; valid: {', '.join(OOD_KINDS)}"
        )
    if trajectories:
        check_int(traj_seeds, "trajectory seeds", 1)
        check_int(traj_budget, "trajectory budget", 2)
        check_int(workers, "workers", 1)
    folder = Path(folder).expanduser()
    sur = S.load(folder)  # checksums first: a tampered model is one clear error
    out_dir = folder if out is None else Path(out).expanduser()
    _check_out(out_dir)
    d = sur.datasets[0] if len(sur.datasets) == 1 else sur.source.get("dataset", sur.datasets[0])
    fitted = [m.name for m in sur.metrics(d)]
    if metric is None:
        if len(fitted) > 1:
            raise InvalidInputError(
                f"surrogate {sur.name!r} predicts several metrics ({', '.join(fitted)}); choose "
                "one with --metric"
            )
        metric = fitted[0]
    elif metric not in fitted:
        raise InvalidInputError(
            f"surrogate {sur.name!r} was not fitted on metric {metric!r} of {d!r}; it predicts: "
            f"{', '.join(fitted)}"
        )
    region_list = check_regions(
        default_regions(sur.space.name) if regions is None else list(regions)
    )
    src, src_file = load_source(sur, source)
    check_source(sur, src, d, metric, src_file)
    info = src.metric_info(metric, d)
    higher = bool(info.higher_is_better)
    archs, y = real_values(src, metric, d)
    to_str = src.space.to_str
    keys = [to_str(a) for a in archs]
    train_keys = set(sur.train_archs)
    n_train = len(sur.train_archs)
    decimals = sparse_decimals(info.unit or "", y)
    log(f"source {src.name}: {len(archs):,} architectures with a finite {metric} on {d}")

    # 1. the saved surrogate on held-out real architectures
    if test_archs is None:
        test = [i for i, k in enumerate(keys) if k not in train_keys]
        test_what = "every source architecture with a finite value outside the training set"
    else:
        test = _requested(test_archs, src, keys, train_keys)
        test_what = f"{len(test):,} requested architectures (none in the training set)"
    if not test:
        raise InvalidInputError(
            f"nothing to audit on: all {len(archs):,} architectures of {src.name!r} with a finite "
            f"{metric!r} on {d!r} were in the surrogate's training set ({n_train:,}); audit "
            "against a source with architectures it was not fitted on"
        )
    clock = _Clock()
    log(f"random split: scoring the saved surrogate on {len(test):,} held-out architectures")
    test_archs_ = [archs[i] for i in test]
    pred = np.asarray(sur.query(test_archs_, metric, d), dtype=np.float64)
    q_kwargs = {"higher_is_better": higher, "resamples": resamples, "seed": seed,
                "decimals": decimals}  # fmt: skip
    from naslab.surrogate_audit import fit_quality, splits

    results: list[dict[str, Any]] = [
        {
            "split": "random",
            "held_out": test_what,
            "model": "the saved surrogate (mean prediction, seed=None)",
            "n_train": n_train,
            "n_test": len(test),
            "quality": fit_quality(y[test], pred, **q_kwargs),
        }
    ]
    spread = _noise(sur, src, metric, d, test_archs_)

    clock.lap("random")

    # 2. out-of-distribution splits, on a fresh model of the same specification
    factory = model or model_factory(sur)
    ood_notes: list[str] = []
    kinds: list[tuple[str, str | None]] = []
    if "top" in ood:
        kinds.append(("top", None))
    if "region" in ood:
        kinds += [("region", r) for r in region_list]
        if not region_list:
            ood_notes.append(
                f"no region split: space {sur.space.name!r} has no default named region "
                "(give one with --region SPACE:OP>=K where the space has named regions)"
            )
    if kinds and factory is None:
        ood_notes.append(
            "out-of-distribution splits not run: the manifest records no model_spec to fit a "
            "fresh model of the same specification (surrogates fitted by `naslab surrogate fit` "
            "record it)"
        )
        kinds = []
    for kind, region in kinds:
        name = "top" if kind == "top" else f"region {region}"
        try:
            allowed, _ = splits(archs, y, kind, region=region, higher_is_better=higher)
            m = min(n_train, allowed.size)
            tr, te = splits(archs, y, kind, train_size=m, region=region,
                            higher_is_better=higher, seed=seed)  # fmt: skip
        except InvalidInputError as e:
            ood_notes.append(f"{name}: not run ({e})")
            log(f"{name}: not run ({e})")
            continue
        log(f"{name} split: fitting a fresh model on {tr.size:,}, testing on {te.size:,}")
        reg = factory()
        reg.fit([archs[i] for i in tr], y[tr])
        p = np.asarray(reg.predict([archs[i] for i in te]), dtype=np.float64)
        held = (
            "the true top 10% of the source"
            if kind == "top"
            else f"every architecture in region {region}"
        )
        results.append(
            {
                "split": name,
                "held_out": held,
                "model": f"a fresh model of the same specification fitted on {tr.size:,} "
                "architectures outside the held-out set",
                "n_train": int(tr.size),
                "n_test": int(te.size),
                "quality": fit_quality(y[te], p, **q_kwargs),
            }
        )

    clock.lap("ood")

    # 3. trajectory fidelity, then the files
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".audit-", dir=out_dir))
    try:
        traj: dict[str, Any] | None = None
        traj_note = "not run (trajectories were switched off)"
        if trajectories:
            traj, traj_note = _trajectories(
                src,
                sur,
                d,
                metric,
                searchers,
                traj_seeds,
                traj_budget,
                workers,
                tmp,
                log,
                seed,
                fig_formats,
            )
        clock.lap("trajectories")
        files = _figures(tmp, sur, metric, info, y[test], pred, higher, results, fig_formats)
        clock.lap("figures")
        audit = {
            "format": AUDIT_FORMAT,
            "naslab_version": naslab_version(),
            "date": _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
            "surrogate": {
                "folder": str(folder),
                "name": sur.name,
                "space": sur.space.name,
                "dataset": d,
                "metric": metric,
                "model_class": sur.source.get("model_class"),
                "model_spec": sur.source.get("model_spec"),
                "n_train": n_train,
                "source_record": sur.source,
            },
            "source": {
                "benchmark": src.name,
                "file": src_file,
                "file_sha256": sur.source.get("file_sha256"),
                "n_finite": len(archs),
                "metric_provenance": info.provenance.to_dict() if info.provenance else None,
                "unit": info.unit,
                "higher_is_better": higher,
            },
            "settings": {
                "resamples": resamples,
                "confidence": 0.95,
                "seed": seed,
                "sparse_tau_decimals": decimals,
                "ood": list(ood),
                "regions": region_list,
            },
            "splits": results,
            "ood_notes": ood_notes,
            "predictive_spread": spread,
            "trajectories": traj,
            "trajectory_note": None if traj else traj_note,
            "seconds": clock.laps,
            "own_model_searchers": _own_model_searchers(sur, metric, d),
        }
        traj_files = [f.name for f in tmp.iterdir() if f.is_file() and f.name not in files]
        audit["files"] = sorted([AUDIT_MD, AUDIT_JSON, *files, *traj_files])
        audit = _clean(audit)
        (tmp / AUDIT_MD).write_text(render_markdown(audit, files, traj_note))
        (tmp / AUDIT_JSON).write_text(json.dumps(audit, indent=1) + "\n")
        previous = _owned(out_dir)
        for f in sorted(tmp.iterdir()):
            if f.is_file():
                os.replace(f, out_dir / f.name)
        for stale in previous - set(audit["files"]):
            (out_dir / stale).unlink(missing_ok=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    S.set_audit(folder, headline(audit, out_dir, folder))
    log(f"wrote {out_dir / AUDIT_MD}")
    return audit


class _Clock:
    """Wall and CPU seconds of each part of the audit (this process; worker processes of the
    trajectory runs are not in its CPU time)."""

    def __init__(self) -> None:
        import time

        self._time = time
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        self.laps: dict[str, dict[str, float]] = {}

    def lap(self, name: str) -> None:
        wall, cpu = self._time.perf_counter(), self._time.process_time()
        self.laps[name] = {"wall": round(wall - self._wall, 2), "cpu": round(cpu - self._cpu, 2)}
        self._wall, self._cpu = wall, cpu


def _own_model_searchers(sur: Any, metric: str, d: str) -> dict[str, list[str]] | None:
    """The registered searchers whose default guiding predictor shares the surrogate model's
    family (naslab.surrogate_warning), for the report's NAS-Bench-x11 line."""
    try:
        import searchers
        from naslab.surrogate_warning import model_family, predictor_family
    except ModuleNotFoundError:
        return None
    fam = model_family(sur.model(metric, d))
    names = []
    for s in searchers.list():
        guides = getattr(searchers.get(s), "guide_predictors", ()) or ()
        if any(predictor_family(g) & fam for g in guides):
            names.append(s)
    return {"family": sorted(fam), "searchers": names}


def _requested(
    wanted: Sequence[Any], src: Benchmark, keys: list[str], train_keys: set[str]
) -> list[int]:
    pos = {k: i for i, k in enumerate(keys)}
    out, seen = [], set()
    for a in wanted:
        k = src.space.to_str(src.space.parse(a))
        if k in train_keys:
            raise InvalidInputError(
                f"refusing to audit on architecture {k}: it was in the surrogate's training set"
            )
        if k not in pos:
            raise InvalidInputError(
                f"architecture {k} has no finite value in source {src.name!r}, so it cannot be "
                "a test architecture"
            )
        if k not in seen:
            seen.add(k)
            out.append(pos[k])
    return out


def _check_out(out: Path) -> None:
    """An output folder holding an `audit.md` that no audit wrote is refused (never overwritten)."""
    if out.exists() and not out.is_dir():
        raise OutputDirError(f"{out}: the audit is written into a folder, and this is a file")
    if (out / AUDIT_MD).exists() and not _owned(out):
        raise OutputDirError(
            f"{out} holds an {AUDIT_MD} that no naslab surrogate audit wrote; choose another "
            "output folder"
        )


def _owned(out: Path) -> set[str]:
    """The files the last audit in `out` wrote (from its audit.json), else an empty set."""
    try:
        prev = json.loads((out / AUDIT_JSON).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return set()
    if not isinstance(prev, dict) or prev.get("format") != AUDIT_FORMAT:
        return set()
    files = prev.get("files")
    if not isinstance(files, list):
        return set()
    return {f for f in files if isinstance(f, str) and f == Path(f).name and f[:1] != "."}


def _noise(sur: Any, source: Any, metric: str, d: str, archs: list[Any]) -> dict[str, Any] | None:
    """For a model with a predictive spread, `naslab.surrogate_noise.noise_report` on the held-out
    architectures: calibration against the truth, and against the real seed-to-seed spread where
    the source holds per-seed values. None for a model without a spread."""
    from nas_core.regressor import has_uncertainty
    from naslab.surrogate_noise import noise_report

    if not has_uncertainty(sur.model(metric, d)):
        return None
    return noise_report(sur, source, metric, d, archs=archs)


def _trajectories(
    src: Any,
    sur: Any,
    d: str,
    metric: str,
    searchers: Sequence[str],
    seeds: int,
    budget: int,
    workers: int,
    tmp: Path,
    log: Log,
    seed: int,
    formats: Sequence[str],
) -> tuple[dict[str, Any] | None, str]:
    try:
        from naslab.surrogate_trajectory import trajectory_fidelity
    except ModuleNotFoundError as e:
        if e.name != "naslab.surrogate_trajectory":
            raise
        note = "not run: this naslab has no naslab.surrogate_trajectory module"
        log(f"trajectories {note}")
        return None, note
    log(
        f"trajectories: {', '.join(searchers)} x {seeds} seeds x {budget} queries, on the "
        "surrogate and on the source"
    )
    step = max(1, (2 * seeds * len(searchers)) // 10)

    def progress(done: int, total: int) -> None:
        if done == total or done % step == 0:
            log(f"trajectories: {done}/{total} runs")

    res = trajectory_fidelity(src, sur, d, metric, searchers=tuple(searchers), seeds=seeds,
                              budget=budget, workers=workers, out=tmp, base_seed=seed,
                              formats=formats, on_progress=progress)  # fmt: skip
    return res, ""


# --- figures ------------------------------------------------------------------------------------
def _figures(
    tmp: Path,
    sur: Any,
    metric: str,
    info: Any,
    y: np.ndarray,
    pred: np.ndarray,
    higher: bool,
    results: list[dict[str, Any]],
    formats: Sequence[str],
) -> list[str]:
    from naslab.figures import metric_label, new_figure, save
    from naslab.surrogate_audit import TOP_FRACTION

    files: list[str] = []
    fig, ax = new_figure((5.6, 5.0))
    k = max(1, int(round(TOP_FRACTION * y.size)))
    order = np.argsort(-y if higher else y, kind="stable")
    top = np.zeros(y.size, dtype=bool)
    top[order[:k]] = True
    ax.scatter(y[~top], pred[~top], s=4, alpha=0.35, color="#7F7F7F", lw=0, label="other")
    ax.scatter(y[top], pred[top], s=6, alpha=0.7, color="#D55E00", lw=0,
               label=f"true top {TOP_FRACTION:.0%} ({k:,})")  # fmt: skip
    lo = float(min(y.min(), pred.min()))
    hi = float(max(y.max(), pred.max()))
    ax.plot([lo, hi], [lo, hi], color="#000000", lw=0.8, linestyle="--", label="y = x")
    q = results[0]["quality"]
    ax.set_title(
        f"{sur.name}: {y.size:,} held-out architectures\n"
        f"τ {q['kendall_tau']['value']:.3f}, R² {q['r2']['value']:.3f}, top-10% τ "
        f"{q['top10_kendall_tau']['value']:.3f}",
        fontsize=9,
    )
    ax.set_xlabel(metric_label(f"true {metric}", info.description, info.unit, 50), fontsize=8)
    ax.set_ylabel(f"predicted {metric}" + (f" [{info.unit}]" if info.unit else ""), fontsize=8)
    ax.legend(fontsize=8, loc="upper left", markerscale=2)
    files += save(fig, tmp, SCATTER, formats)

    shown = [m for m in _LABELS if m != "mae"]
    fig, ax = new_figure((7.2, 3.8))
    width = 0.8 / max(1, len(results))
    x = np.arange(len(shown))
    floor = -1.0
    for j, r in enumerate(results):
        vals = np.array([r["quality"][m]["value"] for m in shown], dtype=float)
        lo_ = np.array([r["quality"][m]["lo"] for m in shown], dtype=float)
        hi_ = np.array([r["quality"][m]["hi"] for m in shown], dtype=float)
        shown_vals = np.maximum(np.nan_to_num(vals, nan=0.0), floor)
        # a CI end below the axis is drawn at its floor, like the bar
        err = np.vstack([
            np.clip(shown_vals - np.maximum(np.nan_to_num(lo_, nan=0.0), floor), 0, None),
            np.clip(np.maximum(np.nan_to_num(hi_, nan=0.0), floor) - shown_vals, 0, None),
        ])  # fmt: skip
        pos = x + (j - (len(results) - 1) / 2) * width
        ax.bar(pos, shown_vals, width, yerr=err, color=_SPLIT_COLORS[j % len(_SPLIT_COLORS)],
               capsize=2, error_kw={"lw": 0.8},
               label=f"{r['split']} (n_test {r['n_test']:,})")  # fmt: skip
        for xi, v in zip(pos, vals, strict=True):
            if math.isfinite(v) and v < floor:
                ax.text(xi, floor + 0.03, f"{v:.3g}", rotation=90, fontsize=6, ha="center",
                        va="bottom")  # fmt: skip
    ax.axhline(0, color="#000000", lw=0.6)
    ax.set_xticks(x, [_LABELS[m] for m in shown])
    ax.set_ylim(floor, 1.05)
    ax.set_ylabel("value, 95% bootstrap CI\n(below -1: drawn at -1, value written)", fontsize=8)
    ax.set_title(f"{sur.name}: fit quality per split", fontsize=9)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)
    files += save(fig, tmp, SPLITS_FIG, formats)
    return files


# --- the report ---------------------------------------------------------------------------------
def _num(v: Any, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    return f"{v:.{digits}f}"


def _cell(q: Mapping[str, Any], digits: int = 3) -> str:
    if q["value"] is None:
        return "n/a"
    if q["lo"] is None:
        return _num(q["value"], digits)
    return f"{_num(q['value'], digits)} [{_num(q['lo'], digits)}, {_num(q['hi'], digits)}]"


def render_markdown(audit: Mapping[str, Any], figures: Sequence[str], traj_note: str) -> str:
    s, src, st = audit["surrogate"], audit["source"], audit["settings"]
    rec = s["source_record"]
    spec = s.get("model_spec") or {}
    params = json.dumps(rec.get("model_params") or spec.get("params", {}), sort_keys=True)
    unit = src["unit"] or ""
    lines = [
        f"# Surrogate audit: {s['name']}",
        "",
        f"- **Surrogate**: `{s['folder']}`, model class `{s['model_class']}` "
        + (f"(predictor `{spec['predictor']}`) " if spec else "")
        + f"with hyper-parameters `{params}` "
        + f"predicting `{s['metric']}` on `{s['dataset']}` of space `{s['space']}`, fitted on "
        f"{s['n_train']:,} real architectures (training sample seed {rec.get('train_seed')}) of "
        f"`{rec.get('benchmark')}`"
        + (
            f" (file `{rec.get('file')}`, sha256 `{rec['file_sha256']}`)"
            if rec.get("file_sha256")
            else ""
        )  # fmt: skip
        + ".",
        f"- **Source of the true values**: `{src['benchmark']}`"
        + (f", file `{src['file']}`" if src["file"] else "")
        + f"; {src['n_finite']:,} architectures with a finite `{s['metric']}`"
        + (f" ({unit})" if unit else "")
        + f", {'higher' if src['higher_is_better'] else 'lower'} is better. "
        + _provenance_text(src["metric_provenance"])
        + (" It matches the recorded source (same file sha256)." if src["file_sha256"] else ""),
        f"- **Audit**: naslab {audit['naslab_version']}, {audit['date']}; CIs are 95% paired "
        f"percentile bootstrap intervals over the test architectures ({st['resamples']:,} "
        f"resamples, seed {st['seed']}); sparse τ rounds the predictions to "
        f"{st['sparse_tau_decimals']} decimal(s) before ranking (NAS-Bench-301's "
        "`kendall_tau_1_dec`).",
        "",
        "## Fit quality on held-out real architectures",
        "",
        "| split | n_train | n_test | " + " | ".join(_LABELS[m] for m in _LABELS) + " |",
        "|---|" + "---:|" * (2 + len(_LABELS)),
    ]
    for r in audit["splits"]:
        q = r["quality"]
        lines.append(
            f"| {r['split']} | {r['n_train']:,} | {r['n_test']:,} | "
            + " | ".join(_cell(q[m]) for m in _LABELS)
            + " |"
        )
    lines += [""]
    lines += [f"- **{r['split']}**: test = {r['held_out']}; model: {r['model']}."
              for r in audit["splits"]]  # fmt: skip
    lines += [f"- {n}" for n in audit.get("ood_notes") or []]
    lines += [
        "",
        "Every number above compares a prediction with the source's measured value of the same "
        "architecture. The *random* row scores the saved surrogate itself (its mean prediction) "
        "on every source architecture it was not fitted on. The other rows (NAS-Bench-301's "
        "leave-one-optimizer-out question: does the model extrapolate to where its training "
        "data was not?) score a *fresh* model of the same specification, fitted on as many "
        "architectures as the surrogate (or all that are left) drawn outside the held-out set; "
        "the saved surrogate cannot be scored there, it saw part of that set.",
        "",
    ]
    noise = audit.get("predictive_spread")
    if noise:
        from naslab.surrogate_noise import markdown as noise_markdown

        lines += [noise_markdown(noise).rstrip(), ""]
    traj = audit.get("trajectories")
    text = str((traj or {}).get("markdown") or "").strip()
    if not text.startswith("## "):  # the trajectory section brings its own heading
        lines += ["## Optimizer-trajectory fidelity", ""]
    lines += [text or traj_note or str(audit.get("trajectory_note")), ""]
    lines += ["## Figures", ""]
    for f in figures:
        if f.endswith(".png"):
            what = "predicted vs true, random split" if f.startswith(SCATTER) else "per split"
            lines.append(f"![{what}]({f})")
    lines += ["", "## What these numbers can and cannot claim", ""]
    lines += [f"- {c}" for c in _claims(audit)]
    return "\n".join(lines).rstrip() + "\n"


def _provenance_text(p: Mapping[str, Any] | None) -> str:
    if not p:
        return ""
    detail = f" ({p['detail']})" if p.get("detail") else ""
    return f"Its values are {p['kind']}: {p['source']}{detail}."


def _claims(audit: Mapping[str, Any]) -> list[str]:
    src = audit["source"]
    rand = audit["splits"][0]
    out = [
        f"The random row describes the distribution the test architectures come from: the "
        f"{src['n_finite']:,} measured architectures of `{src['benchmark']}` less the training "
        "set. Where the source is the complete space (every NAS-Bench-201 cell) that is the "
        "space itself; where it is a sample (e.g. 500 NAS-Bench-101 architectures), the numbers "
        "say nothing about the rest of the space.",
        "Global τ, ρ and R² are raised by architectures that are easy to tell apart (on "
        "NAS-Bench-201, the cells that train to 10%). A search spends its time among the best "
        "architectures: top-10% τ and precision@5% speak to that, and are the numbers to "
        "check before trusting a search result on this surrogate.",
        f"The CIs reflect the choice of the {rand['n_test']:,} test architectures only, not the "
        "training sample or the model's seed: another training sample gives another surrogate.",
        "The OOD rows measure a fresh model of the same kind; they bound how far this kind of "
        "surrogate extrapolates, not the saved model's answers on those architectures. Their "
        "R² is taken within the held-out set, whose true values span a narrow range (the top "
        "10% above all): a small offset there gives a large negative R²; read τ and MAE.",
    ]
    p = src.get("metric_provenance") or {}
    if p.get("kind") == "surrogate":
        out.append(
            "The source's values are themselves predictions of another surrogate: this "
            "surrogate can at most emulate that one, never stand for trained networks."
        )
    own = audit.get("own_model_searchers")
    if own:
        out.append(
            "NAS-Bench-x11's guideline: do not benchmark a searcher on a surrogate of its own "
            f"model class. Registered searchers guided by this surrogate's model family "
            f"({', '.join(own['family'])}): {', '.join(own['searchers']) or 'none'} (with their "
            "default predictor); results of those on this surrogate are likely optimistic."
        )
    traj = audit.get("trajectories")
    if traj:
        n = len(traj.get("searchers") or {})
        out.append(
            f"The trajectory section runs {n} searchers x {len(traj.get('seeds') or [])} seeds x "
            f"{traj.get('budget')} queries: a ranking Spearman over {n} searchers is coarse (one "
            "swapped pair moves it a lot), and ties on the table (several searchers reaching its "
            "optimum) lower it; the per-searcher true values are the finer measure."
        )
    return out


def headline(audit: Mapping[str, Any], out_dir: Path, folder: Path) -> dict[str, Any]:
    """The numbers `bench info` shows and the manifest keeps."""
    rand = audit["splits"][0]
    q = rand["quality"]
    traj = audit.get("trajectories") or {}
    report = AUDIT_MD if out_dir.resolve() == folder.resolve() else str(out_dir / AUDIT_MD)
    return _clean(
        {
            "metric": audit["surrogate"]["metric"],
            "dataset": audit["surrogate"]["dataset"],
            "source": audit["source"]["benchmark"],
            "n_train": rand["n_train"],
            "n_test": rand["n_test"],
            **{m: q[m]["value"] for m in HEADLINE_METRICS},
            "ood_kendall_tau": {
                r["split"]: r["quality"]["kendall_tau"]["value"] for r in audit["splits"][1:]
            },  # fmt: skip
            "trajectory_ranking_spearman": traj.get("ranking_spearman"),
            "trajectory_ranking_spearman_true": traj.get("ranking_spearman_true"),
            "naslab_version": audit["naslab_version"],
            "date": audit["date"],
            "report": report,
        }
    )


def _clean(obj: Any) -> Any:
    """JSON-safe: NaN/inf become None, NumPy scalars plain numbers, tuples lists."""
    if isinstance(obj, Mapping):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj
