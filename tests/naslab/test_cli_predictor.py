"""`naslab predictor train / predict / list` and the Python API twin."""

from __future__ import annotations

import numpy as np
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
    res = runner.invoke(app, ["predictor", "predict", str(model), cell, "(1, 1, 1, 1, 1, 1)"])
    assert res.exit_code == 0, res.output
    lines = res.output.strip().splitlines()
    good, empty = (float(line.split()[0]) for line in lines)
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
