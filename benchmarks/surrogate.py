"""`SurrogateBenchmark`: fitted models that answer for architectures nobody trained.

A surrogate holds one fitted `nas_core.regressor.Regressor` per (dataset, metric), over any space
(finite or open). It is a plain `Benchmark`: no optimum, no list of architectures. Every metric's
provenance (kind "surrogate") names the model class, its hyper-parameters, the source benchmark
(and its file's sha256, where the source is a file) and how many real architectures it was fitted
on, so no report can pass a prediction off as a measurement.

Queries (NAS-Bench-301's noise convention): `seed=None` is the model's deterministic mean;
`seed=s` is one draw from its predictive distribution, mean + std * z, with z drawn from an RNG
seeded by (s, dataset, metric, the arch's canonical string): the same seed gives the same value
for an arch whether it is queried alone or in a batch. A model without predictive uncertainty
refuses `seed=` with one clear error (a silent zero noise would look like a calibrated surrogate).

Cost: a second model per dataset predicting training time (kind "predicted_training_time";
predictions are floored at `MIN_COST` seconds, a model may extrapolate below zero), or one
simulated second per query (kind "unit"); `cost_info` says which.

`fit_surrogate` builds one from a finite source benchmark, training only on `train_size` sampled
architectures (recorded, so an audit can refuse them). The caller passes the model (benchmarks
never import predictors). `save(folder)` writes `manifest.json`, `train_archs.json` and one
sub-folder per model in a registered regressor format (no pickle); `load(path)` checks every
file's sha256 before reading it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.base import Benchmark, CostInfo, MetricInfo, is_finite, is_single, unit_cost
from nas_core import spaces
from nas_core.arch import Arch
from nas_core.errors import (
    DataFormatError,
    InvalidArchError,
    InvalidInputError,
    MissingFileError,
    NotInBenchmarkError,
    UnknownNameError,
)
from nas_core.provenance import Provenance
from nas_core.regressor import Regressor, has_uncertainty, load_regressor, save_regressor

FORMAT = "naslab-surrogate"
VERSION = 1
MANIFEST = "manifest.json"
TRAIN_ARCHS = "train_archs.json"
#: Smallest cost a cost model may charge (seconds): a regression can extrapolate below zero.
MIN_COST = 1e-3
_SAFE_PART = re.compile(r"[^A-Za-z0-9_.-]+")


def sha256_of(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _model_params(model: Any) -> dict[str, Any]:
    """The model's JSON-able hyper-parameters (scikit-learn's `get_params`, where it has one)."""
    get = getattr(model, "get_params", None)
    if not callable(get):
        return {}
    try:
        params = get(deep=False)
    except TypeError:
        params = get()
    out = {}
    for k, v in params.items():
        if isinstance(v, (bool, int, float, str)) or v is None:
            out[str(k)] = v
        elif hasattr(v, "name") and isinstance(v.name, str):  # a SearchSpace object
            out[str(k)] = v.name
    return out


class SurrogateBenchmark(Benchmark):
    """Fitted models per (dataset, metric) (see the module docstring).

    `models`: {dataset: {metric: Regressor}}; `infos`: {dataset: {metric: MetricInfo}} (with
    surrogate provenance); `cost_models`: {dataset: Regressor} predicting seconds (datasets
    without one cost one simulated second per query); `train_archs`: canonical strings of the
    real architectures the models were fitted on; `source`: the manifest's record of where the
    training data came from."""

    is_surrogate = True

    def __init__(
        self,
        name: str,
        space: str,
        models: Mapping[str, Mapping[str, Regressor]],
        infos: Mapping[str, Mapping[str, MetricInfo]],
        *,
        cost_models: Mapping[str, Regressor] | None = None,
        train_archs: Sequence[str] = (),
        source: Mapping[str, Any] | None = None,
        description: str = "",
        audit: Mapping[str, Any] | None = None,
        noise_scale: Mapping[str, Mapping[str, float]] | None = None,
    ):
        self.name = name
        self.space = spaces.get(space)
        if not models:
            raise InvalidInputError("a surrogate benchmark needs at least one fitted model")
        for d, per in models.items():
            if not per or set(per) != set(infos.get(d, {})):
                raise InvalidInputError(
                    f"dataset {d!r}: every fitted metric needs a MetricInfo and vice versa"
                )
            for m, model in per.items():
                if not isinstance(model, Regressor):
                    raise InvalidInputError(
                        f"model of {d}/{m} is a {type(model).__name__}, not a Regressor "
                        "(it needs fit(archs, y) and predict(archs))"
                    )
        self._models = {d: dict(per) for d, per in models.items()}
        self._infos = {d: dict(per) for d, per in infos.items()}
        self._cost = dict(cost_models or {})
        unknown = set(self._cost) - set(self._models)
        if unknown:
            raise InvalidInputError(f"cost models for datasets without models: {sorted(unknown)}")
        self.train_archs = list(train_archs)
        self.source = dict(source or {})
        self.description = description or f"surrogate benchmark over {space}"
        #: the headline numbers of the last audit (`set_audit`), {} before any audit
        self.audit = dict(audit or {})
        #: {dataset: {metric: factor}} applied to the model's predictive std in seed= draws,
        #: fitted by cross-validation (`fit_surrogate(calibrate_noise=K)`); 1 where absent
        self.noise_scale = {d: dict(per) for d, per in (noise_scale or {}).items()}
        for d, per in self.noise_scale.items():
            for m, f in per.items():
                if m not in self._models.get(d, {}) or not (
                    isinstance(f, (int, float)) and np.isfinite(f) and f > 0
                ):
                    raise InvalidInputError(
                        f"noise scale of {d}/{m} must be a positive number for a fitted metric, "
                        f"got {f!r}"
                    )

    # --- description ------------------------------------------------------------------------
    @property
    def datasets(self) -> tuple[str, ...]:
        return tuple(self._models)

    def metrics(self, dataset: str | None = None) -> list[MetricInfo]:
        return list(self._infos[self._dataset(dataset)].values())

    def model(self, metric: str, dataset: str | None = None) -> Regressor:
        """The fitted model answering `metric` on `dataset`."""
        d = self._dataset(dataset)
        self.metric_info(metric, d)
        return self._models[d][metric]

    def info(self) -> dict[str, Any]:
        out = super().info()
        out["surrogate"] = {
            "source": self.source,
            "n_train": len(self.train_archs),
            "audit": self.audit,
        }
        return out

    # --- queries ----------------------------------------------------------------------------
    def _parse(self, archs: Any) -> list[Arch]:
        """Canonical `Arch`s of one arch or a batch (InvalidArchError names a bad one)."""
        sp = self.space
        if is_single(archs):
            return [sp.parse(archs)]
        if isinstance(archs, np.ndarray):
            if archs.ndim == 2:
                return [sp.parse(tuple(r)) for r in archs.tolist()]
            if archs.dtype.kind in "iu":
                if sp.size is None:
                    raise InvalidArchError(
                        f"space {sp.name!r} is open: it has no index, so an array of numbers "
                        "names no architectures; pass Archs or their spellings"
                    )
                return sp.archs_at(sp.indices(archs))
            archs = archs.tolist()
        return [sp.parse(a) for a in archs]

    def _check_query(self, metric: str, dataset: str | None, epoch: int | None) -> str:
        d = self._dataset(dataset)
        self.metric_info(metric, d)
        if epoch is not None:
            raise InvalidInputError(
                f"surrogate {self.name!r} predicts final values only (epoch=None), not epoch "
                f"{epoch}"
            )
        return d

    def _values(self, items: list[Arch], metric: str, d: str, seed: int | None) -> np.ndarray:
        model = self._models[d][metric]
        if not items:
            return np.zeros(0, dtype=np.float32)
        if seed is None:
            return np.asarray(model.predict(items), dtype=np.float64).astype(np.float32)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise InvalidInputError(f"seed must be a non-negative integer or None, got {seed!r}")
        if not has_uncertainty(model):
            raise InvalidInputError(
                f"the {type(model).__name__} model of {metric!r} on {d!r} has no predictive "
                "uncertainty, so seed= has nothing to draw from; query with seed=None (the mean), "
                "or fit the surrogate with a model that has a spread (an ensemble, rf, gp)"
            )
        mean, std = self._dist(items, metric, d)
        z = np.array([self._normal(int(seed), d, metric, a) for a in items])
        return (mean + std * z).astype(np.float32)

    def _dist(self, items: list[Arch], metric: str, d: str) -> tuple[np.ndarray, np.ndarray]:
        mean, std = self._models[d][metric].predict_dist(items)  # type: ignore[attr-defined]
        scale = self.noise_scale.get(d, {}).get(metric, 1.0)
        return np.asarray(mean, dtype=np.float64), scale * np.asarray(std, dtype=np.float64)

    def predict_dist(
        self, archs: Any, metric: str, dataset: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(mean, std) of the distribution `query(..., seed=s)` draws from: the model's predictive
        std times the surrogate's calibrated noise scale (1 when not calibrated)."""
        d = self._check_query(metric, dataset, None)
        if not has_uncertainty(self._models[d][metric]):
            raise InvalidInputError(
                f"the {type(self._models[d][metric]).__name__} model of {metric!r} on {d!r} has "
                "no predictive uncertainty"
            )
        return self._dist(self._parse(archs), metric, d)

    def _normal(self, seed: int, d: str, metric: str, arch: Arch) -> float:
        """The standard normal draw of (seed, dataset, metric, arch): independent of the batch."""
        key = f"{d}\x00{metric}\x00{self.space.to_str(arch)}".encode()
        words = np.frombuffer(hashlib.sha256(key).digest()[:16], dtype=np.uint32)
        return float(np.random.default_rng([seed, *words.tolist()]).standard_normal())

    def query(
        self,
        archs: Any,
        metric: str,
        dataset: str | None = None,
        *,
        epoch: int | None = None,
        seed: int | None = None,
    ) -> Any:
        d = self._check_query(metric, dataset, epoch)
        out = self._values(self._parse(archs), metric, d, seed)
        return float(out[0]) if is_single(archs) else out

    def reader(self, metric: str, dataset: str | None = None) -> Callable[[Any], float]:
        """`query(arch, metric, dataset)` for one arch, remembering each canonical arch's value
        (a search revisits architectures; a model prediction costs far more than a lookup)."""
        d = self._check_query(metric, dataset, None)
        parse, to_str, values = self.space.parse, self.space.to_str, self._values
        memo: dict[str, float] = {}

        def read(arch: Any) -> float:
            a = parse(arch)
            key = to_str(a)
            v = memo.get(key)
            if v is None:
                v = memo[key] = float(values([a], metric, d, None)[0])
            return v

        return read

    # --- cost -------------------------------------------------------------------------------
    def cost(self, archs: Any, dataset: str | None = None, *, epoch: int | None = None) -> Any:
        d = self._dataset(dataset)
        if epoch is not None:
            raise InvalidInputError(
                f"surrogate {self.name!r} charges the final training only (epoch=None), not "
                f"epoch {epoch}"
            )
        items = self._parse(archs)
        model = self._cost.get(d)
        if model is None:
            out = np.ones(len(items), dtype=np.float64)
        else:
            out = np.maximum(np.asarray(model.predict(items), dtype=np.float64), MIN_COST)
        return float(out[0]) if is_single(archs) else out

    def cost_info(self, dataset: str | None = None, *, epoch: int | None = None) -> CostInfo:
        d = self._dataset(dataset)
        model = self._cost.get(d)
        if model is None:
            return unit_cost("a surrogate fitted without a cost model")
        named = self.source.get("cost_metric")
        src = named.get(d, "training time") if isinstance(named, dict) else "training time"
        return CostInfo(
            "predicted_training_time",
            f"training time predicted by a {type(model).__name__} model fitted on {src!r} of "
            f"{len(self.train_archs)} real architectures (at least {MIN_COST} s)",
        )

    # --- saving -----------------------------------------------------------------------------
    def save(self, folder: str | os.PathLike[str]) -> Path:
        """Write the surrogate to a new (or empty) folder; see `load`."""
        folder = Path(folder)
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise InvalidInputError(f"{folder}: a surrogate is saved into a new or empty folder")
        folder.mkdir(parents=True, exist_ok=True)
        entries: dict[str, Any] = {}
        for d, per in self._models.items():
            metrics = {}
            for m, model in per.items():
                sub = _model_dir("model", d, m, len(entries) + len(metrics))
                save_regressor(model, folder / sub, space=self.space.name)
                metrics[m] = {"model": sub, "info": self._infos[d][m].to_dict()}
                if m in self.noise_scale.get(d, {}):
                    metrics[m]["noise_scale"] = float(self.noise_scale[d][m])
            cost = None
            if d in self._cost:
                cost = _model_dir("cost", d, "", len(entries))
                save_regressor(self._cost[d], folder / cost, space=self.space.name)
            entries[d] = {"metrics": metrics, "cost_model": cost}
        (folder / TRAIN_ARCHS).write_text(json.dumps(self.train_archs) + "\n")
        files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "name": self.name,
            "space": self.space.name,
            "description": self.description,
            "datasets": entries,
            "train_archs": TRAIN_ARCHS,
            "source": self.source,
            "audit": self.audit,
            "sha256": {f: sha256_of(folder / f) for f in files},
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
        return folder


def _model_dir(kind: str, d: str, m: str, k: int) -> str:
    """A folder name for a model: readable, and unique by its counter `k`."""
    parts = "-".join(_SAFE_PART.sub("_", x) for x in (d, m) if x)
    return f"{kind}{k}-{parts}"[:80]


# --- loading ----------------------------------------------------------------------------------
def _fail(path: Path, what: str) -> DataFormatError:
    return DataFormatError(f"{path}: invalid surrogate manifest: {what}")


def _relative(path: Path, name: Any, what: str) -> str:
    """A file or folder name from the manifest: relative, inside the folder."""
    if not isinstance(name, str) or not name or name.startswith(("/", "\\")):
        raise _fail(path, f"{what} must be a relative path, got {name!r}")
    parts = name.replace("\\", "/").split("/")
    if any(p in ("", ".", "..") for p in parts) or ":" in name or "\x00" in name:
        raise _fail(path, f"{what} {name!r} leaves the surrogate folder")
    return name


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The checked manifest of a saved surrogate (structure only; `load` checks the files)."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not folder.is_dir():
        raise MissingFileError(f"surrogate folder not found: {folder}")
    if not path.is_file():
        raise MissingFileError(f"{path}: not found (a saved surrogate folder holds it)")
    try:
        man = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise DataFormatError(f"{path}: not valid JSON ({type(e).__name__})") from None
    return check_manifest(man, path)


def check_manifest(man: Any, path: Path) -> dict[str, Any]:
    """Validate a parsed manifest; DataFormatError names the first thing wrong."""
    if not isinstance(man, dict):
        raise _fail(path, "it must be a JSON object")
    if man.get("format") != FORMAT:
        raise _fail(path, f"'format' must be {FORMAT!r}, got {man.get('format')!r}")
    if man.get("version") != VERSION:
        raise _fail(path, f"version {man.get('version')!r}; this naslab reads version {VERSION}")
    for key in ("name", "space"):
        if not isinstance(man.get(key), str) or not man[key]:
            raise _fail(path, f"{key!r} must be a non-empty string")
    if man["space"] not in spaces.names():
        raise _fail(path, f"unknown space {man['space']!r}; known: {', '.join(spaces.names())}")
    if not isinstance(man.get("description", ""), str):
        raise _fail(path, "'description' must be a string")
    if not isinstance(man.get("source", {}), dict):
        raise _fail(path, "'source' must be an object")
    if not isinstance(man.get("audit", {}), dict):
        raise _fail(path, "'audit' must be an object")
    sums = man.get("sha256")
    if not isinstance(sums, dict) or not sums:
        raise _fail(path, "'sha256' must map every file to its checksum")
    for f, h in sums.items():
        _relative(path, f, "a checksummed file")
        if not isinstance(h, str) or not re.fullmatch(r"[0-9a-f]{64}", h):
            raise _fail(path, f"checksum of {f!r} is not a sha256 hex digest")
    _relative(path, man.get("train_archs"), "'train_archs'")
    if man["train_archs"] not in sums:
        raise _fail(path, f"{man['train_archs']!r} has no checksum")
    ds = man.get("datasets")
    if not isinstance(ds, dict) or not ds:
        raise _fail(path, "'datasets' must be a non-empty object")
    for d, entry in ds.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("metrics"), dict):
            raise _fail(path, f"dataset {d!r} must hold a 'metrics' object")
        if not entry["metrics"]:
            raise _fail(path, f"dataset {d!r} has no metrics")
        models = [(m, e.get("model") if isinstance(e, dict) else None)
                  for m, e in entry["metrics"].items()]  # fmt: skip
        if entry.get("cost_model") is not None:
            models.append(("cost model", entry["cost_model"]))
        for m, sub in models:
            _relative(path, sub, f"model folder of {d}/{m}")
            if not any(f.startswith(f"{sub}/") for f in sums):
                raise _fail(path, f"model folder {sub!r} of {d}/{m} has no checksummed files")
        for m, e in entry["metrics"].items():
            if not isinstance(e.get("info"), dict):
                raise _fail(path, f"{d}/{m} has no metric description ('info')")
            try:
                info = MetricInfo(**e["info"])
            except (TypeError, InvalidInputError) as err:
                raise _fail(path, f"metric description of {d}/{m}: {err}") from None
            if info.name != m:
                raise _fail(path, f"{d}/{m}: its description names metric {info.name!r}")
            f = e.get("noise_scale", 1.0)
            if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0 < f < math.inf:
                raise _fail(path, f"{d}/{m}: 'noise_scale' must be a positive number, got {f!r}")
    return man


SHIPPED_DIR = "surrogates"


def shipped_names() -> list[str]:
    """The surrogates naslab ships (folders of `data/surrogates/` holding a manifest)."""
    from nas_core.shipped import shipped_path

    try:
        root = shipped_path(SHIPPED_DIR)
    except MissingFileError:
        return []
    return sorted(p.name for p in root.iterdir() if (p / MANIFEST).is_file())


def load(
    path: str | os.PathLike[str] | None = None, *, shipped: str | None = None
) -> SurrogateBenchmark:
    """Load a surrogate saved by `SurrogateBenchmark.save` from its folder (`path`), or one that
    naslab ships by name (`shipped`, see `shipped_names`). Every file's sha256 is checked before
    any model is read: a missing or changed file is one DataFormatError naming it."""
    if (path is None) == (shipped is None):
        raise InvalidInputError(
            "give a surrogate folder (path=...) or the name of a shipped one (shipped=...; "
            f"shipped: {', '.join(shipped_names()) or 'none'})"
        )
    if shipped is not None:
        names = shipped_names()
        if shipped not in names:
            raise UnknownNameError("shipped surrogate", shipped, names)
        from nas_core.shipped import shipped_path

        path = shipped_path(SHIPPED_DIR, shipped)
    assert path is not None
    folder = Path(path).expanduser()
    man = read_manifest(folder)
    for f, want in man["sha256"].items():
        p = folder / f
        if not p.is_file():
            raise DataFormatError(f"{folder}: file {f!r} listed in the manifest is missing")
        if sha256_of(p) != want:
            raise DataFormatError(
                f"{folder}: file {f!r} does not match its checksum in the manifest (changed or "
                "corrupt)"
            )
    space = man["space"]
    models: dict[str, dict[str, Any]] = {}
    infos: dict[str, dict[str, MetricInfo]] = {}
    cost: dict[str, Any] = {}
    scales: dict[str, dict[str, Any]] = {}
    for d, entry in man["datasets"].items():
        for m, e in entry["metrics"].items():
            models.setdefault(d, {})[m] = load_regressor(folder / e["model"], space=space)
            infos.setdefault(d, {})[m] = MetricInfo(**e["info"])
            if "noise_scale" in e:
                scales.setdefault(d, {})[m] = e["noise_scale"]
        if entry.get("cost_model") is not None:
            cost[d] = load_regressor(folder / entry["cost_model"], space=space)
    try:
        train = json.loads((folder / man["train_archs"]).read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataFormatError(f"{folder / man['train_archs']}: not valid JSON ({e})") from None
    if not isinstance(train, list) or not all(isinstance(a, str) for a in train):
        raise DataFormatError(f"{folder / man['train_archs']}: must be a list of arch strings")
    return SurrogateBenchmark(
        man["name"],
        space,
        models,
        infos,
        cost_models=cost,
        train_archs=train,
        source=man.get("source", {}),
        description=man.get("description", ""),
        audit=man.get("audit", {}),
        noise_scale=scales,
    )


def set_audit(folder: str | os.PathLike[str], headline: Mapping[str, Any]) -> dict[str, Any]:
    """Record an audit's headline numbers (JSON-able) in a saved surrogate's manifest, replacing
    the previous ones. The manifest is rewritten atomically; the checksummed files are untouched
    (the manifest is not among them), so the models stay verifiable."""
    folder = Path(folder)
    man = read_manifest(folder)
    man["audit"] = json.loads(json.dumps(dict(headline)))  # JSON-able, or TypeError here
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(man, indent=1) + "\n")
    os.replace(tmp, folder / MANIFEST)
    return man


# --- fitting ----------------------------------------------------------------------------------
def _fresh(model: Any) -> Any:
    """A Regressor instance from an instance or a zero-argument factory (a class is a factory:
    the protocol check alone would take a class with fit/predict methods for an instance)."""
    if isinstance(model, Regressor) and not isinstance(model, type):
        return model
    if callable(model):
        made = model()
        if isinstance(made, Regressor):
            return made
        model = made
    raise InvalidInputError(
        f"model must be a Regressor (fit(archs, y), predict(archs)) or a factory returning one, "
        f"got {type(model).__name__}"
    )


def measured_values(source: Benchmark, metric: str, d: str) -> tuple[list[Arch], np.ndarray]:
    """The source's architectures holding a finite value of `metric` on `d`, and the values
    (a sparse table is asked one architecture at a time)."""
    archs = source.archs(d)  # type: ignore[attr-defined]
    try:
        y = np.asarray(source.query(archs, metric, d), dtype=np.float64)
    except NotInBenchmarkError:  # a sparse table: ask one by one
        kept, vals = [], []
        for a in archs:
            try:
                vals.append(float(source.query(a, metric, d)))
            except NotInBenchmarkError:
                continue
            kept.append(a)
        archs, y = kept, np.asarray(vals, dtype=np.float64)
    ok = np.isfinite(y)
    return [a for a, k in zip(archs, ok, strict=True) if k], y[ok]


#: Scores `fit_surrogate(tune=...)` can select hyper-parameters by (higher is better), each the
#: mean over the CV folds of a score of the held-out fold's predictions.
TUNE_SCORES: dict[str, str] = {
    "kendall_tau": "Kendall's tau-b (scipy.stats.kendalltau) of the fold's truths and predictions",
    "r2": "coefficient of determination R² (sklearn.metrics.r2_score)",
}


def _fold_score(score: str, y: np.ndarray, pred: np.ndarray) -> float:
    if score == "r2":
        from sklearn.metrics import r2_score

        return float(r2_score(y, pred))
    from scipy import stats

    with np.errstate(invalid="ignore"):
        return float(stats.kendalltau(y, pred).statistic)  # NaN for constant predictions


def _check_tuning(proto: Any, tune: Any, cv: Any, score: str, n_train: int) -> list[dict]:
    """The grid's candidates, in `sklearn.model_selection.ParameterGrid` order, after checking
    the grid, the fold count, the score and that the model can be cloned with new parameters.
    Anything wrong is one InvalidInputError naming it (before any model is fitted)."""
    from sklearn.model_selection import ParameterGrid

    if score not in TUNE_SCORES:
        raise InvalidInputError(
            f"tune_score must be one of {', '.join(TUNE_SCORES)}, got {score!r}"
        )
    if isinstance(cv, bool) or not isinstance(cv, (int, np.integer)) or not 2 <= cv <= n_train:
        raise InvalidInputError(
            f"cv must be an integer number of folds in 2..{n_train} (the training sample), "
            f"got {cv!r}"
        )
    if not callable(getattr(proto, "get_params", None)) or not callable(
        getattr(proto, "set_params", None)
    ):
        raise InvalidInputError(
            f"tune= needs a model with scikit-learn's get_params/set_params; a "
            f"{type(proto).__name__} has none"
        )
    if not isinstance(tune, Mapping) or not tune:
        raise InvalidInputError(
            f"tune must be a non-empty {{parameter: [values]}} grid, got {tune!r}"
        )
    known = proto.get_params(deep=False)
    for k, values in tune.items():
        if not isinstance(k, str) or k not in known:
            raise InvalidInputError(
                f"tune grid: {type(proto).__name__} has no parameter {k!r}; its parameters: "
                f"{', '.join(sorted(known))}"
            )
        if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Sequence):
            raise InvalidInputError(
                f"tune grid: {k!r} must map to a list of values, got {values!r}"
            )
        if not values:
            raise InvalidInputError(f"tune grid: {k!r} has no values to try")
        try:
            json.dumps(list(values))
        except (TypeError, ValueError):
            raise InvalidInputError(
                f"tune grid: the values of {k!r} must be JSON-able (numbers, strings, booleans, "
                f"None), got {values!r}"
            ) from None
    candidates = [dict(c) for c in ParameterGrid({k: list(v) for k, v in tune.items()})]
    validate = getattr(type(proto), "validate_params", None)
    if callable(validate):  # a model that checks its parameters: refuse a bad value up front
        for c in candidates:
            try:
                validate({**known, **c})
            except InvalidInputError as e:
                raise InvalidInputError(f"tune grid candidate {c}: {e}") from None
    return candidates


def _tune(
    proto: Any,
    grid: Mapping[str, Sequence[Any]],
    candidates: list[dict],
    archs: list[str],
    y: np.ndarray,
    cv: int,
    score: str,
    seed: int,
) -> dict[str, Any]:
    """K-fold CV of every candidate on the training sample only; the record of what was tried
    and chosen (JSON-able). Folds are shuffled with the training sample's seed; the same folds
    serve every candidate. A candidate's score is the mean over folds (NaN when a fold's score
    is undefined, e.g. constant predictions for tau); the best finite mean wins, ties going to
    the first in grid order."""
    from sklearn.base import clone
    from sklearn.model_selection import KFold

    folds = list(KFold(n_splits=int(cv), shuffle=True, random_state=int(seed)).split(archs))
    rows = []
    for c in candidates:
        per_fold = []
        for fit_rows, val_rows in folds:
            m = clone(proto).set_params(**c)
            m.fit([archs[i] for i in fit_rows], y[fit_rows])
            pred = np.asarray(m.predict([archs[i] for i in val_rows]), dtype=np.float64)
            per_fold.append(_fold_score(score, y[val_rows], pred))
        mean = float(np.mean(per_fold))
        rows.append({"params": c, "score": mean, "fold_scores": per_fold})
    means = np.array([r["score"] for r in rows])
    if not np.isfinite(means).any():
        raise InvalidInputError(
            f"no candidate of the tune grid has a finite {cv}-fold CV {score} (constant "
            "predictions on every fold?); widen the grid or use tune_score='r2'"
        )
    best = int(np.nanargmax(means))
    return {
        "grid": json.loads(json.dumps({k: list(v) for k, v in grid.items()})),
        "cv": int(cv),
        "score": score,
        "score_description": TUNE_SCORES[score],
        "fold_seed": int(seed),
        "candidates": json.loads(json.dumps(rows)),
        "chosen": json.loads(json.dumps(candidates[best])),
        "chosen_score": float(means[best]),
    }


#: |z| of a standard normal's median: the robust scale makes the central 68% interval right on
#: out-of-fold predictions, where an RMS would be set by a few wild errors (NB201's 10% cells).
_MEDIAN_ABS_Z = 0.6744897501960817


def _noise_scale(
    proto: Any, archs: list[str], y: np.ndarray, folds: int, seed: int
) -> dict[str, Any]:
    """The factor for a model's predictive std that makes its out-of-fold |z| median that of a
    standard normal: K-fold on the training sample only (folds seeded by the sample's seed)."""
    from sklearn.base import clone
    from sklearn.model_selection import KFold

    z_all = []
    split = KFold(n_splits=int(folds), shuffle=True, random_state=int(seed)).split(archs)
    for fit_rows, val_rows in split:
        m = clone(proto)
        m.fit([archs[i] for i in fit_rows], y[fit_rows])
        mean, std = m.predict_dist([archs[i] for i in val_rows])
        std = np.asarray(std, dtype=np.float64)
        z = (y[val_rows] - np.asarray(mean, dtype=np.float64)) / np.where(std > 0, std, np.nan)
        z_all.append(z[np.isfinite(z)])
    z = np.concatenate(z_all) if z_all else np.zeros(0)
    if z.size < 3 or not np.median(np.abs(z)) > 0:
        raise InvalidInputError(
            "calibrate_noise: the model's out-of-fold predictive std is zero or undefined on the "
            "training sample, so it cannot be scaled"
        )
    med = float(np.median(np.abs(z)))
    return {
        "folds": int(folds),
        "n": int(z.size),
        "median_abs_z": med,
        "rms_z": float(np.sqrt(np.mean(z**2))),
        "scale": med / _MEDIAN_ABS_Z,
        "method": f"{folds}-fold CV on the training sample: std x median|z| / 0.6745",
    }


def fit_surrogate(
    source: Benchmark,
    dataset: str | None,
    metric: str | Sequence[str],
    model: Any,
    train_size: int,
    seed: int = 0,
    *,
    cost_metric: str | None = None,
    cost_model: Any = None,
    source_file: str | os.PathLike[str] | None = None,
    name: str | None = None,
    source_record: Mapping[str, Any] | None = None,
    tune: Mapping[str, Sequence[Any]] | None = None,
    cv: int = 5,
    tune_score: str = "kendall_tau",
    exclude: Sequence[Any] | None = None,
    calibrate_noise: int | None = None,
) -> SurrogateBenchmark:
    """Fit a surrogate of `metric` (one name, or several: then `model` must be a factory) on
    `dataset` of the finite benchmark `source`, from `train_size` architectures sampled with
    `seed` among those holding every requested value. `cost_metric` + `cost_model` add a model of
    training time fitted on the same architectures. `source_file`: the source's data file, whose
    sha256 goes into the provenance (default: the file a table was converted from, where its
    store names one). `source_record`: extra JSON-able fields for the manifest's source record
    (the CLI stores how to reload the source and rebuild the model there, for the audit). Only
    the sampled architectures are ever shown to a model.

    `tune`: a grid `{parameter: [values]}` of the model's (scikit-learn `get_params` names),
    searched by `cv`-fold cross-validation on the training sample alone (folds shuffled with
    `seed`), each candidate scored by the mean over folds of `tune_score` (`TUNE_SCORES`: Kendall
    tau by default, since a surrogate is mostly asked to rank; or R²); the best is refitted on the
    whole training sample. The grid, every candidate's fold scores and the chosen parameters go
    into the source record (`tuning`, per metric) and the chosen ones into the provenance. The
    cost model is not tuned.

    `exclude`: architectures never to train on (a region held out for an audit, the cells whose
    real seed spread the noise is compared with); the sample is drawn from the rest, and the
    source record counts them (`n_excluded`)."""
    if not is_finite(source):
        raise InvalidInputError(
            f"benchmark {source.name!r} lists no architectures (an open space): a surrogate is "
            "fitted on a finite source (a table)"
        )
    d = source._dataset(dataset)
    names = [metric] if isinstance(metric, str) else list(metric)
    if not names:
        raise InvalidInputError("fit_surrogate needs at least one metric")
    if len(names) > 1 and isinstance(model, Regressor) and not isinstance(model, type):
        raise InvalidInputError(
            "several metrics need a model factory (a fresh model per metric), not one instance"
        )
    for m in [*names, *([cost_metric] if cost_metric else [])]:
        source.metric_info(m, d)  # UnknownNameError naming the valid ones
    if (cost_metric is None) != (cost_model is None):
        raise InvalidInputError("cost_metric and cost_model go together")
    if isinstance(train_size, bool) or not isinstance(train_size, (int, np.integer)):
        raise InvalidInputError(f"train_size must be an integer, got {train_size!r}")
    candidates = None
    if tune is not None:  # checked before any data is read or model fitted
        candidates = _check_tuning(_fresh(model), tune, cv, tune_score, int(train_size))
    measured = {
        m: measured_values(source, m, d) for m in [*names, *([cost_metric] if cost_metric else [])]
    }
    keys = None
    to_str = source.space.to_str
    for archs, _ in measured.values():
        ks = {to_str(a) for a in archs}
        keys = ks if keys is None else keys & ks
    pool = sorted(keys or ())
    left_out = ""
    if exclude is not None:
        if is_single(exclude):
            raise InvalidInputError("exclude must be a batch (list) of architectures")
        barred = {to_str(source.space.parse(a)) for a in exclude}
        pool = [k for k in pool if k not in barred]
        left_out = f", less the {len(barred)} excluded"
    if not 1 <= train_size <= len(pool):
        raise InvalidInputError(
            f"train_size must be in 1..{len(pool)} (the architectures of {source.name!r} holding "
            f"{', '.join(measured)} on {d!r}{left_out}), got {train_size}"
        )
    rng = np.random.default_rng(seed)
    train = [pool[i] for i in sorted(rng.choice(len(pool), size=int(train_size), replace=False))]
    value_of = {
        m: dict(zip((to_str(a) for a in archs), y, strict=True))
        for m, (archs, y) in measured.items()
    }
    if source_file is None:  # a table converted from one file names it in its store's meta
        meta = getattr(getattr(source, "store", None), "meta", None) or {}
        found = meta.get("source") if isinstance(meta, dict) else None
        if isinstance(found, str) and Path(found).is_file():
            source_file = found
    sha = sha256_of(source_file) if source_file is not None else None
    src_text = source.name + (f" (sha256 {sha[:12]})" if sha else "")
    models: dict[str, Any] = {}
    infos: dict[str, MetricInfo] = {}
    tuning: dict[str, Any] = {}
    noise: dict[str, Any] = {}
    if calibrate_noise is not None:
        if (
            isinstance(calibrate_noise, bool)
            or not isinstance(calibrate_noise, int)
            or not (2 <= calibrate_noise <= int(train_size))
        ):
            raise InvalidInputError(
                f"calibrate_noise is a number of CV folds in 2..train_size, got {calibrate_noise!r}"
            )
        probe = _fresh(model)
        if not has_uncertainty(probe):
            raise InvalidInputError(
                f"calibrate_noise needs a model with a predictive spread (predict_dist); "
                f"{type(probe).__name__} has none"
            )
    for m in names:
        reg = _fresh(model)
        y_train = np.array([value_of[m][k] for k in train])
        how = ""
        if candidates is not None:
            from sklearn.base import clone

            tuning[m] = _tune(reg, tune or {}, candidates, train, y_train, cv, tune_score, seed)
            reg = clone(reg).set_params(**tuning[m]["chosen"])
            how = (
                f"; chosen by {cv}-fold CV on the training sample ({tune_score} "
                f"{tuning[m]['chosen_score']:.4f}) over the grid "
                f"{json.dumps(tuning[m]['grid'], sort_keys=True)}"
            )
        if calibrate_noise is not None:
            from sklearn.base import clone

            noise[m] = _noise_scale(clone(reg), train, y_train, calibrate_noise, seed)
            how += f"; seed= noise std scaled by {noise[m]['scale']:.4g} ({noise[m]['method']})"
        reg.fit(train, y_train)
        params = _model_params(reg)
        cls = type(reg).__name__
        prov = Provenance(
            "surrogate",
            f"{cls} fitted on {len(train)} real architectures of {src_text}",
            f"metric {m!r} on {d!r}; hyper-parameters {json.dumps(params, sort_keys=True)}"
            f"{how}; training sample seed {seed}",
        )
        real = source.metric_info(m, d)
        infos[m] = replace(real, description=f"surrogate prediction of: {real.description}",
                           provenance=prov)  # fmt: skip
        models[m] = reg
    cost_models = {}
    if cost_metric is not None:
        reg = _fresh(cost_model)
        reg.fit(train, np.array([value_of[cost_metric][k] for k in train]))
        cost_models[d] = reg
    record = {
        "benchmark": source.name,
        "file": None if source_file is None else str(source_file),
        "file_sha256": sha,
        "dataset": d,
        "metrics": names,
        "cost_metric": {d: cost_metric} if cost_metric else {},
        "n_train": len(train),
        "n_pool": len(pool),
        "n_excluded": 0 if exclude is None else len(keys or ()) - len(pool),
        "train_seed": int(seed),
        "model_class": type(models[names[0]]).__name__,
        "model_params": _model_params(models[names[0]]),
    }
    if tuning:
        record["tuning"] = tuning
    if noise:
        record["noise_calibration"] = noise
    clash = set(record) & set(source_record or {})
    if clash:
        raise InvalidInputError(f"source_record may not override {sorted(clash)}")
    record.update(json.loads(json.dumps(dict(source_record or {}))))
    return SurrogateBenchmark(
        name or f"surrogate-{source.name}",
        source.space.name,
        {d: models},
        {d: infos},
        cost_models=cost_models,
        train_archs=train,
        source=record,
        noise_scale={d: {m: v["scale"] for m, v in noise.items()}} if noise else None,
        description=f"surrogate of {source.name} ({d}: {', '.join(names)}), "
        f"{record['model_class']} fitted on {len(train)} of its architectures",
    )
