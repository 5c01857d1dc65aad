"""Every parser of user input, fed garbled input: it returns a valid value or raises a naslab
error; nothing else (no TypeError, ValueError, KeyError, IndexError, RecursionError...)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nas_core import spaces
from nas_core.arch import Arch
from tests.fuzz.conftest import PARSER, naslab_only
from tests.fuzz.strategies import ARCH_INPUT, ARRAYS, KEY_VALUES, NUMBERS, TEXT


def _space(name: str):
    if name == "nbgraph":
        pytest.importorskip("nas_bench_graph", reason="space nbgraph needs nas-bench-graph")
    return spaces.get(name)


@pytest.mark.parametrize("name", ["nb201", "nbgraph"])
@PARSER
@given(obj=ARCH_INPUT)
def test_space_parse(name: str, obj) -> None:
    space = _space(name)
    arch, _ = naslab_only(space.parse, obj)
    if arch is not None:  # whatever it read, it is a member, and reads back the same
        assert isinstance(arch, Arch) and arch.space == name
        i = space.index(arch)
        assert 0 <= i < space.size
        assert space.index(space.parse(space.to_str(arch))) == i


@pytest.mark.parametrize("name", ["nb201", "nbgraph"])
@PARSER
@given(text=TEXT)
def test_space_parse_text(name: str, text: str) -> None:
    space = _space(name)
    arch, _ = naslab_only(space.parse, text)
    if arch is not None:
        assert 0 <= space.index(arch) < space.size


@pytest.mark.parametrize("name", ["nb201", "nbgraph"])
@PARSER
@given(arr=ARRAYS)
def test_space_indices_of_arrays(name: str, arr: np.ndarray) -> None:
    """Batch lookups: every index returned is a member's (no wrap-around, no truncation)."""
    space = _space(name)
    idx, _ = naslab_only(space.indices, arr)
    if idx is not None:
        assert idx.dtype == np.int64
        assert ((idx >= 0) & (idx < space.size)).all()
        if arr.dtype.kind == "f":
            assert (arr == np.floor(arr)).all()  # a float array is read only when integral


@PARSER
@given(arr=ARRAYS, metric=st.sampled_from(["baseline_accuracy", "x", ""]))
def test_benchmark_query(arr: np.ndarray, metric: str) -> None:
    import benchmarks

    bench = benchmarks.load("analognas")
    out, _ = naslab_only(bench.query, arr, metric)
    if out is not None:
        assert np.isfinite(out).all()


# --- table benchmark: the column mapping ---------------------------------------------------
@PARSER
@given(text=TEXT, defaults=st.lists(TEXT, max_size=2))
def test_table_parse_spec(text: str, defaults: list[str]) -> None:
    from benchmarks import table

    keys, _ = naslab_only(table.parse_spec, text, defaults)
    for d, m, e, _s in keys or []:
        assert isinstance(d, str) and m and (e is None or isinstance(e, int))


@PARSER
@given(text=TEXT, columns=st.lists(TEXT, max_size=4))
def test_table_parse_and_expand_columns(text: str, columns: list[str]) -> None:
    from benchmarks import table

    mapping, _ = naslab_only(table.parse_columns, text)
    if mapping is not None:
        naslab_only(table.expand_columns, mapping, columns, "fuzz.csv", "cell")


@pytest.fixture(scope="module")
def tiny_csv(tmp_path_factory: pytest.TempPathFactory):
    import pandas as pd

    space = spaces.get("nb201")
    p = tmp_path_factory.mktemp("fuzz_table") / "t.csv"
    pd.DataFrame(
        {
            "cell": [space.to_str(space.from_index(i)) for i in (1, 2, 3)],
            "idx": [1, 2, 3],
            "acc": [90.0, 80.0, 70.0],
            "lat": [1.0, 2.0, 3.0],
            "note": ["a", "b", "c"],
        }
    ).to_csv(p, index=False)
    return p


@PARSER
@given(
    columns=st.one_of(
        TEXT,
        st.sampled_from(["acc=c10/acc", "acc=acc", "{x}=c10/{x}", "acc=c10/acc@x", "note=c10/n"]),
    ),
    arch_column=st.sampled_from(["cell", "idx", "acc", "nope", ""]),
    arch_format=st.sampled_from([None, "auto", "str", "space-index", "mapped-index", "x"]),
    dataset=st.one_of(st.none(), TEXT),
)
def test_table_load(tiny_csv, columns, arch_column, arch_format, dataset) -> None:
    import benchmarks

    opts = {"path": str(tiny_csv), "space": "nb201", "arch_column": arch_column}
    opts.update({"columns": columns, "arch_format": arch_format, "dataset": dataset})
    bench, _ = naslab_only(benchmarks.load, "table", **{k: v for k, v in opts.items() if v})
    if bench is not None:
        for d in bench.datasets:
            for m in bench.metrics(d):
                naslab_only(bench.optimum, m.name, d)


# --- benchmark options --------------------------------------------------------------------
@PARSER
@given(
    name=st.sampled_from(["analognas", "table", "nb201", "suite-zero", "nbgraph", "analogna"]),
    options=KEY_VALUES,
    path=st.one_of(st.none(), TEXT),
)
def test_benchmark_options(name: str, options: list[str], path: str | None) -> None:
    """`naslab bench ... --option KEY=VALUE --path P`, parsed then given to the loader."""
    from naslab.cli_bench import _load, _parse_options

    naslab_only(_parse_options, path, options)
    if name in ("nbgraph", "nb201") and not options and path is None:
        return  # a full real load: not a parser's job, and slow
    naslab_only(_load, name, path, options, "info")


# --- study specs ------------------------------------------------------------------------
PREDICTOR_SPECS = st.one_of(
    TEXT,
    st.builds(
        lambda name, items: f"{name}[{','.join(items)}]",
        st.sampled_from(["xgb", "rf", "gp", "mlp", "gin", "nope", ""]),
        st.lists(
            st.builds(
                lambda k, v: f"{k}={v}",
                st.sampled_from(["n_estimators", "learning_rate", "max_depth", "hidden", "x", ""]),
                st.one_of(NUMBERS.map(str), TEXT),
            ),
            max_size=3,
        ),
    ),
)


@PARSER
@given(text=st.lists(PREDICTOR_SPECS, max_size=3).map(",".join))
def test_correlate_predictor_specs(text: str) -> None:
    """`naslab correlate predictors --predictors 'xgb[n_estimators=...],...'`: every spec is
    parsed and its predictor created with its parameters validated (not fitted)."""
    import predictors
    from naslab import correlate as C

    specs, _ = naslab_only(C.split_specs, text)
    for spec in specs or []:
        parsed, _ = naslab_only(C.parse_spec, spec)
        if parsed is not None:
            name, params = parsed
            naslab_only(predictors.create, name, space=spaces.get("nb201"), **params)


@PARSER
@given(items=KEY_VALUES)
def test_predictor_params(items: list[str]) -> None:
    """`naslab predictor train -p key=value`."""
    from naslab.cli_predictor import _params

    params, _ = naslab_only(_params, items)
    assert params is None or isinstance(params, dict)


@PARSER
@given(
    items=st.lists(
        st.one_of(
            TEXT,
            st.builds(
                lambda s, k, v: f"{s}.{k}={v}",
                st.sampled_from(["re", "rs", "tpe", "ls", "x"]),
                st.sampled_from(["population_size", "sample_size", "x", ""]),
                st.one_of(NUMBERS.map(str), TEXT),
            ),
        ),
        max_size=3,
    )
)
def test_compare_params(items: list[str]) -> None:
    """`naslab compare --param SEARCHER.NAME=VALUE`: parsed, then checked by resolve."""
    from naslab.cli_compare import _params
    from naslab.compare import StudyConfig, resolve

    params, _ = naslab_only(_params, items)
    if params:
        searchers = tuple(sorted(params)) if all(params) else ("rs",)
        cfg = StudyConfig(bench="analognas", searchers=searchers, seeds=1, budget=5, params=params)
        naslab_only(resolve, cfg)


@PARSER
@given(spec=st.one_of(TEXT, st.sampled_from(["digits:", "cifar10:", "npz:", "npz:/nonexistent"])))
def test_image_data_spec(spec: str) -> None:
    """`naslab zerocost score --data SPEC`."""
    from nas_core import data

    if spec.strip() == "digits":
        return  # a real load
    naslab_only(data.load, spec)


@PARSER
@given(spec=st.one_of(TEXT, st.integers(-5, 20).map(str)), seed=st.integers(0, 2**31))
def test_archs_spec(spec: str, seed: int) -> None:
    """`naslab zerocost score --archs SPEC` ('all', a count, or a file of architectures)."""
    from zerocost.runner import select_archs

    if spec.strip() == "all":
        return
    archs, _ = naslab_only(select_archs, spaces.get("nb201"), spec, seed)
    assert archs is None or all(a.space == "nb201" for a in archs)


@PARSER
@given(
    lines=st.lists(st.one_of(TEXT, st.sampled_from(["0", "15624", "(0,1,2,3,4,0)"])), max_size=5)
)
def test_archs_file(tmp_path_factory: pytest.TempPathFactory, lines: list[str]) -> None:
    from zerocost.runner import select_archs

    p = tmp_path_factory.mktemp("archs") / "archs.txt"
    p.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    naslab_only(select_archs, spaces.get("nb201"), str(p), 0)


@PARSER
@given(text=TEXT)
def test_proxy_names(text: str) -> None:
    """`naslab zerocost score --proxies A,B`."""
    from zerocost import parse_names

    naslab_only(parse_names, text)
