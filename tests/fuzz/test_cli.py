"""Every `naslab` command with random and garbled argument values: each run ends in success or
one clear error (a naslab `error:` line, or typer's usage error, exit code 2), never an untyped
exception or a traceback. Values are drawn so that a well-formed run is tiny (a budget of a few
queries, three architectures, a handful of bootstrap resamples)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from nas_core import spaces
from naslab.cli import app
from tests.conftest import SHARED_DATA
from tests.fuzz.conftest import COMMAND
from tests.fuzz.strategies import TEXT

runner = CliRunner()
GARBLE = st.one_of(TEXT, st.sampled_from(["-1", "0", "nan", "inf", "1e999", "", "x", "--json"]))


def some(**options: st.SearchStrategy) -> st.SearchStrategy[list[str]]:
    """argv fragments: each option present or not, with a value from its strategy (or garbage)."""
    parts = [
        st.one_of(st.just([]), st.builds(lambda v, k=k: [k, v], st.one_of(s, GARBLE)))
        for k, s in options.items()
    ]
    return st.tuples(*parts).map(lambda ps: [a for p in ps for a in p])


def choose(*values: object) -> st.SearchStrategy[str]:
    return st.sampled_from([str(v) for v in values])


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory):
    """A scratch working directory (relative --out values land here), with input files."""
    d = tmp_path_factory.mktemp("fuzz_cli")
    sp = spaces.get("nb201")
    idx = np.arange(0, 15625, 390)
    archs = sp.archs_at(idx)
    pd.DataFrame(
        {
            "index": idx,
            "ops": [",".join(map(str, a.ops)) for a in archs],
            "status": "ok",
            "synflow": np.linspace(0, 1, len(idx)),
            "synflow_seconds": 0.01,
        }
    ).to_parquet(d / "scores.parquet", index=False)
    (d / "garbage.bin").write_bytes(bytes(range(256)) * 4)
    (d / "archs.txt").write_text("0\n15624\n(0,1,2,3,4,0)\n")
    rng = np.random.default_rng(0)
    np.savez(  # images under names of its own: loaded with npz:imgs.npz?x=images&y=labels
        d / "imgs.npz",
        images=rng.integers(0, 255, (16, 32, 32, 3)).astype(np.uint8),
        labels=np.arange(16) % 4,
        floats=rng.random(16),
    )
    (d / "study.toml").write_text(
        '[[benchmark]]\nname = "analognas"\n\n[study]\ndataset = "cifar10"\n'
        'metric = "baseline_accuracy"\n'
    )
    (d / "bad.toml").write_text("[[benchmark]\nname = ")
    (d / "nobench.toml").write_text('[study]\nmetric = "x"\n')
    (d / "table.csv").write_text(
        "cell,acc\n" + "".join(f"{sp.to_str(a)},{90 - i}\n" for i, a in enumerate(archs[:5]))
    )
    old = os.getcwd()
    os.chdir(d)
    try:
        r = runner.invoke(
            app,
            ["predictor", "train", "--predictor", "xgb", "--n", "20", "--test-size", "20"]
            + ["--out", str(d / "model.pt")],
        )
        assert r.exit_code == 0, r.output
        yield d
    finally:
        os.chdir(old)


def check(argv: list[str]) -> None:
    r = runner.invoke(app, argv)
    shown = f"naslab {' '.join(map(repr, argv))}\n{r.output}"
    assert r.exception is None or isinstance(r.exception, SystemExit), (
        f"{type(r.exception).__name__}: {r.exception}\n{shown}"
    )
    assert "Traceback" not in r.output, shown
    assert r.exit_code in (0, 1, 2), shown
    if r.exit_code == 2:  # a usage error says what was wrong
        assert "error" in r.output.lower() or "usage" in r.output.lower(), shown


FILES = ("scores.parquet", "garbage.bin", "archs.txt", "table.csv", "missing.json", ".")
STUDIES = ("study.toml", "bad.toml", "nobench.toml", "missing.toml", "garbage.bin", ".")
FORMATS = ("text", "markdown", "latex", "csv", "html", "")
OPTIONS = ("preset=nb201-latency", "x=1", "=", "epochs=[12,200]", "path=missing.csv")
OUTS = ("out", "out.csv", "out.parquet", "garbage.bin", ".", "sub/dir/x.parquet")


@COMMAND
@given(
    cmd=st.sampled_from(["list", "info", "query", "export"]),
    name=choose("analognas", "table", "analogna", "suite-zero", ""),
    archs=st.lists(
        st.one_of(TEXT, choose("0", "15624", "(0,1,2,3,4,0)", "(2.9,2,0,2,2,3)")), max_size=3
    ),
    rest=some(
        **{
            "--path": choose(*FILES),
            "--option": choose(
                "arch_column=cell", "columns=acc=c10/acc", "x=1", "=", "space=nbgraph"
            ),
            "-d": choose("cifar10", "c10", "x"),
            "-m": choose("baseline_accuracy", "acc", "x"),
            "--epoch": choose(0, 12, 200, -1),
            "--to": choose(*OUTS),
            "--out": choose(*OUTS),
            "-o": choose(*OUTS),
        }
    ),
    as_json=st.booleans(),
)
def test_bench(work, cmd, name, archs, rest, as_json) -> None:
    argv = ["bench", cmd]
    if cmd != "list":
        argv.append(name)
    if cmd == "query":
        argv += archs
    keep = {"info": ("--path", "--option"), "query": ("--path", "--option", "-d", "-m", "--epoch")}
    allowed = keep.get(cmd, ("--path", "--option", "--to", "--out", "-o"))
    pairs = [rest[i : i + 2] for i in range(0, len(rest), 2)]
    argv += [a for p in pairs if p[0] in allowed for a in p]
    check(argv + (["--json"] if as_json and cmd != "export" else []))


@COMMAND
@given(
    rest=some(
        **{
            "--bench": choose("analognas", "nope", "table"),
            "--searchers": choose("rs", "rs,re", "ls", "nope", "rs,rs", ""),
            "--seeds": choose(1, 2, 0, -1),
            "--base-seed": choose(0, 3, -1),
            "--budget": choose(3, 5, 0, -2),
            "--time-budget": choose(0.5, 2, 4, 0, -1),
            "--metric": choose("baseline_accuracy", "x"),
            "--objectives": choose("baseline_accuracy,analog_accuracy", "x,y"),
            "--param": choose("re.population_size=4", "re.population_size=-1", "rs.x=1", "x"),
            "--dataset": choose("cifar10", "c10"),
            "--workers": choose(1, 0, -1),
            "--executor": choose("local", "nope"),
        }
    ),
)
def test_compare(work, rest) -> None:
    base = ["--seeds", "1", "--budget", "3", "-w", "1"]  # small unless the draw overrides
    check(["compare", *base, *rest, "--out", str(work / "cmp"), "--fresh"])


@COMMAND
@given(
    rest=some(
        **{
            "--predictors": choose(
                "xgb",
                "rf",
                "nope",
                "xgb[n_estimators=-5]",
                "xgb[n_estimators=3]",
                "xgb[",
                "xgb,xgb",
            ),
            "--train-sizes": choose("20", "5,10", "abc", "-3", "0", "100000", ","),
            "--trials": choose(1, 0, -1),
            "--test-size": choose(50, 0, -1, 10**9),
            "--features": choose("none", "zc", "x"),
            "--metric": choose("baseline_accuracy", "x"),
            "--seed": choose(0, -1),
            "--workers": choose(1, 0),
            "--threads": choose(1, 0, -1),
            "--bench": choose("analognas", "nope"),
            "--option": choose(*OPTIONS),
            "--study": choose(*STUDIES),
            "--dataset": choose("cifar10", "x"),
            "--format": choose(*FORMATS),
        }
    ),
    as_json=st.booleans(),
)
def test_correlate_predictors(work, rest, as_json) -> None:
    base = ["--predictors", "xgb[n_estimators=3]", "--train-sizes", "20", "--trials", "1"]
    base += ["--test-size", "50"]
    json_flag = ["--json"] if as_json else []
    check(["correlate", "predictors", *base, *rest, *json_flag, "--out", str(work / "cp")])


@COMMAND
@given(
    rest=some(
        **{
            "--path": choose(*FILES, SHARED_DATA / "naslib-zc" / "zc_nasbench201.json"),
            "--datasets": choose("cifar10", "x", ","),
            "--metric": choose("val_accuracy", "x"),
            "--scores": choose("synflow", "x", ","),
            "--resamples": choose(3, 0, -1),
            "--seed": choose(0, -1),
            "--bench": choose("suite-zero", "analognas", "nope"),
            "--option": choose(*OPTIONS),
            "--study": choose(*STUDIES),
            "-d": choose("cifar10", "x", ","),
            "--format": choose(*FORMATS),
        }
    ),
    as_json=st.booleans(),
)
def test_correlate_scores(work, rest, as_json) -> None:
    base = ["--resamples", "3", "--scores", "synflow", "--datasets", "cifar10"]
    json_flag = ["--json"] if as_json else []
    check(["correlate", "scores", *base, *rest, *json_flag, "--out", str(work / "cs")])


@COMMAND
@given(
    rest=some(
        **{
            "--scores": choose(*FILES),
            "--bench": choose("analognas", "nope", "table"),
            "--dataset": choose("cifar10", "x"),
            "--metric": choose("baseline_accuracy", "x"),
            "--bench-path": choose(*FILES),
            "--preset": choose("nb201-latency", "x"),
            "--path": choose(*FILES),
            "--option": choose(*OPTIONS),
            "--study": choose(*STUDIES),
            "--format": choose(*FORMATS),
            "--top-k": choose(0.1, 5, 40, 41, 1.5, 0, -1),
            "--resamples": choose(5, 0, -1),
            "--seed": choose(0, -1),
            "--out": choose(*OUTS),
        }
    ),
    flags=st.lists(st.sampled_from(["--exclude-disconnected", "--json"]), unique=True),
)
def test_correlate_proxies(work, rest, flags) -> None:
    check(["correlate", "proxies", "--scores", "scores.parquet", "--resamples", "5", *rest, *flags])


@COMMAND
@given(
    cmd=st.sampled_from(["list", "train", "predict"]),
    archs=st.lists(
        st.one_of(TEXT, choose("0", "15624", "(0,1,2,3,4,0)", "(2.9,2,0,2,2,3)")), max_size=3
    ),
    model=choose("model.pt", "garbage.bin", "missing.pt", "."),
    rest=some(
        **{
            "--predictor": choose("xgb", "rf", "nope", ""),
            "--n": choose(20, 0, -1, 10**6),
            "--test-size": choose(20, 0, 1, -1),
            "--param": choose("n_estimators=3", "n_estimators=-5", "learning_rate=abc", "x", "="),
            "--seed": choose(0, -1),
            "--features": choose("none", "x"),
            "--out": choose(*OUTS, "m.pt"),
            "--option": choose(*OPTIONS),
            "--study": choose(*STUDIES),
            "--top-k": choose(0.05, 5, 0, -1, 10**6),
            "-m": choose("baseline_accuracy", "analog_accuracy", "x"),
            "--format": choose(*FORMATS),
        }
    ),
    top=choose(0, 3, -1),
)
def test_predictor(work, cmd, archs, model, rest, top) -> None:
    if cmd == "list":
        check(["predictor", "list"])
    elif cmd == "train":
        check(["predictor", "train", "--predictor", "xgb", "--n", "20", "--test-size", "20", *rest])
    else:
        fmt = [a for i in range(0, len(rest), 2) if rest[i] == "--format" for a in rest[i : i + 2]]
        check(["predictor", "predict", model, *archs, "--top", top, *fmt])


@COMMAND
@given(
    rest=some(
        **{
            "--space": choose("nb201", "nbgraph", "nope"),
            "--proxies": choose("params", "synflow", "nope", "params,params", ","),
            "--archs": choose(3, 0, -1, "archs.txt", "garbage.bin", "missing.txt"),
            "--data": choose(
                "digits",
                "npz:garbage.bin",
                "cifar10:.",
                "npz:",
                "x",
                "npz:imgs.npz?x=images&y=labels",
                "npz:imgs.npz?x=images&y=labels&classes=10",
                "npz:imgs.npz?x=images&y=labels&classes=2",
                "npz:imgs.npz?x=images&y=floats",
                "npz:imgs.npz?x=nope&y=labels",
                "npz:imgs.npz?q=1",
                "npz:imgs.npz?x=",
                "npz:imgs.npz?",
                "npz:imgs.npz",
                "npz:missing.npz?x=a&y=b",
            ),
            "--batch-size": choose(8, 0, -1, 10**6),
            "--seed": choose(0, -1),
            "--workers": choose(1, 0),
            "--executor": choose("local", "x"),
            "--chunk-size": choose(2, 0, -1),
            "--threads": choose(1, 0, -1),
            "--out": choose("s.parquet", "garbage.bin", ".", "sub/s.parquet"),
        }
    ),
    as_json=st.booleans(),
)
def test_zerocost(work, rest, as_json) -> None:
    base = ["--archs", "3", "--proxies", "params", "--batch-size", "8"]
    check(["zerocost", "score", *base, *rest, *(["--json"] if as_json else [])])
    check(["zerocost", "list", *(["--json"] if as_json else [])])
