"""Studies choose their metrics from roles, state where the numbers come from, and work on a
benchmark over an open space (no optimum, no regret, no optimum line, and they say why)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import benchmarks
from benchmarks.base import MetricInfo
from nas_core.errors import InvalidInputError
from nas_core.provenance import Provenance
from naslab import correlate as C
from naslab.cli import app
from naslab.compare import StudyConfig, run_study
from naslab.study_metrics import default_metrics, no_optimum_reason, provenance_lines
from tests.benchmarks.open_bench import FORMULA, OpenFormulaBench, registered
from tests.conftest import shared_file

runner = CliRunner()
P = Provenance("measured", "somebody's training", "3 seeds")


class Described(OpenFormulaBench):
    """The open test double with a chosen list of metrics (to exercise each rule)."""

    def __init__(self, infos: list[MetricInfo]):
        super().__init__()
        self._infos = infos

    def metrics(self, dataset=None):
        return list(self._infos)


def M(name: str, role: str, split: str | None = None, hib: bool = True) -> MetricInfo:
    return MetricInfo(name, name, "", hib, role, split, P)


def test_rules_search_on_valid_report_on_test_pair_with_hardware():
    b = Described(
        [M("t", "objective", "test"), M("p", "size", hib=False), M("v", "objective", "valid"),
         M("lat", "hardware", hib=False), M("z", "proxy")]
    )  # fmt: skip
    assert default_metrics(b, "toy") == ("v", "t", ("v", "lat"))


def test_rules_fall_back_in_order():
    # no valid split: the first objective searches and reports; size pairs when no hardware
    b = Described([M("a", "objective"), M("b", "objective"), M("p", "size", hib=False)])
    assert default_metrics(b, "toy") == ("a", "a", ("a", "p"))
    # no hardware, no size: the next objective
    b = Described([M("a", "objective", "test"), M("b", "objective"), M("z", "proxy")])
    assert default_metrics(b, "toy") == ("a", "a", ("a", "b"))
    # one objective only: single-objective defaults
    b = Described([M("a", "objective", "valid"), M("z", "proxy"), M("t", "train_time")])
    assert default_metrics(b, "toy") == ("a", "a", ("a",))
    # no objective at all: a proxy is searched (a study on a proxy table still runs)
    b = Described([M("z", "proxy"), M("t", "train_time")])
    assert default_metrics(b, "toy")[0] == "z"


def test_real_benchmarks_defaults_unchanged():
    ana = benchmarks.load("analognas")
    assert default_metrics(ana, "cifar10") == (
        "baseline_accuracy",
        "baseline_accuracy",
        ("baseline_accuracy", "analog_accuracy"),
    )
    nbg = benchmarks.load("nbgraph")
    for ds in ("cora", "proteins"):
        assert default_metrics(nbg, ds) == ("valid_perf", "test_perf", ("valid_perf", "latency"))
    assert C.default_metric(nbg, "cora") == "valid_perf"
    assert C.default_metric(ana, "cifar10") == "baseline_accuracy"


def test_suite_zero_defaults_from_roles():
    sz = benchmarks.load("suite-zero", path=shared_file("naslib-zc", "zc_nasbench201.json"))
    search, report, objs = default_metrics(sz, "cifar10")
    assert (search, report) == ("val_accuracy", "val_accuracy")
    assert sz.metric_info(objs[1], "cifar10").role == "size"  # flops/params, not a proxy
    assert C.default_metric(sz, "cifar10") == "val_accuracy"


def test_provenance_lines_name_role_split_and_source():
    ana = benchmarks.load("analognas")
    lines = provenance_lines(ana, "cifar10", ["baseline_accuracy", "analog_accuracy"])
    assert lines[0].startswith("`baseline_accuracy` (objective, test split): measured: ")
    assert "AnalogNAS-Bench" in lines[0] and "25 augmented test passes" in lines[0]
    assert lines[1].startswith("`analog_accuracy` (hardware, test split): measured: ")
    assert no_optimum_reason(ana) is None
    assert "no finite table" in no_optimum_reason(OpenFormulaBench())


def test_cli_correlate_predictors_on_nbgraph(tmp_path):
    """`naslab correlate predictors --bench nbgraph` failed with "cannot guess the accuracy
    metric"; it now ranks against the role-chosen valid_perf, and the report says where it's from."""
    out = tmp_path / "nbg"
    res = runner.invoke(
        app,
        ["correlate", "predictors", "--bench", "nbgraph", "--predictors", "ridge",
         "--train-sizes", "20", "--trials", "1", "--test-size", "100", "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "nbgraph / cora / valid_perf" in res.output
    md = (out / "summary.md").read_text()
    assert "`valid_perf` (objective, valid split): measured: NAS-Bench-Graph" in md


def test_compare_on_an_open_space_has_no_optimum(tmp_path):
    with registered() as name:
        cfg = StudyConfig(bench=name, searchers=("rs", "re"), seeds=2, budget=15)
        s = run_study(cfg, tmp_path / "so")
        b = s["benchmark"]
        assert b["optimum"] is None and "no finite table" in b["no_optimum_reason"]
        assert (s["config"]["metric"], s["config"]["report_metric"]) == ("acc", "test_acc")
        assert b["cost"]["kind"] == "predicted_training_time" and b["cost"]["epoch_dependent"]
        for e in s["searchers"].values():
            assert e["runs_ok"] == 2 and "regret_mean" not in e
            assert e["best_at"][15]["mean"] > 40  # the formula's values, found
        report = (tmp_path / "so" / "report.md").read_text()
        assert "no optimum or regret" in report and "regret |" not in report
        assert f"`acc` (objective, valid split): {FORMULA.line()}" in report
        assert (tmp_path / "so" / "best_vs_queries.png").stat().st_size > 0
        saved = json.loads((tmp_path / "so" / "summary.json").read_text())
        assert saved["benchmark"]["optimum"] is None

        # multi-objective: hypervolume from the study's own range, no true front, no ratio
        mo = StudyConfig(
            bench=name, searchers=("rs", "nsga2"), seeds=2, budget=20, objectives=("acc", "latency")
        )
        s = run_study(mo, tmp_path / "mo")
        assert (tmp_path / "mo" / "pareto.png").exists()
        for e in s["searchers"].values():
            assert 0 < e["hv_mean"] <= 1 and e["hv_ratio_mean"] != e["hv_ratio_mean"]  # NaN


def test_correlation_studies_take_a_surrogates_finite_space_and_refuse_an_open_one():
    from nas_core import spaces
    from tests.benchmarks.open_bench import OpenFormulaBench

    with registered() as name:  # a surrogate over nb201: its pool is the whole space
        source = C.make_source(name, None, None, None, "none")
        assert len(C.load_pool(source)[0]) == 15625
    over_darts = OpenFormulaBench()
    over_darts.space = spaces.get("darts")
    with pytest.raises(InvalidInputError, match="a surrogate over an open space"):
        C.require_finite(over_darts, "a predictor study")


def test_correlate_proxies_states_provenance_and_defaults_from_roles(tmp_path):
    from tests.naslab.test_cli_zerocost import _proxies, _scores_file

    r = _proxies(tmp_path, _scores_file(tmp_path), "--bench", "analognas", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["metric"] == "baseline_accuracy"
    assert out["provenance"]["scores"].startswith("computed: naslab zerocost score")
    assert "AnalogNAS-Bench" in out["provenance"]["baseline_accuracy"]
    r = _proxies(tmp_path, _scores_file(tmp_path), "--bench", "analognas")
    assert "baseline_accuracy: measured: AnalogNAS-Bench" in " ".join(r.output.split())


def test_a_predictor_study_runs_on_a_surrogate_over_a_finite_space(tmp_path):
    """A surrogate over nb201 answers for every cell: the space is the study's pool, and the
    targets are the surrogate's predictions."""
    import numpy as np

    import benchmarks
    import predictors
    from benchmarks.surrogate import fit_surrogate

    src = benchmarks.load("analognas")
    sur = fit_surrogate(src, None, "baseline_accuracy", predictors.create("ridge"), 50, seed=0)
    folder = sur.save(tmp_path / "s")
    source = C.make_source("surrogate", str(folder), None, None, "none")
    idx, y, _, space, dropped = C.load_pool(source)
    assert space == "nb201" and len(idx) == 15625 and dropped == 0
    np.testing.assert_allclose(y[:20], sur.query(idx[:20], "baseline_accuracy"), rtol=1e-6)
