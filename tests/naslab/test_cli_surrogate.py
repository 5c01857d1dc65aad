"""`naslab surrogate fit|audit|info` through typer's CliRunner on the embedded analognas table, the
surrogate lines of `bench info`, `bench query --seed`, and one clear line (exit 2, no traceback)
for every bad input the issue names."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import benchmarks
from benchmarks.surrogate import MANIFEST
from naslab.cli import app

pytest.importorskip("predictors")

runner = CliRunner()
METRIC = "baseline_accuracy"
FAST = ["--no-trajectories", "--resamples", "20"]
FIT = ["surrogate", "fit", "-m", METRIC, "--model", "xgb", "-p", "n_estimators=20"]


def invoke(*args: str):
    return runner.invoke(app, list(args))


def error_line(r) -> str:
    """The one `error:` line of a refused command (exit 2, no traceback)."""
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error:")]
    assert len(errors) == 1, r.output
    return errors[0]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "xgb"
    r = invoke(*FIT, "--train-size", "60", "--seed", "2", "--out", str(out), *FAST)
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture(scope="module")
def rf_plain(tmp_path_factory) -> Path:
    """An rf surrogate (it has a predictive spread), not audited."""
    out = tmp_path_factory.mktemp("cli") / "rf"
    r = invoke("surrogate", "fit", "-m", METRIC, "--model", "rf", "-p", "n_estimators=10",
               "--train-size", "50", "--out", str(out), "--no-audit")  # fmt: skip
    assert r.exit_code == 0, r.output
    return out


def test_fit_saves_records_and_audits(fitted: Path) -> None:
    man = json.loads((fitted / MANIFEST).read_text())
    src = man["source"]
    assert src["bench_spec"] == [{"name": "analognas"}]
    assert src["model_spec"] == {"predictor": "xgb", "params": {"n_estimators": 20, "seed": 2}}
    assert src["n_train"] == 60 and src["train_seed"] == 2 and src["metrics"] == [METRIC]
    assert man["audit"]["n_test"] == 15625 - 60
    assert {"audit.md", "audit.json", "audit_scatter.png"} <= {p.name for p in fitted.iterdir()}
    bench = benchmarks.load("surrogate", path=str(fitted))
    assert bench.model(METRIC).get_params()["n_estimators"] == 20


def test_audit_reruns_with_the_same_numbers(fitted: Path, tmp_path: Path) -> None:
    fitted = _copy(fitted, tmp_path)  # an audit rewrites the manifest's headline
    first = json.loads((fitted / "audit.json").read_text())
    out = tmp_path / "again"
    # fit's --seed also seeded its audit's bootstrap and OOD draws
    r = invoke("surrogate", "audit", str(fitted), "--out", str(out), "--json", "--seed", "2", *FAST)
    assert r.exit_code == 0, r.output
    again = json.loads(r.stdout)
    assert [s["quality"] for s in again["splits"]] == [s["quality"] for s in first["splits"]]
    assert (out / "audit.md").is_file()
    r = invoke("surrogate", "audit", str(fitted), "--ood", "none", "--out", str(out), *FAST)
    assert r.exit_code == 0, r.output
    assert "random" in r.stdout and "region" not in r.stdout


def test_info_and_bench_info_show_the_source_and_the_audit(fitted: Path, rf_plain) -> None:
    r = invoke("surrogate", "info", str(fitted))
    assert r.exit_code == 0, r.output
    for text in ("source: analognas", "predictor xgb", "audit: baseline_accuracy on 15,565",
                 "audit OOD τ: top"):  # fmt: skip
        assert text in r.stdout, text
    r = invoke("bench", "info", "surrogate", "--path", str(fitted))
    assert r.exit_code == 0, r.output
    assert "reload source" in r.stdout and "τ" in r.stdout
    r = invoke("bench", "info", "surrogate", "--path", str(rf_plain))
    assert r.exit_code == 0, r.output
    assert "not audited" in r.stdout
    r = invoke("bench", "info", "surrogate", "--path", str(fitted), "--json")
    assert json.loads(r.stdout)["surrogate"]["audit"]["n_train"] == 60


def test_bench_query_seed(rf_plain: Path, fitted: Path) -> None:
    arch = "0"
    args = ["bench", "query", "surrogate", arch, "--path", str(rf_plain), "--json"]
    mean = json.loads(invoke(*args).stdout)["rows"][0][METRIC]
    d1 = json.loads(invoke(*args, "--seed", "1").stdout)["rows"][0][METRIC]
    assert d1 == json.loads(invoke(*args, "--seed", "1").stdout)["rows"][0][METRIC]
    bench = benchmarks.load("surrogate", path=str(rf_plain))
    assert d1 == pytest.approx(bench.query(0, METRIC, seed=1), rel=1e-6) and d1 != mean
    line = error_line(invoke("bench", "query", "surrogate", arch, "--path", str(fitted),
                             "--seed", "1"))  # fmt: skip
    assert "no predictive uncertainty" in line
    line = error_line(invoke("bench", "query", "analognas", arch, "-m", METRIC, "--seed", "1"))
    assert "no per-seed value for seed 1" in line


# --- bad input: one clear line each ------------------------------------------------------------
def test_source_without_the_metric(tmp_path: Path) -> None:
    line = error_line(invoke(*FIT[:2], "-m", "no_such", "--out", str(tmp_path / "x"), *FAST))
    assert "no_such" in line and METRIC in line
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("size, text", [("20000", r"train_size must be in 1..15625"),
                                        ("0", "--train-size must be >= 1"),
                                        ("-5", "--train-size must be >= 1")])  # fmt: skip
def test_train_size_out_of_range(tmp_path: Path, size: str, text: str) -> None:
    line = error_line(invoke(*FIT, "--train-size", size, "--out", str(tmp_path / "x"), *FAST))
    assert text in line


def test_unknown_model_and_bad_params(tmp_path: Path) -> None:
    out = str(tmp_path / "x")
    line = error_line(invoke(*FIT[:2], "--model", "xgbb", "--out", out, *FAST))
    assert "unknown predictor 'xgbb'" in line and "lgb" in line and "ensemble" in line
    for bad, text in [("n_estimators=abc", "n_estimators must be an integer"),
                      ("nope=1", "has no parameter(s) nope"),
                      ("n_estimators", "KEY=VALUE"),
                      ("learning_rate=NaN", "not a plain number"),
                  ("learning_rate=nan", "learning_rate must be a number")]:  # fmt: skip
        line = error_line(invoke(*FIT[:2], "--model", "xgb", "-p", bad, "--out", out, *FAST))
        assert text in line, (bad, line)
    assert not Path(out).exists()


def test_out_must_be_new_or_empty(fitted: Path, tmp_path: Path) -> None:
    before = sorted(p.name for p in fitted.iterdir())
    line = error_line(invoke(*FIT, "--train-size", "20", "--out", str(fitted), *FAST))
    assert "new or empty folder" in line
    assert sorted(p.name for p in fitted.iterdir()) == before
    empty = tmp_path / "empty"
    empty.mkdir()
    r = invoke(*FIT, "--train-size", "20", "--out", str(empty), "--no-audit")
    assert r.exit_code == 0, r.output


def _copy(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / "copy"))


def test_tampered_and_missing_model_files(fitted: Path, tmp_path: Path) -> None:
    folder = _copy(fitted, tmp_path)
    model = next(p for p in folder.rglob("*") if p.is_file() and p.parent != folder)
    model.write_bytes(model.read_bytes() + b"\0")
    for cmd in (("surrogate", "audit", str(folder), *FAST), ("surrogate", "info", str(folder))):
        assert "does not match its checksum" in error_line(invoke(*cmd))
    model.unlink()
    assert "is missing" in error_line(invoke("surrogate", "audit", str(folder), *FAST))


def test_audit_against_another_source(fitted: Path, tmp_path: Path) -> None:
    line = error_line(invoke("surrogate", "audit", str(fitted), "--bench", "nbgraph", *FAST))
    assert "space 'nbgraph'" in line and "space 'nb201'" in line
    from nas_core import spaces

    sp = spaces.get("nb201")
    table = tmp_path / "t.csv"
    archs = sp.archs_at(np.arange(0, 15625, 300))
    table.write_text("cell,baseline_accuracy\n" + "".join(f"{sp.to_str(a)},{80 + i * 0.1}\n"
                                                          for i, a in enumerate(archs)))  # fmt: skip
    line = error_line(invoke("surrogate", "audit", str(fitted), "-b", "table", "--path",
                             str(table), "--option", "space=nb201", "--option",
                             "arch_column=cell", "--option",
                             "columns=baseline_accuracy=cifar10/baseline_accuracy", *FAST))  # fmt: skip
    assert "is not the one surrogate" in line and "'analognas'" in line and "sha256" in line
    line = error_line(invoke("surrogate", "audit", str(fitted), "--path", str(table), *FAST))
    assert "give --bench too" in line


def test_query_a_metric_not_fitted(fitted: Path) -> None:
    line = error_line(invoke("bench", "query", "surrogate", "0", "--path", str(fitted), "-m",
                             "analog_accuracy"))  # fmt: skip
    assert "analog_accuracy" in line and f"Valid: {METRIC}" in line
    line = error_line(invoke("surrogate", "audit", str(fitted), "-m", "analog_accuracy", *FAST))
    assert "not fitted on metric 'analog_accuracy'" in line


def test_bad_audit_options(fitted: Path) -> None:
    for args, text in [(("--ood", "left"), "valid splits are top, region"),
                       (("--region", "conv>=3"), "SPACE:OP>=K"),
                       (("--region", "nb201:conv>=3"), "unknown op 'conv'"),
                       (("--resamples", "0"), "--resamples must be >= 1"),
                       (("--figures", "gif"), "unknown figure format"),
                       (("--trajectories", "-s", "rs,nope"), "unknown searcher 'nope'"),
                       (("--trajectories", "--traj-seeds", "0"), "--traj-seeds must be >= 1")]:  # fmt: skip
        rest = [a for a in FAST if a != "--no-trajectories"] if "--trajectories" in args else FAST
        line = error_line(invoke("surrogate", "audit", str(fitted), *rest, *args))
        assert text in line, (args, line)


def test_cli_trajectory_defaults_match_the_module() -> None:
    from naslab import cli_surrogate, surrogate_trajectory

    assert cli_surrogate.DEFAULT_TRAJ_SEEDS == surrogate_trajectory.DEFAULT_SEEDS
    assert cli_surrogate.DEFAULT_TRAJ_BUDGET == surrogate_trajectory.DEFAULT_BUDGET
    assert ",".join(surrogate_trajectory.DEFAULT_SEARCHERS) == cli_surrogate.DEFAULT_SEARCHERS


def test_the_source_file_is_hashed_wherever_the_table_was_first_converted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A converted table's cache names the file as first given (here relative to another
    folder); fit records the file given on its own command line, so the audit can check it."""
    import hashlib

    from nas_core import spaces

    sp = spaces.get("nb201")
    first = tmp_path / "first"
    first.mkdir()
    table = first / "t.csv"
    archs = sp.archs_at(np.arange(0, 15625, 200))
    table.write_text("cell,acc\n" + "".join(f"{sp.to_str(a)},{80 + i * 0.1}\n"
                                            for i, a in enumerate(archs)))  # fmt: skip
    opts = ["--option", "space=nb201", "--option", "arch_column=cell", "--option",
            "columns=acc=cifar10/acc"]  # fmt: skip
    monkeypatch.chdir(first)
    benchmarks.load("table", path="t.csv", space="nb201", arch_column="cell",
                    columns="acc=cifar10/acc")  # fmt: skip
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "s"
    r = invoke("surrogate", "fit", "-b", "table", "--path", str(table), *opts, "-m", "acc",
               "--model", "ridge", "--train-size", "30", "--out", str(out), *FAST,
               "--ood", "none")  # fmt: skip
    assert r.exit_code == 0, r.output
    src = json.loads((out / MANIFEST).read_text())["source"]
    assert src["file_sha256"] == hashlib.sha256(table.read_bytes()).hexdigest()
    assert src["bench_spec"][0]["path"] == str(table.resolve())
    table.write_text(table.read_text().replace(",80.0", ",81.0"))  # the data changed since
    line = error_line(invoke("surrogate", "audit", str(out), *FAST))
    assert "is not the one surrogate" in line


def test_fit_calibrates_the_noise_of_a_model_with_a_spread_by_default(rf_plain: Path) -> None:
    """rf has a predictive spread: fit scales it by 5-fold CV unless --calibrate-noise 0."""
    man = json.loads((rf_plain / MANIFEST).read_text())
    assert man["source"]["noise_calibration"][METRIC]["folds"] == 5
    (entry,) = man["datasets"].values()
    assert entry["metrics"][METRIC]["noise_scale"] > 0


def test_fit_calibrate_noise_options(tmp_path: Path) -> None:
    base = ["surrogate", "fit", "-m", METRIC, "--train-size", "40", "--no-audit"]
    r = invoke(*base, "--model", "rf", "-p", "n_estimators=5", "--calibrate-noise", "0",
               "--out", str(tmp_path / "off"))  # fmt: skip
    assert r.exit_code == 0, r.output
    assert (
        "noise_calibration" not in json.loads((tmp_path / "off" / MANIFEST).read_text())["source"]
    )
    line = error_line(invoke(*base, "--model", "rf", "--calibrate-noise", "1",
                             "--out", str(tmp_path / "one")))  # fmt: skip
    assert "--calibrate-noise must be >= 2" in line
    line = error_line(invoke(*base, "--model", "xgb", "--calibrate-noise", "3",
                             "--out", str(tmp_path / "xgb")))  # fmt: skip
    assert "needs a model with a predictive spread" in line
