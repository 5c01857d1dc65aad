"""`naslab predictor train / predict / list` and the Python API twin."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import predictors
from naslab.cli import app
from naslab.cli_predictor import train_predictor

runner = CliRunner()


def test_train_then_predict(tmp_path):
    model = tmp_path / "m.pt"
    res = runner.invoke(
        app,
        ["predictor", "train", "--predictor", "xgb", "-p", "n_estimators=50", "--n", "100",
         "--out", str(model), "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert '"spearman_rho"' in res.output and model.exists()
    cell = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    res = runner.invoke(
        app, ["predictor", "predict", str(model), cell, "(1, 1, 1, 1, 1, 1)", "-f", "csv"]
    )
    assert res.exit_code == 0, res.output
    lines = res.stdout.strip().splitlines()
    assert lines[0] == "predicted,true,true rank,arch"
    good, empty = (float(line.split(",")[0]) for line in lines[1:])
    assert good > empty  # a cell of 3x3 convs beats the all-'none' cell
    res = runner.invoke(app, ["predictor", "predict", str(model), "--top", "3", "--json"])
    assert res.exit_code == 0 and res.output.count('"predicted"') == 3


def test_cli_errors(tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_text("not a model")
    res = runner.invoke(app, ["predictor", "predict", str(junk), "0"])
    assert res.exit_code == 2 and "not a naslab predictor file" in res.output
    res = runner.invoke(app, ["predictor", "train", "--predictor", "gni"])
    assert res.exit_code == 2 and "Did you mean 'gin'" in res.output
    res = runner.invoke(app, ["predictor", "train", "--n", "1"])
    assert res.exit_code == 2 and "--n must lie" in res.output
    res = runner.invoke(app, ["predictor", "list"])
    assert res.exit_code == 0 and "bananas" in res.output


def test_python_api(tmp_path):
    model, report = train_predictor("analognas", "ridge", 80, test_size=300, seed=1)
    assert report["n_train"] == 80 and report["spearman_rho"] > 0.3
    model.save(tmp_path / "r.pt")
    again = predictors.load(tmp_path / "r.pt")
    np.testing.assert_allclose(again.predict([0, 1, 2]), model.predict([0, 1, 2]))
    assert again.meta_["bench"] == "analognas"


def test_predict_top_shows_true_value_and_rank(tmp_path):
    """--top K: the model's best K by prediction, each with its true value and its true rank
    among all the benchmark's archs (checked against the benchmark itself)."""
    import json

    from naslab.correlate import load_bench

    model = tmp_path / "m.pt"
    r = runner.invoke(
        app,
        ["predictor", "train", "--predictor", "xgb", "-p", "n_estimators=20", "--n", "50",
         "--test-size", "200", "-o", str(model)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["predictor", "predict", str(model), "--top", "4", "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert [x["predicted"] for x in rows] == sorted((x["predicted"] for x in rows), reverse=True)
    b = load_bench("analognas")
    idx = b.arch_indices("cifar10")
    values = np.asarray(b.query(idx, "baseline_accuracy", "cifar10"), dtype=np.float64)
    for x in rows:
        true = float(b.query(b.space.from_index(x["index"]), "baseline_accuracy", "cifar10"))
        assert x["true"] == pytest.approx(true)
        assert x["true_rank"] == 1 + int(np.sum(values > true))
    r = runner.invoke(app, ["predictor", "predict", str(model), "--top", "2"])
    assert "true rank" in r.stdout and f"of {len(values):,}" in r.stdout


def test_train_reports_precision_and_true_rank_of_the_predicted_best(tmp_path):
    r = runner.invoke(
        app,
        ["predictor", "train", "--predictor", "xgb", "-p", "n_estimators=20", "--n", "60",
         "--test-size", "300", "--top-k", "30", "-o", str(tmp_path / "m.pt"), "--json"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)
    ho, whole = rep["held_out"], rep["benchmark_pool"]
    assert ho["n"] == 300 and ho["precision_at_top_k"]["k"] == 30
    assert 0 <= ho["precision_at_top_k"]["value"] <= 1
    assert 1 <= ho["predicted_best"]["true_rank"] <= 300
    assert whole["n"] == 15625 and whole["includes_training_archs"] is True
    from naslab.correlate import load_bench

    b = load_bench("analognas")
    values = np.asarray(b.query(b.arch_indices("cifar10"), "baseline_accuracy", "cifar10"))
    best = whole["predicted_best"]
    true = float(b.query(b.space.parse(best["arch"]), "baseline_accuracy", "cifar10"))
    assert best["true_value"] == pytest.approx(true)
    assert best["true_rank"] == 1 + int(np.sum(values > true))
    assert best["best_true_value"] == pytest.approx(float(values.max()))
    r = runner.invoke(
        app,
        ["predictor", "train", "--predictor", "xgb", "-p", "n_estimators=20", "--n", "60",
         "--test-size", "300", "-o", str(tmp_path / "m.pt"), "--format", "markdown"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "| held-out | 300 |" in r.stdout and "of 15,625 |" in r.stdout


# ---------------------------------------------------------------------------------------------
# benchmarks over open spaces: models fit on the table's Archs, predictions need no index
def test_train_and_predict_on_an_open_space_benchmark(tmp_path):
    import benchmarks
    from tests.naslab.test_correlate import KEYED, _keyed_bench

    benchmarks.register(KEYED, "test stand-in: keyed table over nb101")(_keyed_bench)
    try:
        model = tmp_path / "m.pt"
        res = runner.invoke(app, [
            "predictor", "train", "--bench", KEYED, "--predictor", "bayes_ridge", "--n", "80",
            "--out", str(model), "--json",
        ])  # fmt: skip
        assert res.exit_code == 0, res.output
        report = json.loads(res.stdout)
        assert report["n_test"] == 40 and report["spearman_rho"] > 0.8
        best = report["benchmark_pool"]["predicted_best"]
        b = benchmarks.load(KEYED)
        arch = b.space.parse(best["arch"])  # the arch string names a cell of the table
        assert float(b.query(arch, "val_accuracy", "cifar10")) == pytest.approx(best["true_value"])
        m, ops = b.space.spec(arch)  # the same cell as a (matrix, ops) pair
        res = runner.invoke(app, ["predictor", "predict", str(model), best["arch"], "--json"])
        assert res.exit_code == 0, res.output
        (row,) = json.loads(res.stdout)
        assert "index" not in row and row["arch"] == best["arch"]
        assert row["true"] == pytest.approx(best["true_value"], rel=1e-6)
        loaded = predictors.load(model)
        np.testing.assert_allclose(loaded.predict([(m, ops)]), [row["predicted"]])
        res = runner.invoke(app, ["predictor", "predict", str(model), "--top", "3"])
        assert res.exit_code == 2 and "'nb101' is open" in res.output
    finally:
        benchmarks._REGISTRY._items.pop(KEYED, None)  # test-only cleanup


@pytest.mark.parametrize(
    ("name", "min_tau"), [("zc_nasbench101.json", 0.3), ("zc_nasbench301.json", 0.2)]
)
def test_train_on_the_real_suite_zero_open_space_files(name, min_tau, tmp_path):
    from tests.conftest import shared_file

    path = shared_file("naslib-zc", name)
    res = runner.invoke(app, [
        "predictor", "train", "--bench", "suite-zero", "--path", str(path), "--predictor", "xgb",
        "--n", "100", "--out", str(tmp_path / "m.pt"), "--json",
    ])  # fmt: skip
    if res.exit_code == 2 and "not read yet" in res.output:
        pytest.skip(f"suite-zero does not read {name} in this tree: {res.output.strip()}")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["kendall_tau"] > min_tau  # real signal (chance: |tau| < 0.06)
