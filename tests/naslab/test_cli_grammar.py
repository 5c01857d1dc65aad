"""One CLI grammar: the same option names and short flags in every command, `--json` everywhere,
defaults visible in `--help`, `naslab --version`, `--study` and `--format` where a benchmark or a
summary table is involved, and plain progress lines when stderr is not a terminal."""

from __future__ import annotations

import json
import re
from importlib.metadata import version

import pytest
import typer
from rich.text import Text
from typer.testing import CliRunner

from naslab.cli import app

runner = CliRunner()
ROOT = typer.main.get_command(app)

#: The shared grammar (naslab._cli_common): long name -> its short flag (None: none).
GRAMMAR = {
    "--bench": "-b",
    "--path": None,
    "--option": None,
    "--study": None,
    "--dataset": "-d",
    "--metric": "-m",
    "--seed": None,
    "--workers": "-w",
    "--out": "-o",
    "--json": None,
    "--format": "-f",
}


def _commands(cmd=ROOT, path: tuple[str, ...] = ()):  # noqa: ANN001 - typer's own click
    if hasattr(cmd, "commands"):
        for name, sub in cmd.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield path, cmd


COMMANDS = list(_commands())
IDS = [" ".join(p) for p, _ in COMMANDS]


def _options(cmd) -> list:  # noqa: ANN001 - typer's vendored click command and options
    return [p for p in cmd.params if p.param_type_name == "option" and not p.hidden]


def test_the_tree_is_all_there():
    names = set(IDS)
    assert {"compare", "correlate predictors", "correlate scores", "correlate proxies"} <= names
    assert {"predictor train", "predictor predict", "zerocost score", "bench query"} <= names


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=IDS)
def test_every_command_has_json(path, cmd):
    assert any("--json" in o.opts for o in _options(cmd)), f"naslab {' '.join(path)} lacks --json"


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=IDS)
def test_same_names_and_short_flags_everywhere(path, cmd):
    for o in _options(cmd):
        longs = [x for x in o.opts if x.startswith("--")]
        shorts = [x for x in o.opts if not x.startswith("--")]
        for long in longs:
            if long in GRAMMAR:
                want = GRAMMAR[long]
                assert shorts == ([want] if want else []), f"{' '.join(path)} {long} has {shorts}"
        for short in shorts:  # a shared short flag means only its shared option
            owner = [k for k, v in GRAMMAR.items() if v == short]
            if owner:
                assert owner[0] in longs, f"{' '.join(path)}: {short} is {longs}, not {owner[0]}"


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=IDS)
def test_help_texts_are_not_eaten_by_markup(path, cmd):
    """Square brackets in a help text are rich markup: '[default: x]' in a help string
    vanishes from --help. Every help text must render as written (escaped brackets allowed)."""
    texts = [("(command)", cmd.help or "")]
    texts += [(o.opts[0], o.help or "") for o in _options(cmd)]
    for name, text in texts:
        assert Text.from_markup(text).plain == text.replace("\\[", "["), (path, name, text)


def _rendered_help(path: tuple[str, ...]) -> str:
    r = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert r.exit_code == 0, r.output
    return r.output


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=IDS)
def test_help_shows_defaults(path, cmd):
    out = _rendered_help(path)
    body = " ".join(line.strip(" │") for line in out.splitlines())
    body = re.sub(r"\s+", " ", body)
    for line in out.splitlines():
        assert not re.search(r"\s\.\s*│?\s*$", line), f"eaten text in: {line!r}"
    for o in _options(cmd):
        if o.show_default is False or o.default in (None, False, ()) or o.is_flag:
            continue
        if isinstance(o.default, list | tuple) and not o.default:
            continue
        shown = o.default if not isinstance(o.default, list | tuple) else ", ".join(o.default)
        assert f"[default: {shown}]" in body, f"{' '.join(path)} {o.opts[0]}: no default shown"


def test_version_prints_the_installed_version():
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0
    assert r.stdout.strip() == f"naslab {version('naslab')}"


def _predictors(tmp_path, *extra):
    return runner.invoke(
        app,
        ["correlate", "predictors", "--predictors", "xgb[n_estimators=5]", "--train-sizes",
         "20,40", "--trials", "3", "--test-size", "100", "--out", str(tmp_path / "cp"), *extra],
    )  # fmt: skip


def test_correlate_predictors_json_names_the_interval_and_uses_student_t(tmp_path):
    from scipy import stats

    r = _predictors(tmp_path, "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["ci"] == "95% Student t over trials" and out["benchmark"] == [{"name": "analognas"}]
    row = out["rows"][0]
    t = stats.t.ppf(0.975, row["trials"] - 1)
    assert row["spearman_ci95"] == pytest.approx(t * row["spearman_std"] / row["trials"] ** 0.5)
    assert row["ci"] == "95% Student t over trials"
    # not a terminal: plain progress lines on stderr, none on stdout
    assert re.search(r"^fits 6/6 \(100%\), elapsed \d+:\d\d$", r.stderr, re.M), r.stderr
    assert "fits" not in r.stdout


@pytest.mark.parametrize(
    ("fmt", "first", "marker"),
    [
        ("latex", "% analognas / cifar10 / baseline_accuracy", "\\begin{tabular}{lrr}"),
        ("markdown", "**analognas / cifar10 / baseline_accuracy", "| spearman | n=20 | n=40 |"),
        ("csv", "spearman,n=20,n=40", "xgb[n_estimators=5],"),
    ],
)
def test_correlate_predictors_format(tmp_path, fmt, first, marker):
    r = _predictors(tmp_path, "--format", fmt)
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0].startswith(first) and marker in r.stdout
    assert "95% Student t over trials" in (tmp_path / "cp" / "summary.md").read_text()


def test_unknown_format_is_one_clear_error(tmp_path):
    r = _predictors(tmp_path, "-f", "html")
    assert r.exit_code == 2
    assert "--format must be one of text, markdown, latex, csv, got 'html'" in r.output
    assert not (tmp_path / "cp").exists()


def _study(tmp_path, body: str = ""):
    p = tmp_path / "study.toml"
    p.write_text(
        '[[benchmark]]\nname = "analognas"\n\n[study]\ndataset = "cifar10"\n'
        'metric = "analog_accuracy"\n' + body
    )
    return p


def test_study_file_gives_benchmark_dataset_and_metric(tmp_path):
    study = _study(tmp_path)
    r = _predictors(tmp_path, "--study", str(study), "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert (out["dataset"], out["metric"]) == ("cifar10", "analog_accuracy")
    r = runner.invoke(
        app,
        ["predictor", "train", "--study", str(study), "--predictor", "xgb", "-p",
         "n_estimators=5", "--n", "30", "--test-size", "50", "-o", str(tmp_path / "m.pt"),
         "--json", "-m", "baseline_accuracy"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)
    assert rep["metric"] == "baseline_accuracy"  # the command line wins over the study file
    assert rep["benchmark"] == [{"name": "analognas"}]


def test_study_and_bench_together_is_one_clear_error(tmp_path):
    r = _predictors(tmp_path, "--study", str(_study(tmp_path)), "-b", "analognas")
    assert r.exit_code == 2
    assert "names the benchmark; drop --bench" in r.output


def test_option_reaches_the_benchmark_loader(tmp_path):
    r = _predictors(tmp_path, "--option", "nosuch=1")
    assert r.exit_code == 2 and "nosuch" in r.output


def test_correlate_scores_json_and_format(tmp_path):
    from tests.conftest import shared_file

    path = shared_file("naslib-zc", "zc_nasbench201.json")
    args = ["correlate", "scores", "--path", str(path), "-d", "cifar10", "--scores", "synflow"]
    args += ["--resamples", "20", "--out", str(tmp_path / "cs")]
    r = runner.invoke(app, [*args, "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["ci"] == "95% bootstrap over architectures"
    assert [(x["dataset"], x["score"]) for x in out["rows"]] == [("cifar10", "synflow")]
    assert (tmp_path / "cs" / "scatter.png").stat().st_size > 0
    r = runner.invoke(app, [*args, "-f", "csv"])
    assert r.exit_code == 0 and r.stdout.splitlines()[0] == "score,cifar10"


@pytest.mark.parametrize(
    "argv",
    [
        ["bench", "list"],
        ["bench", "info", "analognas"],
        ["searcher", "list"],
        ["space", "list"],
        ["predictor", "list"],
        ["predictor", "info", "xgb"],
        ["zerocost", "list"],
    ],
    ids=" ".join,
)
def test_json_parses(argv):
    r = runner.invoke(app, [*argv, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)
