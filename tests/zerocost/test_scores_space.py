"""Scoring on any space with a network builder: a scores table names the space of its
architectures and identifies each by its canonical string; an open space (no index) is keyed by
that string alone. A small open stand-in space with a tiny registered network exercises the
generic path without depending on the real builders (those are checked in test_runner.py and
the CLI tests)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

import zerocost
from nas_core import spaces
from nas_core.arch import Arch
from nas_core.errors import InvalidArchError, InvalidInputError
from nas_core.networks import registry as net_registry
from naslab.correlate_proxies import proxy_columns, scores_benchmark
from tests.fuzz.conftest import PARSER, naslab_only
from tests.nas_core.open_space import OpenProductSpace
from zerocost.runner import parts_dir, run_scoring, score_archs, select_archs

NAME = "zc-test-open"


class StandInSpace(OpenProductSpace):
    """The tests' open product space under its own name, with a second spelling ("a,b,c,...")
    so that two spellings of one architecture can be given."""

    name = NAME

    def parse(self, obj):
        if isinstance(obj, str) and "," in obj:
            letters = [t.strip() for t in obj.split(",")]
            if not all(t in self.ops for t in letters):
                raise InvalidArchError(f"{NAME}: letters a..d, got {obj!r}")
            obj = "".join(str(self.ops.index(t)) for t in letters)
        return super().parse(obj)


class BareNet(nn.Module):
    """A ProxyNetwork without optional hooks: width grows with the first ops."""

    def __init__(self, arch: Arch, num_classes: int, width: int):
        super().__init__()
        self.arch, self.space, self.num_classes = arch, NAME, num_classes
        c = width + sum(arch.ops[:4])
        self.body = nn.Sequential(
            nn.Conv2d(3, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU()
        )
        self.head = nn.Linear(c, num_classes)

    def forward(self, x):
        return self.head(self.body(x).mean((2, 3)))


class TinyNet(BareNet):
    """The stand-in space's network: BareNet with the `count_params` hook."""

    def count_params(self) -> int:
        return sum(p.numel() for p in self.parameters())


@pytest.fixture(scope="module")
def open_space():
    """Register the stand-in space and its network builder for this module's tests only."""
    spaces.register(NAME)(StandInSpace)
    built: list[dict] = []

    @net_registry.register_network(NAME)
    def build(arch, num_classes: int = 10, width: int = 2):
        if width < 1:
            raise InvalidInputError(f"width must be >= 1, got {width}")
        built.append({"arch": arch, "width": width})
        return TinyNet(arch, num_classes, width)

    try:
        yield spaces.get(NAME), built
    finally:
        del spaces._REGISTRY._items[NAME]
        del net_registry._REGISTRY._items[NAME]
        spaces.get.cache_clear()


def _archs(sp, n: int, seed: int = 0) -> list[Arch]:
    return select_archs(sp, str(n), seed)


def _score(archs, out, proxies=("params", "naswot", "synflow"), **kw):
    opts = {"space": NAME, "batch_size": 8, "chunk_size": 2}
    opts.update(kw)
    return score_archs(archs, list(proxies), out, **opts)


def test_open_space_rows_are_keyed_by_the_canonical_string(open_space, tmp_path):
    sp, _ = open_space
    archs = _archs(sp, 5)
    texts = [sp.to_str(a) for a in archs]
    letters = ",".join(sp.ops[o] for o in archs[2].ops)  # another spelling of archs[2]
    given_ = [texts[3], texts[0], letters, texts[1], texts[3], texts[4], archs[2]]
    table = _score(given_, tmp_path / "s.parquet")
    assert "index" not in table.columns
    assert list(table["arch"]) == [texts[3], texts[0], texts[2], texts[1], texts[4]]  # given order
    assert set(table["space"]) == {NAME} and (table["status"] == "ok").all()
    assert proxy_columns(table) == ["params", "naswot", "synflow"]
    expect = [TinyNet(sp.parse(t), 10, 2).count_params() for t in table["arch"]]
    assert table["params"].tolist() == expect
    assert pd.read_parquet(tmp_path / "s.parquet").equals(table)
    # weights are seeded by the canonical string: another order and spelling, the same values
    again = _score([letters, texts[0]], tmp_path / "t.parquet").set_index("arch")
    first = table.set_index("arch")
    for col in ("naswot", "synflow"):
        assert again.loc[texts[2], col] == first.loc[texts[2], col]
        assert again.loc[texts[0], col] == first.loc[texts[0], col]
    assert first.loc[texts[0], "synflow"] != first.loc[texts[1], "synflow"]


def test_open_space_resumes_on_the_canonical_string(open_space, tmp_path):
    sp, _ = open_space
    archs = _archs(sp, 5, seed=4)
    out = tmp_path / "s.parquet"
    first = _score(archs, out, max_chunks=1)
    assert len(first) == 2 and not out.exists()
    before = first.set_index("arch")["build_seconds"]
    respelled = [",".join(sp.ops[o] for o in a.ops) for a in archs]  # same archs, other spelling
    final = _score(respelled, out)
    assert len(final) == 5 and out.exists()
    assert final.set_index("arch").loc[before.index, "build_seconds"].equals(before)
    assert len(list(parts_dir(out).glob("part-*.parquet"))) == 3
    settings = json.loads((parts_dir(out) / "run.json").read_text())
    assert settings["space"] == NAME and "network" not in settings
    with pytest.raises(InvalidInputError, match="other settings"):
        _score(archs, out, network={"width": 3})


def test_network_size_options_reach_the_builder(open_space, tmp_path):
    sp, built = open_space
    archs = _archs(sp, 2, seed=1)
    small = _score(archs, tmp_path / "a.parquet", proxies=["params"])
    built.clear()
    wide = _score(archs, tmp_path / "b.parquet", proxies=["params"], network={"width": 6})
    assert {b["width"] for b in built} == {6}
    assert (wide["params"] > small["params"]).all()
    settings = json.loads((parts_dir(tmp_path / "b.parquet") / "run.json").read_text())
    assert settings["network"] == {"width": 6}
    with pytest.raises(InvalidInputError, match=r"no option\(s\) widht .*did you mean 'width'"):
        _score(archs, tmp_path / "c.parquet", network={"widht": 6})
    with pytest.raises(InvalidInputError, match="width must be >= 1"):
        _score(archs, tmp_path / "c.parquet", proxies=["params"], network={"width": 0})
    assert not parts_dir(tmp_path / "c.parquet").exists()  # refused before any work


def test_a_proxy_needing_a_missing_hook_is_refused_before_any_work(open_space, tmp_path):
    sp, _ = open_space
    out = tmp_path / "s.parquet"
    with pytest.raises(InvalidInputError) as e:
        _score(_archs(sp, 3), out, proxies=["params", "flops", "zen"])
    msg = str(e.value)
    assert "proxy 'flops' needs the network's count_flops() hook" in msg
    assert "TinyNet" in msg and f"space {NAME!r}" in msg and "(so do 'zen')" in msg
    runnable = msg.split("proxies that run on it: ")[1].split(", ")
    assert "params" in runnable and "synflow" in runnable
    assert not {"flops", "zen", "linear_regions", "linear_regions_full"} & set(runnable)
    assert not out.exists() and not parts_dir(out).exists()


def test_needs_hook_metadata_matches_what_each_proxy_calls(open_space):
    """Every proxy run on a network without optional hooks fails with a hook error exactly when
    its metadata says it needs one (the pre-flight check relies on that metadata)."""
    sp, _ = open_space
    torch.manual_seed(0)
    net = BareNet(sp.sample(np.random.default_rng(0), 1)[0], 10, 2)
    x, y = torch.randn(8, 3, 16, 16), torch.arange(8) % 10
    for name in zerocost.names():
        proxy = zerocost.get(name)
        res = zerocost.score_network(net, x, y, [name])[name]
        hook_error = "hook" in res.status and "InvalidInputError" in res.status
        assert hook_error == (proxy.needs_hook is not None), (name, res.status)
        if proxy.needs_hook:
            assert f"{proxy.needs_hook}()" in res.status


def test_space_without_builder_and_open_space_selection(open_space, tmp_path):
    sp, _ = open_space
    with pytest.raises(
        InvalidInputError, match=r"has no network to build .*spaces with one: .*nb201"
    ):
        score_archs([], ["params"], tmp_path / "x.parquet", space="nbgraph")
    with pytest.raises(InvalidInputError, match="is open .*give a count N or a file"):
        select_archs(sp, "all", 0)
    a, b = _archs(sp, 7, seed=3), _archs(sp, 7, seed=3)
    assert a == b and len(set(a)) == 7 and a != _archs(sp, 7, seed=4)
    with pytest.raises(InvalidInputError, match="1..any"):
        select_archs(sp, "0", 0)
    f = tmp_path / "archs.txt"
    f.write_text(f"# cells\n{sp.to_str(a[0])}\n\n  a,b,c  \n")
    with pytest.raises(InvalidArchError, match=r"archs.txt, line 4: .*need 30 digits"):
        select_archs(sp, str(f), 0)
    f.write_text("# only a comment\n")
    with pytest.raises(InvalidInputError, match="holds no architectures"):
        select_archs(sp, str(f), 0)
    with pytest.raises(InvalidInputError, match="say which space"):
        score_archs([sp.to_str(a[0])], ["params"], tmp_path / "x.parquet")


def test_scores_carry_their_space_and_it_is_not_a_proxy(tmp_path):
    sp = spaces.get("nb201")
    archs = [sp.from_index(i) for i in (7, 700, 7000)]
    out = tmp_path / "s.parquet"
    table = run_scoring(archs, [sp.index(a) for a in archs], ["params"], out)
    assert set(table["space"]) == {"nb201"}
    assert table["arch"].tolist() == [sp.to_str(a) for a in archs]
    assert proxy_columns(table) == ["params"]
    b = scores_benchmark(out)
    assert [m.name for m in b.metrics("cifar10")] == ["params"]
    with pytest.raises(InvalidInputError, match="index 8 is not that of architecture"):
        run_scoring(archs, [7, 8, 7000], ["params"], tmp_path / "t.parquet")


_LINE = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123abcd, #", min_size=25, max_size=70),
    st.sampled_from(["0" * 30, "a," * 29 + "d", "#", ""]),
)


@PARSER
@given(
    spec=st.one_of(st.text(max_size=40), st.integers(-3, 10**15).map(str)), seed=st.integers(0, 99)
)
def test_fuzz_archs_spec_on_an_open_space(open_space, spec: str, seed: int) -> None:
    """`--archs SPEC` on an open space: N distinct archs, or one naslab error."""
    sp, _ = open_space
    if spec.strip().isdigit() and 50 < int(spec.strip()) < 10**12:
        return  # a valid large count: a real (slow) sample
    archs, _ = naslab_only(select_archs, sp, spec, seed)
    if archs is not None:
        assert len(set(archs)) == len(archs) == int(spec.strip())


@PARSER
@given(lines=st.lists(_LINE, max_size=5))
def test_fuzz_archs_file_on_an_open_space(open_space, tmp_path_factory, lines: list[str]) -> None:
    """A file of architectures: every line that is not blank or a comment is one architecture of
    the space, or the whole file is one naslab error."""
    sp, _ = open_space
    p = tmp_path_factory.mktemp("archs") / "archs.txt"
    p.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    archs, err = naslab_only(select_archs, sp, str(p), 0)
    if archs is not None:
        kept = [
            ln for ln in p.read_text().splitlines() if ln.strip() and not ln.strip().startswith("#")
        ]
        assert len(archs) == len(kept) and all(a.space == NAME for a in archs)


_REAL = {
    "nb101": [
        "(0, 1, 1, 0)",
        "adj=01|00 ops=input,output",
        "adj=011|001|000 ops=input,conv3x3,output",
    ],
    "darts": [
        "[[(0, 0), (1, 5)]]",
        "Genotype(normal=[], reduce=[])",
        "[[(0, 0)] * 8, [(1, 1)] * 8]",
    ],
}


@pytest.mark.parametrize("name", ["nb101", "darts"])
@PARSER
@given(data=st.data())
def test_fuzz_archs_file_on_the_real_open_spaces(name, tmp_path_factory, data) -> None:
    """Lines of a `--archs` file for nb101/darts, garbled or near-valid: the file is read as
    architectures of the space, or refused with one naslab error naming the line."""
    sp = spaces.get(name)
    valid = [sp.to_str(a) for a in sp.sample(np.random.default_rng(0), 2)]
    line = st.one_of(st.text(max_size=40), st.sampled_from(valid + _REAL[name]))
    lines = data.draw(st.lists(line, max_size=4))
    p = tmp_path_factory.mktemp("archs") / "archs.txt"
    p.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    archs, err = naslab_only(select_archs, sp, str(p), 0)
    if archs is not None:
        assert all(a.space == name and sp.parse(sp.to_str(a)) == a for a in archs)
    elif isinstance(err, InvalidArchError):
        assert ", line " in str(err)
