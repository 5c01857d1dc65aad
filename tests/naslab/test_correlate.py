"""Correlation studies: predictor learning curves (resumable) and stored-score correlations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from nas_core.errors import InvalidInputError, UnknownNameError
from naslab import correlate as C
from naslab.cli import app
from tests.conftest import shared_file

runner = CliRunner()


def test_specs():
    assert C.split_specs("xgb, gin[loss=pairwise,epochs=5],rf") == [
        "xgb",
        "gin[loss=pairwise,epochs=5]",
        "rf",
    ]
    assert C.parse_spec("gin[loss=pairwise,epochs=5]") == ("gin", {"loss": "pairwise", "epochs": 5})
    with pytest.raises(InvalidInputError):
        C.parse_spec("gin[epochs]")


def test_split_is_disjoint_and_paired():
    tr, te = C.split(500, 50, 100, seed=0, trial=3)
    assert len(tr) == 50 and len(te) == 100 and not set(tr) & set(te)
    tr2, _ = C.split(500, 50, 100, seed=0, trial=3)
    np.testing.assert_array_equal(tr, tr2)
    _, te_all = C.split(500, 50, None, seed=0, trial=3)
    assert len(te_all) == 450


def _study(**kw):
    src = C.make_source("analognas", None, None, None, "none")
    args = dict(
        source=src,
        predictors=["ridge", "xgb[n_estimators=20]"],
        train_sizes=[20, 60],
        test_size=200,
        trials=2,
    )
    args.update(kw)
    return C.PredictorStudy(**args)


def test_predictor_study_runs_and_resumes(tmp_path):
    rows = C.run_predictor_study(_study(), tmp_path)
    assert len(rows) == 8
    assert set(rows["predictor"]) == {"ridge", "xgb[n_estimators=20]"}
    assert rows["n_test"].eq(200).all()
    big = rows[rows["train_size"] == 60]
    assert big["spearman"].mean() > 0.3  # real signal on analognas
    calls = []
    again = C.run_predictor_study(_study(), tmp_path, on_result=lambda *a: calls.append(a))
    assert calls == [] and len(again) == 8  # everything resumed from disk
    more = C.run_predictor_study(_study(trials=3), tmp_path)
    assert len(more) == 12
    summary = C.write_report(more, tmp_path, "t")
    assert set(summary["trials"]) == {3}
    assert (tmp_path / "learning_curve.png").stat().st_size > 1000
    assert "n=60" in (tmp_path / "summary.md").read_text()
    with pytest.raises(InvalidInputError, match="different"):
        C.run_predictor_study(_study(test_size=100), tmp_path)


def test_study_bad_input(tmp_path):
    with pytest.raises(InvalidInputError, match="too few test"):
        C.run_predictor_study(_study(train_sizes=[20000]), tmp_path / "a")
    with pytest.raises(UnknownNameError):
        C.run_predictor_study(_study(predictors=["xgbb"]), tmp_path / "b")
    with pytest.raises(InvalidInputError, match="no zero-cost"):
        C.make_source("analognas", None, None, None, "zc")


def test_zc_features_and_scores(tmp_path):
    path = str(shared_file("naslib-zc", "zc_nasbench201.json"))
    src = C.make_source("suite-zero", path, "cifar10", None, "zc")
    assert src.metric == "val_accuracy" and "synflow" in src.features and "nwot" in src.features
    idx, y, feats, space, dropped = C.load_pool(src)
    assert feats.shape == (len(idx), len(src.features)) and np.isfinite(feats).all()
    assert dropped >= 1  # NASWOT's -inf
    study = C.PredictorStudy(src, ["xgb[n_estimators=50]"], [100], test_size=None, trials=2)
    rows = C.run_predictor_study(study, tmp_path / "zc")
    assert rows["spearman"].min() > 0.75  # ZC features make XGBoost strong (Suite-Zero Table 9)
    df = C.score_study("suite-zero", path, datasets=["cifar10"], n_resamples=50)
    assert len(df) == len(src.features)
    r = df.set_index("score").loc["nwot"]
    assert r["spearman_lo"] < r["spearman"] < r["spearman_hi"] and r["spearman"] > 0.6
    C.plot_scores(df, tmp_path / "s.png")
    assert (tmp_path / "s.png").exists()


def test_cli_correlate(tmp_path):
    out = tmp_path / "cli"
    res = runner.invoke(
        app,
        ["correlate", "predictors", "--predictors", "ridge,bayes_ridge", "--train-sizes", "20,40",
         "--trials", "2", "--test-size", "100", "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "bayes_ridge" in res.output and (out / "summary.csv").exists()
    bad = runner.invoke(app, ["correlate", "predictors", "--predictors", "nope", "--out", str(out)])
    assert bad.exit_code == 2 and "unknown predictor" in bad.output
    bad = runner.invoke(app, ["correlate", "predictors", "--train-sizes", "a,b"])
    assert bad.exit_code == 2


def test_cli_scores(tmp_path):
    path = str(shared_file("naslib-zc", "zc_nasbench201.json"))
    res = runner.invoke(
        app,
        ["correlate", "scores", "--path", path, "--resamples", "30", "--scores", "nwot,flops",
         "--out", str(tmp_path)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    df = pd.read_csv(tmp_path / "scores.csv")
    assert set(df["dataset"]) == {"cifar10", "cifar100", "ImageNet16-120"}
    assert (tmp_path / "scores.png").exists()


def test_cli_a_dead_worker_fails_one_task_and_the_exit_code_says_so(tmp_path, monkeypatch):
    """The runner's guarantees in `correlate predictors`: a task that kills its worker twice is
    the only one lost, the report is still written, and the command exits 1 with a summary."""
    monkeypatch.setenv("NASLAB_FAULT", "kill_worker_always:2")
    args = ["correlate", "predictors", "--predictors", "ridge", "--train-sizes", "20",
            "--trials", "4", "--test-size", "100", "--workers", "2", "--out", str(tmp_path)]  # fmt: skip
    res = runner.invoke(app, args)
    assert res.exit_code == 1, res.output
    assert "1 of 4 tasks failed: WorkerDiedError" in res.output
    assert (tmp_path / "summary.md").exists()
    rows = C.predictor_output_dir(tmp_path).log("results").read()
    assert sorted(rows["trial"]) == [0, 2, 3]  # trial 1 was the 2nd task
    monkeypatch.delenv("NASLAB_FAULT")
    res = runner.invoke(app, args)  # the rerun retries that task only
    assert res.exit_code == 0, res.output
    assert len(C.predictor_output_dir(tmp_path).log("results").read()) == 4


def test_predictor_study_output_folder_guarantees(tmp_path):
    from nas_core.errors import OutputDirError
    from nas_core.jobs import DamagedOutputWarning

    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "data.csv").write_text("x")
    with pytest.raises(OutputDirError, match="not a naslab correlate-predictors output"):
        C.run_predictor_study(_study(trials=1), tmp_path / "mine")
    out = tmp_path / "s"
    rows = C.run_predictor_study(_study(trials=1), out)
    (out / "config.json").write_text("{oops")
    with pytest.warns(DamagedOutputWarning, match="config.json"):
        again = C.run_predictor_study(_study(trials=1), out)
    assert again.equals(rows)  # nothing recomputed: the results were kept
    assert (out / ".damaged" / "config.json").exists()


def test_cli_a_bad_predictor_spec_touches_no_output_folder(tmp_path):
    out = tmp_path / "study"
    r = runner.invoke(
        app, ["correlate", "predictors", "--predictors", "xgb[n_estimators=-5]", "--out", str(out)]
    )
    assert r.exit_code == 2 and "n_estimators must be an integer in [1, 100000]" in r.output
    assert not out.exists()


def test_cli_scores_with_few_resamples_plots_intervals_that_miss_the_estimate(tmp_path):
    """Found by the fuzz suite: with 3 resamples a bootstrap interval can lie beside the estimate,
    and the bar chart's error bars were negative (a matplotlib ValueError)."""
    path = str(shared_file("naslib-zc", "zc_nasbench201.json"))
    args = ["correlate", "scores", "--bench", "suite-zero", "--path", path]
    r = runner.invoke(
        app,
        [
            *args,
            "--resamples",
            "3",
            "--scores",
            "synflow",
            "--datasets",
            "cifar10",
            "--out",
            str(tmp_path / "cs"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert (tmp_path / "cs" / "scores.png").stat().st_size > 0


def test_scatter_panel_uses_hexbin_for_many_points_and_log_for_wide_scores():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import PathCollection, PolyCollection

    rng = np.random.default_rng(0)
    fig, (a, b, c) = plt.subplots(1, 3)
    x = rng.random(C.HEXBIN_OVER + 1)
    C.scatter_panel(a, x, x + rng.random(len(x)))
    assert isinstance(a.collections[0], PolyCollection)  # a hexbin of 2,001 points
    C.scatter_panel(b, x[:50], x[:50])
    assert isinstance(b.collections[0], PathCollection)  # 50 points as points
    wide = 10.0 ** rng.uniform(-3, 50, 300)  # synflow's spread
    assert C.needs_log(wide) and not C.needs_log(x)
    assert C.needs_log(np.r_[wide, 0.0])  # a zero (disconnected cell) does not stop the log
    plt.close(fig)


def test_precision_counts_the_best_end_of_a_lower_is_better_target():
    """On latency the top 5% are the fastest archs: precision compares the lowest true and
    lowest predicted values (the correlations do not depend on the direction)."""
    import predictors
    from nas_core.metrics import precision_at_k
    from naslab.bench_spec import BenchSpec

    path = shared_file("nb201-latency", "nb201_latency_ms_27_devices.csv")
    spec = BenchSpec.from_cli("table", str(path), ["preset=nb201-latency"])
    src = C.make_source(spec, None, None, "latency_pixel3", "none")
    assert src.spec is not None and not C.higher_is_better(src)
    study = C.PredictorStudy(source=src, predictors=["ridge"], train_sizes=[200], test_size=400)
    row = C.run_predictor_task(C.PredictorTask(study, "ridge", 200, 0))
    idx, y, _f, space, _ = C.load_pool(src)
    tr, te = C.split(len(idx), 200, 400, 0, 0)
    model = predictors.create("ridge", space=space, seed=0)
    model.fit(idx[tr], y[tr])
    pred = model.predict(idx[te])
    assert row["precision_top5"] == pytest.approx(precision_at_k(-y[te], -pred, 0.05))
    assert row["spearman"] > 0.5


# ---------------------------------------------------------------------------------------------
# benchmarks over open spaces (nb101, darts): no index, the pool is the table's Archs
KEYED = "test-keyed-nb101"


def _keyed_bench():
    """A made-up keyed table of 120 distinct nb101 cells: 'val_accuracy' a function of the
    one-hot encoding plus noise, 'synflow' a noisy copy of it, 'params' unrelated noise."""
    from benchmarks.base import MetricInfo
    from benchmarks.keyed import KeyedTabularBenchmark, keyed_store
    from nas_core import spaces
    from nas_core.provenance import Provenance

    sp = spaces.get("nb101")
    rng = np.random.default_rng(5)
    archs: dict[str, object] = {}
    while len(archs) < 120:
        for a in sp.sample(rng, 50):
            archs.setdefault(sp.to_str(a), a)
    keys = list(archs)[:120]
    x = sp.encode(keys, "onehot")
    acc = 90 + x @ np.sin(np.arange(1, x.shape[1] + 1)) + rng.normal(0, 0.1, len(keys))
    prov = Provenance("computed", "naslab's tests", "made-up numbers")
    infos = {
        "val_accuracy": MetricInfo(
            "val_accuracy", "made-up", "%", True, "objective", "valid", prov
        ),
        "synflow": MetricInfo("synflow", "made-up proxy", "", True, "proxy", None, prov),
        "params": MetricInfo("params", "made-up size", "", True, "proxy", None, prov),
    }
    cols = {
        ("cifar10", "val_accuracy", None, None): acc,
        ("cifar10", "synflow", None, None): acc + rng.normal(0, 0.5, len(keys)),
        ("cifar10", "params", None, None): rng.normal(0, 1, len(keys)),
    }
    return KeyedTabularBenchmark(KEYED, keyed_store("nb101", keys, cols), infos)


@pytest.fixture
def keyed():
    """`benchmarks.load(KEYED)` works inside the test."""
    import benchmarks

    benchmarks.register(KEYED, "test stand-in: keyed table over nb101")(_keyed_bench)
    try:
        yield KEYED
    finally:
        benchmarks._REGISTRY._items.pop(KEYED, None)  # test-only cleanup


def test_pool_of_an_open_space_benchmark_is_its_archs(keyed):
    import benchmarks

    b = benchmarks.load(keyed)
    with pytest.raises(InvalidInputError, match="open"):
        b.arch_indices("cifar10")
    pool = C.pool_archs(b, "cifar10")
    assert pool.dtype == object and len(pool) == 120
    assert all(b.space.parse(a) == a for a in pool)
    y = C.query_pool(b, pool[::2], "val_accuracy", "cifar10")
    assert y.shape == (60,) and np.isfinite(y).all()
    assert C.arch_text(b.space, pool[0]) == b.space.to_str(pool[0])


def test_predictor_and_score_studies_on_an_open_space_benchmark(keyed, tmp_path):
    src = C.make_source(keyed, None, None, None, "none")
    study = C.PredictorStudy(
        source=src, predictors=["bayes_ridge", "xgb[n_estimators=50]"], train_sizes=[60],
        test_size=None, trials=2,
    )  # fmt: skip
    rows = C.run_predictor_study(study, tmp_path / "p")
    assert len(rows) == 4 and rows["n_test"].eq(60).all()
    assert rows[rows["predictor"] == "bayes_ridge"]["spearman"].min() > 0.8  # linear target
    scores = C.score_study(keyed, n_resamples=50).set_index("score")
    assert set(scores.index) == {"synflow", "params"}
    assert scores.loc["synflow", "spearman"] > 0.8 and abs(scores.loc["params", "spearman"]) < 0.4


def test_cli_correlate_on_an_open_space_benchmark(keyed, tmp_path):
    r = runner.invoke(app, [
        "correlate", "predictors", "--bench", keyed, "--predictors", "ridge",
        "--train-sizes", "30", "--trials", "2", "--test-size", "0", "-o", str(tmp_path / "p"),
    ])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "ridge" in r.stdout and "n=30" in r.stdout
    r = runner.invoke(app, [
        "correlate", "scores", "--bench", keyed, "--resamples", "50", "-o", str(tmp_path / "s"),
    ])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "synflow" in r.stdout and "params" in r.stdout


def test_cli_correlate_proxies_reads_scores_keyed_by_arch(keyed, tmp_path):
    """An open space's scores table has no 'index': rows are matched by their 'arch' string
    (any spelling), and archs the benchmark lacks are left out (n_dropped)."""
    import json

    import benchmarks

    b = benchmarks.load(keyed)
    pool = C.pool_archs(b, "cifar10")
    acc = C.query_pool(b, pool, "val_accuracy", "cifar10")
    outside = b.space.sample(np.random.default_rng(99), 3)
    outside = [a for a in outside if b.space.to_str(a) not in {b.space.to_str(p) for p in pool}]
    df = pd.DataFrame({
        "space": "nb101",
        "arch": [b.space.to_str(a) for a in pool[:40]] + [b.space.to_str(a) for a in outside],
        "synflow": np.concatenate([acc[:40], np.ones(len(outside))]),
    })  # fmt: skip
    path = tmp_path / "scores.parquet"
    df.to_parquet(path, index=False)
    r = runner.invoke(app, [
        "correlate", "proxies", "--scores", str(path), "--bench", keyed, "--resamples", "50",
        "-o", str(tmp_path / "o"), "--json",
    ])  # fmt: skip
    assert r.exit_code == 0, r.output
    (row,) = json.loads(r.stdout)["rows"]
    assert row["proxy"] == "synflow" and row["n"] == 40 and row["n_dropped"] == len(outside)
    assert row["spearman"] == pytest.approx(1.0)
    df["space"] = "darts"
    df.to_parquet(path, index=False)
    r = runner.invoke(app, ["correlate", "proxies", "--scores", str(path), "--bench", keyed])
    assert r.exit_code == 2 and "holds scores of space 'darts'" in r.output, r.output


def test_score_plot_takes_a_score_missing_on_some_dataset(tmp_path):
    """TransNAS-Bench-101's Suite-Zero files hold epe_nas on jigsaw only: the plot leaves a gap."""
    from naslab.correlate import plot_scores

    rows = []
    for ds in ("jigsaw", "normal"):
        for s in ("flops", "epe_nas") if ds == "jigsaw" else ("flops",):
            rows.append(
                {"dataset": ds, "score": s, "spearman": 0.5, "spearman_lo": 0.4, "spearman_hi": 0.6}
            )
    path = plot_scores(pd.DataFrame(rows), tmp_path / "scores.png")
    assert path.stat().st_size > 0
