"""Study files: load, write, round-trip, errors, `naslab compare --study`, and the shipped examples
under data/studies (which read ../shared/data and skip without it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from nas_core.errors import InvalidInputError, MissingFileError, UnknownNameError
from naslab.bench_spec import BenchSpec
from naslab.cli import app
from naslab.compare import StudyConfig, resolve, run_study
from naslab.study_file import load_study, write_study
from tests.conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[2]
STUDIES = ROOT / "data" / "studies"


def _cli(*args: str):
    return CliRunner().invoke(app, list(args))


def test_write_then_load_gives_the_same_config(tmp_path):
    cfg = StudyConfig(
        bench=BenchSpec.single("analognas"),
        searchers=("nsga2", "rs"),
        seeds=3,
        base_seed=7,
        budget=None,
        time_budget=1234.5,
        objectives=("baseline_accuracy", "+analog_accuracy"),
        constraints=("baseline_accuracy>=80",),
        params={"nsga2": {"pop_size": 12, "crossover_prob": 0.75}, "rs": {}},
        isomorphism="merge",
        batch_size=2,
    )
    resolved, _ = resolve(cfg)
    write_study(tmp_path / "s.toml", resolved.spec, resolved)
    back = load_study(tmp_path / "s.toml")
    assert back.bench == resolved.spec
    again, _ = resolve(back.config)
    assert again.to_dict() == resolved.to_dict()
    assert again.budget is None and again.time_budget == 1234.5


def test_values_of_every_kind_round_trip(tmp_path):
    opts = {"text": 'a "quoted"\\ tab\t é \x7f', "n": -3, "x": 1e-05, "big": 1.5e300, "flag": True,
            "list": [1, 2.5, "s"], "table": {"a b": 1, "c": [True]}}  # fmt: skip
    spec = BenchSpec.single("analognas", **opts)
    write_study(tmp_path / "s.toml", spec, StudyConfig(bench=spec))
    assert dict(load_study(tmp_path / "s.toml").bench.parts[0].options) == opts


def test_relative_paths_are_read_relative_to_the_study_file(tmp_path):
    (tmp_path / "sub").mkdir()
    f = tmp_path / "sub" / "s.toml"
    f.write_text('[[benchmark]]\nname = "table"\npath = "../data/x.csv"\n[study]\nseeds = 2\n')
    part = load_study(f).bench.parts[0]
    assert part.options["path"] == str((tmp_path / "data" / "x.csv").resolve())


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ('[[benchmark]]\nname = "analognas"\n[study]\nseed = 3\n', UnknownNameError,
         "unknown key 'seed' in \\[study\\] of .* Did you mean 'seeds'\\?.* Valid: base_seed"),
        ('[[benchmark]]\nname = "analognas"\n[studies]\n', UnknownNameError,
         "unknown key 'studies' .* Did you mean 'study'"),
        ("[study]\nseeds = 3\n", InvalidInputError, "names no benchmark"),
        ('[[benchmark]]\nname = "analognas"\n[study]\nseeds = "3"\n', InvalidInputError,
         "seeds in .* must be an integer, got '3'"),
        ('[[benchmark]]\nname = "analognas"\n[study]\nsearchers = "rs"\n', InvalidInputError,
         "searchers in .* must be a list of searcher names"),
        ('[[benchmark]]\nname = "analognas"\n[study\n', InvalidInputError, "is not valid TOML"),
        ('benchmark = "in-memory: formula"\n[study]\n', InvalidInputError,
         "benchmark object built in Python .* cannot rebuild it"),
    ],
)  # fmt: skip
def test_bad_study_files_are_one_clear_error(tmp_path, text, error, message):
    f = tmp_path / "s.toml"
    f.write_text(text)
    with pytest.raises(error, match=message):
        load_study(f)


def test_a_missing_study_file_is_a_missing_file_error(tmp_path):
    for bad in (tmp_path / "nope.toml", "~nosuchuser0/s.toml", "s\0.toml"):
        with pytest.raises(MissingFileError, match="study file not found"):
            load_study(bad)
    with pytest.raises(InvalidInputError, match="cannot be read"):
        load_study(tmp_path)


def test_cli_study_file_reproduces_a_study_and_flags_override(tmp_path):
    out1, out2, out3 = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    r = _cli("compare", "-s", "rs,re", "-n", "2", "--budget", "25", "--base-seed", "5",
             "--constraint", "baseline_accuracy>=92", "-w", "1", "--out", str(out1), "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    r = _cli(
        "compare", "--study", str(out1 / "study.toml"), "-w", "1", "--out", str(out2), "--json"
    )
    assert r.exit_code == 0, r.output
    t1 = pd.read_parquet(out1 / "trajectories.parquet")
    t2 = pd.read_parquet(out2 / "trajectories.parquet")
    pd.testing.assert_frame_equal(t1.drop(columns=["wall_s"]), t2.drop(columns=["wall_s"]))
    s1 = json.loads((out1 / "summary.json").read_text())
    s2 = json.loads((out2 / "summary.json").read_text())
    assert s1["config"] == s2["config"] and s1["searchers"] == s2["searchers"]
    assert (out2 / "study.toml").read_text() == (out1 / "study.toml").read_text()
    assert s1["config"]["constraints"] == ["baseline_accuracy>=92"]
    # flags given with --study override the file
    r = _cli("compare", "--study", str(out1 / "study.toml"), "-n", "1", "-s", "rs",
             "-w", "1", "--out", str(out3), "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    c3 = load_study(out3 / "study.toml").config
    assert (c3.seeds, c3.searchers, c3.budget, c3.base_seed) == (1, ("rs",), 25, 5)
    # the benchmark comes from one place
    r = _cli("compare", "--study", str(out1 / "study.toml"), "--bench", "nbgraph")
    assert r.exit_code == 2 and "names the benchmark; drop --bench" in r.output


def test_rerunning_a_subset_describes_every_run_in_the_folder(tmp_path):
    run_study(StudyConfig(searchers=("rs", "re"), seeds=3, budget=15), tmp_path)
    s = run_study(StudyConfig(searchers=("ls",), seeds=2, budget=15), tmp_path)
    assert s["config"]["searchers"] == ["rs", "re", "ls"] and s["config"]["seeds"] == 3
    assert json.loads((tmp_path / "study.json").read_text())["searchers"] == ["rs", "re", "ls"]
    c = load_study(tmp_path / "study.toml").config
    assert c.searchers == ("rs", "re", "ls") and c.seeds == 3
    assert s["runs_run_this_invocation"] == 2


def test_an_old_study_json_with_bench_options_still_resumes(tmp_path):
    run_study(StudyConfig(searchers=("rs",), seeds=1, budget=10), tmp_path)
    old = json.loads((tmp_path / "study.json").read_text())
    old.update(bench="analognas", bench_options={})
    old.pop("constraints")
    (tmp_path / "study.json").write_text(json.dumps(old))
    s = run_study(StudyConfig(searchers=("rs",), seeds=2, budget=10), tmp_path)
    assert s["runs_run_this_invocation"] == 1


CUSTOM = (ROOT / "tests" / "naslab" / "custom_bench_script.py").read_text()


@pytest.mark.parametrize("how", ["stdin", "-c"])
def test_a_benchmark_class_defined_in_a_stdin_script_runs_on_two_workers(tmp_path, how):
    """`python - <<EOF` (`__main__.__file__` is '<stdin>', no file a spawned worker could run) and
    `python -c` (no `__main__` file at all, as in a notebook): the class lives in `__main__`, which
    a spawned worker cannot import; the benchmark is shipped by value and every run is ok."""
    out = tmp_path / "out"
    if how == "stdin":
        cmd, stdin = [sys.executable, "-", str(out)], CUSTOM
    else:
        code = CUSTOM.replace('if __name__ == "__main__":', "if True:")
        cmd, stdin = [sys.executable, "-c", code, str(out)], None
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["runs"] == {"total": 6, "ok": 6, "failed": 0} and got["workers"] == 2
    text = (out / "study.toml").read_text()
    assert 'benchmark = "in-memory: formula"' in text
    res = _cli("compare", "--study", str(out / "study.toml"), "--out", str(tmp_path / "again"))
    assert res.exit_code == 2 and "cannot rebuild it" in res.output


def _shipped(name: str) -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (../shared/data beside the project)")
    return STUDIES / name


def _small(name: str, tmp_path: Path, *flags: str) -> dict:
    r = _cli("compare", "--study", str(_shipped(name)), "-n", "2", "-w", "1",
             "--out", str(tmp_path / "out"), "--json", *flags)  # fmt: skip
    assert r.exit_code == 0, r.output
    return json.loads((tmp_path / "out" / "summary.json").read_text())


def test_shipped_hw_nsga2_study(tmp_path):
    s = _small("hw_nsga2_analognas_pixel3.toml", tmp_path, "--budget", "40")
    assert s["config"]["objectives"] == ["baseline_accuracy", "latency_pixel3"]
    traj = pd.read_parquet(tmp_path / "out" / "trajectories.parquet")
    assert {"obj:baseline_accuracy", "obj:latency_pixel3"} <= set(traj.columns)
    assert set(traj.searcher) == {"nsga2", "re", "rs"} and s["runs"]["ok"] == 6


def test_shipped_hw_constrained_study_never_keeps_a_slow_incumbent(tmp_path):
    s = _small("hw_nsga2_analognas_pixel3_constrained.toml", tmp_path, "--budget", "40")
    assert s["config"]["constraints"] == ["latency_pixel3<=10"]
    traj = pd.read_parquet(tmp_path / "out" / "trajectories.parquet")
    assert (~traj.feasible).any() and traj.feasible.any()
    for _, run in traj.groupby(["searcher", "seed"]):
        ok = run.feasible.to_numpy()
        best = run.best_search.to_numpy()
        first = int(np.argmax(ok))
        assert np.isnan(best[:first]).all()
        feas_best = np.maximum.accumulate(np.where(ok, run.search, -np.inf))[first:]
        np.testing.assert_array_equal(best[first:], feas_best)


def test_shipped_time_budget_study_charges_twelve_epochs(tmp_path):
    import benchmarks

    s = _small("time_budget_nb201_12ep_to_200ep.toml", tmp_path, "-s", "rs,re",
               "--time-budget", "3000")  # fmt: skip
    assert s["config"]["metric"] == "valid_acc" and s["config"]["report_metric"] == "test_acc"
    traj = pd.read_parquet(tmp_path / "out" / "trajectories.parquet")
    t200 = benchmarks.load(
        "table", path=SHARED_DATA / "nb201-tables" / "nb201_200ep_test_time_zc.csv",
        preset="nb201-200ep",
    )  # fmt: skip
    archs = [t200.space.parse(a) for a in traj.arch]
    per_epoch = t200.query(archs, "train_time_per_epoch", "cifar10").astype(float)
    np.testing.assert_allclose(traj.cost, 12 * per_epoch, rtol=1e-6)
    assert (traj.groupby(["searcher", "seed"]).sim_time.max() <= 3000).all()


def test_shipped_nbgraph_study(tmp_path):
    s = _small("nbgraph_valid_to_test.toml", tmp_path, "-s", "rs,re", "--budget", "30")
    assert (s["config"]["metric"], s["config"]["report_metric"]) == ("valid_perf", "test_perf")
    assert s["benchmark"]["dataset"] == "cora" and s["runs"]["ok"] == 4


def test_shipped_studies_resolve_their_paths_beside_the_project():
    for f in sorted(STUDIES.glob("*.toml")):
        for part in load_study(f).bench.parts:
            if "path" in part.options:
                p = Path(part.options["path"])
                assert p.is_absolute() and p.parent == (SHARED_DATA / p.parent.name).resolve(), f


def test_a_subset_rerun_keeps_the_other_searchers_parameters(tmp_path):
    run_study(
        StudyConfig(
            searchers=("rs", "re"), seeds=2, budget=15, params={"re": {"population_size": 5}}
        ),
        tmp_path,
    )
    s = run_study(StudyConfig(searchers=("ls",), seeds=2, budget=15), tmp_path)
    assert s["config"]["params"] == {"re": {"population_size": 5}}
    c = load_study(tmp_path / "study.toml").config
    assert c.searchers == ("rs", "re", "ls") and c.params == {"re": {"population_size": 5}}
    # a searcher run again must keep its parameters
    with pytest.raises(InvalidInputError, match="params of re: .*5.* there, \\{\\} now"):
        run_study(StudyConfig(searchers=("re",), seeds=3, budget=15), tmp_path)
    with pytest.raises(InvalidInputError, match="budget: 15 there, 20 now"):
        run_study(StudyConfig(searchers=("rs",), seeds=2, budget=20), tmp_path)
