"""What benchmark a study or command runs on, said one way everywhere: a registered name with its
loader options (`--bench NAME --path FILE --option KEY=VALUE`), or several such parts joined on the
architecture key (a study file's `[[benchmark]]` tables).

A `BenchSpec` is plain data (names and JSON options), so it travels to spawned workers and into a
study folder's resolved study file, and loading it again gives the same benchmark.

Study-file form (TOML; one `[[benchmark]]` table per part, several parts are joined in order):

    [[benchmark]]
    name = "analognas"

    [[benchmark]]
    name = "table"
    path = "../shared/data/nb201-latency/nb201_latency_ms_27_devices.csv"
    preset = "nb201-latency"        # any other key is a loader option

A relative `path` is read relative to the study file's folder. A single part may also be written
as one `[benchmark]` table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nas_core.errors import InvalidInputError, MissingFileError, NaslabError

if TYPE_CHECKING:
    from benchmarks.base import Benchmark


@dataclass(frozen=True)
class BenchPart:
    """One registered benchmark and its loader options (JSON-able values)."""

    name: str
    options: Mapping[str, Any] = field(default_factory=dict)

    def key(self) -> str:
        return json.dumps({"name": self.name, **dict(self.options)}, sort_keys=True)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, **dict(self.options)}


@dataclass(frozen=True)
class BenchSpec:
    """A benchmark as a study names it: one part, or several joined (`benchmarks.join`)."""

    parts: tuple[BenchPart, ...]

    def __post_init__(self) -> None:
        if not self.parts:
            raise InvalidInputError("a benchmark specification needs at least one benchmark")

    @property
    def name(self) -> str:
        """The registered name of a single part; `a+b` for a join (what `join` names it)."""
        return "+".join(p.name for p in self.parts)

    @property
    def is_join(self) -> bool:
        return len(self.parts) > 1

    def key(self) -> str:
        """A stable text form (cache key, comparison of two studies' benchmarks)."""
        return json.dumps([json.loads(p.key()) for p in self.parts], sort_keys=True)

    def to_list(self) -> list[dict[str, Any]]:
        """The study-file form: one dict per part (name plus options)."""
        return [p.to_dict() for p in self.parts]

    def with_absolute_paths(self, base_dir: str | Path | None = None) -> BenchSpec:
        """This spec with every part's `path` absolute (relative ones read against `base_dir`,
        default the working directory), so that a study file written from it does not depend on
        where it is run."""
        parts = []
        for p in self.parts:
            opts = dict(p.options)
            if isinstance(opts.get("path"), str):
                path = Path(opts["path"]).expanduser()
                if not path.is_absolute() and base_dir is not None:
                    path = Path(base_dir) / path
                opts["path"] = str(path.resolve())
            parts.append(BenchPart(p.name, opts))
        return BenchSpec(tuple(parts))

    def load(self) -> Benchmark:
        """The benchmark (parts loaded once per process, then joined)."""
        return _load_spec(self.key())

    @classmethod
    def single(cls, name: str, **options: Any) -> BenchSpec:
        return cls((BenchPart(name, dict(options)),))

    @classmethod
    def from_cli(
        cls, name: str, path: str | None = None, options: Sequence[str] | None = None
    ) -> BenchSpec:
        """`--bench NAME [--path FILE] [--option KEY=VALUE ...]`."""
        return cls.single(name, **parse_options(path, options))

    @classmethod
    def from_list(cls, parts: Any, base_dir: str | Path | None = None) -> BenchSpec:
        """From a study file's `benchmark` value: a table or a list of tables (`name` plus loader
        options); a relative `path` is resolved against `base_dir`."""
        if isinstance(parts, Mapping):
            parts = [parts]
        if not isinstance(parts, list) or not parts:
            raise InvalidInputError(
                "a study file's benchmark must be a [benchmark] table or [[benchmark]] tables, each "
                "with name = '<registered benchmark>' and its loader options"
            )
        out = []
        for i, p in enumerate(parts, 1):
            if not isinstance(p, Mapping):
                raise InvalidInputError(f"benchmark part {i} must be a table, got {p!r}")
            p = dict(p)
            name = p.pop("name", None)
            if not isinstance(name, str) or not name:
                raise InvalidInputError(
                    f"benchmark part {i} has no name = '<benchmark>' (see `naslab bench list`)"
                )
            if isinstance(p.get("path"), str) and base_dir is not None:
                path = Path(p["path"]).expanduser()
                if not path.is_absolute():
                    p["path"] = str((Path(base_dir) / path).resolve())
            out.append(BenchPart(name, p))
        return cls(tuple(out))


def parse_options(path: str | None, options: Sequence[str] | None) -> dict[str, Any]:
    """`--option KEY=VALUE` items (VALUE read as JSON when it parses, else as text) plus
    `--path`, as loader keyword arguments."""
    out: dict[str, Any] = {}
    for item in options or []:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise InvalidInputError(f"--option must look like KEY=VALUE, got {item!r}")
        try:
            out[key] = json.loads(raw)
        except json.JSONDecodeError:
            out[key] = raw
    if path is not None:
        out["path"] = path
    return out


@cache
def _load_part(key: str) -> Benchmark:
    opts = json.loads(key)
    return load_part(opts.pop("name"), opts)


@cache
def _load_spec(key: str) -> Benchmark:
    import benchmarks

    parts = [_load_part(json.dumps(p, sort_keys=True)) for p in json.loads(key)]
    return parts[0] if len(parts) == 1 else benchmarks.join(*parts)


def load_part(name: str, options: Mapping[str, Any], hint: str | None = None) -> Benchmark:
    """`benchmarks.load(name, **options)` with the failures a user can fix as naslab errors;
    `hint` (how to give the file) is added to a missing-file error."""
    import benchmarks

    opts = dict(options)
    benchmarks.summary(name)  # unknown name -> UnknownNameError with a suggestion
    hint = hint or f"give the file with --path FILE (or path = '...' in a study file) for {name!r}"
    try:
        return benchmarks.load(name, **opts)
    except MissingFileError as e:
        msg = str(e)
        raise MissingFileError(msg if "--path" in msg else f"{msg}; {hint}") from None
    except NaslabError:
        raise
    except FileNotFoundError as e:
        where = e.filename or opts.get("path", "?")
        raise MissingFileError(f"benchmark {name!r}: file not found: {where}; {hint}") from None
    except ImportError as e:  # a loader module or the package it reads is missing
        own = not e.name or e.name.split(".")[0] == "benchmarks"
        extra = "" if own else f"; install the package that provides {e.name!r}"
        raise NaslabError(f"benchmark {name!r} cannot be loaded here: {e}{extra}") from None
