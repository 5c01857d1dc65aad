from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from naslab.cli import app
from naslab.correlate_proxies import correlate, scores_benchmark
from tests.conftest import shared_file

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
    summary = json.loads(r.stdout)
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
    rows = json.loads(r2.stdout)["rows"]
    assert {row["proxy"] for row in rows} == {"params", "synflow", "ntk"}
    assert (tmp_path / "c" / "spearman.png").stat().st_size > 1000


def test_bad_input_is_one_clear_line(tmp_path):
    cases = [
        (["--proxies", "synflo"], "Did you mean 'synflow'"),
        (["--space", "nbgraph"], "spaces with one: "),
        (["--space", "tnb101-micro"], "Taskonomy images, which naslab does not build"),
        (["--space", "nb201", "--option", "C=4", "--option", "M=2"], "valid: C=16, N=5"),
        (["--space", "nb201", "--option", "C"], "--option must look like KEY=VALUE"),
        (["--space", "darts", "--archs", "all"], "'darts' is open"),
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
    assert r.exit_code == 0 and "naswot" in {p["name"] for p in json.loads(r.stdout)}
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


def _scores_file(tmp_path, space="nb201", n=40, **extra_cols):
    """A scores table as `zerocost score` writes it (index, ops, proxy columns), made by hand."""
    from nas_core import spaces

    sp = spaces.get(space)
    idx = np.sort(np.random.default_rng(0).choice(sp.size, n, replace=False))
    archs = sp.archs_at(idx)
    df = pd.DataFrame(
        {
            "index": idx,
            "ops": [",".join(map(str, a.ops)) for a in archs],
            "status": ["ok"] * n,
            "synflow": np.linspace(0, 1, n),
            "synflow_seconds": [0.01] * n,
            **extra_cols,
        }
    )
    p = tmp_path / f"{space}.parquet"
    df.to_parquet(p, index=False)
    return p


def _proxies(tmp_path, scores, *args):
    return runner.invoke(
        app,
        ["correlate", "proxies", "--scores", str(scores), "--resamples", "20"]
        + ["--out", str(tmp_path / "out"), *args],
    )


def test_scores_of_another_space_are_refused(tmp_path):
    pytest.importorskip("nas_bench_graph", reason="the nbgraph benchmark needs nas-bench-graph")
    scores = _scores_file(tmp_path)
    r = _proxies(tmp_path, scores, "--bench", "nbgraph", "--dataset", "cora")
    assert r.exit_code == 2, r.output
    assert "space 'nb201'" in r.output and "space 'nbgraph'" in r.output
    assert "Spearman" not in r.output and "Traceback" not in r.output
    assert not (tmp_path / "out" / "correlations.csv").exists()
    # and the other way round: nbgraph scores against an nb201 benchmark
    r = _proxies(tmp_path, _scores_file(tmp_path, "nbgraph"), "--bench", "analognas")
    assert r.exit_code == 2 and "space 'nbgraph'" in r.output and "'nb201'" in r.output, r.output


def test_scores_whose_ops_do_not_match_their_index_are_refused(tmp_path):
    scores = _scores_file(tmp_path)
    df = pd.read_parquet(scores)
    df["index"] = df["index"][::-1].to_numpy()  # ops and index disagree: not this space's numbering
    df.to_parquet(scores, index=False)
    r = _proxies(tmp_path, scores, "--bench", "analognas")
    assert r.exit_code == 2 and "are not architectures of space 'nb201'" in r.output, r.output


def test_scores_of_the_same_space_correlate(tmp_path):
    r = _proxies(tmp_path, _scores_file(tmp_path), "--bench", "analognas", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["archs"] == 40


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--top-k", "40"], "not smaller than the sample (40 architectures)"),
        (["--top-k", "1.5"], "must be whole"),
        (["--top-k", "0"], "--top-k must be a fraction"),
        (["--top-k", "nan"], "--top-k must be a fraction"),
        (["--resamples", "0"], "--resamples must be >= 1, got 0"),
        (["--seed", "-1"], "--seed must be >= 0, got -1"),
    ],
)
def test_proxies_bad_numbers_are_one_clear_line(tmp_path, args, message):
    r = _proxies(tmp_path, _scores_file(tmp_path), "--bench", "analognas", *args)
    assert r.exit_code == 2, r.output
    assert message in r.output and "Traceback" not in r.output


def test_correlate_function_refuses_bad_numbers():
    from nas_core.errors import InvalidInputError

    df = pd.DataFrame({"p": np.arange(10.0)})
    truth = np.arange(10.0)
    for kw, msg in (
        ({"top_k": 10}, "not smaller than the sample"),
        ({"n_resamples": 0}, "n_resamples must be >= 1"),
        ({"seed": -3}, "seed must be >= 0"),
    ):
        with pytest.raises(InvalidInputError, match=msg):
            correlate(df, truth, ["p"], **kw)
    assert correlate(df, truth, ["p"], top_k=3, n_resamples=10)["p@top3"].iloc[0] == 1.0


def test_garbled_scores_file_is_a_format_error(tmp_path):
    scores = _scores_file(tmp_path)
    df = pd.read_parquet(scores)
    df.loc[3, "ops"] = "2,x,0"
    df.to_parquet(scores, index=False)
    r = _proxies(tmp_path, scores, "--bench", "analognas")
    assert r.exit_code == 2 and "row 3 of column 'ops'" in r.output, r.output
    df["index"] = df["index"].astype(float) + 0.5
    df.to_parquet(scores, index=False)
    r = _proxies(tmp_path, scores, "--bench", "analognas")
    assert r.exit_code == 2 and "integer indices" in r.output, r.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--chunk-size", "0"], "--chunk-size must be >= 1, got 0"),
        (["--seed", "-1"], "--seed must be >= 0, got -1"),
        (["--workers", "0"], "--workers must be >= 1, got 0"),
        (["--threads", "-2"], "--threads must be >= 0, got -2"),
    ],
)
def test_score_bad_numbers_are_one_clear_line(tmp_path, args, message):
    out = tmp_path / "x.parquet"
    r = runner.invoke(app, ["zerocost", "score", "--archs", "3", "--out", str(out), *args])
    assert r.exit_code == 2, r.output
    assert message in r.output and "Traceback" not in r.output
    assert not out.exists()


def test_a_space_column_names_the_scores_space(tmp_path):
    from naslab.correlate_proxies import scores_space

    scores = _scores_file(tmp_path)
    df = pd.read_parquet(scores)
    assert scores_space(df, scores, ["nbgraph", "nb201"]) == "nb201"  # from ops + index
    df["space"] = "nbgraph"  # the column wins over the ops
    assert scores_space(df, scores, ["nb201"]) == "nbgraph"
    df.to_parquet(scores, index=False)
    r = _proxies(tmp_path, scores, "--bench", "analognas")
    assert r.exit_code == 2 and "holds scores of space 'nbgraph'" in r.output, r.output
    df["space"] = ["nb201"] * 20 + [None] * 20  # rows written before the column: read by ops
    df.to_parquet(scores, index=False)
    r = _proxies(tmp_path, scores, "--bench", "analognas", "--json")
    assert r.exit_code == 0, r.output
    assert [row["proxy"] for row in json.loads(r.stdout)["rows"]] == ["synflow"]
    df["space"] = ["nb201", "nbgraph"] * 20
    from nas_core.errors import DataFormatError

    with pytest.raises(DataFormatError, match="mixes architectures of spaces nb201, nbgraph"):
        scores_space(df, scores, ["nb201"])


def test_proxies_grammar_format_scatter_and_deprecated_aliases(tmp_path):
    scores = _scores_file(tmp_path)
    r = _proxies(tmp_path, scores, "-b", "analognas", "-d", "cifar10", "-f", "latex")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("% nb201.parquet vs analognas/cifar10/baseline_accuracy")
    assert "95% bootstrap over architectures" in r.stdout.splitlines()[0]
    assert "\\begin{tabular}{lrrrr}" in r.stdout and "synflow" in r.stdout
    assert (tmp_path / "out" / "scatter.png").stat().st_size > 0
    # the old --bench-path/--preset still work, with a warning naming the new spelling
    table = shared_file("nb201-latency", "nb201_latency_ms_27_devices.csv")
    r = _proxies(
        tmp_path, scores, "-b", "table", "--bench-path", str(table), "--preset", "nb201-latency",
        "-m", "latency_pixel3", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "use --path FILE and --option preset=NAME" in r.stderr
    new = _proxies(
        tmp_path, scores, "-b", "table", "--path", str(table), "--option", "preset=nb201-latency",
        "-m", "latency_pixel3", "--json",
    )  # fmt: skip
    assert new.exit_code == 0, new.output
    assert json.loads(new.stdout)["rows"] == json.loads(r.stdout)["rows"]
    assert json.loads(new.stdout)["benchmark"][0]["preset"] == "nb201-latency"


def _run(tmp_path, *args, out="s.parquet"):
    return runner.invoke(app, ["zerocost", "score", "--out", str(tmp_path / out), *args])


def test_score_on_an_open_space_with_a_real_builder(tmp_path):
    """darts (open, no index) at a small size: rows keyed by the canonical string, the size
    options reach the builder and are reported, and a proxy whose hook the DARTS network lacks
    is refused before any work."""
    from nas_core import spaces
    from nas_core.networks import build, spaces_with_networks

    if "darts" not in spaces_with_networks():
        pytest.skip("no darts network builder registered")
    sp = spaces.get("darts")
    archs = sp.sample(np.random.default_rng(5), 3)
    f = tmp_path / "archs.txt"
    # one architecture twice (compact and Genotype spelling): scored once
    f.write_text("\n".join([sp.to_str(archs[0]), sp.to_genotype(archs[1]), sp.to_str(archs[2])])
                 + "\n" + sp.to_genotype(archs[0]) + "\n")  # fmt: skip
    small = ["--option", "C=4", "--option", "layers=2", "--batch-size", "8"]
    r = _run(tmp_path, "--space", "darts", "--archs", str(f), "--proxies", "params,flops", *small,
             "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["space"] == "darts" and summary["archs"] == 3
    assert summary["duplicates_merged"] == 1
    assert summary["network"] == {"C": 4, "layers": 2, "style": "naslib"}
    df = pd.read_parquet(tmp_path / "s.parquet")
    assert "index" not in df.columns
    assert df["arch"].tolist() == [sp.to_str(a) for a in archs]
    for a, params, flops in zip(archs, df["params"], df["flops"], strict=True):
        net = build(a, 10, space="darts", C=4, layers=2)
        assert params == net.count_params() and flops == net.count_flops((32, 32))
    r = _run(tmp_path, "--space", "darts", "--archs", "2", "--proxies", "synflow,linear_regions",
             *small, out="t.parquet")  # fmt: skip
    assert r.exit_code == 2 and "'linear_regions' needs the network's thin_cell() hook" in r.output
    assert "DartsNetwork" in r.output and not (tmp_path / "t.parquet.parts").exists()


def test_nb101_scores_carry_the_cell_hash(tmp_path):
    from nas_core import spaces
    from nas_core.networks import spaces_with_networks

    if "nb101" not in spaces_with_networks():
        pytest.skip("no nb101 network builder registered")
    sp = spaces.get("nb101")
    small = ["--option", "stem_channels=8", "--option", "num_stacks=1"]
    small += ["--option", "cells_per_stack=1", "--batch-size", "8"]
    r = _run(tmp_path, "--space", "nb101", "--archs", "3", "--proxies", "params,naswot", *small)
    assert r.exit_code == 0, r.output
    assert "scored 3 nb101 architectures (stem_channels=8, num_stacks=1" in r.output
    df = pd.read_parquet(tmp_path / "s.parquet")
    assert df["hash"].tolist() == [sp.hash(sp.parse(a)) for a in df["arch"]]
    assert (df["status"] == "ok").all()


def test_list_names_the_hooks_and_the_spaces_with_networks():
    from nas_core.networks import spaces_with_networks

    r = runner.invoke(app, ["zerocost", "list", "--json"])
    hooks = {p["name"]: p["needs_hook"] for p in json.loads(r.stdout)}
    assert hooks["zen"] == "feature_map" and hooks["synflow"] is None
    r = runner.invoke(app, ["zerocost", "list", "flops"])
    text = " ".join(r.output.split())
    assert r.exit_code == 0 and "Network hooks: flops needs count_flops()" in text
    assert f"Networks are built for spaces: {', '.join(spaces_with_networks())}" in text
    r = runner.invoke(app, ["zerocost", "list", "syn*"])
    assert "synflow" in r.output and "Network hooks" not in r.output
    r = runner.invoke(app, ["zerocost", "score", "--help"])
    assert "networks exist for nb201" not in r.output and "nb101" in r.output
