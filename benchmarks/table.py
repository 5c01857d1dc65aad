"""`table`: any CSV/Parquet file with one row per architecture of a finite space, plus a mapping
that says which column holds the architecture and which columns are which metric.

The column mapping
------------------
`columns` maps a file column to a column key `dataset/metric@epoch#seed` (only `metric` is
required). It can be given as

- a dict: `{"cifar10_test_acc_200ep": "cifar10/test_acc@200", ...}` (values may also be
  `(dataset, metric, epoch)` tuples or `{"dataset":..., "metric":..., "epoch":..., "seed":...}`);
- a compact string for the CLI: `"cifar10_test_acc_200ep=cifar10/test_acc@200, fpga=latency_fpga"`;
- a JSON file (`columns="mapping.json"`) holding either that dict or a whole spec
  (`{"arch_column": ..., "columns": {...}, "cost_columns": [...], ...}`).

Keys may be templates with `{placeholder}` fields matched against the file's columns, and the
captured text substituted into the value: `{"{ds}_test_acc_200ep": "{ds}/test_acc@200"}` maps the
column of every dataset at once. A spec without a dataset takes the loader's `dataset=` option
(a string, or a list to repeat dataset-free columns such as latencies under several datasets).
`dataset_aliases` renames datasets (`{"imagenet": "ImageNet16-120"}`).

The architecture column (`arch_format`):
- `"auto"` / `"str"` / `"ops"`: anything `space.parse` reads (the benchmark's string form, an op
  tuple or its string). An integer column is refused under `"auto"`: an official benchmark's own
  index is not the space's index, so naslab does not guess which one it is.
- `"space-index"`: the space's own index.
- `"mapped-index"`: an official-benchmark index, translated through `index_map` (a dict
  `{index: arch}`, or `[path, index_column, arch_column]` naming a file that holds both).

Unmapped columns are kept as per-row extras (the official index, e.g. `nb201_index`); a string arch
column is dropped (it is the arch itself). `cost_columns` names the mapped columns holding real
training time in seconds (one per dataset), which become the benchmark's `cost`.

A NaN cell means "not measured": querying it raises NotInBenchmarkError (`SparseTabularBenchmark`).

Presets are ready-made specs for the real NAS-Bench-201 tables (`preset="nb201-200ep"`,
`"nb201-12ep"`, `"nb201-latency"`): JSON files shipped in naslab's data folder
(`data/presets/tables/<name>.json`, found by `nas_core.shipped`), validated when read.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.base import ROLES, MetricInfo
from benchmarks.cache import cached_store
from benchmarks.sparse import SparseTabularBenchmark
from benchmarks.store import ColumnKey, TableStore
from nas_core import spaces
from nas_core.errors import (
    DataFormatError,
    InvalidArchError,
    InvalidInputError,
    MissingFileError,
    UnknownNameError,
)
from nas_core.provenance import Provenance
from nas_core.shipped import shipped_path
from nas_core.spaces.base import as_int

VERSION = 2  # 2: inf and out-of-float32 values stored as NaN (not measured)
ARCH_FORMATS = ("auto", "str", "ops", "space-index", "mapped-index")
#: Metric names containing one of these words are minimised unless told otherwise.
LOWER_IS_BETTER_WORDS = ("latency", "time", "loss", "error", "energy", "params", "flops")
PROXY_WORDS = (
    *("naswot", "nwot", "synflow", "snip", "grasp", "fisher", "grad_norm", "jacov", "zen"),
    *("epe_nas", "l2_norm", "plain", "portion_skip", "proxy", "score"),
)
#: Role inferred from a metric's name when `roles=` does not give it (first match wins).
ROLE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("hardware", ("latency", "energy", "memory", "power")),
    ("train_time", ("train_time", "training_time")),
    ("compute_time", ("time",)),
    ("loss", ("loss",)),
    ("size", ("params", "param_count", "flops", "macs", "model_size")),
    ("proxy", PROXY_WORDS),
)


def infer_role(metric: str) -> str:
    """A metric's role guessed from its name (`objective` when no word matches)."""
    low = metric.lower()
    return next((r for r, words in ROLE_WORDS if any(w in low for w in words)), "objective")


def infer_split(metric: str) -> str | None:
    """The data split named in a metric's name (valid / test / train), if any."""
    low = metric.lower()
    for split, words in (("valid", ("valid", "val_")), ("test", ("test",)), ("train", ("train",))):
        if any(w in low for w in words) and not low.endswith("time"):
            return split
    return None


# --- presets ------------------------------------------------------------------------------------
#: The shipped presets live in the data folder as presets/tables/<name>.json, each a whole spec (the
#: same format `columns="spec.json"` reads); `nas_core.shipped` finds the folder.
PRESET_FOLDER = ("presets", "tables")
#: Keys a spec may hold: `load`'s options, and the name, description, citation and licence of the
#: benchmark it makes.
SPEC_KEYS = (
    *("name", "description", "citation", "licence", "space", "arch_column", "arch_format"),
    *("index_map", "columns", "dataset", "dataset_aliases", "cost_columns"),
    *("cost_per_epoch_columns", "extras", "extras_rename", "lower_is_better"),
    *("roles", "descriptions", "provenance"),
)
#: Keys of a metric's description given as a mapping (MetricInfo's fields bar its name and
#: provenance, which a spec gives under `provenance`).
DESCRIPTION_KEYS = ("description", "unit", "higher_is_better", "role", "split")
_TEXT_KEYS = ("name", "description", "citation", "licence", "space", "arch_column", "arch_format")
_MAP_KEYS = ("columns", "dataset_aliases", "extras_rename", "roles", "descriptions", "provenance")


def preset_names() -> list[str]:
    """The shipped table presets' names."""
    return sorted(p.stem for p in shipped_path(*PRESET_FOLDER).glob("*.json"))


def read_preset(name: str) -> dict[str, Any]:
    """The named preset's spec, read from the shipped data folder and validated."""
    names = preset_names()
    if name not in names:
        raise UnknownNameError("table preset", name, names)
    path = shipped_path(*PRESET_FOLDER, f"{name}.json")
    spec = _read_json(path)
    check_spec(spec, f"table preset file {path}")
    if spec.get("name") != name:
        raise DataFormatError(
            f"table preset file {path}: its 'name' is {spec.get('name')!r}; it must be the file's "
            f"name, {name!r}"
        )
    return spec


def _known_presets() -> str:
    try:
        return ", ".join(preset_names())
    except MissingFileError as e:
        return f"none found: {e}"


def check_spec(spec: Any, where: str) -> None:
    """A whole spec's shape: known keys, text where text belongs, mappings where mappings do, and
    provenance and description entries that can be built; one DataFormatError naming the file."""
    import difflib

    if not isinstance(spec, dict):
        raise DataFormatError(f"{where}: must hold a JSON object, got {type(spec).__name__}")
    for key in spec:
        if key not in SPEC_KEYS:
            close = difflib.get_close_matches(str(key), SPEC_KEYS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise DataFormatError(
                f"{where}: unknown key {key!r}.{hint} Valid keys: {', '.join(SPEC_KEYS)}"
            )
    if not spec.get("columns"):
        raise DataFormatError(f"{where}: needs a non-empty 'columns' mapping")
    for key in _TEXT_KEYS:
        if key in spec and not isinstance(spec[key], str):
            raise DataFormatError(f"{where}: {key!r} must be text, got {spec[key]!r}")
    for key in _MAP_KEYS:
        if key in spec and not isinstance(spec[key], dict):
            raise DataFormatError(
                f"{where}: {key!r} must be a JSON object, got {type(spec[key]).__name__}"
            )
    for metric, role in (spec.get("roles") or {}).items():
        if role not in ROLES:
            raise DataFormatError(
                f"{where}: role {role!r} of {metric!r} is not a role; valid: {', '.join(ROLES)}"
            )
    for metric, desc in (spec.get("descriptions") or {}).items():
        unknown = set(desc) - set(DESCRIPTION_KEYS) if isinstance(desc, dict) else set()
        if unknown or not isinstance(desc, (str, list, dict)):
            raise DataFormatError(
                f"{where}: description of {metric!r} must be text, [text, unit, "
                f"higher_is_better] or an object with keys {', '.join(DESCRIPTION_KEYS)}; got "
                f"{desc!r}"
            )
    prov = spec.get("provenance")
    entries = [prov] if prov is None or "kind" in prov else list(prov.values())
    try:
        for entry in entries:
            if entry is not None:
                Provenance.from_any(entry)
    except InvalidInputError as e:
        raise DataFormatError(f"{where}: {e}") from None


def __getattr__(name: str) -> Any:
    """`PRESETS`: every shipped preset, read when asked for (the data folder is not needed to
    import this module)."""
    if name == "PRESETS":
        return {n: read_preset(n) for n in preset_names()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_SPEC_RE = re.compile(r"^(?:(?P<d>[^/@#]+)/)?(?P<m>[^/@#]+)(?:@(?P<e>\d+))?(?:#(?P<s>\d+))?$")


# --- mapping ------------------------------------------------------------------------------------
def parse_spec(spec: Any, default_datasets: Sequence[str]) -> list[ColumnKey]:
    """One mapping value -> column keys (several when a dataset-free spec repeats per dataset)."""
    if isinstance(spec, Mapping):
        d, m = spec.get("dataset"), spec.get("metric")
        e, s = spec.get("epoch"), spec.get("seed")
    elif isinstance(spec, (tuple, list)):
        if not 2 <= len(spec) <= 4:
            raise InvalidInputError(
                f"column spec {spec!r} must be (dataset, metric[, epoch[, seed]])"
            )
        d, m, e, s = (*spec, None, None)[:4]
    elif isinstance(spec, str):
        match = _SPEC_RE.match(spec.strip())
        if match is None:
            raise InvalidInputError(
                f"cannot read column spec {spec!r}; expected 'dataset/metric@epoch#seed' with "
                "only the metric required, e.g. 'cifar10/test_acc@200' or 'latency_fpga'"
            )
        d, m, e, s = match["d"], match["m"], match["e"], match["s"]
    else:
        raise InvalidInputError(f"column spec must be a string, tuple or dict, got {spec!r}")
    if not m:
        raise InvalidInputError(f"column spec {spec!r} names no metric")
    e = None if e is None else int(e)
    s = None if s is None else int(s)
    if d is None:
        if not default_datasets:
            raise InvalidInputError(
                f"column spec {spec!r} names no dataset: write 'dataset/{m}' or pass dataset=..."
            )
        return [(str(ds), str(m), e, s) for ds in default_datasets]
    return [(str(d), str(m), e, s)]


def parse_columns(columns: Any) -> dict[str, Any]:
    """The mapping in any of its forms (dict, compact string, JSON file) -> a dict."""
    if isinstance(columns, Mapping):
        return dict(columns)
    if isinstance(columns, str):
        if columns.strip().endswith(".json"):
            spec = _read_json(columns)
            return dict(spec.get("columns", spec)) if isinstance(spec, dict) else spec
        out: dict[str, Any] = {}
        for item in columns.split(","):
            if not item.strip():
                continue
            col, sep, spec = item.rpartition("=")
            if not sep or not col.strip():
                raise InvalidInputError(
                    f"compact column mapping items look like COLUMN=dataset/metric@epoch, got "
                    f"{item.strip()!r}"
                )
            out[col.strip()] = spec.strip()
        return out
    raise InvalidInputError(
        f"columns must be a dict, a 'COL=dataset/metric@epoch, ...' string or a .json file, "
        f"got {type(columns).__name__}"
    )


def _user_path(path: Any) -> Path:
    """`Path(path)` with `~` expanded where it names a home ('~nosuchuser' is left as written)."""
    try:
        return Path(path).expanduser()
    except (RuntimeError, ValueError):  # no such user; a NUL byte
        return Path(path)


def _read_json(path: str | Path) -> Any:
    p = _user_path(path)
    if not p.is_file():
        raise MissingFileError(f"column mapping file not found: {p}")
    try:
        return json.loads(p.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DataFormatError(f"{p}: not valid JSON ({e})") from None
    except OSError as e:
        raise MissingFileError(f"{p}: cannot be read ({e.strerror})") from None


def _template_regex(key: str) -> re.Pattern[str] | None:
    names = re.findall(r"\{(\w+)\}", key)
    if not names:
        return None
    bad = [n for n in names if not n.isidentifier()]
    if bad or len(set(names)) != len(names):
        raise InvalidInputError(
            f"column template {key!r}: placeholders must be distinct names such as {{ds}} "
            f"(a letter or _ first), got {', '.join('{' + n + '}' for n in names)}"
        )
    pattern = "".join(
        f"(?P<{part[1:-1]}>.+?)" if re.fullmatch(r"\{\w+\}", part) else re.escape(part)
        for part in re.split(r"(\{\w+\})", key)
        if part
    )
    return re.compile(f"^{pattern}$")


def expand_columns(
    mapping: Mapping[str, Any], file_columns: Sequence[str], source: str, arch_column: str = ""
) -> dict[str, Any]:
    """Resolve templates (`{ds}_acc`) against the file's columns; unknown columns raise."""
    out: dict[str, Any] = {}
    for key, spec in mapping.items():
        rx = _template_regex(key)
        if rx is None:
            if key not in file_columns:
                raise UnknownNameError("column", key, file_columns, f"in {source}")
            if key == arch_column:
                raise InvalidInputError(f"column {key!r} is the arch column; it cannot be a metric")
            out[key] = spec
            continue
        hits = [(c, rx.match(c)) for c in file_columns if c != arch_column]
        hits = [(c, h) for c, h in hits if h is not None]
        if not hits:
            raise InvalidInputError(
                f"column template {key!r} matches no column of {source}; its columns are: "
                f"{', '.join(file_columns)}"
            )
        for col, h in hits:
            out[col] = _substitute(spec, h.groupdict())
    return out


def _substitute(spec: Any, fields: dict[str, str]) -> Any:
    if isinstance(spec, str):
        return spec.format(**fields)
    if isinstance(spec, Mapping):
        return {k: _substitute(v, fields) for k, v in spec.items()}
    if isinstance(spec, (tuple, list)):
        return [_substitute(v, fields) for v in spec]
    return spec


# --- reading ------------------------------------------------------------------------------------
def read_frame(path: Path) -> pd.DataFrame:
    suffix = "".join(path.suffixes[-2:]).lower()
    try:
        if suffix.endswith(".parquet") or suffix.endswith(".pq"):
            return pd.read_parquet(path)
        if suffix.endswith((".csv", ".csv.gz", ".tsv")):
            return pd.read_csv(path, sep="\t" if ".tsv" in suffix else ",")
    except (ValueError, OSError, pd.errors.ParserError) as e:
        raise DataFormatError(f"{path}: cannot read as a table ({e})") from e
    raise InvalidInputError(f"{path}: table files must be .csv, .csv.gz, .tsv or .parquet")


def _arch_indices(
    values: pd.Series,
    space: Any,
    arch_format: str,
    index_map: Any,
    source: str,
    column: str,
) -> np.ndarray:
    if arch_format == "auto" and pd.api.types.is_integer_dtype(values):
        raise InvalidInputError(
            f"arch column {column!r} of {source} holds integers: say whether they are the space's "
            "own index (arch_format='space-index') or an official benchmark's index "
            "(arch_format='mapped-index' with index_map=...)"
        )
    try:
        if arch_format in ("auto", "str", "ops"):
            return space.indices(values.tolist())
        if arch_format == "space-index":
            if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
                raise InvalidArchError(f"holds {values.dtype} values, not space indices")
            return space.indices(values.to_numpy())  # floats only when integral
    except InvalidArchError as e:
        raise InvalidArchError(f"{source}, column {column!r}: {e}") from e
    # mapped-index
    lookup = _index_lookup(index_map, space)
    keys = [as_int(v) for v in values]
    if None in keys:
        bad = values.iloc[keys.index(None)]
        raise InvalidInputError(
            f"{source}, column {column!r}: {bad!r} is not an integer index of index_map"
        )
    try:
        return np.fromiter((lookup[k] for k in keys), dtype=np.int64, count=len(keys))
    except KeyError as e:
        raise InvalidInputError(
            f"{source}, column {column!r}: index {e.args[0]} is not in index_map "
            f"({len(lookup)} entries)"
        ) from None


def _index_lookup(index_map: Any, space: Any) -> dict[int, int]:
    """Official index -> space index."""
    if index_map is None:
        raise InvalidInputError(
            "arch_format='mapped-index' needs index_map: a dict {index: arch} or "
            "[path, index_column, arch_column]"
        )
    if isinstance(index_map, Mapping):
        keys, archs = list(index_map), list(index_map.values())
    elif isinstance(index_map, (tuple, list)) and len(index_map) == 3:
        p, icol, acol = index_map
        frame = read_frame(_existing(p, "index_map file"))
        for c in (icol, acol):
            if c not in frame.columns:
                raise UnknownNameError("column", c, frame.columns, f"in {p}")
        keys, archs = frame[icol].tolist(), frame[acol].tolist()
    else:
        raise InvalidInputError(
            f"index_map must be a dict {{index: arch}} or [path, index_column, arch_column], "
            f"got {index_map!r}"
        )
    ints = [as_int(k) for k in keys]
    if None in ints:
        raise InvalidInputError(
            f"index_map: key {keys[ints.index(None)]!r} is not an integer benchmark index"
        )
    return dict(zip(ints, space.indices(archs).tolist(), strict=True))


def _existing(path: Any, what: str) -> Path:
    if path is None:
        raise MissingFileError(f"{what}: no path given (pass path=...)")
    p = _user_path(path)
    if not p.exists():
        raise MissingFileError(f"{what} not found at {p.absolute()}")
    if not p.is_file():
        raise MissingFileError(f"{what}: {p.absolute()} is not a file")
    return p


def convert(path: Path, plan: dict[str, Any]) -> TableStore:
    """Read the file and build the store from a resolved plan (see `load`)."""
    frame = read_frame(path)
    space = spaces.get(plan["space"])
    source = str(path)
    arch_col = plan["arch_column"]
    index = _arch_indices(
        frame[arch_col], space, plan["arch_format"], plan["index_map"], source, arch_col
    )
    if len(np.unique(index)) != len(index):
        seen, dup = set(), None
        for i in index.tolist():
            if i in seen:
                dup = i
                break
            seen.add(i)
        raise DataFormatError(
            f"{source}: architecture {space.to_str(space.from_index(int(dup)))} appears in more "
            "than one row; a table holds one row per architecture"
        )
    data: dict[ColumnKey, np.ndarray] = {}
    not_finite: dict[str, int] = {}
    for col, keys in plan["keys"].items():
        series = frame[col]
        if not pd.api.types.is_numeric_dtype(series):
            raise DataFormatError(f"{source}: column {col!r} is not numeric ({series.dtype})")
        values = _finite_or_nan(series.to_numpy(np.float64), col, not_finite)
        for key in keys:
            data[tuple(key)] = values  # type: ignore[index]
    extras = pd.DataFrame(
        {plan["extras_rename"].get(c, c): frame[c].to_numpy() for c in plan["extras"]}
    )
    # the absolute path: a surrogate fitted later, from another folder, hashes this file
    meta: dict[str, Any] = {"source": str(Path(source).resolve())}
    if not_finite:
        meta["not_finite"] = not_finite
    return TableStore.from_columns(plan["space"], index, data, extras, meta)


def _finite_or_nan(values: np.ndarray, column: str, counts: dict[str, int]) -> np.ndarray:
    """NaN stays "not measured"; inf, -inf and values beyond float32's range (the store's type,
    where they would become inf) are never a value either: they become NaN and are counted per
    column, so `load` can warn. An inf left in would be the optimum (and break plots)."""
    with np.errstate(over="ignore"):
        bad = np.isfinite(values) & ~np.isfinite(values.astype(np.float32))
    bad |= np.isinf(values)
    if bad.any():
        counts[column] = int(bad.sum())
        values = np.where(bad, np.nan, values)
    return values


class NonFiniteValuesWarning(UserWarning):
    """A table held inf (or values outside float32's range); those cells count as not measured."""


def _warn_not_finite(store: TableStore, source: Path) -> None:
    import warnings

    counts = store.meta.get("not_finite") or {}
    if counts:
        cols = ", ".join(f"{c!r} ({n})" for c, n in sorted(counts.items()))
        warnings.warn(
            f"{source}: column(s) {cols} hold inf or values outside float32's range; those "
            "cells are treated as not measured (NaN)",
            NonFiniteValuesWarning,
            stacklevel=3,
        )


def load(
    path: str | Path | None = None,
    space: str | None = None,
    arch_column: str | None = None,
    columns: Any = None,
    *,
    arch_format: str | None = None,
    index_map: Any = None,
    name: str | None = None,
    cost_columns: str | Sequence[str] | None = None,
    preset: str | None = None,
    dataset: str | Sequence[str] | None = None,
    dataset_aliases: Mapping[str, str] | None = None,
    extras: Sequence[str] | None = None,
    lower_is_better: Sequence[str] | None = None,
    descriptions: Mapping[str, Any] | None = None,
    roles: Mapping[str, str] | None = None,
    provenance: Any = None,
    cost_per_epoch_columns: str | Sequence[str] | None = None,
) -> SparseTabularBenchmark:
    """Load a table file as a benchmark (see the module docstring for the mapping).

    Explicit arguments override the preset's; the converted table is cached, keyed by the file's
    content and the resolved mapping, so a warm load only memory-maps the cached store.
    """
    spec: dict[str, Any] = {}
    if preset is not None:
        spec.update(read_preset(preset))
    if isinstance(columns, str) and columns.strip().endswith(".json"):
        from_file = _read_json(columns)
        if isinstance(from_file, dict) and "columns" in from_file:
            spec.update(from_file)
            columns = None
    given = {
        "space": space,
        "arch_column": arch_column,
        "columns": columns,
        "arch_format": arch_format,
        "index_map": index_map,
        "name": name,
        "cost_columns": cost_columns,
        "dataset": dataset,
        "dataset_aliases": dataset_aliases,
        "extras": extras,
        "lower_is_better": lower_is_better,
        "descriptions": descriptions,
        "roles": roles,
        "provenance": provenance,
        "cost_per_epoch_columns": cost_per_epoch_columns,
    }
    spec.update({k: v for k, v in given.items() if v is not None})
    src = _existing(
        path,
        "table benchmark: the CSV/Parquet file" + (f" for preset {preset!r}" if preset else ""),
    )
    if spec.get("columns") is None:
        raise InvalidInputError(
            "table benchmark needs a column mapping: columns={'file column': "
            "'dataset/metric@epoch', ...} or preset=... (one of: " + _known_presets() + ")"
        )
    space_name = spec.get("space") or "nb201"
    space_obj = spaces.get(space_name)
    if space_obj.size is None:
        raise InvalidInputError(f"table benchmarks need a finite space; {space_name!r} is not")
    fmt = spec.get("arch_format") or ("mapped-index" if spec.get("index_map") else "auto")
    if fmt not in ARCH_FORMATS:
        raise UnknownNameError("arch_format", fmt, ARCH_FORMATS)

    file_columns = [str(c) for c in _peek_columns(src)]
    arch_col = spec.get("arch_column")
    if arch_col is None:
        raise InvalidInputError(
            f"table benchmark needs arch_column=...; the columns of {src} are: "
            + ", ".join(file_columns)
        )
    if arch_col not in file_columns:
        raise UnknownNameError("arch column", arch_col, file_columns, f"in {src}")
    mapping = expand_columns(parse_columns(spec["columns"]), file_columns, str(src), arch_col)
    if not mapping:
        raise InvalidInputError(
            f"the column mapping maps no column of {src}; give 'COLUMN=dataset/metric', ... "
            f"for some of: {', '.join(c for c in file_columns if c != arch_col)}"
        )
    default_ds = spec.get("dataset")
    default_ds = [default_ds] if isinstance(default_ds, str) else list(default_ds or [])
    aliases = dict(spec.get("dataset_aliases") or {})
    keys: dict[str, list[list[Any]]] = {}
    seen: dict[ColumnKey, str] = {}
    for col, value in mapping.items():
        ks = []
        for d, m, e, s in parse_spec(value, default_ds):
            key = (aliases.get(d, d), m, e, s)
            if key in seen:
                raise InvalidInputError(
                    f"columns {seen[key]!r} and {col!r} both map to {_key_str(key)}"
                )
            seen[key] = col
            ks.append(list(key))
        keys[col] = ks
    cost_cols = spec.get("cost_columns") or []
    cost_cols = [cost_cols] if isinstance(cost_cols, str) else list(cost_cols)
    cost_metric: dict[str, str] = {}
    for c in expand_columns({c: "" for c in cost_cols}, file_columns, str(src)):
        if c not in keys:
            raise InvalidInputError(f"cost column {c!r} is not one of the mapped columns")
        for d, m, _e, _s in keys[c]:
            cost_metric[d] = m
    per_epoch_cols = spec.get("cost_per_epoch_columns") or []
    per_epoch_cols = [per_epoch_cols] if isinstance(per_epoch_cols, str) else list(per_epoch_cols)
    cost_per_epoch: dict[str, str] = {}
    for c in expand_columns({c: "" for c in per_epoch_cols}, file_columns, str(src)):
        if c not in keys:
            raise InvalidInputError(f"cost-per-epoch column {c!r} is not one of the mapped columns")
        for d, m, _e, _s in keys[c]:
            if d not in cost_metric:
                raise InvalidInputError(
                    f"cost-per-epoch column {c!r} ({d!r}) needs a cost column for {d!r} too "
                    "(cost_columns=...: the training time of the table's own schedule)"
                )
            cost_per_epoch[d] = m
    extras_cols = spec.get("extras")
    is_str_arch = fmt in ("auto", "str", "ops")
    if extras_cols is None:
        extras_cols = [
            c for c in file_columns if c not in keys and not (c == arch_col and is_str_arch)
        ]
    for c in extras_cols:
        if c not in file_columns:
            raise UnknownNameError("column", c, file_columns, f"in {src}")
    rename = dict(spec.get("extras_rename") or {})
    for c in extras_cols:
        if rename.get(c, c) in ("index", "arch"):
            rename[c] = f"source_{c}"
    plan = {
        "space": space_name,
        "arch_column": arch_col,
        "arch_format": fmt,
        "index_map": spec.get("index_map"),
        "keys": keys,
        "extras": list(extras_cols),
        "extras_rename": rename,
    }
    store = cached_store(
        "table", VERSION, _sources(src, spec.get("index_map")), lambda: convert(src, plan), plan
    )
    _warn_not_finite(store, src)
    return SparseTabularBenchmark(
        spec.get("name") or src.stem,
        store,
        _infos(keys, spec, str(src)),
        citation=spec.get("citation", ""),
        licence=spec.get("licence", ""),
        description=spec.get("description") or f"table {src.name}",
        cost_metric=cost_metric,
        cost_note=f"no cost_columns given for {src.name}",
        cost_per_epoch_metric=cost_per_epoch,
    )


def _sources(src: Path, index_map: Any) -> list[Path]:
    if isinstance(index_map, (tuple, list)) and len(index_map) == 3:
        return [src, _user_path(index_map[0])]
    return [src]


def _peek_columns(path: Path) -> list[str]:
    """The file's column names without reading it all (the mapping is checked before caching)."""
    suffix = path.name.lower()
    try:
        if suffix.endswith((".parquet", ".pq")):
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        if suffix.endswith((".csv", ".csv.gz", ".tsv")):
            opener = gzip.open if suffix.endswith(".gz") else open
            with opener(path, "rt", newline="") as f:  # type: ignore[operator]
                return next(csv.reader(f, delimiter="\t" if ".tsv" in suffix else ","), [])
    except (ValueError, OSError, csv.Error) as e:
        raise DataFormatError(f"{path}: cannot read as a table ({e})") from e
    raise InvalidInputError(f"{path}: table files must be .csv, .csv.gz, .tsv or .parquet")


def _key_str(key: ColumnKey) -> str:
    d, m, e, s = key
    return f"{d}/{m}" + (f"@{e}" if e is not None else "") + (f"#{s}" if s is not None else "")


def _infos(
    keys: dict[str, list[list[Any]]], spec: dict[str, Any], source: str
) -> dict[str, MetricInfo]:
    desc = dict(spec.get("descriptions") or {})
    lower = set(spec.get("lower_is_better") or ())
    infos: dict[str, MetricInfo] = {}
    for col, ks in keys.items():
        for _d, m, _e, _s in ks:
            if m in infos:
                continue
            given = desc.get(m)
            if isinstance(given, MetricInfo):
                infos[m] = given
                continue
            hib = m not in lower and not any(w in m.lower() for w in LOWER_IS_BETTER_WORDS)
            if given is None:
                infos[m] = MetricInfo(m, f"column {col!r} of {Path(source).name}", "", hib)
            elif isinstance(given, str):
                infos[m] = MetricInfo(m, given, "", hib)
            elif isinstance(given, Mapping):
                unknown = set(given) - set(DESCRIPTION_KEYS)
                if unknown:
                    raise InvalidInputError(
                        f"description of {m!r}: unknown key {sorted(unknown)[0]!r}; valid: "
                        + ", ".join(DESCRIPTION_KEYS)
                    )
                info = MetricInfo(m, **{"higher_is_better": hib, **given})
                infos[m] = replace(info, higher_is_better=info.higher_is_better and m not in lower)
            else:
                d, unit, h = given
                infos[m] = MetricInfo(m, d, unit, h and m not in lower)
    return _describe(infos, desc, spec, Path(source).name)


def _describe(
    infos: dict[str, MetricInfo], given: dict[str, Any], spec: dict[str, Any], file: str
) -> dict[str, MetricInfo]:
    """Fill each metric's role, split and provenance from `roles=`/`provenance=` (or a preset);
    where a role is not given it is inferred from the name, and the description says so."""
    roles = dict(spec.get("roles") or {})
    for m, r in roles.items():
        if r not in ROLES:
            raise InvalidInputError(
                f"roles: {r!r} (for {m!r}) is not a role; valid: {', '.join(ROLES)}"
            )
    unknown = set(roles) - set(infos)
    if unknown:
        raise UnknownNameError("metric in roles", sorted(unknown)[0], infos)
    prov = spec.get("provenance")
    per_metric: dict[str, Any] = {}
    common: Provenance | None = None
    if isinstance(prov, Mapping) and "kind" not in prov:
        per_metric = dict(prov)
        extra = set(per_metric) - set(infos)
        if extra:
            raise UnknownNameError("metric in provenance", sorted(extra)[0], infos)
    elif prov is not None:
        common = Provenance.from_any(prov)
    out: dict[str, MetricInfo] = {}
    for m, info in infos.items():
        if isinstance(given.get(m), MetricInfo):  # a fully described metric is kept as given
            out[m] = info
            continue
        desc, role = info.description, roles.get(m)
        if role is None and isinstance(given.get(m), Mapping) and "role" in given[m]:
            role = info.role
        if role is None:
            role = infer_role(m)
            desc += f" (role {role!r} inferred from the name)"
        p = per_metric.get(m)
        p = Provenance.from_any(p) if p is not None else common
        if p is None:
            p = Provenance("unstated", f"the table file {file}", "no provenance= given")
        split = info.split if info.split is not None else infer_split(m)
        out[m] = replace(info, description=desc, role=role, split=split, provenance=p)
    return out
