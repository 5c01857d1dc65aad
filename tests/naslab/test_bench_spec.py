"""BenchSpec: one way to name a benchmark (CLI flags or study-file parts), loadable anywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import benchmarks
from nas_core.errors import InvalidInputError, UnknownNameError
from naslab.bench_spec import BenchPart, BenchSpec, parse_options


def test_from_cli_reads_options_as_json_or_text():
    s = BenchSpec.from_cli("table", "x.csv", ["preset=nb201-latency", "limit=3", "flag=true"])
    assert s.parts == (
        BenchPart("table", {"preset": "nb201-latency", "limit": 3, "flag": True, "path": "x.csv"}),
    )
    assert s.name == "table" and not s.is_join
    with pytest.raises(InvalidInputError, match="KEY=VALUE"):
        parse_options(None, ["novalue"])


def test_from_list_resolves_paths_against_the_study_folder(tmp_path):
    s = BenchSpec.from_list(
        [{"name": "analognas"}, {"name": "table", "path": "d/x.csv", "preset": "p"}], tmp_path
    )
    assert s.is_join and s.name == "analognas+table"
    assert s.parts[1].options["path"] == str((tmp_path / "d" / "x.csv").resolve())
    assert BenchSpec.from_list({"name": "analognas"}) == BenchSpec.single("analognas")
    with pytest.raises(InvalidInputError, match="has no name"):
        BenchSpec.from_list([{"path": "x"}])
    with pytest.raises(InvalidInputError, match="needs at least one"):
        BenchSpec(())


def test_key_is_stable_and_with_absolute_paths(tmp_path, monkeypatch):
    a = BenchSpec.single("table", preset="p", path="x.csv")
    b = BenchSpec.single("table", path="x.csv", preset="p")
    assert a.key() == b.key() and json.loads(a.key()) == [
        {"name": "table", "path": "x.csv", "preset": "p"}
    ]
    monkeypatch.chdir(tmp_path)
    assert a.with_absolute_paths().parts[0].options["path"] == str(tmp_path.resolve() / "x.csv")
    other = Path("/elsewhere")
    assert a.with_absolute_paths(other).parts[0].options["path"] == str(other / "x.csv")
    assert BenchSpec.single("analognas").with_absolute_paths() == BenchSpec.single("analognas")


def test_load_gives_the_registered_benchmark_and_names_unknown_ones():
    b = BenchSpec.single("analognas").load()
    assert b.name == "analognas" and b is BenchSpec.single("analognas").load()  # loaded once
    with pytest.raises(UnknownNameError, match="Did you mean 'analognas'"):
        BenchSpec.single("analogna").load()
    assert isinstance(b, benchmarks.Benchmark)
