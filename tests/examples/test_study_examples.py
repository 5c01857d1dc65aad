"""The three paper-style study examples (examples/study_*.py) and the CLI form of their study files
(data/studies/*.toml), each at quick settings in its own working folder: they exit 0, write a
LaTeX table and PNG/PDF figures, and their numbers agree with the raw data files (read here with
pandas, not through naslab). The hardware-aware and time-budget studies read ../shared/data and
skip without it; NAS-Bench-Graph is embedded, so its tests always run."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
STUDIES = ROOT / "data" / "studies"
#: every study example, with the study files it runs and whether it needs ../shared/data
STUDY_EXAMPLES = {
    "study_hardware_aware.py": (
        ("hw_nsga2_analognas_pixel3.toml", "hw_nsga2_analognas_pixel3_constrained.toml"),
        True,
    ),
    "study_time_budget.py": (("time_budget_nb201_12ep_to_200ep.toml",), True),
    "study_nbgraph.py": (("nbgraph_valid_to_test.toml",), False),
}
LATENCY_CSV = SHARED_DATA / "nb201-latency" / "nb201_latency_ms_27_devices.csv"
T200_CSV = SHARED_DATA / "nb201-tables" / "nb201_200ep_test_time_zc.csv"
T12_CSV = SHARED_DATA / "nb201-tables" / "nb201_12ep_test_valid.csv"
needs_data = pytest.mark.skipif(
    not SHARED_DATA.is_dir(),
    reason=f"real data not found at {SHARED_DATA} (../shared/data beside the project)",
)


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env(), capture_output=True, text=True, timeout=300)


def run_example(name: str, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return run([sys.executable, str(EXAMPLES / name), *args], cwd)


def naslab_cli() -> list[str]:
    script = shutil.which("naslab", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-c", "from naslab.cli import main; main()"]


def check_latex_table(path: Path) -> None:
    """summary.tex is booktabs tabulars that LaTeX can take unchanged: every row has one cell per
    column, and no special character is left unescaped outside math."""
    text = path.read_text()
    blocks = re.findall(r"\\begin\{tabular\}\{([lrc]+)\}\n(.*?)\\end\{tabular\}", text, re.S)
    assert blocks, text
    assert text.count("\\begin{tabular}") == text.count("\\end{tabular}") == len(blocks)
    for spec, body in blocks:
        lines = body.strip().splitlines()
        assert lines[0] == "\\toprule" and lines[2] == "\\midrule" and lines[-1] == "\\bottomrule"
        for row in [lines[1], *lines[3:-1]]:
            assert row.endswith("\\\\"), row
            assert row.count("&") - row.count("\\&") == len(spec) - 1, row
    for line in text.splitlines():
        if line.startswith("%"):  # a comment line (the table's title)
            continue
        outside_math = re.sub(r"\$[^$]*\$", "", line)
        for ch in "_%#":
            assert not re.search(rf"(?<!\\){re.escape(ch)}", outside_math), line
        assert outside_math.count("{") == outside_math.count("}"), line


def check_figures(out: Path, stems: tuple[str, ...]) -> None:
    for stem in stems:
        png, pdf = out / f"{stem}.png", out / f"{stem}.pdf"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
        assert pdf.read_bytes()[:5] == b"%PDF-", pdf


def final_rows(traj: pd.DataFrame) -> pd.DataFrame:
    return traj.sort_values("step").groupby(["searcher", "seed"]).tail(1)


def test_study_examples_run_the_shipped_study_files():
    for name, (files, _) in STUDY_EXAMPLES.items():
        text = (EXAMPLES / name).read_text()
        for f in files:
            assert f in text and (STUDIES / f).is_file(), (name, f)


# --- hardware-aware NSGA-II, with and without a latency bound ------------------------------------


@pytest.fixture(scope="module")
def hardware_aware(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (../shared/data beside the project)")
    cwd = tmp_path_factory.mktemp("hw")
    return run_example("study_hardware_aware.py", cwd, "--quick", "--out", "out"), cwd / "out"


def test_hardware_aware_example_writes_paper_outputs(hardware_aware):
    r, out = hardware_aware
    assert r.returncode == 0, r.stderr[-3000:]
    for label in ("unconstrained", "constrained"):
        check_latex_table(out / label / "summary.tex")
        check_figures(out / label, ("best_vs_queries", "regret_vs_queries", "pareto"))
        assert f"LaTeX table: out/{label}/summary.tex" in r.stdout
    assert "how the bound latency_pixel3<=10 changed the search" in r.stdout


def test_hardware_aware_latencies_are_the_measured_pixel3_values(hardware_aware):
    r, out = hardware_aware
    assert r.returncode == 0, r.stderr[-3000:]
    pixel3 = pd.read_csv(LATENCY_CSV).set_index("arch_str")["pixel3"]
    for label in ("unconstrained", "constrained"):
        traj = pd.read_parquet(out / label / "trajectories.parquet")
        np.testing.assert_allclose(traj["obj:latency_pixel3"], pixel3[traj.arch].to_numpy())
        summary = json.loads((out / label / "summary.json").read_text())
        assert summary["config"]["objectives"] == ["baseline_accuracy", "latency_pixel3"]
        assert set(traj.searcher) == {"nsga2", "re", "rs"}
    free = pd.read_parquet(out / "unconstrained" / "trajectories.parquet")
    assert (free["obj:latency_pixel3"] > 10).any()  # the bound binds


def test_constrained_incumbents_always_meet_the_latency_bound(hardware_aware):
    r, out = hardware_aware
    assert r.returncode == 0, r.stderr[-3000:]
    traj = pd.read_parquet(out / "constrained" / "trajectories.parquet")
    pixel3 = pd.read_csv(LATENCY_CSV).set_index("arch_str")["pixel3"]
    assert (traj.feasible == (pixel3[traj.arch].to_numpy() <= 10)).all()
    assert (~traj.feasible).any()  # infeasible cells were queried, and charged
    for _, run_ in traj.groupby(["searcher", "seed"]):
        run_ = run_.sort_values("step")
        feasible = run_.search.where(run_.feasible).to_numpy()
        np.testing.assert_array_equal(run_.best_search, np.fmax.accumulate(feasible))
        # the incumbent at each step: the first feasible query holding the best value so far
        incumbent = [
            run_.arch[run_.feasible & (run_.search == b) & (run_.step <= s)].iloc[0]
            for s, b in zip(run_.step, run_.best_search, strict=True)
            if b == b
        ]
        assert (pixel3[incumbent].to_numpy() <= 10).all()
    summary = json.loads((out / "constrained" / "summary.json").read_text())
    assert summary["config"]["constraints"] == ["latency_pixel3<=10"]
    assert final_rows(traj).best_report.max() <= summary["benchmark"]["optimum"]


def test_hardware_aware_example_names_missing_data(tmp_path):
    r = run_example("study_hardware_aware.py", tmp_path, str(tmp_path / "nowhere"), "--quick")
    assert r.returncode == 1
    assert "data not found" in r.stderr and "NASLAB_SHARED_DATA" in r.stderr
    assert not any(tmp_path.iterdir())


# --- time budget: 12-epoch validation to 200-epoch test, measured training time as cost ----------


@pytest.fixture(scope="module")
def time_budget(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (../shared/data beside the project)")
    cwd = tmp_path_factory.mktemp("tb")
    return run_example("study_time_budget.py", cwd, "--quick", "--out", "out"), cwd / "out"


def test_time_budget_example_writes_paper_outputs(time_budget):
    r, out = time_budget
    assert r.returncode == 0, r.stderr[-3000:]
    check_latex_table(out / "summary.tex")
    check_figures(out, ("best_vs_time", "regret_vs_time", "best_vs_queries", "cd_diagram"))
    assert "best@3000s" in (out / "summary.tex").read_text()


def test_time_budget_costs_and_values_come_from_the_tables(time_budget):
    r, out = time_budget
    assert r.returncode == 0, r.stderr[-3000:]
    traj = pd.read_parquet(out / "trajectories.parquet")
    t200 = pd.read_csv(T200_CSV).set_index("arch_str")
    t12 = pd.read_csv(T12_CSV).set_index("cellstr")
    # each query costs the training time to epoch 12, not the 200-epoch total
    per_epoch = t200.loc[traj.arch, "cifar10_train_time_per_epoch_s"].to_numpy()
    np.testing.assert_allclose(traj.cost, 12 * per_epoch, rtol=1e-6)
    assert (traj.cost < t200.loc[traj.arch, "cifar10_train_time_total_s"].to_numpy()).all()
    # searched on the 12-epoch validation column, reported on the 200-epoch test column
    np.testing.assert_allclose(traj.search, t12.loc[traj.arch, "cifar10-val"], rtol=1e-6)
    np.testing.assert_allclose(traj.report, t200.loc[traj.arch, "cifar10_test_acc_200ep"], 1e-6)
    for _, run_ in traj.groupby(["searcher", "seed"]):
        np.testing.assert_allclose(run_.sim_time, run_.cost.cumsum(), rtol=1e-9)
        assert run_.sim_time.max() <= 3000
    assert set(traj.stop_reason) == {"time_budget"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["benchmark"]["optimum"] == pytest.approx(t200.cifar10_test_acc_200ep.max())


def test_time_budget_example_names_missing_data(tmp_path):
    r = run_example("study_time_budget.py", tmp_path, str(tmp_path / "nowhere"), "--quick")
    assert r.returncode == 1
    assert "data not found" in r.stderr and "NASLAB_SHARED_DATA" in r.stderr


# --- NAS-Bench-Graph: search on validation, report test (embedded: never skipped) ---------------


@pytest.fixture(scope="module")
def nbgraph(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    cwd = tmp_path_factory.mktemp("ng")
    return run_example("study_nbgraph.py", cwd, "--quick", "--out", "out"), cwd / "out"


def test_nbgraph_example_reports_test_of_the_best_by_validation(nbgraph):
    r, out = nbgraph
    assert r.returncode == 0, r.stderr[-3000:]
    check_latex_table(out / "summary.tex")
    check_figures(out, ("best_vs_queries", "regret_vs_queries", "cd_diagram"))
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["config"]["metric"], summary["config"]["report_metric"]) == (
        "valid_perf",
        "test_perf",
    )
    assert summary["benchmark"]["dataset"] == "cora"
    traj = pd.read_parquet(out / "trajectories.parquet")
    for _, run_ in traj.groupby(["searcher", "seed"]):
        run_ = run_.sort_values("step").reset_index(drop=True)
        best = run_.search.cummax()
        first_best = [int(np.flatnonzero(run_.search.to_numpy() == b)[0]) for b in best]
        np.testing.assert_array_equal(run_.best_report, run_.report.to_numpy()[first_best])
    assert "test_perf of the best-by-valid_perf architecture" in r.stdout


# --- the CLI form of each study file --------------------------------------------------------------

CLI_CASES = {
    "hw_nsga2_analognas_pixel3.toml": ("--budget", "30"),
    "hw_nsga2_analognas_pixel3_constrained.toml": ("--budget", "30"),
    "time_budget_nb201_12ep_to_200ep.toml": ("--time-budget", "2000"),
    "nbgraph_valid_to_test.toml": ("--budget", "20"),
}


@pytest.mark.parametrize("file", sorted(CLI_CASES))
def test_cli_runs_each_study_file(file, tmp_path):
    if file != "nbgraph_valid_to_test.toml" and not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (../shared/data beside the project)")
    args = ["compare", "--study", str(STUDIES / file), "--seeds", "2", *CLI_CASES[file]]
    r = run([*naslab_cli(), *args, "--out", "out"], tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    out = tmp_path / "out"
    for f in ("study.toml", "study.json", "summary.tex", "report.md", "trajectories.parquet"):
        assert (out / f).is_file(), f
    check_latex_table(out / "summary.tex")
    check_figures(out, ("best_vs_queries", "regret_vs_queries"))
    if file.startswith("hw_"):
        check_figures(out, ("pareto",))
    if file.startswith("time_budget"):
        check_figures(out, ("best_vs_time",))
    again = json.loads((out / "study.json").read_text())
    assert again["seeds"] == 2
