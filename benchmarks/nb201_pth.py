"""`nb201`: the official NAS-Bench-201 file (`NAS-Bench-201-v1_1-096897.pth`, Dong & Yang, ICLR
2020), which users bring; read through the `nas-bench-201` package's own record classes.

The file (a `torch.save`d dict) holds `meta_archs` (the official index -> arch string),
`arch2infos` ({official index: {"less": 12-epoch results, "full": 200-epoch results}}, each an
`ArchResults` state dict with one `ResultsCount` per (dataset, seed)) and `evaluated_indexes`. It
is read with `torch.load(weights_only=True)` (a restricted unpickler: plain containers, numbers and
tensors only; the two NumPy scalar types older files contain are admitted explicitly), each
arch's results are rebuilt with `nas_201_api.ArchResults.create_from_state_dict`, and the numbers
are converted once into the columnar cache.

What a benchmark holds (one load = one schedule, `schedule=200` (default) or `schedule=12`: the
two schedules are different training runs, the 12-epoch one decaying its learning rate to zero
within 12 epochs, so the 12-epoch schedule's final value is a real low fidelity while epoch 12 of
the 200-epoch schedule is not):

- datasets `cifar10-valid` (trained on the train split; valid = `x-valid`, test = `ori-test`),
  `cifar10` (trained on train+valid; test = `ori-test`, no validation split), `cifar100` and
  `ImageNet16-120` (valid = `x-valid`, test = `x-test`);
- per epoch e = 1..E (the value after e epochs of training, i.e. the package's `iepoch = e - 1`):
  `train_acc`, `train_loss`, `valid_acc`, `valid_loss`, `test_acc`, `test_loss` (mean over seeds),
  and `train_time` (cumulative training seconds up to epoch e), which is the benchmark's `cost`:
  `cost(..., epoch=e)` charges the measured seconds up to epoch e of the loaded schedule (the
  12-epoch schedule's final value costs its 12 epochs, not the 200-epoch run's time);
- final values per seed (`seed=777`, ...; `epoch=None` or E), and final-only `flops` (M),
  `params` (MB), `latency` (s), `eval_time` (total seconds of evaluating on the test split).

The official index is kept as the extra column `nb201_index`; it is NOT the space's index.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.base import MetricInfo
from benchmarks.cache import cached_store
from benchmarks.store import ColumnKey, TableStore
from benchmarks.table import SparseTabularBenchmark
from nas_core import spaces
from nas_core.errors import DataFormatError, InvalidInputError, MissingFileError
from nas_core.provenance import Provenance

VERSION = 1
FILE_NAME = "NAS-Bench-201-v1_1-096897.pth"
SCHEDULES = {200: "full", 12: "less"}
#: dataset -> (validation split, test split) names inside the file; None where absent.
SPLITS: dict[str, tuple[str | None, str]] = {
    "cifar10-valid": ("x-valid", "ori-test"),
    "cifar10": (None, "ori-test"),
    "cifar100": ("x-valid", "x-test"),
    "ImageNet16-120": ("x-valid", "x-test"),
}
WHERE = (
    f"download {FILE_NAME} from the NAS-Bench-201 page (github.com/D-X-Y/NAS-Bench-201, "
    "'Preparation and Download') and pass path=/where/it/is"
)
CITATION = (
    "Dong, X. & Yang, Y. NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture "
    "Search. ICLR 2020."
)
LICENCE = "MIT (NAS-Bench-201)"
PER_EPOCH = ("train_acc", "train_loss", "valid_acc", "valid_loss", "test_acc", "test_loss")


def _metric_infos(schedule: int) -> dict[str, MetricInfo]:
    sched = f"{schedule}-epoch schedule"
    source = f"NAS-Bench-201 (Dong & Yang, ICLR 2020): the authors' training, {sched}"
    seeds = "mean over the seeds the file holds for the arch (seed=... gives one)"
    infos = {}
    for m in PER_EPOCH:
        split, what = m.split("_")
        unit = "%" if what == "acc" else ""
        infos[m] = MetricInfo(
            m,
            f"{'accuracy' if what == 'acc' else 'cross-entropy loss'} on the {split} split after "
            f"epoch e of the {sched} (mean over seeds unless seed= is given)",
            unit,
            what == "acc",
            role="objective" if what == "acc" else "loss",
            split=split,
            provenance=Provenance("measured", source, f"per epoch; {seeds}"),
        )
    infos["train_time"] = MetricInfo(
        "train_time",
        f"cumulative training seconds up to epoch e ({sched})",
        "s",
        False,
        role="train_time",
        provenance=Provenance(
            "measured", source, f"per-epoch training seconds summed up to epoch e; {seeds}"
        ),
    )
    infos["eval_time"] = MetricInfo(
        "eval_time",
        f"total seconds spent evaluating on the test split ({sched})",
        "s",
        False,
        role="compute_time",
        split="test",
        provenance=Provenance("measured", source, "the file's T-<test split>@total"),
    )
    infos["flops"] = MetricInfo(
        "flops",
        "FLOPs of the network (millions)",
        "MFLOPs",
        False,
        role="size",
        provenance=Provenance("computed", source, "the file's compute costs ('flops')"),
    )
    infos["params"] = MetricInfo(
        "params",
        "parameters (MB, as the file records)",
        "MB",
        False,
        role="size",
        provenance=Provenance("computed", source, "the file's compute costs ('params')"),
    )
    infos["latency"] = MetricInfo(
        "latency",
        "inference latency recorded in the file",
        "s",
        False,
        role="hardware",
        provenance=Provenance("measured", source, "the file's compute costs ('latency')"),
    )
    return infos


def _torch_load(path: Path) -> dict[str, Any]:
    import torch

    safe: list[Any] = []
    try:  # NumPy scalars in older files; admitted explicitly, nothing else is
        safe += [np._core.multiarray.scalar, np.dtype, type(np.dtype(np.float64))]
    except AttributeError:  # NumPy < 2
        safe += [np.core.multiarray.scalar, np.dtype]  # type: ignore[attr-defined]
    try:
        with torch.serialization.safe_globals(safe):
            data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # pickle errors of many kinds: all mean "not this format"
        raise DataFormatError(
            f"{path}: not a readable NAS-Bench-201 .pth file ({type(e).__name__}: {e})"
        ) from e
    if not isinstance(data, dict) or not {"meta_archs", "arch2infos"} <= set(data):
        keys = sorted(data)[:5] if isinstance(data, dict) else type(data).__name__
        raise DataFormatError(
            f"{path}: expected a dict with 'meta_archs' and 'arch2infos' (the NAS-Bench-201 "
            f"format), got {keys}"
        )
    return data


def convert(
    path: Path, schedule: int, progress: Callable[[int, int], None] | None = None
) -> TableStore:
    from nas_201_api import ArchResults

    data = _torch_load(path)
    space = spaces.get("nb201")
    meta = list(data["meta_archs"])
    infos = data["arch2infos"]
    official = sorted(int(k) for k in infos)
    n, E = len(official), schedule
    part = SCHEDULES[schedule]
    curves: dict[tuple[str, str], np.ndarray] = {}
    finals: dict[tuple[str, str, int], np.ndarray] = {}
    scalars: dict[tuple[str, str], np.ndarray] = {}
    index = np.empty(n, dtype=np.int64)

    def curve(ds: str, m: str) -> np.ndarray:
        if (ds, m) not in curves:
            curves[(ds, m)] = np.full((n, E), np.nan)
        return curves[(ds, m)]

    def scalar(ds: str, m: str) -> np.ndarray:
        if (ds, m) not in scalars:
            scalars[(ds, m)] = np.full(n, np.nan)
        return scalars[(ds, m)]

    for r, off in enumerate(official):
        raw = infos[off] if off in infos else infos[str(off)]
        if part not in raw:
            raise DataFormatError(f"{path}: arch {off} has no {part!r} ({schedule}-epoch) results")
        res = ArchResults.create_from_state_dict(raw[part])
        arch_str = meta[off] if off < len(meta) else res.arch_str
        index[r] = space.index(space.parse(arch_str))
        for ds, seeds in res.dataset_seed.items():
            if ds not in SPLITS:
                continue
            valid, test = SPLITS[ds]
            runs = [res.all_results[(ds, s)] for s in seeds]
            for rc in runs:
                if rc.epochs != E:
                    raise DataFormatError(
                        f"{path}: arch {off} on {ds} trained {rc.epochs} epochs, expected {E}"
                    )
            per_run: dict[str, list[np.ndarray]] = {m: [] for m in (*PER_EPOCH, "train_time")}
            for rc in runs:
                ep = range(E)
                per_run["train_acc"].append(np.array([rc.train_acc1es[i] for i in ep], float))
                per_run["train_loss"].append(np.array([rc.train_losses[i] for i in ep], float))
                for split, name in (("valid", valid), ("test", test)):
                    if name is None or name not in rc.eval_names:
                        continue
                    acc, loss = rc.eval_acc1es, rc.eval_losses
                    per_run[f"{split}_acc"].append(
                        np.array([acc[f"{name}@{i}"] for i in ep], float)
                    )
                    per_run[f"{split}_loss"].append(
                        np.array([loss[f"{name}@{i}"] for i in ep], float)
                    )
                if isinstance(rc.train_times, dict) and rc.train_times:
                    times = np.array([rc.train_times[i] for i in ep], float)
                    per_run["train_time"].append(np.cumsum(times))
            for m, arrays in per_run.items():
                if not arrays:
                    continue
                stacked = np.stack(arrays)
                curve(ds, m)[r] = stacked.mean(axis=0)
                if m != "train_time":
                    for s, row in zip(seeds, stacked, strict=True):
                        key = (ds, m, int(s))
                        if key not in finals:
                            finals[key] = np.full(n, np.nan)
                        finals[key][r] = row[-1]
            costs = res.get_compute_costs(ds)
            for m, src in (("flops", "flops"), ("params", "params"), ("latency", "latency")):
                if costs.get(src) is not None:
                    scalar(ds, m)[r] = float(costs[src])
            t = costs.get(f"T-{test}@total")
            if t is not None:
                scalar(ds, "eval_time")[r] = float(t)
        if progress is not None:
            progress(r + 1, n)

    cols: dict[ColumnKey, np.ndarray] = {}
    for ds in SPLITS:
        for m in (*PER_EPOCH, "train_time"):
            if (ds, m) in curves:
                arr = curves[(ds, m)]
                for e in range(1, E + 1):
                    cols[(ds, m, e, None)] = arr[:, e - 1]
        for (d, m, s), arr in sorted(finals.items()):
            if d == ds:
                cols[(ds, m, E, s)] = arr
        for m in ("flops", "params", "latency", "eval_time"):
            if (ds, m) in scalars:
                cols[(ds, m, None, None)] = scalars[(ds, m)]
    if not cols:
        raise DataFormatError(f"{path}: no results for any of {', '.join(SPLITS)}")
    extras = pd.DataFrame({"nb201_index": np.array(official, dtype=np.int64)})
    return TableStore.from_columns(
        "nb201", index, cols, extras, {"source": str(Path(path).resolve()), "schedule": schedule}
    )


class NB201Benchmark(SparseTabularBenchmark):
    """Per-seed values answer `epoch=None` as the final epoch, like the mean columns do."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for key, col in list(self._col.items()):
            d, m, e, s = key
            if s is not None and e is not None:
                self._col.setdefault((d, m, None, s), col)


def load(
    path: str | Path | None = None, *, schedule: int = 200, progress: bool = True
) -> NB201Benchmark:
    """Load the official NAS-Bench-201 file (converted once into the cache; see module doc)."""
    if schedule not in SCHEDULES:
        raise InvalidInputError(
            f"schedule must be one of {sorted(SCHEDULES)} (training epochs), got {schedule!r}"
        )
    if path is None:
        raise MissingFileError(f"benchmark 'nb201' needs the official file {FILE_NAME}: {WHERE}")
    src = Path(path).expanduser()
    if not src.exists():
        raise MissingFileError(f"NAS-Bench-201 file not found at {src.resolve()}; {WHERE}")

    def build() -> TableStore:
        if not progress:
            return convert(src, schedule)
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task(f"converting {src.name} ({schedule} epochs)", total=None)
            return convert(src, schedule, lambda i, n: bar.update(task, completed=i, total=n))

    store = cached_store("nb201", VERSION, [src], build, {"schedule": schedule})
    name = "nb201" if schedule == 200 else f"nb201-{schedule}ep"
    return NB201Benchmark(
        name,
        store,
        _metric_infos(schedule),
        citation=CITATION,
        licence=LICENCE,
        description=f"NAS-Bench-201 ({src.name}), {schedule}-epoch schedule: per-epoch "
        "train/valid/test accuracy and loss, training times, FLOPs, params, latency",
        cost_metric={c[0]: "train_time" for c in store.columns if c[1] == "train_time"},
        cost_continues=True,
        default_dataset="cifar10" if any(c[0] == "cifar10" for c in store.columns) else None,
    )
