"""`naslab bench`: list/info/query/export on the embedded analognas data, JSON output, and one clear
line (exit 2, no traceback) for every kind of user mistake."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import benchmarks
from naslab.cli import app
from naslab.cli_bench import _parse_options

runner = CliRunner()
BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"


def bench(*args: str):
    return runner.invoke(app, ["bench", *args])


@pytest.fixture(scope="module")
def analognas():
    return benchmarks.load("analognas")


def test_list_human_and_json() -> None:
    r = bench("list")
    assert r.exit_code == 0, r.output
    assert "analognas" in r.output and "embedded" in r.output
    r = bench("list", "--json")
    assert r.exit_code == 0, r.output
    rows = {row["name"]: row for row in json.loads(r.stdout)}
    assert set(rows) == set(benchmarks.list())
    assert rows["analognas"]["embedded"] is True
    assert rows["suite-zero"]["embedded"] is False
    assert rows["analognas"]["summary"] == benchmarks.summary("analognas")


def test_info_json_and_human(analognas) -> None:
    r = bench("info", "analognas", "--json")
    assert r.exit_code == 0, r.output
    info = json.loads(r.stdout)
    assert info["space"] == "nb201" and info["num_archs"] == 15625
    metrics = info["datasets"]["cifar10"]["metrics"]
    assert [m["name"] for m in metrics] == [m.name for m in analognas.metrics()]
    assert {"name", "unit", "higher_is_better", "description"} <= set(metrics[0])
    assert info["citation"] and info["licence"]
    assert info["datasets"]["cifar10"]["cost_source"] == analognas.cost_source()
    r = bench("info", "analognas")
    assert r.exit_code == 0, r.output
    for word in ("nb201", "15,625", "baseline_accuracy", "higher", "citation", "licence", "cost"):
        assert word in r.output


def test_info_shows_role_and_provenance_of_every_metric() -> None:
    r = bench("info", "nbgraph", "--json")
    assert r.exit_code == 0, r.output
    info = json.loads(r.stdout)
    assert info["finite"] is True
    arxiv = info["datasets"]["arxiv"]
    for m in arxiv["metrics"]:
        assert m["role"] in ("objective", "hardware", "size")
        assert m["provenance"]["kind"] in ("measured", "computed")
        assert "NAS-Bench-Graph" in m["provenance"]["source"]
    assert {m["name"]: m["role"] for m in arxiv["metrics"]}["latency"] == "hardware"
    assert arxiv["cost"] == {
        "kind": "unit",
        "description": arxiv["cost_source"],
        "unit": "s",
        "epoch_dependent": False,
        "continues": False,
    }
    r = bench("info", "nbgraph")
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    for word in ("role", "objective (valid)", "hardware", "size", "provenance:"):
        assert word in text
    assert "valid_perf: measured: NAS-Bench-Graph (Qin et al., NeurIPS 2022)" in text
    assert "[unit; in s; epoch-independent]" in text


def test_query_every_spelling_gives_the_same_value(analognas) -> None:
    arch = analognas.space.parse(BEST)
    index = analognas.space.index(arch)
    spellings = [BEST, str(index), str(arch.ops).replace(" ", "")]
    r = bench("query", "analognas", *spellings, "-m", "baseline_accuracy", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    want = analognas.query(arch, "baseline_accuracy")
    assert [row["input"] for row in out["rows"]] == spellings
    for row in out["rows"]:
        assert row["arch"] == BEST and row["index"] == index
        assert row["baseline_accuracy"] == pytest.approx(want)


def test_query_all_metrics_and_human_output(analognas) -> None:
    r = bench("query", "analognas", "0", "6111", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    names = [m.name for m in analognas.metrics()]
    assert out["metrics"] == names and out["dataset"] == "cifar10"
    for row, i in zip(out["rows"], (0, 6111), strict=True):
        assert row["analog_accuracy"] == pytest.approx(analognas.query(i, "analog_accuracy"))
    # Few metrics: one row per arch; many: one column per arch. Both show the values.
    r = bench("query", "analognas", BEST, "-m", "ptq_accuracy")
    assert r.exit_code == 0, r.output
    assert f"{analognas.query(BEST, 'ptq_accuracy'):.6g}" in r.output
    r = bench("query", "analognas", "6111")
    assert r.exit_code == 0, r.output
    assert all(n in r.output for n in names)
    assert f"{analognas.query(6111, 'qat_accuracy'):.6g}" in r.output


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_round_trip(tmp_path: Path, fmt: str, analognas) -> None:
    out = tmp_path / "sub" / f"analognas.{fmt}"
    r = bench("export", "analognas", "--to", str(out), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["rows"] == 15625
    want = analognas.to_frame()
    got = pd.read_parquet(out) if fmt == "parquet" else pd.read_csv(out)
    assert list(got.columns) == list(want.columns)
    assert (got["arch"].astype(str).to_numpy() == want["arch"].astype(str).to_numpy()).all()
    np.testing.assert_array_equal(got["index"].to_numpy(), want["index"].to_numpy())
    num = [c for c in want.columns if c not in ("index", "arch")]
    # Parquet keeps float32 exactly; CSV's decimal text parses back to the same float32.
    np.testing.assert_array_equal(
        got[num].to_numpy(np.float32), want[num].to_numpy(np.float32), strict=True
    )
    assert not list(out.parent.glob(".*"))  # no temp file left behind


def test_parse_options() -> None:
    opts = _parse_options("f.csv", ["preset=nb201-latency", "epochs=[12, 200]", "n=3", "x="])
    assert opts == {
        "preset": "nb201-latency",
        "epochs": [12, 200],
        "n": 3,
        "x": "",
        "path": "f.csv",
    }


MISTAKES = [
    (["info", "analogna"], ["unknown benchmark", "'analognas'", "Did you mean", "suite-zero"]),
    (["query", "analogna", "0"], ["unknown benchmark", "Did you mean 'analognas'"]),
    (
        ["query", "analognas", BEST.replace("nor_conv_3x3~0|+|nor", "nor_conv_3x4~0|+|nor")],
        [
            "unknown op 'nor_conv_3x4'",
            "Did you mean 'nor_conv_3x3'",
            "avg_pool_3x3",
            "skip_connect",
        ],
    ),
    (["query", "analognas", "(0,1,2)"], ["op tuple", "skip_connect", "avg_pool_3x3"]),
    (["query", "analognas", "15625"], ["0..15624"]),
    (
        ["query", "analognas", "0", "--dataset", "cifar100"],
        ["unknown dataset", "'cifar100'", "Did you mean 'cifar10'", "Valid: cifar10"],
    ),
    (
        ["query", "analognas", "0", "-m", "baseline_acc"],
        ["unknown metric", "'baseline_acc'", "Did you mean 'baseline_accuracy'", "qat_accuracy"],
    ),
    (["query", "analognas", "0", "-m", "ptq_accuracy", "--epoch", "12"], ["epoch 12"]),
    (["export", "analognas", "--to", "out.txt"], [".parquet or .csv", "out.txt"]),
    (["info", "analognas", "--option", "nokey"], ["KEY=VALUE", "nokey"]),
    (["info", "analognas", "--option", "colour=red"], ["'analognas'", "colour"]),
]


def _check_one_line(r, needles: list[str]) -> None:
    assert r.exit_code == 2, r.output
    text = r.output.strip()
    assert "Traceback" not in text
    assert "\n" not in text, text
    assert text.startswith("error:"), text
    for n in needles:
        assert n in text, (n, text)


@pytest.mark.parametrize(("args", "needles"), MISTAKES, ids=[" ".join(a) for a, _ in MISTAKES])
def test_user_mistakes_give_one_line_and_exit_2(args: list[str], needles: list[str]) -> None:
    _check_one_line(bench(*args), needles)


def test_missing_file_says_where_and_how(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "data.anb"
    r = bench("info", "analognas", "--path", str(missing))
    _check_one_line(r, [str(missing), "--path"])


def test_file_benchmark_without_path_is_one_line() -> None:
    if importlib.util.find_spec("benchmarks.suite_zero") is None:
        pytest.skip("benchmarks.suite_zero not written yet")
    r = bench("info", "suite-zero")
    _check_one_line(r, ["suite-zero"])
    assert "path" in r.output


def test_console_script_entry_point_and_no_torch() -> None:
    """The installed `naslab` script works from any directory, and the bench path never imports
    torch (keeps `naslab --help` fast)."""
    script = Path(sys.executable).with_name("naslab")
    if not script.exists():
        pytest.skip(f"console script not installed at {script}")
    env = dict(os.environ)
    r = subprocess.run(
        [str(script), "bench", "query", "analognas", "6111", "-m", "baseline_accuracy", "--json"],
        capture_output=True,
        text=True,
        cwd="/",
        env=env,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    row = json.loads(r.stdout)["rows"][0]
    assert row["index"] == 6111
    assert row["baseline_accuracy"] == pytest.approx(
        benchmarks.load("analognas").query(6111, "baseline_accuracy")
    )
    probe = (
        "import sys; from typer.testing import CliRunner; from naslab.cli_bench import app; "
        "r = CliRunner().invoke(app, ['query', 'analognas', '0', '--json']); "
        "assert r.exit_code == 0, r.output; print('torch' in sys.modules)"
    )
    r = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"


def test_arch_strings_with_brackets_print_literally() -> None:
    """nbgraph strings (`ops=[gat,...]`) look like rich markup; they must print verbatim."""
    if importlib.util.find_spec("benchmarks.nbgraph") is None:
        pytest.skip("benchmarks.nbgraph not written yet")
    nbgraph = benchmarks.load("nbgraph")
    s = nbgraph.space.to_str(nbgraph.archs("cora")[0])
    assert "[" in s
    r = bench("query", "nbgraph", s, "--dataset", "cora", "-m", "valid_perf")
    assert r.exit_code == 0, r.output
    assert s in r.output


def test_open_space_benchmark_info_query_and_export(tmp_path: Path) -> None:
    """A benchmark over an open space: info says it has no table, query works, export is one
    clear error (not an AttributeError)."""
    from tests.benchmarks.open_bench import registered

    with registered() as name:
        r = bench("info", name)
        assert r.exit_code == 0, r.output
        text = " ".join(r.output.split())
        assert "a surrogate: answers for any architecture of its space, no finite table" in text
        assert "surrogate: a fixed formula in naslab's tests" in text
        r = bench("query", name, "0", "-m", "acc", "--json", "-d", "toy")
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)["rows"][0]["acc"] == 40.0  # all edges none: the base value
        r = bench("export", name, "--to", str(tmp_path / "x.csv"))
        assert r.exit_code == 2 and "no table to export" in r.output
        assert not (tmp_path / "x.csv").exists()
