"""Every `list` command: human table, `--json`, a glob pattern, `--long`; `info` commands; and bad
component parameters given on the command line as one clear line (exit 2, no traceback)."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

import benchmarks
import predictors
import searchers
import zerocost
from nas_core import spaces
from naslab.cli import app

runner = CliRunner()

LISTS = {
    "bench": benchmarks.list,
    "searcher": searchers.list,
    "predictor": predictors.list,
    "zerocost": zerocost.list,
    "space": spaces.list,
}


def run(*args: str):
    return runner.invoke(app, list(args))


@pytest.mark.parametrize("group", list(LISTS))
def test_every_list_command_prints_json(group):
    r = run(group, "list", "--json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert [row["name"] for row in rows] == LISTS[group]()
    for row in rows:
        assert row["summary"] and isinstance(row["params"], list)
        for p in row["params"]:
            assert {"name", "type", "default", "required", "description", "valid"} <= set(p)


@pytest.mark.parametrize("group", list(LISTS))
def test_every_list_command_takes_a_pattern(group):
    first = LISTS[group]()[0]
    r = run(group, "list", first[:2] + "*", "--json")
    assert r.exit_code == 0, r.output
    names = [row["name"] for row in json.loads(r.stdout)]
    assert first in names and all(n.startswith(first[:2]) for n in names)
    r = run(group, "list", "no-such-thing-*", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout) == []


def test_searcher_list_shows_parameters_and_defaults():
    r = runner.invoke(app, ["searcher", "list"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "population_size=10" in r.output and "nsga2" in r.output and "multi" in r.output
    rows = {row["name"]: row for row in json.loads(run("searcher", "list", "--json").stdout)}
    re_params = {p["name"]: p for p in rows["re"]["params"]}
    assert re_params["population_size"]["default"] == 10
    assert re_params["population_size"]["description"]
    assert rows["nsga2"]["multi_objective"] is True and rows["re"]["multi_objective"] is False


def test_predictor_list_shows_parameters_defaults_and_descriptions():
    r = runner.invoke(app, ["predictor", "list"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "n_estimators=500" in r.output and "bananas" in r.output
    r = runner.invoke(app, ["predictor", "list", "xgb", "--long"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "boosting rounds" in r.output and "an integer in [1, 100000]" in r.output
    rows = {row["name"]: row for row in json.loads(run("predictor", "list", "--json").stdout)}
    xgb = {p["name"]: p for p in rows["xgb"]["params"]}
    assert xgb["n_estimators"]["default"] == 500 and xgb["n_estimators"]["le"] == 100_000
    assert xgb["encoding"]["choices"] == ["onehot", "adjacency", "path", "none"]
    assert rows["gp"]["has_uncertainty"] is True and rows["xgb"]["has_uncertainty"] is False


def test_info_commands():
    r = run("searcher", "info", "tpe", "--json")
    assert r.exit_code == 0, r.output
    (row,) = json.loads(r.stdout)
    assert row["name"] == "tpe"
    assert {"n_startup_trials", "engine"} <= {p["name"] for p in row["params"]}
    r = runner.invoke(app, ["predictor", "info", "gin"], env={"COLUMNS": "200"})
    assert r.exit_code == 0 and "hidden units per layer" in r.output
    r = run("searcher", "info", "rea")
    assert r.exit_code == 2 and "Did you mean 're'" in r.output


def test_bench_list_shows_loader_options():
    rows = {row["name"]: row for row in json.loads(run("bench", "list", "--json").stdout)}
    nb201 = {p["name"]: p for p in rows["nb201"]["params"]}
    assert nb201["schedule"]["choices"] == [12, 200] and rows["nb201"]["embedded"] is False


def _one_line(r, *needles: str) -> None:
    assert r.exit_code == 2, r.output
    text = r.output.strip()
    assert "Traceback" not in text and "\n" not in text, text
    assert text.startswith("error:"), text
    for n in needles:
        assert n in text, (n, text)


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["predictor", "train", "--predictor", "xgb", "-p", "learning_rate=abc"],
         ["learning_rate", "'abc'", "(0, 1]"]),
        (["predictor", "train", "-p", "hidden=0"], ["hidden", "got 0", "[1, 4096]"]),
        (["predictor", "train", "-p", "depth=3"], ["no parameter", "depth", "hidden=64"]),
        (["predictor", "train", "--predictor", "xgb", "-p", "encoding=onehott"],
         ["encoding", "onehott", "Did you mean 'onehot'"]),
        (["correlate", "predictors", "--predictors", "xgb[n_estimators=-5]"],
         ["n_estimators", "-5", "[1, 100000]"]),
        (["bench", "info", "analognas", "--option", "pth=x"],
         ["'analognas'", "no option(s) pth", "did you mean 'path'"]),
    ],
)  # fmt: skip
def test_bad_parameters_on_the_command_line(args, needles, tmp_path):
    if args[:2] == ["correlate", "predictors"]:
        args = [*args, "--out", str(tmp_path / "study")]
    _one_line(run(*args), *needles)
    study = tmp_path / "study"
    assert not (study / "results").exists() and not (study / "config.json").exists()


def test_predict_refuses_a_model_file_edited_out_of_bounds(tmp_path):
    path = predictors.create("xgb", n_estimators=5).fit(list(range(0, 600, 20)), range(30))
    path = path.save(tmp_path / "m.pt")
    payload = torch.load(path, weights_only=True)
    params = json.loads(payload["params"])
    params["n_estimators"] = 10**7
    payload["params"] = json.dumps(params)
    torch.save(payload, path)
    _one_line(run("predictor", "predict", str(path), "0"), "m.pt", "n_estimators", "10000000")
