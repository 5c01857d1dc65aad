"""Numbers a study cannot use are one clear `error:` line and exit code 2, before any work."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from nas_core.errors import InvalidInputError
from naslab.cli import app

runner = CliRunner()


def _run(tmp_path, *args):
    r = runner.invoke(app, list(args))
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    return r


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base-seed", "-1"], "base seed must be >= 0, got -1"),
        (["--time-budget", "0.5"], "smaller than the cheapest query on 'analognas' (1 s)"),
        (["--time-budget", "0"], "time budget must be a positive number"),
        (["--time-budget", "nan"], "time budget must be a positive number"),
        (["--seeds", "0"], "seeds must be >= 1"),
        (["--budget", "0"], "budget must be a positive number of queries"),
    ],
)
def test_compare(tmp_path, args, message):
    out = tmp_path / "c"
    r = _run(
        tmp_path, "compare", "-s", "rs", "--seeds", "1", "--budget", "5", "--out", str(out), *args
    )
    assert r.exit_code == 2 and message in r.output, r.output
    assert not (out / "report.md").exists()


def test_compare_time_budget_at_the_cheapest_query_runs(tmp_path):
    r = _run(
        tmp_path, "compare", "-s", "rs", "--seeds", "1", "--budget", "3",
        "--time-budget", "1", "-w", "1", "--out", str(tmp_path / "c"), "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seed", "-1"], "--seed must be >= 0, got -1"),
        (["--test-size", "-1"], "--test-size must be >= 0, got -1"),
        (["--trials", "0"], "--trials must be >= 1, got 0"),
        (["--threads", "-1"], "--threads must be >= 0, got -1"),
    ],
)
def test_correlate_predictors(tmp_path, args, message):
    r = _run(
        tmp_path, "correlate", "predictors", "--predictors", "xgb", "--train-sizes", "20",
        "--out", str(tmp_path / "p"), *args,
    )  # fmt: skip
    assert r.exit_code == 2 and message in r.output, r.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--resamples", "0"], "--resamples must be >= 1, got 0"),
        (["--seed", "-4"], "--seed must be >= 0, got -4"),
    ],
)
def test_correlate_scores(tmp_path, args, message):
    # The numbers are checked before the data file is even looked for.
    r = _run(
        tmp_path, "correlate", "scores", "--path", str(tmp_path / "none.json"),
        "--out", str(tmp_path / "s"), *args,
    )  # fmt: skip
    assert r.exit_code == 2 and message in r.output, r.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seed", "-1"], "--seed must be >= 0, got -1"),
        (["--test-size", "0"], "--test-size must be >= 2, got 0"),
    ],
)
def test_predictor_train(tmp_path, args, message):
    out = tmp_path / "m.pt"
    r = _run(
        tmp_path, "predictor", "train", "--predictor", "xgb", "--n", "20", "--out", str(out), *args
    )
    assert r.exit_code == 2 and message in r.output, r.output
    assert not out.exists()


def test_validators():
    from naslab.validate import check_int, check_seed, check_top_k, min_query_cost

    assert check_top_k(0.1, 5) == 0.1 and check_top_k(4, 5) == 4.0
    for bad in (5, 6, 2.5, 0, -1, float("inf"), "x"):
        with pytest.raises(InvalidInputError):
            check_top_k(bad, 5)
    for bad in (-1, 1.0, True, "3"):
        with pytest.raises(InvalidInputError):
            check_seed(bad)
    assert check_int(3, "x", 1) == 3
    assert min_query_cost(object(), None) is None  # no table: the cost is unknown


@pytest.mark.parametrize(
    "arch", ["(2.9, 2, 0, 2, 2, 3)", "(0, 0, 0, 0, 0, 7)", "(0, 0, 0, 0, 0, -1)", "-1", "15625"]
)
def test_bench_query_refuses_archs_it_cannot_read_exactly(tmp_path, arch):
    r = _run(tmp_path, "bench", "query", "analognas", "--", arch)
    assert r.exit_code == 2 and "error: nb201" in r.output, r.output


def test_bench_query_reads_integral_floats_exactly(tmp_path):
    import json

    r = _run(tmp_path, "bench", "query", "analognas", "(2.0, 2, 0, 2, 2, 3)", "--json")
    assert r.exit_code == 0, r.output
    assert (
        json.loads(r.stdout)["rows"][0]["index"] == 7563
    )  # base 5: 223 * 5**3 ... = (2,2,0,2,2,3)


def test_predictor_train_out_must_be_a_file(tmp_path):
    r = _run(
        tmp_path, "predictor", "train", "--predictor", "xgb", "--n", "20", "--out", str(tmp_path)
    )
    assert r.exit_code == 2 and "--out must name a model file" in r.output, r.output
