import subprocess
import sys

import matplotlib.image
import numpy as np
import pytest

from nas_core.errors import InvalidInputError
from naslab import figures as fg


def test_builtin_searchers_have_distinct_fixed_styles():
    styles = [fg.style(n) for n in fg.BUILTIN_ORDER]
    assert len({s.color for s in styles}) == len(styles)
    assert len({(s.color, s.marker) for s in styles}) == len(styles)
    assert fg.style("rs").color == "#000000" and fg.style("rs").linestyle == "--"
    # by name, not by position in a study
    assert fg.palette(["re", "rs"])["re"] == fg.palette(["tpe", "ls", "re"])["re"]


def test_unknown_names_get_a_style_stable_across_processes():
    here = fg.style("my-searcher")
    code = "from naslab.figures import style; print(style('my-searcher'))"
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert other == str(here)
    assert here.color not in {fg.style(n).color for n in fg.BUILTIN_ORDER}


def test_formats_are_checked():
    assert fg.check_formats(None) == ("png", "pdf")
    assert fg.check_formats("svg, PNG") == ("svg", "png")
    with pytest.raises(
        InvalidInputError, match="unknown figure format 'eps'; valid: png, pdf, svg"
    ):
        fg.check_formats(["png", "eps"])


def test_save_writes_300_dpi_png_and_reproducible_pdf(tmp_path):
    def draw(out):
        fig, ax = fg.new_figure((2.0, 1.5))
        ax.plot([1, 2], [3, 4])
        return fg.save(fig, out, "f", ("png", "pdf", "svg"))

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert draw(tmp_path / "a") == ["f.png", "f.pdf", "f.svg"]
    draw(tmp_path / "b")
    png = matplotlib.image.imread(tmp_path / "a" / "f.png")
    assert png.shape[1] > 2.0 * 300 * 0.8  # about 2 inches at 300 dpi (tight bbox trims a bit)
    for f in ("f.pdf", "f.svg"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()


def test_labels_say_what_a_curve_is():
    label = fg.best_curve_label("test_perf", "valid_perf", "test accuracy on cora, 0..1")
    assert label.startswith("test_perf of the best-by-valid_perf architecture")
    assert "test accuracy on cora" in label
    assert fg.best_curve_label("acc", "acc").startswith("best acc found")
    assert fg.metric_label("latency", "model latency", "ms") == "latency: model latency [ms]"


def test_band_needs_half_of_the_runs_and_at_least_three():
    assert [fg.band_min_runs(r) for r in (1, 2, 3, 4, 6, 10, 100)] == [2, 2, 3, 3, 3, 5, 50]
    fig, ax = fg.new_figure()
    x = np.arange(1.0, 5.0)
    nan = np.nan
    mat = np.array(
        [[1, 2, 3, 4], [nan, 2, 3, 4], [nan, nan, 3, 4.5], [nan, nan, nan, 5], [9, 9, 9, 9.0]]
    )
    info = fg.line_with_band(ax, x, mat, "re", "re")  # 5 runs: a band needs 3 with a value
    assert info["band_from"] == 2.0 and info["no_band_points"] == 1


def test_band_is_left_out_where_fewer_than_two_runs_have_a_value():
    fig, ax = fg.new_figure()
    x = np.arange(1.0, 6.0)
    mat = np.array([[np.nan, 1, 2, 3, 4], [np.nan, np.nan, np.nan, 2, 3.0]])
    info = fg.line_with_band(ax, x, mat, "re", "re")
    assert info["no_band_points"] == 3 and info["band_from"] == 4.0
    assert info["single_run_points"] == 2
    poly = ax.collections[0]
    xs = np.concatenate([p.vertices[:, 0] for p in poly.get_paths()])
    assert xs.min() >= 4.0  # no band before both runs have a value
    line = ax.lines[0]
    assert np.allclose(line.get_ydata()[1:], [1, 2, 2.5, 3.5])


def test_legend_follows_the_study_order():
    fig, ax = fg.new_figure()
    for n in ("tpe", "rs", "re"):
        ax.plot([0, 1], [0, 1], label=f"{n} (3 runs)")
    ax.axhline(1, label="optimum 1")
    fg.legend(ax, ["re", "rs", "tpe"])
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["re (3 runs)", "rs (3 runs)", "tpe (3 runs)", "optimum 1"]


def test_focus_limits_cut_an_isolated_bad_end_only():
    """An isolated point at the bad end (an untrainable cell at 10% accuracy, far from a front
    at 86-94%) is cut; a front without such a gap, or a gap at the good end, keeps its axis."""
    from naslab.figures import focus_limits

    acc = np.array([10.0, 86.5, 88.0, 90.0, 92.0, 94.0])
    edge, n_out = focus_limits(acc, maximise=True)
    assert n_out == 1 and 80.0 < edge < 86.5
    lat = np.array([0.3, 1.3, 2.0, 5.0, 9.0, 24.0, 300.0])  # minimised: 300 ms is the bad end
    edge, n_out = focus_limits(lat, maximise=False)
    assert n_out == 1 and 24.0 < edge < 300.0
    assert focus_limits(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), maximise=True) is None
    assert focus_limits(np.array([1.0, 2.0, 3.0, 4.0, 100.0]), maximise=True) is None  # good end
    assert focus_limits(np.array([1.0, 2.0, 50.0]), maximise=True) is None  # too few points
