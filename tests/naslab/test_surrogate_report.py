"""The surrogate audit report (naslab.surrogate_report): numbers recomputed independently on the
embedded analognas table, the held-out set never touching the training set, OOD splits on fresh
models, the files it owns (atomic, nothing else replaced), the manifest headline, and refusals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import benchmarks
from benchmarks.surrogate import fit_surrogate, load
from nas_core.errors import InvalidInputError, OutputDirError
from nas_core.metrics import kendall_tau
from naslab.bench_spec import BenchSpec
from naslab.surrogate_report import AUDIT_JSON, AUDIT_MD, run_audit

predictors = pytest.importorskip("predictors")

METRIC = "baseline_accuracy"
N = 60
SPEC = {"predictor": "xgb", "params": {"n_estimators": 20, "seed": 1}}
FAST = {"trajectories": False, "resamples": 20}


def _factory():
    return predictors.create("xgb", space="nb201", **SPEC["params"])


@pytest.fixture(scope="module")
def source() -> benchmarks.Benchmark:
    return benchmarks.load("analognas")


@pytest.fixture(scope="module")
def surrogate(source):
    record = {"bench_spec": BenchSpec.single("analognas").to_list(), "model_spec": SPEC}
    return fit_surrogate(source, None, METRIC, _factory, N, seed=3, source_record=record)


@pytest.fixture(scope="module")
def audited(surrogate, tmp_path_factory) -> tuple[Path, dict]:
    folder = surrogate.save(tmp_path_factory.mktemp("audit") / "s")
    return folder, run_audit(folder, **FAST)


def _fresh_copy(audited: tuple[Path, dict], tmp_path: Path) -> Path:
    return Path(shutil.copytree(audited[0], tmp_path / "copy"))


def test_random_split_is_every_untrained_arch_and_its_numbers_are_recomputable(
    audited, source, surrogate
) -> None:
    _, audit = audited
    rand = audit["splits"][0]
    assert rand["split"] == "random" and rand["n_train"] == N
    train = set(surrogate.train_archs)
    archs = [a for a in source.archs() if source.space.to_str(a) not in train]
    assert rand["n_test"] == len(archs) == source.num_archs() - N
    y = source.query(archs, METRIC)
    pred = surrogate.query(archs, METRIC)
    q = rand["quality"]
    assert q["kendall_tau"]["value"] == pytest.approx(kendall_tau(y, pred), abs=1e-9)
    assert q["kendall_tau"]["lo"] <= q["kendall_tau"]["value"] <= q["kendall_tau"]["hi"]
    # a real model beats chance, and the CI of a 15k-arch test set is narrow
    assert 0.2 < q["kendall_tau"]["value"] < 1
    assert q["kendall_tau"]["hi"] - q["kendall_tau"]["lo"] < 0.05
    assert audit["settings"]["sparse_tau_decimals"] == 1  # accuracy in %


def test_ood_splits_refit_a_fresh_model_on_the_rest(audited, source) -> None:
    _, audit = audited
    names = [r["split"] for r in audit["splits"]]
    assert names == ["random", "top", "region nb201:nor_conv_3x3>=3"]
    y = np.asarray(source.query(source.archs(), METRIC), dtype=float)
    top = audit["splits"][1]
    assert top["n_test"] == round(0.1 * y.size) and top["n_train"] == N
    region = audit["splits"][2]
    convs = [sum(o == 3 for o in a.ops) for a in source.archs()]  # op 3: nor_conv_3x3
    assert region["n_test"] == sum(c >= 3 for c in convs)
    for r in audit["splits"]:
        assert set(r["quality"]) >= {"r2", "kendall_tau", "top10_kendall_tau"}


def test_files_headline_and_models_stay_verifiable(audited) -> None:
    folder, audit = audited
    assert set(audit["files"]) == {AUDIT_MD, AUDIT_JSON, "audit_scatter.png", "audit_splits.png"}
    for f in audit["files"]:
        assert (folder / f).stat().st_size > 0
    assert not [p for p in folder.iterdir() if p.name.startswith(".audit-")]  # temp folder gone
    assert json.loads((folder / AUDIT_JSON).read_text()) == audit
    md = (folder / AUDIT_MD).read_text()
    for text in ("| random | 60 |", "sha256", "What these numbers can and cannot claim",
                 "audit_scatter.png", "not run (trajectories were switched off)"):  # fmt: skip
        assert text in md, text
    back = load(folder)  # checksums still hold
    h = back.audit
    q = audit["splits"][0]["quality"]
    assert h["kendall_tau"] == q["kendall_tau"]["value"] and h["n_test"] == 15625 - N
    assert h["ood_kendall_tau"]["top"] == audit["splits"][1]["quality"]["kendall_tau"]["value"]
    assert h["trajectory_ranking_spearman"] is None and h["report"] == AUDIT_MD


def test_a_rerun_replaces_only_its_own_files(audited, tmp_path: Path) -> None:
    folder = _fresh_copy(audited, tmp_path)
    (folder / "notes.txt").write_text("mine")
    first = run_audit(folder, ood=(), formats="png,svg", **FAST)
    assert "audit_splits.svg" in first["files"] and len(first["splits"]) == 1
    again = run_audit(folder, ood=("top",), formats="png", **FAST)
    assert not (folder / "audit_splits.svg").exists()  # its own stale figure is removed
    assert (folder / "notes.txt").read_text() == "mine"
    assert [r["split"] for r in again["splits"]] == ["random", "top"]
    # the same seed gives the same numbers
    assert again["splits"][0]["quality"] == first["splits"][0]["quality"]


def test_out_elsewhere_and_a_foreign_report_is_never_overwritten(audited, tmp_path) -> None:
    folder = _fresh_copy(audited, tmp_path)
    out = tmp_path / "report"
    run_audit(folder, out=out, ood=(), **FAST)
    assert (out / AUDIT_MD).is_file()
    assert load(folder).audit["report"] == str(out / AUDIT_MD)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / AUDIT_MD).write_text("someone's notes")
    with pytest.raises(OutputDirError, match="no naslab surrogate audit wrote"):
        run_audit(folder, out=foreign, ood=(), **FAST)
    assert (foreign / AUDIT_MD).read_text() == "someone's notes"


def test_requested_test_archs_from_the_training_set_are_refused(audited, surrogate) -> None:
    folder = audited[0]
    with pytest.raises(InvalidInputError, match="was in the surrogate's training set"):
        run_audit(folder, test_archs=surrogate.train_archs[:3], **FAST)
    sp = surrogate.space
    others = [a for a in sp.archs_at(np.arange(0, 15625, 500))
              if sp.to_str(a) not in set(surrogate.train_archs)]  # fmt: skip
    audit = run_audit(folder, test_archs=others, ood=(), **FAST)
    assert audit["splits"][0]["n_test"] == len(others)


def _small_table(tmp_path: Path, n: int = 20, column: str = "acc") -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    from nas_core import spaces

    sp = spaces.get("nb201")
    archs = sp.archs_at(np.arange(0, 15625, 15625 // n)[:n])
    path = tmp_path / "small.csv"
    path.write_text(
        f"cell,{column}\n"
        + "".join(f"{sp.to_str(a)},{80 + i * 0.3}\n" for i, a in enumerate(archs))
    )
    return path


def _table(path: Path, column: str = "acc") -> benchmarks.Benchmark:
    return benchmarks.load("table", path=str(path), space="nb201", arch_column="cell",
                           columns=f"{column}=cifar10/{column}")  # fmt: skip


def test_nothing_held_out_is_refused(tmp_path: Path) -> None:
    path = _small_table(tmp_path)
    spec = BenchSpec.single("table", path=str(path), space="nb201", arch_column="cell",
                            columns="acc=cifar10/acc")  # fmt: skip
    src = spec.load()
    s = fit_surrogate(src, None, "acc", lambda: predictors.create("ridge"), 20,
                      source_record={"bench_spec": spec.to_list()})  # fmt: skip
    folder = s.save(tmp_path / "s")
    with pytest.raises(InvalidInputError, match="nothing to audit on: all 20 architectures"):
        run_audit(folder, **FAST)


def test_a_source_other_than_the_recorded_one_is_refused(audited, tmp_path) -> None:
    folder = audited[0]
    other = _table(_small_table(tmp_path))  # same space, another file
    with pytest.raises(
        InvalidInputError, match=r"is not the one surrogate .* fitted on: 'analognas'"
    ):
        run_audit(folder, other, **FAST)
    with pytest.raises(InvalidInputError, match="over space 'nbgraph'.*predicts space 'nb201'"):
        run_audit(folder, benchmarks.load("nbgraph"), **FAST)
    # the same file read with another column mapping: no such metric
    path = _small_table(tmp_path / "t", n=40)
    s = fit_surrogate(_table(path), None, "acc", lambda: predictors.create("ridge"), 20)
    sub = s.save(tmp_path / "t" / "s")
    renamed = benchmarks.load("table", path=str(path), space="nb201", arch_column="cell",
                              columns="acc=cifar10/top1")  # fmt: skip
    with pytest.raises(InvalidInputError, match="has no metric 'acc' on 'cifar10'.*: top1"):
        run_audit(sub, renamed, **FAST)


def test_bad_options_fail_before_any_work(audited) -> None:
    folder = audited[0]
    with pytest.raises(InvalidInputError, match="SPACE:OP>=K"):
        run_audit(folder, regions=["conv>=3"], **FAST)
    with pytest.raises(InvalidInputError, match="unknown out-of-distribution split 'left'"):
        run_audit(folder, ood=("left",), **FAST)
    with pytest.raises(InvalidInputError, match="not fitted on metric 'analog_accuracy'"):
        run_audit(folder, metric="analog_accuracy", **FAST)


def test_a_python_api_surrogate_without_records(source, tmp_path) -> None:
    """No bench_spec: the source must be given; no model_spec: the OOD splits say why not run."""
    s = fit_surrogate(source, None, METRIC, _factory, 40, seed=0)
    folder = s.save(tmp_path / "plain")
    with pytest.raises(InvalidInputError, match="does not record how to load its source"):
        run_audit(folder, **FAST)
    audit = run_audit(folder, source, **FAST)
    assert len(audit["splits"]) == 1
    assert any("no model_spec" in n for n in audit["ood_notes"])
    # a model factory given here runs them
    audit = run_audit(folder, source, model=_factory, ood=("top",), **FAST)
    assert [r["split"] for r in audit["splits"]] == ["random", "top"]


def test_predictive_spread_of_a_model_with_uncertainty(source, tmp_path) -> None:
    spec = {"predictor": "rf", "params": {"n_estimators": 20, "seed": 0}}
    record = {"bench_spec": BenchSpec.single("analognas").to_list(), "model_spec": spec}
    s = fit_surrogate(source, None, METRIC,
                      lambda: predictors.create("rf", space="nb201", **spec["params"]), 80,
                      source_record=record)  # fmt: skip
    folder = s.save(tmp_path / "rf")
    audit = run_audit(folder, ood=(), **FAST)
    noise = audit["predictive_spread"]  # naslab.surrogate_noise.noise_report on the test set
    cal = noise["calibration"]
    assert noise["n_test"] == cal["n"] == 15625 - 80 and cal["median_std"] > 0
    assert 0 <= cal["coverage"]["68"]["value"] <= cal["coverage"]["95"]["value"] <= 1
    assert noise["seed_spread"] is None and "per-seed" in noise["seed_spread_note"]
    text = (folder / AUDIT_MD).read_text()
    assert "## Noise calibration" in text and "Not measured:" in text


def test_trajectory_fidelity_section(audited, tmp_path) -> None:
    """Trajectories on, at tiny settings: the searchers' numbers, files and headline arrive."""
    folder = _fresh_copy(audited, tmp_path)
    audit = run_audit(folder, ood=(), resamples=20, searchers=("rs", "re"), traj_seeds=2,
                      traj_budget=8)  # fmt: skip
    traj = audit["trajectories"]
    assert set(traj["searchers"]) == {"rs", "re"} and traj["budget"] == 8
    for s in ("rs", "re"):
        assert len(traj["searchers"][s]["per_seed"]["source_true"]) == 2
    assert traj["figure"] in audit["files"] and (folder / traj["figure"]).is_file()
    assert "trajectory_fidelity.parquet" in audit["files"]
    md = (folder / AUDIT_MD).read_text()
    assert md.count("## Optimizer-trajectory fidelity") == 1 and "| rs |" in md
    head = load(folder).audit
    assert "trajectory_ranking_spearman" in head
    # switched off again: its files are the previous audit's own, so they are removed
    run_audit(folder, ood=(), **FAST)
    assert not (folder / traj["figure"]).exists()


def test_the_report_names_searchers_of_the_same_model_family(audited, source, tmp_path) -> None:
    assert audited[1]["own_model_searchers"] == {"family": ["xgb"], "searchers": []}
    s = fit_surrogate(source, None, METRIC, predictors.create("gp", space="nb201"), 30,
                      source_record={"bench_spec": BenchSpec.single("analognas").to_list()})  # fmt: skip
    folder = s.save(tmp_path / "gp")
    audit = run_audit(folder, ood=(), **FAST)
    assert audit["own_model_searchers"] == {"family": ["gp"], "searchers": ["gp_bo"]}
    assert "model family (gp): gp_bo" in (folder / AUDIT_MD).read_text()
