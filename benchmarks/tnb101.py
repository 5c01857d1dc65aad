"""`tnb101-micro`: TransNAS-Bench-101's micro cell space (Duan et al., CVPR 2021), all 4,096 cells
on all 7 tasks, read from NAS-Bench-Suite-Zero's `all_benchmarks_zen.zip` (NASLib).

The archive holds 35 JSON members `zen/benchmark--transbench101_micro--<task>--<start>.json`, five
chunks per task (starts 0, 1000, 2000, 3000, 4000; the last holds 96 records). Each member is a list
of `{"idx": "<n>", "arch": "(a, b, c, d, e, f)", "zen": {"score", "time"}, "val_accuracy"}`:

- `arch` is NASLib's op tuple, which is `Arch.ops` of the `tnb101-micro` space verbatim;
- `idx` (0..4095) is NASLib's enumeration order, the same cell -> idx in every task, but neither
  naslab's space index nor the `idx` field of `zc_transbench101_micro.json`; it is kept as the
  `archive_idx` column of `to_frame()`;
- `val_accuracy` is the task's own validation metric (`TASK_METRICS`: top-1 accuracy, SSIM,
  negative L2 loss or pixel accuracy), as NASLib's TransNAS-Bench-101 query returns it;
- `zen` is the Zen-NAS score (Lin et al., ICCV 2021) as NASLib computed it and the seconds it took.
  NASLib stores -1e8 where the score was NaN or infinite (its `ZeroCost.query`): here exactly
  the 169 cells with no path from input to output (a zero output; log(0) = -inf), on every task.
  Kept as stored.

The archive records no training time, so `cost` is one simulated second per query.

The archive is read with `zipfile` and `json` only (no unpickling), defensively: a member over
`MAX_MEMBER_BYTES`, an archive over `MAX_TOTAL_BYTES` or `MAX_MEMBERS` (zip bombs), a damaged or
truncated member, a record without its fields, a cell that does not parse, a cell listed twice with
different values and a task missing cells each raise one DataFormatError naming the member and the
problem. Converted once into the columnar cache; a warm load is one memory-mapped read.

`zc_transbench101_micro.json` (Suite-Zero, 711 cells per task) is a separate source with its own
`val_accuracy`: on the cells both hold it is never below this archive's value (equal on 10 to 684
of 711 per task), consistent with it holding the best epoch's value and this archive the final
epoch's (NASLib's query asked the API for mode 'best' by default before it asked for 'final').
naslab keeps them apart; perf/check_tnb101_agreement.py measures their agreement.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from benchmarks.base import MetricInfo, TabularBenchmark
from benchmarks.cache import cached_store
from benchmarks.store import ColumnKey, TableStore
from nas_core import spaces
from nas_core.errors import (
    DataFormatError,
    MissingFileError,
    NaslabError,
    check_name,
)
from nas_core.provenance import Provenance

if TYPE_CHECKING:  # zipfile is imported only to convert: a warm load does not pay for it
    import zipfile

VERSION = 1
SPACE = "tnb101-micro"
#: The seven tasks, in TransNAS-Bench-101's own order (its API's `task_list`).
TASKS: tuple[str, ...] = (
    "class_scene",
    "class_object",
    "room_layout",
    "jigsaw",
    "segmentsemantic",
    "normal",
    "autoencoder",
)
DEFAULT_TASK = "class_scene"
NUM_CELLS = 4096
WHERE = (
    "all_benchmarks_zen.zip ships with NASLib (github.com/automl/NASLib, Apache-2.0) as "
    "naslib/data/zc_benchmarks/all_benchmarks_zen.zip; pass its location with path=..."
)
#: Zip-bomb guards. The real archive: 35 members, the largest 148 KB, 3.8 MB in all.
MAX_MEMBER_BYTES = 16 << 20
MAX_TOTAL_BYTES = 256 << 20
MAX_MEMBERS = 1000
MEMBER_NAME = re.compile(
    r"(?:.*/)?benchmark--transbench101_micro--(?P<task>[^/]+?)--(?P<start>\d+)\.json"
)
MEMBER_FORM = "zen/benchmark--transbench101_micro--<task>--<start>.json"


@dataclass(frozen=True)
class TaskMetric:
    """What a task's `val_accuracy` is: the TransNAS-Bench-101 metric `key` NASLib reads for it
    (its query maps Metric.VAL_ACCURACY to this key per task), in words."""

    key: str
    name: str
    description: str
    unit: str
    higher_is_better: bool = True


#: task -> its validation metric. From NASLib's `TransBench101SearchSpaceMicro.query` (the key per
#: task) and TransNAS-Bench-101's task configs and models (what the key measures).
TASK_METRICS: dict[str, TaskMetric] = {
    "class_scene": TaskMetric(
        "valid_top1",
        "top-1 accuracy",
        "validation top-1 accuracy of scene classification (63 Taskonomy scene classes)",
        "%",
    ),
    "class_object": TaskMetric(
        "valid_top1",
        "top-1 accuracy",
        "validation top-1 accuracy of object classification (100 classes)",
        "%",
    ),
    "room_layout": TaskMetric(
        "valid_neg_loss",
        "negative L2 loss",
        "negative validation L2 (MSE) loss of room-layout regression (9 layout parameters); "
        "closer to 0 is better",
        "",
    ),
    "jigsaw": TaskMetric(
        "valid_top1",
        "top-1 accuracy",
        "validation top-1 accuracy of jigsaw-puzzle solving (which of 1,000 permutations "
        "shuffled the image's 9 tiles)",
        "%",
    ),
    "segmentsemantic": TaskMetric(
        "valid_acc",
        "pixel accuracy",
        "validation pixel-wise accuracy of semantic segmentation (17 classes); not mIoU, which "
        "TransNAS-Bench-101 records separately (valid_mIoU)",
        "%",
    ),
    "normal": TaskMetric(
        "valid_ssim",
        "SSIM",
        "validation SSIM of the predicted surface normals against the true ones",
        "SSIM, 0..1",
    ),
    "autoencoder": TaskMetric(
        "valid_ssim",
        "SSIM",
        "validation SSIM of the reconstructed image against the input",
        "SSIM, 0..1",
    ),
}

CITATION = (
    "Duan, Y. et al. TransNAS-Bench-101: Improving Transferability and Generalizability of "
    "Cross-Task Neural Architecture Search. CVPR 2021. Zen scores from Krishnakumar, A. et al. "
    "NAS-Bench-Suite-Zero: Accelerating Research on Zero Cost Proxies. NeurIPS 2022 Datasets and "
    "Benchmarks."
)
LICENCE = "Apache-2.0 (NASLib)"
TNB_SOURCE = (
    "TransNAS-Bench-101 (Duan et al., CVPR 2021): the authors trained every cell on each task "
    "(Taskonomy images)"
)
ZEN_SOURCE = "NAS-Bench-Suite-Zero (Krishnakumar et al., NeurIPS 2022), computed with NASLib"

#: One parsed record: space index, archive idx, val_accuracy, zen score, zen seconds.
Record = tuple[int, int, float, float, float]


# --- reading the archive ----------------------------------------------------------------------
def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} is {_short(value)}, not a number")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{what} is {x}, not a finite number")
    return x


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _record(rec: Any, space: Any, memo: dict[str, int]) -> Record:
    """One record -> (space index, idx, val, zen, zen_time); ValueError says what is wrong."""
    if not isinstance(rec, dict):
        raise ValueError(f"is {type(rec).__name__}, not an object")
    missing = [k for k in ("idx", "arch", "val_accuracy", "zen") if k not in rec]
    if missing:
        raise ValueError(f"lacks {', '.join(map(repr, missing))}")
    idx = rec["idx"]
    if isinstance(idx, str) and idx.isascii() and idx.isdigit() and len(idx) <= 9:
        idx = int(idx)
    if isinstance(idx, bool) or not isinstance(idx, int) or not 0 <= idx < 10**9:
        raise ValueError(f"'idx' is {_short(rec['idx'])}, not a non-negative integer")
    arch = rec["arch"]
    if not isinstance(arch, str):
        raise ValueError(f"'arch' is {_short(arch)}, not an op-tuple string")
    i = memo.get(arch)
    if i is None:
        try:
            i = memo[arch] = space.index(space.parse(arch))
        except NaslabError as e:
            raise ValueError(f"'arch' {_short(arch)} is not a {SPACE} cell ({e})") from None
    zen = rec["zen"]
    if not isinstance(zen, dict) or "score" not in zen or "time" not in zen:
        raise ValueError(f"'zen' is {_short(zen)}, not {{'score': ..., 'time': ...}}")
    time = _number(zen["time"], "'zen.time'")
    if time < 0:
        raise ValueError(f"'zen.time' is {time}, a negative time")
    return (
        int(i),
        idx,
        _number(rec["val_accuracy"], "'val_accuracy'"),
        _number(zen["score"], "'zen.score'"),
        time,
    )


def parse_member(
    name: str, data: bytes, space: Any = None, memo: dict[str, int] | None = None
) -> list[Record]:
    """The records of one archive member (its raw bytes). Raises DataFormatError naming `name`.
    `memo` (arch string -> space index) spares parsing a cell again in the next task's members."""
    space = space or spaces.get(SPACE)
    memo = {} if memo is None else memo
    try:
        records = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise DataFormatError(
            f"member {name}: not UTF-8 text ({e.reason} at byte {e.start})"
        ) from None
    except RecursionError:
        raise DataFormatError(f"member {name}: JSON nested too deeply") from None
    except ValueError as e:  # JSONDecodeError, and int() of a number with too many digits
        raise DataFormatError(f"member {name}: damaged or truncated JSON ({e})") from None
    if not isinstance(records, list) or not records:
        raise DataFormatError(
            f"member {name}: expected a non-empty JSON list of records, got "
            f"{_short(records) if not isinstance(records, (list, dict)) else type(records).__name__}"
        )
    out = []
    for k, rec in enumerate(records):
        try:
            out.append(_record(rec, space, memo))
        except ValueError as e:
            raise DataFormatError(
                f"member {name}: record {k} {e}; each record is {{'idx', 'arch': "
                "'(a, b, c, d, e, f)', 'val_accuracy', 'zen': {'score', 'time'}}"
            ) from None
    return out


def _members(path: Path, z: zipfile.ZipFile) -> dict[str, list[tuple[int, zipfile.ZipInfo]]]:
    """task -> [(start, member)], after the archive-wide guards."""
    infos = [i for i in z.infolist() if not i.is_dir()]
    if len(infos) > MAX_MEMBERS:
        raise DataFormatError(
            f"{path}: {len(infos)} members, more than the {MAX_MEMBERS} an archive of this kind "
            "may hold (the real one has 35)"
        )
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_BYTES:
        raise DataFormatError(
            f"{path}: members unpack to {total:,} bytes, more than the limit of "
            f"{MAX_TOTAL_BYTES:,} (the real archive: 3.8 MB); refusing a possible zip bomb"
        )
    by_task: dict[str, list[tuple[int, zipfile.ZipInfo]]] = {}
    for info in infos:
        m = MEMBER_NAME.fullmatch(info.filename)
        if m is None:
            raise DataFormatError(
                f"{path}: unexpected member {info.filename!r}; expected only {MEMBER_FORM}"
            )
        if m["task"] not in TASKS:
            raise DataFormatError(
                f"{path}: member {info.filename}: unknown task {m['task']!r}; tasks: "
                f"{', '.join(TASKS)}"
            )
        if info.flag_bits & 0x1:
            raise DataFormatError(f"{path}: member {info.filename} is encrypted")
        if info.file_size > MAX_MEMBER_BYTES:
            raise DataFormatError(
                f"{path}: member {info.filename} unpacks to {info.file_size:,} bytes, more than "
                f"the limit of {MAX_MEMBER_BYTES:,}; refusing a possible zip bomb"
            )
        by_task.setdefault(m["task"], []).append((int(m["start"]), info))
    absent = [t for t in TASKS if t not in by_task]
    if absent:
        raise DataFormatError(
            f"{path}: no member for task(s) {', '.join(absent)}; an archive holds all 7 tasks "
            f"({MEMBER_FORM})"
        )
    return {t: sorted(by_task[t], key=lambda s: (s[0], s[1].filename)) for t in TASKS}


def _read(path: Path, z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, read no further than MAX_MEMBER_BYTES whatever its header says."""
    import zipfile
    import zlib

    try:
        with z.open(info) as f:
            data = f.read(MAX_MEMBER_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
        raise DataFormatError(f"{path}: member {info.filename} is damaged ({e})") from None
    except (NotImplementedError, RuntimeError) as e:  # unsupported compression, encryption
        raise DataFormatError(f"{path}: member {info.filename} cannot be read ({e})") from None
    if len(data) > MAX_MEMBER_BYTES:
        raise DataFormatError(
            f"{path}: member {info.filename} unpacks to more than {MAX_MEMBER_BYTES:,} bytes; "
            "refusing a possible zip bomb"
        )
    return data


def read_archive(path: str | Path) -> dict[str, dict[int, Record]]:
    """task -> {space index: record} for every task, checked complete (all 4,096 cells) and
    consistent (a cell listed twice carries the same values; one idx per cell across tasks)."""
    import zipfile

    path = Path(path)
    space = spaces.get(SPACE)
    try:
        z = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        raise DataFormatError(
            f"{path}: not a zip archive ({e}); expected NASLib's "
            "naslib/data/zc_benchmarks/all_benchmarks_zen.zip"
        ) from None
    except OSError as e:
        raise MissingFileError(f"cannot read {path}: {e.strerror or e}") from None
    out: dict[str, dict[int, Record]] = {}
    where: dict[tuple[str, int], str] = {}
    idx_of: dict[int, tuple[int, str]] = {}
    memo: dict[str, int] = {}
    with z:
        for task, members in _members(path, z).items():
            cells: dict[int, Record] = {}
            for _start, info in members:
                name = info.filename
                try:
                    recs = parse_member(name, _read(path, z, info), space, memo)
                except DataFormatError as e:
                    if str(e).startswith(str(path)):
                        raise
                    raise DataFormatError(f"{path}: {e}") from None
                for rec in recs:
                    i = rec[0]
                    seen = cells.get(i)
                    if seen is not None and not _same(seen, rec):
                        raise DataFormatError(
                            f"{path}: cell {space.to_str(space.from_index(i))} is listed twice "
                            f"for task {task} with different values: in {where[(task, i)]} "
                            f"{_values(seen)}, in {name} {_values(rec)}"
                        )
                    first = idx_of.setdefault(i, (rec[1], name))
                    if first[0] != rec[1]:
                        raise DataFormatError(
                            f"{path}: cell {space.to_str(space.from_index(i))} has idx "
                            f"{first[0]} in {first[1]} but idx {rec[1]} in {name}"
                        )
                    cells[i] = rec
                    where.setdefault((task, i), name)
            if len(cells) != NUM_CELLS:
                lost = next(k for k in range(NUM_CELLS) if k not in cells)
                raise DataFormatError(
                    f"{path}: task {task} holds {len(cells):,} of the {NUM_CELLS:,} cells "
                    f"(members {', '.join(i.filename for _, i in members)}); missing e.g. "
                    f"{space.to_str(space.from_index(lost))}"
                )
            out[task] = cells
    return out


def _same(a: Record, b: Record) -> bool:
    return a[2:] == b[2:]


def _values(r: Record) -> str:
    return f"(val_accuracy {r[2]}, zen {r[3]}, zen time {r[4]})"


def convert(path: Path) -> TableStore:
    data = read_archive(path)
    index = np.arange(NUM_CELLS)
    cols: dict[ColumnKey, np.ndarray] = {}
    for task in TASKS:
        recs = np.array([data[task][i][2:] for i in range(NUM_CELLS)], dtype=np.float64)
        for k, metric in enumerate(("val_accuracy", "zen", "zen_time")):
            cols[(task, metric, None, None)] = recs[:, k]
    archive_idx = [data[TASKS[0]][i][1] for i in range(NUM_CELLS)]
    return TableStore.from_columns(
        SPACE, index, cols, meta={"source": str(path), "archive_idx": archive_idx}
    )


# --- the benchmark ----------------------------------------------------------------------------
def val_metric_info(task: str) -> MetricInfo:
    """The described `val_accuracy` of `task` (what it measures, with its provenance)."""
    tm = TASK_METRICS[task]
    return MetricInfo(
        "val_accuracy",
        f"{task}: {tm.description} (TransNAS-Bench-101 '{tm.key}')",
        tm.unit,
        tm.higher_is_better,
        role="objective",
        split="valid",
        provenance=Provenance(
            "measured",
            TNB_SOURCE,
            f"'{tm.key}' ({tm.name}) at the final epoch, as NASLib's query returns it, stored in "
            "NAS-Bench-Suite-Zero's all_benchmarks_zen.zip ('val_accuracy')",
        ),
    )


def _metric_infos() -> dict[str, MetricInfo]:
    return {
        "val_accuracy": val_metric_info(DEFAULT_TASK),
        "zen": MetricInfo(
            "zen",
            "zero-cost proxy Zen-score: expected Gaussian complexity (Lin et al., Zen-NAS, ICCV "
            "2021); -1e8 where NASLib got NaN or inf (the 169 cells with no input-output path)",
            "",
            True,
            role="proxy",
            provenance=Provenance(
                "computed",
                ZEN_SOURCE,
                "the score stored in all_benchmarks_zen.zip, computed on the task's network",
            ),
        ),
        "zen_time": MetricInfo(
            "zen_time",
            "seconds NASLib took to compute zen",
            "s",
            False,
            role="compute_time",
            provenance=Provenance(
                "measured", ZEN_SOURCE, "wall-clock seconds of computing zen, on their hardware"
            ),
        ),
    }


class TNB101Benchmark(TabularBenchmark):
    """The dense 4,096 x 7-task table; `val_accuracy` is described per task (TASK_METRICS)."""

    def metrics(self, dataset: str | None = None) -> list[MetricInfo]:
        d = self._dataset(dataset)
        return [val_metric_info(d) if m.name == "val_accuracy" else m for m in super().metrics(d)]

    def to_frame(self) -> Any:
        frame = super().to_frame()
        idx = self.store.meta.get("archive_idx")
        if idx is not None and len(idx) == len(frame):
            frame.insert(2, "archive_idx", np.asarray(idx, dtype=np.int64))
        return frame


def load(path: str | Path | None = None, dataset: str = DEFAULT_TASK) -> TNB101Benchmark:
    """Load `all_benchmarks_zen.zip` (`path`); `dataset`: the default task of queries."""
    if path is None:
        raise MissingFileError(f"benchmark 'tnb101-micro' needs its data file: {WHERE}")
    src = Path(path).expanduser()
    if not src.exists():
        raise MissingFileError(
            f"TransNAS-Bench-101 zen archive not found at {src.resolve()}. {WHERE}"
        )
    if src.is_dir():
        raise MissingFileError(f"{src} is a folder; give the file all_benchmarks_zen.zip. {WHERE}")
    default = check_name("dataset", dataset, TASKS, "for benchmark 'tnb101-micro'")
    store = cached_store("tnb101-micro", VERSION, [src], lambda: convert(src))
    return TNB101Benchmark(
        "tnb101-micro",
        store,
        _metric_infos(),
        citation=CITATION,
        licence=LICENCE,
        description="TransNAS-Bench-101 micro (all_benchmarks_zen.zip): all 4,096 cells on 7 "
        "tasks, each task's validation metric and the Zen-NAS score with its compute time",
        cost_note="all_benchmarks_zen.zip records the zen score's compute time, no training time",
        default_dataset=default,
    )


__all__ = [
    "TASKS",
    "TASK_METRICS",
    "TNB101Benchmark",
    "TaskMetric",
    "load",
    "parse_member",
    "read_archive",
    "val_metric_info",
]
