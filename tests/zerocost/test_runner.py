from __future__ import annotations

import pandas as pd
import pytest

from nas_core import spaces
from nas_core.errors import InvalidInputError
from zerocost.runner import parts_dir, run_scoring, select_archs

SP = spaces.get("nb201")


def _run(out, archs, **kw):
    opts = {"data": "digits", "batch_size": 8, "seed": 0, "workers": 1, "chunk_size": 2}
    opts.update(kw)
    return run_scoring(archs, [SP.index(a) for a in archs], ["params", "naswot"], out, **opts)


def test_interrupted_run_resumes_without_recomputing(tmp_path):
    out = tmp_path / "s.parquet"
    archs = select_archs(SP, "5", seed=1)
    first = _run(out, archs, max_chunks=1)  # "killed" after one chunk of 2
    assert len(first) == 2 and not out.exists()  # incomplete: no consolidated output yet
    before = first.set_index("index")["build_seconds"]
    final = _run(out, archs)
    assert len(final) == 5 and out.exists()
    assert sorted(final["index"]) == sorted(SP.index(a) for a in archs)
    # the two finished archs were not recomputed: their rows (incl. timings) are unchanged
    assert final.set_index("index").loc[before.index, "build_seconds"].equals(before)
    assert len(list(parts_dir(out).glob("part-*.parquet"))) == 3
    again = _run(out, archs)  # nothing left to do
    assert len(list(parts_dir(out).glob("part-*.parquet"))) == 3
    pd.testing.assert_frame_equal(again, pd.read_parquet(out))


def test_settings_mismatch_and_bad_input(tmp_path):
    out = tmp_path / "s.parquet"
    archs = select_archs(SP, "2", seed=0)
    _run(out, archs)
    with pytest.raises(InvalidInputError, match="other settings"):
        _run(out, archs, seed=1)
    with pytest.raises(InvalidInputError, match="'all', a count"):
        select_archs(SP, "nofile.txt", 0)
    f = tmp_path / "archs.txt"
    f.write_text(
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|none~1|"
        "skip_connect~2|\n(0, 1, 2, 3, 4, 0)\n# comment\n42\n"
    )
    assert len(select_archs(SP, str(f), 0)) == 3


def test_parallel_workers_give_same_scores(tmp_path):
    archs = select_archs(SP, "4", seed=2)
    a = _run(tmp_path / "a.parquet", archs)
    b = _run(tmp_path / "b.parquet", archs, workers=2)
    cols = ["index", "params", "naswot"]
    pd.testing.assert_frame_equal(a[cols], b[cols])


def test_output_guarantees_of_the_job_runner(tmp_path, monkeypatch):
    from nas_core.errors import JobFailedError, OutputDirError
    from nas_core.jobs import DamagedOutputWarning

    archs = select_archs(SP, "4", seed=3)
    mine = tmp_path / "mine.parquet"
    mine.write_bytes(b"a user's file")
    with pytest.raises(OutputDirError, match="mine.parquet was not written by naslab"):
        _run(mine, archs)
    from zerocost.runner import check_output

    with pytest.raises(OutputDirError, match="mine.parquet was not written by naslab"):
        check_output(mine)  # what the CLI calls before its progress bar
    assert mine.read_bytes() == b"a user's file"
    with pytest.raises(OutputDirError, match="is a folder"):
        _run(tmp_path, archs)
    # a garbled run.json is set aside; the finished parts are kept
    out = tmp_path / "s.parquet"
    first = _run(out, archs, max_chunks=1)
    (parts_dir(out) / "run.json").write_text('{"proxies": ')
    with pytest.warns(DamagedOutputWarning, match="run.json"):
        final = _run(out, archs)
    assert len(final) == 4 and set(first["index"]) <= set(final["index"])
    assert len(list(parts_dir(out).glob("part-*.parquet"))) == 2  # 1 kept + 1 new chunk
    # a chunk that fails (not a user error) fails the run with one line; the rest is saved
    import zerocost.runner as R

    real, calls = R.score_chunk, []

    def first_fails(chunk):
        calls.append(chunk)
        if len(calls) == 1:
            raise RuntimeError("lost the GPU")
        return real(chunk)

    monkeypatch.setattr(R, "score_chunk", first_fails)
    out2 = tmp_path / "t.parquet"
    with pytest.raises(JobFailedError, match="1 of 2 chunks failed: RuntimeError: lost the GPU"):
        _run(out2, archs)
    assert not out2.exists() and len(list(parts_dir(out2).glob("part-*.parquet"))) == 1
    monkeypatch.setattr(R, "score_chunk", real)
    assert len(_run(out2, archs)) == 4 and out2.exists()


def test_parts_written_before_the_arch_column_still_resume(tmp_path):
    """A run started before rows carried 'arch' (and before run.json named the space) resumes:
    its finished rows are kept and get their canonical string."""
    import json

    out = tmp_path / "s.parquet"
    archs = select_archs(SP, "4", seed=5)
    first = _run(out, archs, max_chunks=1)
    part = next(parts_dir(out).glob("part-*.parquet"))
    pd.read_parquet(part).drop(columns=["arch"]).to_parquet(part, index=False)
    settings = json.loads((parts_dir(out) / "run.json").read_text())
    assert "space" not in settings and "network" not in settings  # as nb201 runs always wrote
    final = _run(out, archs)
    assert len(list(parts_dir(out).glob("part-*.parquet"))) == 2  # 1 kept + 1 new chunk
    assert final["arch"].tolist() == [SP.to_str(SP.from_index(int(i))) for i in final["index"]]
    kept = final.set_index("index").loc[first["index"], "build_seconds"]
    assert kept.tolist() == first["build_seconds"].tolist()


def test_an_open_space_scores_in_worker_processes(tmp_path):
    """darts archs (open space, keyed by canonical string) scored by 2 worker processes give the
    same values as in-process scoring, at a size option the workers must receive."""
    from nas_core.networks import spaces_with_networks
    from zerocost.runner import score_archs

    if "darts" not in spaces_with_networks():
        pytest.skip("no darts network builder registered")
    sp = spaces.get("darts")
    archs = select_archs(sp, "4", seed=0)
    opts = {"space": "darts", "network": {"C": 4, "layers": 2}, "batch_size": 8, "chunk_size": 2}
    a = score_archs(archs, ["params", "synflow"], tmp_path / "a.parquet", **opts)
    b = score_archs(archs, ["params", "synflow"], tmp_path / "b.parquet", workers=2, **opts)
    cols = ["arch", "params", "synflow"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    assert a["arch"].tolist() == [sp.to_str(x) for x in archs]
    assert a["params"].iloc[0] < 20_000  # the small size reached the builder


def test_nb201_size_options_reach_the_pooled_networks(tmp_path):
    from nas_core.networks import build

    archs = select_archs(SP, "3", seed=0)
    table = _run(tmp_path / "s.parquet", archs, network={"C": 8, "N": 1})
    by_index = table.set_index("index")["params"]
    for a in archs:
        assert by_index[SP.index(a)] == build(a, 10, C=8, N=1).count_params()
    default = _run(tmp_path / "t.parquet", archs).set_index("index")["params"]
    assert (default > by_index).all()
