"""`suite-zero`: NAS-Bench-Suite-Zero (Krishnakumar et al., NeurIPS 2022 Datasets and Benchmarks),
read from NASLib's `zc_<benchmark>.json` files: each architecture's validation metric and its
zero-cost proxy scores (with their compute times where the file records them).

The files, and what each reads as (the space is recognised from the layout and the keys, and can be
named with `space=`):

| file | layout | space | tasks (= datasets) |
|---|---|---|---|
| zc_nasbench201.json | `{dataset: {key: record}}` | nb201 | cifar10, cifar100, ImageNet16-120 |
| zc_nasbench101.json | `{"nasbench101": {"cifar10": {key: record}}}` | nb101 (open) | cifar10 |
| zc_nasbench301.json | `{"cifar10": {key: record}}`, DARTS compact keys | darts (open) | cifar10 |
| zc_transbench101_micro.json | `{task: {key: record}}` | tnb101-micro | 7 TransNAS-Bench-101 tasks |
| zc_transbench101_macro.json | `{task: {key: record}}` | tnb101-macro | 7 TransNAS-Bench-101 tasks |

A record is `{"idx", "arch", "val_accuracy", <proxy>: {"score", "time"}}` (NB101: `<proxy>: score`,
no idx, arch or times). Keys are read with the space's own `parse`. Finite spaces key their rows by
the space index (`SparseTabularBenchmark`); the open ones (nb101, darts) by the canonical string
(`benchmarks.keyed.KeyedTabularBenchmark`): `archs()` lists them, `arch_indices()` does not exist.

What `val_accuracy` is differs per file, and each metric's description and `Provenance` say it:
- NB201: NAS-Bench-201's 200-epoch validation accuracy (measured);
- NB101: ONE random seed's 108-epoch validation accuracy (NAS-Bench-101's `query` draws one of its
  3 training runs). The file spells several cells more than once (500 keys, 292 cells): the
  spellings of a cell carry independently drawn seeds and separately computed proxy scores. naslab
  keeps one row per cell holding the MEAN over its spellings of every value (a score NASLib stored
  as its -1e8 failure marker is left out of a mean unless every spelling holds it), and the extra
  column `spellings` (how many keys named the cell). Each metric's description counts the cells
  whose spellings disagree (params and FLOPs of a few too: NAS-Bench-101 splits channels among the
  vertices in their order, so isomorphic spellings can differ by a channel);
- NB301: NOT a trained result: the NAS-Bench-301 XGBoost surrogate's noisy prediction (NASLib's NB301
  query calls the surrogate's `predict`, whose default adds noise); provenance kind `surrogate`;
- TransNAS-Bench-101: each task's own validation metric (top-1 accuracy, SSIM, negative L2 loss or
  pixel accuracy: `benchmarks.tnb101.TASK_METRICS`), the best value over training epochs as NASLib's
  query returned it when the files were made.

Proxy scores are kept as stored, with two exceptions the descriptions state: NASLib stores -1e8
where a score came out NaN or infinite (its `ZeroCost.query`); a proxy holding only that marker on
a task (EPE-NAS on 6 of the 7 TransNAS-Bench-101 tasks) is left out of that task, elsewhere the
marker is kept. `synflow` is stored as NASLib stores it, the natural log of the SynFlow score.

Reading is defensive (JSON only, no unpickling): a damaged or truncated file, a wrong layout, a key
that does not parse, a record that is not an object or a value that is not a number raise one
DataFormatError naming the file and what is wrong. The converted table is cached (columnar cache).
The files record no training time, so `cost` is one simulated second per query.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.base import MetricInfo
from benchmarks.cache import cached_store
from benchmarks.keyed import KeyedTabularBenchmark, keyed_store
from benchmarks.sparse import SparseTabularBenchmark
from benchmarks.store import ColumnKey, TableStore
from benchmarks.tnb101 import TASKS as TNB101_TASKS  # the seven tasks, one list
from nas_core import spaces
from nas_core.errors import DataFormatError, InvalidArchError, MissingFileError, check_name
from nas_core.provenance import Provenance

#: 3: the NB101, NB301 and TransNAS-Bench-101 files, per-row extras in meta.json; 4: "differing"
VERSION = 4
#: Space of each file as NASLib names it (what `bench info` and errors list).
FILES = {
    "zc_nasbench201.json": "nb201",
    "zc_nasbench101.json": "nb101",
    "zc_nasbench301.json": "darts",
    "zc_transbench101_micro.json": "tnb101-micro",
    "zc_transbench101_macro.json": "tnb101-macro",
}
SPACES = tuple(dict.fromkeys(FILES.values()))
NB201_DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
NB101_TOP = "nasbench101"
#: NASLib's stored score for a proxy that came out NaN or infinite (ZeroCost.query).
FAILED = -1e8
#: The meta.json entry holding per-row extras ({name: [int per row]}).
ROW_EXTRAS = "row_extras"
#: Record fields that are not metrics.
NOT_METRICS = ("idx", "arch")
WHERE = (
    "NAS-Bench-Suite-Zero files ship with NASLib (github.com/automl/NASLib, Apache-2.0) as "
    "naslib/data/zc_<benchmark>.json (zc_nasbench201.json, zc_nasbench101.json, "
    "zc_nasbench301.json, zc_transbench101_micro.json, zc_transbench101_macro.json); pass its "
    "location with path=..."
)

#: proxy -> (description with the paper it comes from, higher_is_better as a metric).
PROXIES: dict[str, tuple[str, bool]] = {
    "flops": ("FLOPs of the network (millions); as a proxy, bigger networks rank higher", False),
    "params": ("parameter count (millions); as a proxy, bigger networks rank higher", False),
    "synflow": (
        "SynFlow, stored as NASLib stores it: the natural log of sum |theta * dR/dtheta| for R "
        "the product of absolute weights on an all-ones input (0 where the sum is 0) (Tanaka et "
        "al., NeurIPS 2020; as a NAS proxy Abdelfattah et al., Zero-Cost Proxies for Lightweight "
        "NAS, ICLR 2021)",
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
SUITE_ZERO = (
    "Krishnakumar, A. et al. NAS-Bench-Suite-Zero: Accelerating Research on Zero Cost Proxies. "
    "NeurIPS 2022 Datasets and Benchmarks."
)
#: space -> the papers behind its file's architectures and validation metric.
CITATIONS = {
    "nb201": "Accuracies from Dong & Yang, NAS-Bench-201, ICLR 2020.",
    "nb101": "Accuracies from Ying, C. et al. NAS-Bench-101: Towards Reproducible Neural "
    "Architecture Search. ICML 2019.",
    "darts": "Accuracies predicted by the NAS-Bench-301 surrogate: Siems, J., Zimmer, L., Zela, A. "
    "et al. NAS-Bench-301 and the Case for Surrogate Benchmarks for Neural Architecture Search. "
    "arXiv:2008.09777, 2020 (ICLR 2022 as Zela, A., Siems, J. et al. Surrogate NAS Benchmarks: "
    "Going Beyond the Limited Search Spaces of Tabular NAS Benchmarks); space: Liu, H. et al. "
    "DARTS: Differentiable Architecture Search. ICLR 2019.",
    "tnb101-micro": "Task metrics from Duan, Y. et al. TransNAS-Bench-101: Improving "
    "Transferability and Generalizability of Cross-Task Neural Architecture Search. CVPR 2021 "
    "(Taskonomy images: Zamir, A. et al. CVPR 2018).",
}
CITATIONS["tnb101-macro"] = CITATIONS["tnb101-micro"]
LICENCE = "Apache-2.0 (NASLib)"
ZC_SOURCE = "NAS-Bench-Suite-Zero (Krishnakumar et al., NeurIPS 2022), computed with NASLib"
#: Proxies that are model-size measures (their role is `size`, not `proxy`).
SIZE = {"flops", "params"}


# --- reading ------------------------------------------------------------------------------------
def read_source(path: Path, space: str | None = None) -> tuple[str, dict[str, dict[str, Any]]]:
    """(space name, {task: {key: record}}) of a Suite-Zero file, checked for its layout."""
    try:
        data = json.loads(path.read_bytes())
    except (ValueError, RecursionError) as e:  # JSONDecodeError and UnicodeDecodeError included
        raise DataFormatError(f"{path}: not a readable JSON file ({_reason(e)})") from None
    return split_tasks(path, data, space)


def _reason(e: BaseException) -> str:
    return str(e)[:200] or type(e).__name__


def split_tasks(
    path: Path, data: Any, space: str | None = None
) -> tuple[str, dict[str, dict[str, Any]]]:
    """The space and the {task: {key: record}} mapping of a parsed file (DataFormatError when its
    layout is none of NAS-Bench-Suite-Zero's)."""
    if not isinstance(data, dict) or not data:
        raise DataFormatError(
            f"{path}: not a NAS-Bench-Suite-Zero file (expected a JSON object of tasks, got "
            f"{_what(data)})"
        )
    top = list(data)
    if NB101_TOP in data:
        if len(top) != 1:
            raise DataFormatError(
                f"{path}: a NAS-Bench-101 file holds only the key {NB101_TOP!r}, got {top[:5]}"
            )
        tasks = data[NB101_TOP]
        if not isinstance(tasks, dict) or not tasks:
            raise DataFormatError(
                f"{path}: {NB101_TOP!r} must map datasets to records, got {_what(tasks)}"
            )
        guess = ["nb101"]
    elif set(top) <= set(TNB101_TASKS):
        tasks, guess = data, _tnb101_guess(path)
    elif set(top) <= set(NB201_DATASETS):
        tasks, guess = data, ["nb201", "darts"]
    else:
        raise DataFormatError(
            f"{path}: top-level keys {sorted(map(str, top))[:5]} are no NAS-Bench-Suite-Zero task "
            f"names (NB201/NB301: {', '.join(NB201_DATASETS)}; NB101: {NB101_TOP!r}; "
            f"TransNAS-Bench-101: {', '.join(TNB101_TASKS)})"
        )
    for task, records in tasks.items():
        if not isinstance(records, dict):
            raise DataFormatError(
                f"{path}: task {task!r} must map architecture keys to records, got {_what(records)}"
            )
    if space is not None:
        space = check_name("space", space, SPACES, "for a NAS-Bench-Suite-Zero file")
        return space, tasks
    return _which_space(path, tasks, guess), tasks


def _tnb101_guess(path: Path) -> list[str]:
    name = path.name.lower()
    if "macro" in name and "micro" not in name:
        return ["tnb101-macro"]
    if "micro" in name and "macro" not in name:
        return ["tnb101-micro"]
    return ["tnb101-micro", "tnb101-macro"]


def _which_space(path: Path, tasks: dict[str, dict[str, Any]], guess: list[str]) -> str:
    """The one space of `guess` whose parse reads the file's first key (more than one: the file
    name or space=... decides)."""
    first = next((k for records in tasks.values() for k in records), None)
    if first is None:
        return guess[0]
    fits = []
    for name in guess:
        try:
            spaces.get(name).parse(first)
        except InvalidArchError:
            continue
        fits.append(name)
    if len(fits) == 1:
        return fits[0]
    if not fits:
        raise DataFormatError(
            f"{path}: key {_short(first)} is not an architecture of "
            f"{' or '.join(guess)} (NAS-Bench-Suite-Zero keys are NASLib's encodings)"
        )
    raise DataFormatError(
        f"{path}: key {_short(first)} is an architecture of {' and '.join(fits)}; name the file "
        f"as NASLib does ({', '.join(f for f, s in FILES.items() if s in fits)}) or pass space=..."
    )


def _what(x: Any) -> str:
    if isinstance(x, dict):
        return "an empty object" if not x else "an object"
    return f"{type(x).__name__} {_short(x)}"


def _short(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 80 else text[:77] + "..."


def read_value(value: Any, where: str) -> tuple[float, float]:
    """(score, seconds) of one record field: a number, null, or {"score": ..., "time": ...}."""
    if isinstance(value, dict):
        return _number(value.get("score"), f"{where} score"), _number(
            value.get("time"), f"{where} time"
        )
    return _number(value, where), math.nan


def _number(x: Any, where: str) -> float:
    if x is None:
        return math.nan
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise DataFormatError(f"{where} is {_short(x)}, not a number")
    try:
        return float(x)
    except OverflowError:  # an int beyond float's range
        raise DataFormatError(f"{where} is {_short(x)}, beyond a float's range") from None


def read_record(record: Any, where: str) -> dict[str, tuple[float, float]]:
    """{metric: (score, seconds)} of one record; DataFormatError naming `where` otherwise."""
    if not isinstance(record, dict):
        raise DataFormatError(f"{where}: the record is {_what(record)}, expected an object")
    out = {}
    for name, value in record.items():
        if name in NOT_METRICS:
            continue
        out[name] = read_value(value, f"{where}: field {name!r}")
    return out


# --- converting ---------------------------------------------------------------------------------
def convert(path: Path, space: str | None = None) -> TableStore:
    space_name, tasks = read_source(path, space)
    sp = spaces.get(space_name)
    open_space = sp.size is None
    row_of: dict[Any, int] = {}  # row key (index or canonical string) -> row
    keys: list[Any] = []
    parsed: dict[str, Any] = {}  # the file's key -> row key (keys repeat across tasks)
    naslib_idx: dict[int, int] = {}
    # task -> row -> [(metric values of one spelling)]
    grouped: dict[str, dict[int, list[dict[str, tuple[float, float]]]]] = {}
    for task, records in tasks.items():
        per_row: dict[int, list[dict[str, tuple[float, float]]]] = {}
        for key, record in records.items():
            where = f"{path}: task {task!r}, key {_short(key)}"
            rk = parsed.get(key)
            if rk is None:
                try:
                    arch = sp.parse(key)
                except InvalidArchError as e:
                    raise DataFormatError(
                        f"{where}: not a {space_name} architecture ({_reason(e)})"
                    ) from None
                rk = parsed[key] = sp.to_str(arch) if open_space else sp.index(arch)
            row = row_of.get(rk)
            if row is None:
                row = row_of[rk] = len(keys)
                keys.append(rk)
            per_row.setdefault(row, []).append(read_record(record, where))
            if isinstance(record, dict) and "idx" in record and row not in naslib_idx:
                naslib_idx[row] = _idx(record["idx"], where)
        grouped[task] = per_row
    order = list(range(len(keys))) if open_space else sorted(range(len(keys)), key=keys.__getitem__)
    position = np.empty(len(keys), dtype=np.int64)
    position[order] = np.arange(len(keys))
    n = len(keys)
    cols: dict[ColumnKey, np.ndarray] = {}
    left_out: dict[str, list[str]] = {}
    differing: dict[str, dict[str, int]] = {}  # task -> metric -> cells whose spellings disagree
    spellings = np.zeros(n, dtype=np.int64)
    for task, per_row in grouped.items():
        if not per_row:  # a task without archs would only add all-NaN columns
            continue
        names: dict[str, None] = {}
        for recs in per_row.values():
            for rec in recs:
                names.update(dict.fromkeys(rec))
        ordered = ["val_accuracy", *sorted(m for m in names if m != "val_accuracy")]
        ordered = [m for m in ordered if m in names]
        times: dict[ColumnKey, np.ndarray] = {}
        for name in ordered:
            score, time = np.full(n, np.nan), np.full(n, np.nan)
            for row, recs in per_row.items():
                pairs = [rec.get(name, (math.nan, math.nan)) for rec in recs]
                score[position[row]] = _mean([p[0] for p in pairs])
                time[position[row]] = _mean([p[1] for p in pairs])
                if len({repr(p[0]) for p in pairs}) > 1:  # spellings disagree (NaN == NaN here)
                    differ = differing.setdefault(task, {})
                    differ[name] = differ.get(name, 0) + 1
            held = ~np.isnan(score)
            if name != "val_accuracy" and held.any() and (score[held] == FAILED).all():
                left_out.setdefault(task, []).append(name)
                continue
            cols[(task, name, None, None)] = score
            if name != "val_accuracy" and not np.isnan(time).all():
                times[(task, f"{name}_time", None, None)] = time
        cols.update(times)
        for row, recs in per_row.items():
            spellings[position[row]] = max(spellings[position[row]], len(recs))
    if not cols:
        raise DataFormatError(f"{path}: holds no architecture records")
    # Per-row extras live in meta.json (checksummed with it), not in a Parquet file: a warm load
    # then never imports pandas, which costs more than reading the table.
    extras: dict[str, list[int]] = {}
    if naslib_idx:
        extras["naslib_idx"] = [naslib_idx.get(r, -1) for r in order]
    if (spellings > 1).any():
        extras["spellings"] = spellings.tolist()
    meta: dict[str, Any] = {
        "source": str(Path(path).resolve()),
        "left_out": left_out,
        "differing": differing,
        ROW_EXTRAS: extras,
    }
    if open_space:
        return keyed_store(space_name, keys, cols, None, meta, source=str(path))
    index = np.array([keys[r] for r in order], dtype=np.int64)
    return TableStore.from_columns(space_name, index, cols, None, meta)


def _idx(value: Any, where: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise DataFormatError(f"{where}: field 'idx' is {_short(value)}, not an integer") from None


def _mean(values: list[float]) -> float:
    """The mean over a cell's spellings of the values that are scores (not NaN, not NASLib's
    failure marker); the first value when none is."""
    if len(values) == 1:
        return values[0]
    good = [v for v in values if v == v and v != FAILED]
    if not good:
        return values[0]
    return math.fsum(good) / len(good) if all(math.isfinite(v) for v in good) else min(good)


# --- description --------------------------------------------------------------------------------
def _val_info(space: str, task: str, file: str, spellings: bool) -> MetricInfo:
    """`val_accuracy` of one space and task: what exactly the number is, and who produced it."""
    stored = f"copied into NAS-Bench-Suite-Zero's {file} ('val_accuracy')"
    if space == "nb201":
        return MetricInfo(
            "val_accuracy",
            "NAS-Bench-201 validation accuracy after 200 epochs",
            "%",
            True,
            role="objective",
            split="valid",
            provenance=Provenance(
                "measured",
                "NAS-Bench-201 (Dong & Yang, ICLR 2020): the authors' 200-epoch training",
                f"as {stored}",
            ),
        )
    if space == "nb101":
        mean = (
            "; naslab's row for a cell is the mean over the file's spellings of it (each an "
            "independent draw; extra column 'spellings')"
            if spellings
            else ""
        )
        return MetricInfo(
            "val_accuracy",
            "NAS-Bench-101 CIFAR-10 validation accuracy after 108 epochs of ONE training run, "
            "drawn at random from NAS-Bench-101's 3 (its query samples one run per call)" + mean,
            "%",
            True,
            role="objective",
            split="valid",
            provenance=Provenance(
                "measured",
                "NAS-Bench-101 (Ying et al., ICML 2019): the authors' 108-epoch CIFAR-10 training, "
                "3 runs per cell",
                f"one randomly drawn run per key, as NASLib's query returned it, {stored}" + mean,
            ),
        )
    if space == "darts":
        return MetricInfo(
            "val_accuracy",
            "NOT a trained result: the NAS-Bench-301 surrogate's noisy prediction of the "
            "CIFAR-10 validation accuracy of the DARTS network",
            "%",
            True,
            role="objective",
            split="valid",
            provenance=Provenance(
                "surrogate",
                "NAS-Bench-301 (Siems, Zela et al., 2020) XGBoost surrogate v1.0 (NASLib loads "
                "nb_models_1.0/xgb_v1.0), fit to ~60k DARTS architectures trained on CIFAR-10",
                "NASLib's NB301 query calls the surrogate's predict() without with_noise, whose "
                f"default (True) adds noise; the prediction {stored}",
            ),
        )
    from benchmarks.tnb101 import TASK_METRICS

    tm = TASK_METRICS.get(task)
    if tm is None:
        raise DataFormatError(f"{file}: {task!r} is no TransNAS-Bench-101 task")
    return MetricInfo(
        "val_accuracy",
        f"{task}: {tm.description} (TransNAS-Bench-101 '{tm.key}'), the best value over the "
        "training epochs; named val_accuracy as in the file",
        tm.unit,
        tm.higher_is_better,
        role="objective",
        split="valid",
        provenance=Provenance(
            "measured",
            "TransNAS-Bench-101 (Duan et al., CVPR 2021): the authors' training of each "
            f"{'cell' if space == 'tnb101-micro' else 'network'} on the task (Taskonomy images)",
            f"TransNAS-Bench-101 key '{tm.key}' ({tm.name}), the maximum over training epochs: "
            "NASLib's TransNAS-Bench query then used the API's default mode 'best' ("
            + (
                "on the 711 cells this file shares with all_benchmarks_zen.zip, which holds the "
                "final epoch, it is never below that value"
                if space == "tnb101-micro"
                else "as in zc_transbench101_micro.json, whose values are never below the final "
                "epoch's of all_benchmarks_zen.zip on the 711 cells they share"
            )
            + f"); {stored}",
        ),
    )


def _proxy_infos(file: str, markers: dict[str, int]) -> dict[str, MetricInfo]:
    """The proxies' descriptions on one task; `markers`: proxy -> how many archs hold NASLib's
    failure marker there."""
    infos: dict[str, MetricInfo] = {}
    for name, (desc, hib) in PROXIES.items():
        notes = ""
        if markers.get(name):
            notes = (
                f"; {markers[name]} arch(s) hold -1e8, NASLib's stored value for a score that "
                "came out NaN or infinite (kept as stored)"
            )
        infos[name] = MetricInfo(
            name,
            f"zero-cost proxy {desc}{notes}",
            "",
            hib,
            role="size" if name in SIZE else "proxy",
            provenance=Provenance(
                "computed", ZC_SOURCE, f"the score stored in {file}, as computed"
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


def _unknown_info(name: str, file: str) -> MetricInfo:
    timing = name.endswith("_time")
    return MetricInfo(
        name,
        f"field {name!r} of {file}, not described by naslab",
        "s" if timing else "",
        not timing,
        role="compute_time" if timing else "proxy",
        provenance=Provenance("computed", ZC_SOURCE, f"as stored in {file}"),
    )


class _PerTask:
    """Metric descriptions that differ per task (TransNAS-Bench-101's val_accuracy)."""

    _metrics_of: dict[str, dict[str, None]]
    _dataset: Callable[[str | None], str]

    def __init__(self, *args: Any, task_infos: dict[str, dict[str, MetricInfo]], **kw: Any) -> None:
        self._task_infos = task_infos
        super().__init__(*args, **kw)

    def metrics(self, dataset: str | None = None) -> list[MetricInfo]:
        d = self._dataset(dataset)
        return [self._task_infos[d][m] for m in self._metrics_of[d]]

    def to_frame(self) -> Any:
        """The table with the per-row extras (`naslib_idx`, `spellings`) after `arch`."""
        frame = super().to_frame()  # type: ignore[misc]
        at = frame.columns.get_loc("arch") + 1
        for name, values in reversed(list((self.store.meta.get(ROW_EXTRAS) or {}).items())):
            frame.insert(at, name, np.asarray(values, dtype=np.int64))
        return frame


class SuiteZeroBenchmark(_PerTask, SparseTabularBenchmark):
    """A Suite-Zero file over a finite space (nb201, tnb101-micro, tnb101-macro)."""


class SuiteZeroKeyedBenchmark(_PerTask, KeyedTabularBenchmark):
    """A Suite-Zero file over an open space (nb101, darts), keyed by canonical arch string."""


def _task_infos(store: TableStore, file: str) -> dict[str, dict[str, MetricInfo]]:
    spellings = "spellings" in (store.meta.get(ROW_EXTRAS) or {})
    out: dict[str, dict[str, MetricInfo]] = {}
    values = np.asarray(store.values)
    markers: dict[str, dict[str, int]] = {}
    for k, (d, m, _e, _s) in enumerate(store.columns):
        markers.setdefault(d, {})[m] = int((values[k] == FAILED).sum())
    for d, m, _e, _s in store.columns:
        if d not in out:
            out[d] = {
                "val_accuracy": _val_info(store.space, d, file, spellings),
                **_proxy_infos(file, markers[d]),
            }
        if m not in out[d]:
            out[d][m] = _unknown_info(m, file)
    multi = sum(n > 1 for n in (store.meta.get(ROW_EXTRAS) or {}).get("spellings", []))
    for d, per_metric in (store.meta.get("differing") or {}).items():
        for m, n in per_metric.items():
            if m in out.get(d, {}):
                info = out[d][m]
                out[d][m] = replace(
                    info,
                    description=f"{info.description}; a cell spelled by several keys of the "
                    f"file holds the mean of their values ({n} of the {multi} such cells hold "
                    "different values)",
                )
    return out


def load(path: str | Path | None = None, space: str | None = None) -> SparseTabularBenchmark:
    """Load a NAS-Bench-Suite-Zero `zc_<benchmark>.json` (`path`); `space` names the file's search
    space where its layout and keys leave it open (default: recognised)."""
    if path is None:
        raise MissingFileError(f"benchmark 'suite-zero' needs a data file: {WHERE}")
    src = Path(path).expanduser()
    if not src.exists():
        raise MissingFileError(f"NAS-Bench-Suite-Zero file not found at {src.resolve()}. {WHERE}")
    if space is not None:
        space = check_name("space", space, SPACES, "for a NAS-Bench-Suite-Zero file")
    store = cached_store(
        "suite-zero", VERSION, [src], lambda: convert(src, space), {"space": space}
    )
    file = src.name
    kind = SuiteZeroKeyedBenchmark if store.space in ("nb101", "darts") else SuiteZeroBenchmark
    bench = kind(
        "suite-zero",
        store,
        {},
        citation=f"{SUITE_ZERO} {CITATIONS[store.space]}",
        licence=LICENCE,
        description=_description(store, file),
        cost_note="NAS-Bench-Suite-Zero records proxy compute times (<proxy>_time), no training "
        "time",
        task_infos=_task_infos(store, file),
    )
    # NB301's val_accuracy is the surrogate's prediction: `bench info` and reports say so
    bench.is_surrogate = store.space == "darts"
    return bench


def _description(store: TableStore, file: str) -> str:
    n = len(store.index)
    what = {
        "nb201": "NAS-Bench-201 validation accuracy",
        "nb101": "NAS-Bench-101 validation accuracy of one random training run",
        "darts": "NAS-Bench-301 surrogate-predicted (not trained) validation accuracy",
        "tnb101-micro": "each TransNAS-Bench-101 task's validation metric",
        "tnb101-macro": "each TransNAS-Bench-101 task's validation metric",
    }[store.space]
    text = (
        f"NAS-Bench-Suite-Zero ({file}): {what} and zero-cost proxy scores for {n:,} "
        f"{store.space} architectures"
    )
    spellings = (store.meta.get(ROW_EXTRAS) or {}).get("spellings")
    if spellings:
        total = sum(spellings)
        text += (
            f" ({total:,} keys in the file: spellings of one cell are one row, the mean of their "
            "values)"
        )
    left = store.meta.get("left_out") or {}
    if left:
        gone = sorted({m for ms in left.values() for m in ms})
        text += (
            f"; left out where NASLib stored only its failure marker -1e8: {', '.join(gone)} "
            f"on {len(left)} task(s)"
        )
    return text
