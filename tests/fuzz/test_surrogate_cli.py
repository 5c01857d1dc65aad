"""`naslab surrogate` fed garbled arguments: the `--param` / `--ood` parsers return a valid value
or raise a naslab error, and `surrogate fit` / `surrogate audit` end in success or one clear
error (exit 2), never a traceback. A well-formed fit is tiny (a few architectures, no audit)."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.conftest import COMMAND, PARSER, naslab_only
from tests.fuzz.strategies import KEY_VALUES, TEXT
from tests.fuzz.test_cli import check, choose, some

pytest.importorskip("predictors")
_count = itertools.count()


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory):
    """A scratch folder holding a file and a used folder (fit must refuse both as --out)."""
    d = tmp_path_factory.mktemp("fuzz_surrogate")
    (d / "garbage.bin").write_bytes(bytes(range(256)))
    return d


@PARSER
@given(items=st.one_of(KEY_VALUES, st.lists(TEXT, max_size=3)))
def test_param_parser(items: list[str]) -> None:
    from naslab.cli_surrogate import parse_params

    params, err = naslab_only(parse_params, items)
    if err is None:
        assert len(params) == len(items)
        assert all(k.isidentifier() for k in params)
        json.dumps(params, allow_nan=False)  # plain data: it goes into the manifest


@PARSER
@given(text=st.one_of(TEXT, choose("top", "region", "top,region", "none", "top,,top", "left")))
def test_ood_parser(text: str) -> None:
    from naslab.cli_surrogate import parse_ood
    from naslab.surrogate_report import OOD_KINDS

    kinds, err = naslab_only(parse_ood, text)
    if err is None:
        assert set(kinds) <= set(OOD_KINDS) and len(set(kinds)) == len(kinds)


@COMMAND
@given(
    rest=some(
        **{
            "--bench": choose("analognas", "nope", "table", ""),
            "--dataset": choose("cifar10", "c10", ""),
            "--metric": choose("baseline_accuracy", "analog_accuracy", "x", ""),
            "--model": choose("xgb", "ridge", "rf", "ensemble", "nope", ""),
            "--param": choose(
                "n_estimators=5",
                "n_estimators=-1",
                "alpha=2",
                "x",
                "=1",
                "n_estimators=NaN",
                "base=ridge",
                "seed=[1]",
            ),  # fmt: skip
            "--train-size": choose(5, 12, 40, 0, -1, 20000),
            "--seed": choose(0, 3, -1),
            "--cost-metric": choose("baseline_accuracy", "x"),
        }
    ),
    out=st.sampled_from(["new", "used", "file"]),
)
def test_fit(work, rest, out: str) -> None:
    target = {"new": work / f"fit{next(_count)}", "used": work, "file": work / "garbage.bin"}
    base = ["--model", "ridge", "--train-size", "10"]  # small unless the draw overrides
    check(["surrogate", "fit", *base, *rest, "--out", str(target[out]), "--no-audit"])


@COMMAND
@given(
    rest=some(
        **{
            "--ood": choose("top", "region", "none", "left", ""),
            "--region": choose("nb201:nor_conv_3x3>=3", "conv>=3", "nb201:x>=1", ""),
            "--resamples": choose(1, 0, -3),
            "--searchers": choose("rs", "rs,nope", ""),
            "--traj-seeds": choose(1, 0),
            "--traj-budget": choose(5, 1, 0),
            "--figures": choose("png", "gif", ""),
            "--metric": choose("baseline_accuracy", "x"),
            "--bench": choose("analognas", "nope"),
        }
    ),
    folder=choose("missing", "garbage.bin", "."),
)
def test_audit_options(work, rest, folder: str) -> None:
    """Options are checked before the folder is read; none of these folders is a surrogate."""
    check(["surrogate", "audit", str(work / folder), *rest])
