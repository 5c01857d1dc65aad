from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from naslab.cli import app
from naslab.correlate_proxies import correlate, scores_benchmark

runner = CliRunner()


def _score(tmp_path, *extra):
    out = tmp_path / "s.parquet"
    r = runner.invoke(
        app,
        [
            "zerocost",
            "score",
            "--archs",
            "6",
            "--proxies",
            "params,synflow,ntk",
            "--batch-size",
            "8",
            "--out",
            str(out),
            "--json",
            *extra,
        ],
    )
    return r, out


def test_score_then_load_as_benchmark_and_correlate(tmp_path):
    r, out = _score(tmp_path)
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output)
    assert summary["archs"] == 6 and set(summary["proxies"]) == {"params", "synflow", "ntk"}
    df = pd.read_parquet(out)
    assert {"index", "params", "synflow", "ntk", "status", "ntk_seconds"} <= set(df.columns)
    bench = scores_benchmark(out)
    arch = bench.space.from_index(int(df["index"].iloc[0]))
    assert bench.query(arch, "params", "cifar10") == np.float32(df["params"].iloc[0])
    r2 = runner.invoke(
        app,
        [
            "correlate",
            "proxies",
            "--scores",
            str(out),
            "--bench",
            "analognas",
            "--resamples",
            "50",
            "--out",
            str(tmp_path / "c"),
            "--json",
        ],
    )
    assert r2.exit_code == 0, r2.output
    rows = json.loads(r2.output)["rows"]
    assert {row["proxy"] for row in rows} == {"params", "synflow", "ntk"}
    assert (tmp_path / "c" / "spearman.png").stat().st_size > 1000


def test_bad_input_is_one_clear_line(tmp_path):
    cases = [
        (["--proxies", "synflo"], "Did you mean 'synflow'"),
        (["--space", "nbgraph"], "nb201"),
        (["--data", f"cifar10:{tmp_path}/missing"], "not found"),
        (["--data", f"cifar10:{tmp_path}"], "not a cifar10 directory"),
        (["--data", "mnist"], "valid: digits"),
    ]
    for args, msg in cases:
        r = runner.invoke(app, ["zerocost", "score", "--out", str(tmp_path / "x.parquet"), *args])
        assert r.exit_code == 2, (args, r.output)
        assert msg in r.output and "Traceback" not in r.output, r.output
    x = np.zeros((4, 3, 30, 30), dtype=np.uint8)
    np.savez(tmp_path / "odd.npz", x=x, y=np.arange(4))
    r = runner.invoke(
        app,
        [
            "zerocost",
            "score",
            "--batch-size",
            "2",
            "--data",
            f"npz:{tmp_path / 'odd.npz'}",
            "--out",
            str(tmp_path / "x.parquet"),
        ],
    )
    assert r.exit_code == 2 and "multiple of 4" in r.output


def test_list_and_correlate_function():
    r = runner.invoke(app, ["zerocost", "list", "--json"])
    assert r.exit_code == 0 and "naswot" in {p["name"] for p in json.loads(r.output)}
    rng = np.random.default_rng(0)
    truth = rng.normal(size=100)
    df = pd.DataFrame(
        {"good": truth + 0.1 * rng.normal(size=100), "bad": rng.normal(size=100), "lower": -truth}
    )
    df.loc[3, "bad"] = np.inf
    t = correlate(
        df, truth, ["good", "bad", "lower"], n_resamples=100, orient={"lower": False}
    ).set_index("proxy")
    assert t.loc["good", "spearman"] > 0.9 and abs(t.loc["bad", "spearman"]) < 0.3
    assert t.loc["lower", "spearman"] == pytest.approx(1.0) and t.loc["bad", "n_dropped"] == 1
    assert t.loc["good", "spearman_lo"] <= t.loc["good", "spearman"] <= t.loc["good", "spearman_hi"]


def test_benchmark_frame_logs_values_beyond_float32():
    from naslab.correlate_proxies import benchmark_frame

    df = pd.DataFrame(
        {
            "index": [1, 2, 3],
            "ops": ["a"] * 3,
            "status": ["ok"] * 3,
            "synflow": [1e50, 1e10, 0.0],
            "naswot": [1.0, np.nan, np.inf],
            "naswot_seconds": [0.1] * 3,
        }
    )
    frame, names = benchmark_frame(df)
    assert set(names) == {"log_synflow", "naswot"}
    assert frame["log_synflow"].iloc[0] == pytest.approx(np.log(1e50))
    assert np.isnan(frame["log_synflow"].iloc[2]) and np.isnan(frame["naswot"].iloc[2])
