"""A scores table names the space of its architectures, so it is never matched to another's."""

from __future__ import annotations

from nas_core import spaces
from naslab.correlate_proxies import proxy_columns, scores_benchmark
from zerocost.runner import run_scoring


def test_scores_carry_their_space_and_it_is_not_a_proxy(tmp_path):
    sp = spaces.get("nb201")
    archs = [sp.from_index(i) for i in (7, 700, 7000)]
    out = tmp_path / "s.parquet"
    table = run_scoring(archs, [sp.index(a) for a in archs], ["params"], out)
    assert set(table["space"]) == {"nb201"}
    assert proxy_columns(table) == ["params"]
    b = scores_benchmark(out)
    assert [m.name for m in b.metrics("cifar10")] == ["params"]
