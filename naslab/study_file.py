"""Study files: a comparison study in one TOML file, so that it can be rerun exactly.

    [[benchmark]]                 # one table per part; several parts are joined in order
    name = "analognas"

    [[benchmark]]
    name = "table"
    path = "../shared/data/nb201-latency/nb201_latency_ms_27_devices.csv"  # relative: to this file
    preset = "nb201-latency"      # any other key is a loader option

    [study]
    searchers = ["nsga2", "rs"]
    seeds = 5
    budget = 100                  # distinct queries per run
    objectives = ["baseline_accuracy", "-latency_pixel3"]
    constraints = ["latency_pixel3<=10"]

    [study.params.nsga2]          # searcher parameters (as --param nsga2.pop_size=20)
    pop_size = 20

`[study]` takes the fields of `naslab.compare.StudyConfig`: dataset, searchers, seeds, base_seed,
budget, time_budget, metric, report_metric, objectives, constraints, isomorphism, batch_size and
params. A key left out takes StudyConfig's default, except `budget`, which is unset (no query
limit) when the file gives a `time_budget` and no `budget` (TOML has no null value, so this is how
a file says "time budget only"). Unknown keys are an error naming the valid ones.

`naslab compare` writes the resolved study (benchmark paths absolute, every default filled in) as
`study.toml` in its output folder; `naslab compare --study <out>/study.toml --out <other>` reruns
the same runs. A study run on a benchmark object built in Python writes
`benchmark = "in-memory: <name>"`, which cannot be loaded back: such a study is rerun from Python.

TOML is read with the standard library's `tomllib`; the stdlib has no writer, so `write_study`
uses the small serialiser below, limited to the values a study holds (text, numbers, booleans,
lists and tables of those).
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from nas_core.errors import InvalidInputError, MissingFileError, UnknownNameError
from naslab.bench_spec import BenchSpec
from naslab.compare import StudyConfig

IN_MEMORY = "in-memory:"

#: [study] keys and the types they take (for the error on a wrong type).
_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "dataset": ((str,), "a dataset name"),
    "searchers": ((list,), "a list of searcher names"),
    "seeds": ((int,), "an integer"),
    "base_seed": ((int,), "an integer"),
    "budget": ((int,), "an integer number of queries"),
    "time_budget": ((int, float), "a number of simulated seconds"),
    "metric": ((str,), "a metric name"),
    "report_metric": ((str,), "a metric name"),
    "objectives": ((list,), "a list of metric names (a '-' prefix: minimise)"),
    "constraints": ((list,), "a list like ['latency_pixel3<=10']"),
    "isomorphism": ((str,), "'per-cell' or 'merge'"),
    "batch_size": ((int,), "an integer"),
    "params": ((dict,), "a table of tables: [study.params.<searcher>]"),
}
_TOP = ("benchmark", "study")
_STR_LISTS = ("searchers", "objectives", "constraints")


@dataclass(frozen=True)
class StudyFile:
    """A loaded study file: the benchmark and the (unresolved) study settings."""

    bench: BenchSpec
    config: StudyConfig
    path: Path


def load_study(path: str | Path) -> StudyFile:
    """Read a study file (see the module docstring); naslab errors name what is wrong."""
    try:  # '~nosuchuser' or a NUL byte: a file that cannot exist, not a crash
        path = Path(path).expanduser()
        if "\0" in str(path):
            raise ValueError
    except (RuntimeError, ValueError):
        raise MissingFileError(f"study file not found: {path}") from None
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MissingFileError(f"study file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidInputError(f"study file {path} cannot be read: {e}") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InvalidInputError(f"study file {path} is not valid TOML: {e}") from None
    for k in doc:
        if k not in _TOP:
            raise UnknownNameError("key", k, _TOP, f"in study file {path}")
    if "benchmark" not in doc:
        raise InvalidInputError(
            f"study file {path} names no benchmark: add a [[benchmark]] table with "
            "name = '<registered benchmark>' (see `naslab bench list`)"
        )
    raw = doc["benchmark"]
    if isinstance(raw, str) and raw.startswith(IN_MEMORY):
        raise InvalidInputError(
            f"study file {path} records a study on a benchmark object built in Python "
            f"({raw!r}); a study file cannot rebuild it: rerun it from Python with "
            "run_study(StudyConfig(bench=<the Benchmark object>, ...), out)"
        )
    bench = BenchSpec.from_list(raw, base_dir=path.parent)
    study = doc.get("study", {})
    if not isinstance(study, dict):
        raise InvalidInputError(f"study file {path}: study must be a [study] table")
    return StudyFile(
        bench=bench, config=config_from_table(study, bench, where=str(path)), path=path
    )


def config_from_table(
    study: Mapping[str, Any], bench: BenchSpec | None = None, where: str = "the study file"
) -> StudyConfig:
    """A StudyConfig from a `[study]` table (checked: keys, types)."""
    kw: dict[str, Any] = {}
    for k, v in study.items():
        if k not in _KEYS:
            raise UnknownNameError("key", k, _KEYS, f"in [study] of {where}")
        types, what = _KEYS[k]
        ok = isinstance(v, types) and not (isinstance(v, bool) and bool not in types)
        if ok and k in _STR_LISTS:
            ok = all(isinstance(x, str) for x in v)
        if ok and k == "params":
            ok = all(isinstance(p, dict) for p in v.values())
        if not ok:
            raise InvalidInputError(f"[study] {k} in {where} must be {what}, got {v!r}")
        kw[k] = tuple(v) if k in _STR_LISTS else v
    if "time_budget" in kw and "budget" not in kw:
        kw["budget"] = None
    if "time_budget" in kw:
        kw["time_budget"] = float(kw["time_budget"])
    if "params" in kw:
        kw["params"] = {s: dict(p) for s, p in kw["params"].items()}
    if bench is not None:
        kw["bench"] = bench
    return StudyConfig(**kw)


def study_table(config: StudyConfig) -> dict[str, Any]:
    """The `[study]` table of `config` (None values left out: TOML has no null)."""
    out: dict[str, Any] = {}
    for f in fields(config):
        if f.name in ("bench", "bench_options"):
            continue
        v = getattr(config, f.name)
        if v is None:
            continue
        if isinstance(v, tuple):
            v = list(v)
        out[f.name] = v
    return out


def write_study(path: str | Path, bench_spec: BenchSpec | str, config: StudyConfig) -> Path:
    """Write `config` on `bench_spec` (or an "in-memory: <name>" label) as a study file.

    Give a resolved config (`naslab.compare.resolve`) to record every default: a file written from
    an unresolved one leaves the defaults to whatever naslab version reads it."""
    path = Path(path)
    lines = [
        "# naslab study file: `naslab compare --study FILE` runs this study (see naslab.study_file).",
        "",
    ]
    if isinstance(bench_spec, BenchSpec):
        for part in bench_spec.to_list():
            lines.append("[[benchmark]]")
            lines += [f"{_key(k)} = {_value(v)}" for k, v in part.items()]
            lines.append("")
    else:
        label = bench_spec if bench_spec.startswith(IN_MEMORY) else f"{IN_MEMORY} {bench_spec}"
        lines += [
            "# The study ran on a benchmark object built in Python: this file cannot rebuild it.",
            f"benchmark = {_value(label)}",
            "",
        ]
    table = study_table(config)
    params = table.pop("params", {})
    lines.append("[study]")
    lines += [f"{_key(k)} = {_value(v)}" for k, v in table.items()]
    for s, p in params.items():
        lines += ["", f"[study.params.{_key(s)}]"]
        lines += [f"{_key(k)} = {_value(v)}" for k, v in p.items()]
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # what we write must read back
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: Any) -> str:
    k = str(k)
    return k if _BARE.match(k) else _string(k)


def _string(s: str) -> str:
    # JSON string escapes are TOML basic-string escapes; DEL must be escaped in TOML too
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(v: Any) -> str:
    """A TOML value: text, booleans, integers, floats, arrays and inline tables of those."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    raise InvalidInputError(
        f"a study file cannot hold {type(v).__name__} value {v!r} (TOML takes text, numbers, "
        "booleans, lists and tables; no null)"
    )


__all__ = ["StudyFile", "config_from_table", "load_study", "study_table", "write_study"]
