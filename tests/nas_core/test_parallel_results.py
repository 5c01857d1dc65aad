from __future__ import annotations

import pandas as pd
import pytest

from nas_core import InvalidInputError, UnknownNameError
from nas_core.errors import NaslabError
from nas_core.parallel import make_executor
from nas_core.registry import Registry
from nas_core.results import ResultLog


def _square(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x * x


@pytest.mark.parametrize("workers", [1, 2])
def test_executor_returns_results_and_exceptions(workers):
    with make_executor("local", workers=workers) as ex:
        out = dict(ex.map_unordered(_square, range(5)))
    assert {k: v for k, v in out.items() if k != 3} == {0: 0, 1: 1, 2: 4, 4: 16}
    assert isinstance(out[3], ValueError)


def test_executor_bad_input():
    with pytest.raises(UnknownNameError, match="local"):
        make_executor("slurm")
    with pytest.raises(InvalidInputError):
        make_executor("local", workers=0)


def test_result_log_appends_and_resumes(tmp_path):
    log = ResultLog(tmp_path / "runs")
    assert log.read().empty and log.done(["a"]) == set()
    log.append(pd.DataFrame({"a": [1, 1], "b": [2, 3]}))
    log.append(pd.DataFrame({"a": [2], "b": [4]}))
    assert len(log.read()) == 3
    assert ResultLog(tmp_path / "runs").done(["a"]) == {(1,), (2,)}
    assert not list((tmp_path / "runs").glob(".*tmp"))
    assert list(log.read(["b"]).columns) == ["b"]
    again = ResultLog(tmp_path / "runs")  # a resumed run numbers its parts after the old ones
    again.append(pd.DataFrame({"a": [3], "b": [5]}))
    assert again.read()["b"].tolist() == [2, 3, 4, 5]
    assert again.done(["a", "b"]) == {(1, 2), (1, 3), (2, 4), (3, 5)}


def test_registry_duplicates_and_suggestions():
    r: Registry[int] = Registry("widget")
    r.register("alpha")(1)
    with pytest.raises(NaslabError, match="already registered"):
        r.register("alpha")(2)
    with pytest.raises(KeyError, match="Did you mean 'alpha'"):
        r.get("alpah")
