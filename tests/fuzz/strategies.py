"""Hypothesis strategies for garbled user input: text a user might type or paste, numbers at the
edges (negative, zero, huge, nan, inf), and structures of the wrong shape."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

EDGE_INTS = st.sampled_from(
    [0, 1, -1, 2, 5, 6, 7, 8, 9, 15624, 15625, 26206, 2**31, -(2**63), 10**30]
)
EDGE_FLOATS = st.sampled_from(
    [0.0, -0.0, 0.5, 1.0, 2.0, 2.9, -1.5, 1e300, float("nan"), float("inf"), -float("inf")]
)
NUMBERS = st.one_of(EDGE_INTS, st.integers(-(10**6), 10**6), EDGE_FLOATS, st.floats(allow_nan=True))
TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="|~+0123456789_,()[]{}=:.- abcnorv", max_size=60),
    st.sampled_from(
        [
            "",
            " ",
            "all",
            "none",
            "-1",
            "1e9",
            "nan",
            "inf",
            "(",
            "[[[",
            "((1,2)",
            "|",
            "||",
            "=",
            "a=",
            "=b",
            "a=b=c",
            ",",
            ",,",
            "[]",
            "x[",
            "x]",
            "x[=]",
            "x[a]",
            "\x00",
            "\n",
            "é",
            "🙂",
            "0x1F",
            "1_000",
            "True",
            "None",
            "{}",
            "{'a': 1}",
            "link=[0,0,1,2] ops=[gcn]",
            "hash=1",
            "~nosuchuser/x",
            "a\x00b",
            "²",
            "--5",
            "/",
            ".",
            "hash=-1",
            "|nor_conv_3x3~0|+|none~0|none~1|+|x~0|none~1|none~2|",
        ]
    ),
)
SCALARS = st.one_of(NUMBERS, TEXT, st.booleans(), st.none())
SEQUENCES = st.one_of(
    st.tuples(*[NUMBERS] * 6),
    st.tuples(*[NUMBERS] * 5),
    st.lists(st.one_of(NUMBERS, TEXT, st.none()), max_size=8),
    st.lists(st.integers(-3, 12), min_size=4, max_size=7).map(tuple),
    st.tuples(st.lists(st.integers(-1, 5), max_size=5), st.lists(TEXT, max_size=5)),
)
DTYPES = st.sampled_from([np.int8, np.int64, np.uint8, np.float32, np.float64, np.bool_])
ARRAYS = st.builds(
    lambda shape, dtype, seed, lo, hi: (
        np.random.default_rng(seed).uniform(lo, hi, size=shape).astype(dtype)
    ),
    st.one_of(
        st.tuples(st.integers(0, 4), st.integers(4, 7)),
        st.tuples(st.integers(0, 6)),
        st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 6)),
    ),
    DTYPES,
    st.integers(0, 2**32 - 1),
    st.sampled_from([-3, 0, 0.5]),
    st.sampled_from([1, 5, 9, 10, 30000]),
)
ARCH_INPUT = st.one_of(SCALARS, SEQUENCES, ARRAYS, st.dictionaries(TEXT, SCALARS, max_size=3))
KEY_VALUES = st.lists(
    st.one_of(
        st.builds(lambda k, v: f"{k}={v}", TEXT, st.one_of(TEXT, NUMBERS.map(str))),
        TEXT,
    ),
    max_size=4,
)
