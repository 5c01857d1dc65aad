"""`suite-zero`: NAS-Bench-Suite-Zero zero-cost proxy scores (Krishnakumar et al., NeurIPS 2022
Datasets and Benchmarks), read from NASLib's `zc_<space>.json` files.

Layout of `zc_nasbench201.json`: `{dataset: {"(o0, ..., o5)": {"idx", "arch", "val_accuracy",
<proxy>: {"score", "time"}}}}`, keyed by NASLib's op tuple (the same encoding as naslab's nb201
space). Each dataset holds its own ~725-arch sample (724 on cifar10, 725 on cifar100, 724 on
ImageNet16-120; 725 distinct overall), so `archs()` is their union, `archs(dataset)` one dataset's,
and querying an arch a dataset lacks raises NotInBenchmarkError.

Metrics per dataset: `val_accuracy` (NAS-Bench-201 200-epoch validation accuracy, %), every proxy's
score under its own name, and its compute time in seconds as `<proxy>_time`. Scores are kept as
computed, including NASWOT's `-inf` for a cell whose kernel matrix is singular. The file's `idx`
field (NASLib's own sample id, neither the space's nor the official NAS-Bench-201 index) is kept as
the extra column `naslib_idx`. The file records no training time, so `cost` is one simulated second
per query.

Only the nb201 file is supported: naslab has no nb101, darts or TransNAS-Bench-101 space yet.
"""

from __future__ import annotations

import ast
import json
import math
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
SUPPORTED = {"zc_nasbench201.json": "nb201"}
NB201_DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
TNB101_TASKS = {"class_scene", "class_object", "autoencoder", "normal", "jigsaw", "room_layout"}
WHERE = (
    "NAS-Bench-Suite-Zero files ship with NASLib (github.com/automl/NASLib, Apache-2.0) as "
    "naslib/data/zc_nasbench201.json; pass its location with path=..."
)

#: proxy -> (description with the paper it comes from, higher_is_better as a metric).
PROXIES: dict[str, tuple[str, bool]] = {
    "flops": ("FLOPs of the network (millions); as a proxy, bigger networks rank higher", False),
    "params": ("parameter count (millions); as a proxy, bigger networks rank higher", False),
    "synflow": (
        "SynFlow: sum of |theta * dR/dtheta| for R the product of absolute weights on an "
        "all-ones input (Tanaka et al., NeurIPS 2020; as a NAS proxy Abdelfattah et al., "
        "Zero-Cost Proxies for Lightweight NAS, ICLR 2021)",
        True,
    ),
    "snip": (
        "SNIP saliency: sum of |theta * dL/dtheta| on one batch (Lee et al., ICLR 2019; "
        "Abdelfattah et al., ICLR 2021)",
        True,
    ),
    "grasp": (
        "GraSP: -theta * H * dL/dtheta, preservation of gradient flow (Wang et al., ICLR 2020; "
        "Abdelfattah et al., ICLR 2021)",
        True,
    ),
    "fisher": (
        "Fisher: summed squared activation-gradient products over channels (Theis et al., 2018; "
        "Turner et al., BlockSwap, ICLR 2020)",
        True,
    ),
    "grad_norm": (
        "sum of the gradients' L2 norms on one batch (Abdelfattah et al., ICLR 2021)",
        True,
    ),
    "l2_norm": (
        "sum of the parameters' L2 norms at initialisation (Krishnakumar et al., "
        "NAS-Bench-Suite-Zero, NeurIPS 2022)",
        True,
    ),
    "plain": (
        "plain saliency: sum of theta * dL/dtheta (Mozer & Smolensky, NeurIPS 1988; "
        "Abdelfattah et al., ICLR 2021)",
        True,
    ),
    "nwot": (
        "NASWOT: log-determinant of the ReLU activation-pattern kernel over one batch (Mellor et "
        "al., Neural Architecture Search without Training, ICML 2021); -inf when singular",
        True,
    ),
    "epe_nas": (
        "EPE-NAS: per-class correlation of input Jacobians (Lopes et al., ICANN 2021)",
        True,
    ),
    "jacov": (
        "Jacobian covariance score (Mellor et al., arXiv:2006.04647v1, 2020)",
        True,
    ),
    "zen": ("Zen-score: expected Gaussian complexity (Lin et al., Zen-NAS, ICCV 2021)", True),
}
CITATION = (
    "Krishnakumar, A. et al. NAS-Bench-Suite-Zero: Accelerating Research on Zero Cost Proxies. "
    "NeurIPS 2022 Datasets and Benchmarks. Accuracies from Dong & Yang, NAS-Bench-201, ICLR 2020."
)
LICENCE = "Apache-2.0 (NASLib)"


def _detect_space(path: Path, data: Any) -> str:
    """Which space a suite-zero file covers; raise for files whose data naslab does not read yet."""
    if not isinstance(data, dict) or not data:
        raise DataFormatError(f"{path}: not a NAS-Bench-Suite-Zero file (expected a JSON object)")
    top = set(data)
    other = None
    if "nasbench101" in top:
        other = "nb101 (NAS-Bench-101)"
    elif top & TNB101_TASKS:
        other = "tnb101 (TransNAS-Bench-101)"
    elif top <= set(NB201_DATASETS):
        first = next(iter(next(iter(data.values()))), "")
        if str(first).lstrip().startswith("[") or "darts" in path.name or "301" in path.name:
            other = "darts (NAS-Bench-301)"
        else:
            return "nb201"
    else:
        raise DataFormatError(
            f"{path}: top-level keys {sorted(top)[:5]} are no NAS-Bench-Suite-Zero task names"
        )
    raise InvalidInputError(
        f"{path.name} is a NAS-Bench-Suite-Zero file for space {other}; naslab has that search "
        "space (nas_core.spaces) but does not read its Suite-Zero benchmark data yet; supported: "
        f"{', '.join(f'{f} (space {s})' for f, s in SUPPORTED.items())}"
    )


def read_source(path: Path) -> tuple[str, dict[str, dict[str, Any]]]:
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DataFormatError(f"{path}: not a JSON file ({e})") from e
    return _detect_space(path, data), data


def _score(value: Any) -> tuple[float, float]:
    if isinstance(value, dict):
        return _num(value.get("score")), _num(value.get("time"))
    return _num(value), math.nan


def _indices(space: Any, records: dict[str, Any]) -> list[int]:
    """Space indices of a dataset's keys ("(4, 0, 3, 1, 4, 3)" strings)."""
    try:
        return space.indices([ast.literal_eval(k) for k in records]).tolist()
    except (ValueError, SyntaxError) as e:
        raise DataFormatError(
            f"suite-zero keys must be op tuples like '(4, 0, 3, 1, 4, 3)': {e}"
        ) from e


def _num(x: Any) -> float:
    return math.nan if x is None else float(x)


def convert(path: Path) -> TableStore:
    space_name, data = read_source(path)
    space = spaces.get(space_name)
    naslib_idx: dict[int, int] = {}
    for records in data.values():
        for i, rec in zip(_indices(space, records), records.values(), strict=True):
            if isinstance(rec, dict) and "idx" in rec:
                naslib_idx.setdefault(int(i), int(rec["idx"]))
            else:
                naslib_idx.setdefault(int(i), -1)
    index = np.array(sorted(naslib_idx), dtype=np.int64)
    row = {int(i): r for r, i in enumerate(index)}
    cols: dict[ColumnKey, np.ndarray] = {}
    for ds, records in data.items():
        if not records:  # a task without archs would only add all-NaN columns
            continue
        rows = np.array([row[i] for i in _indices(space, records)], dtype=np.int64)
        recs = list(records.values())
        names: dict[str, None] = {}
        for rec in recs:
            names.update(dict.fromkeys(k for k in rec if k not in ("idx", "arch")))
        ordered = ["val_accuracy", *sorted(n for n in names if n != "val_accuracy")]
        times: dict[ColumnKey, np.ndarray] = {}
        for name in ordered:
            pairs = np.array([_score(rec.get(name)) for rec in recs], dtype=np.float64).reshape(
                -1, 2
            )
            score = np.full(len(index), np.nan)
            time = np.full(len(index), np.nan)
            score[rows], time[rows] = pairs[:, 0], pairs[:, 1]
            cols[(ds, name, None, None)] = score
            if name != "val_accuracy" and not np.isnan(time).all():
                times[(ds, f"{name}_time", None, None)] = time
        cols.update(times)
    extras = pd.DataFrame(
        {"naslib_idx": np.array([naslib_idx[int(i)] for i in index], dtype=np.int64)}
    )
    return TableStore.from_columns(space_name, index, cols, extras, {"source": str(path)})


ZC_SOURCE = "NAS-Bench-Suite-Zero (Krishnakumar et al., NeurIPS 2022), computed with NASLib"
#: Proxies that are model-size measures (their role is `size`, not `proxy`).
SIZE = {"flops", "params"}


def _metric_infos() -> dict[str, MetricInfo]:
    infos = {
        "val_accuracy": MetricInfo(
            "val_accuracy",
            "NAS-Bench-201 validation accuracy after 200 epochs",
            "%",
            True,
            role="objective",
            split="valid",
            provenance=Provenance(
                "measured",
                "NAS-Bench-201 (Dong & Yang, ICLR 2020): the authors' 200-epoch training",
                "as copied into NAS-Bench-Suite-Zero's zc_nasbench201.json ('val_accuracy')",
            ),
        )
    }
    for name, (desc, hib) in PROXIES.items():
        infos[name] = MetricInfo(
            name,
            f"zero-cost proxy {desc}",
            "",
            hib,
            role="size" if name in SIZE else "proxy",
            provenance=Provenance(
                "computed", ZC_SOURCE, "the score stored in zc_nasbench201.json, as computed"
            ),
        )
        infos[f"{name}_time"] = MetricInfo(
            f"{name}_time",
            f"seconds NASLib took to compute {name}",
            "s",
            False,
            role="compute_time",
            provenance=Provenance(
                "measured", ZC_SOURCE, f"wall-clock seconds of computing {name}, on their hardware"
            ),
        )
    return infos


def load(path: str | Path | None = None) -> SparseTabularBenchmark:
    if path is None:
        raise MissingFileError(f"benchmark 'suite-zero' needs a data file: {WHERE}")
    src = Path(path).expanduser()
    if not src.exists():
        raise MissingFileError(f"NAS-Bench-Suite-Zero file not found at {src.resolve()}. {WHERE}")
    store = cached_store("suite-zero", VERSION, [src], lambda: convert(src))
    return SparseTabularBenchmark(
        "suite-zero",
        store,
        _metric_infos(),
        citation=CITATION,
        licence=LICENCE,
        description=f"NAS-Bench-Suite-Zero ({src.name}): validation accuracy and zero-cost proxy "
        f"scores with their compute times for {len(store.index)} {store.space} architectures",
        cost_note="NAS-Bench-Suite-Zero records proxy compute times (<proxy>_time), no training time",
    )
