import csv
import io

import pytest

from nas_core.errors import InvalidInputError
from naslab.tables import (
    FORMATS,
    best_cells,
    decimals_for,
    format_mean_ci,
    format_number,
    format_p,
    latex_escape,
    render_table,
)


def test_precision_follows_the_spread():
    # NAS-Bench-Graph: means differ in the 4th decimal, std ~1e-4 -> shown, not "0.720 ± 0.000"
    assert format_number(0.720345, spread=0.000123) == "0.72035"
    assert format_mean_ci(0.720345, 0.720222, 0.720468) == "0.72035 ± 0.00012"
    # a latency in ms with a spread of ~3 ms: no noise decimals
    assert format_number(41.73921, spread=3.2) == "41.7"
    assert format_number(12345.6, spread=250.0) == "12346"
    # no spread: 4 significant digits
    assert format_number(0.0123456) == "0.01235"
    assert format_number(float("nan")) == "-"
    assert format_number(None) == "-"
    assert format_number(float("inf")) == "inf"
    assert decimals_for(0.05) == 3 and decimals_for(0.0) == 0


def test_asymmetric_interval_prints_bounds():
    assert format_mean_ci(0.5, 0.41, 0.55) == "0.500 [0.410, 0.550]"
    assert format_mean_ci(0.5, float("nan"), float("nan")) == "0.5000"


def test_p_values():
    assert format_p(0.0004) == "<0.001"
    assert format_p(0.0123) == "0.012"
    assert format_p(0.5) == "0.50"
    assert format_p(None) == "-"


def test_best_cells_by_direction():
    vals = [[1.0, 5.0, 3], [2.0, 4.0, 9], [2.0, float("nan"), 1]]
    assert best_cells(vals, [True, False, None]) == {(1, 0), (2, 0), (1, 1)}


HEAD = ["searcher", "best ± CI", "p"]
ROWS = [["re_evo", "0.72 ± 0.01", "0.031"], ["rs_1", "0.70 ± 0.02", "<0.001"]]


def test_latex_booktabs_escaped_and_bold():
    s = render_table(HEAD, ROWS, "latex", bold={(0, 1)})
    assert "\\toprule" in s and "\\midrule" in s and "\\bottomrule" in s
    assert "\\begin{tabular}{lrr}" in s
    assert "rs\\_1" in s and "re\\_evo" in s
    assert "\\textbf{0.72 $\\pm$ 0.01}" in s
    assert "\\textless{}0.001" in s
    assert latex_escape("a&b%c_d#e$f") == "a\\&b\\%c\\_d\\#e\\$f"


def test_markdown_csv_text():
    md = render_table(HEAD, ROWS, "markdown", bold={(1, 2)})
    lines = md.splitlines()
    assert lines[0] == "| searcher | best ± CI | p |"
    assert lines[1] == "| --- | ---: | ---: |"
    assert "**<0.001**" in lines[3]
    rows = list(csv.reader(io.StringIO(render_table(HEAD, ROWS, "csv"))))
    assert rows == [HEAD, *ROWS]
    txt = render_table(HEAD, ROWS, "text").splitlines()
    assert txt[0].startswith("searcher") and len({len(t) for t in txt[2:]}) == 1


def test_bad_input_is_one_clear_error():
    with pytest.raises(InvalidInputError, match="valid: text, markdown, latex, csv"):
        render_table(HEAD, ROWS, "html")
    with pytest.raises(InvalidInputError, match="row 0 has 2 cells"):
        render_table(HEAD, [["a", "b"]], "text")
    assert FORMATS == ("text", "markdown", "latex", "csv")


def test_note_follows_every_rendering_but_csv():
    note = "95% CI: Student's t"
    tex = render_table(HEAD, ROWS, "latex", note=note)
    assert tex.rstrip().endswith("\\par{\\footnotesize 95\\% CI: Student's t}")
    assert tex.index("\\end{tabular}") < tex.index("\\par")
    assert render_table(HEAD, ROWS, "markdown", note=note).rstrip().endswith(note)
    assert render_table(HEAD, ROWS, "text", note=note).rstrip().endswith(note)
    assert note not in render_table(HEAD, ROWS, "csv", note=note)
