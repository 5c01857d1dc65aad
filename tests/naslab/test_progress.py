from __future__ import annotations

import io

import pytest
from rich.console import Console

from naslab.progress import RunProgress, format_duration, human_duration


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def _plain(**kw):
    buf = io.StringIO()
    clock = Clock()
    console = Console(file=buf, force_terminal=False, width=200)
    return buf, clock, console


def test_eta_weights_each_group_by_its_own_mean_duration():
    _, clock, console = _plain()
    p = RunProgress({"rs": 10, "bananas": 10}, console=console, enabled=False, clock=clock)
    assert p.eta() is None  # nothing finished: no ETA
    p.advance("rs", seconds=0.01)
    p.advance("bananas", seconds=36.0)
    # 9 rs left at 0.01 s + 9 bananas left at 36 s, not 18 runs at the overall mean 18 s
    assert p.eta() == pytest.approx(9 * 0.01 + 9 * 36.0)
    clock.t += 10  # counts down between finished runs
    assert p.eta() == pytest.approx(9 * 0.01 + 9 * 36.0 - 10)


def test_group_without_a_finished_run_uses_the_overall_mean_and_workers_divide():
    _, clock, console = _plain()
    p = RunProgress({"a": 3, "b": 2}, console=console, enabled=False, clock=clock, workers=2)
    p.advance("a", seconds=4.0)
    p.advance("a", seconds=2.0)
    # a: 1 left x 3 s; b: 2 left x overall mean 3 s; two workers share the work
    assert p.eta() == pytest.approx((1 * 3.0 + 2 * 3.0) / 2)


def test_duration_from_the_wall_clock_when_not_given():
    _, clock, console = _plain()
    p = RunProgress({"g": 4}, console=console, enabled=False, clock=clock)
    clock.t += 5
    p.advance("g")
    assert p.eta() == pytest.approx(3 * 5.0)
    clock.t += 1
    p.advance("g", n=2)  # two runs in 1 s: 0.5 s each; mean (5 + 0.5 + 0.5) / 3
    assert p.eta() == pytest.approx(1 * 2.0)


def test_skipped_runs_count_as_done_but_not_timed():
    _, clock, console = _plain()
    p = RunProgress({"g": 10}, console=console, enabled=False, clock=clock)
    p.skip("g", 6)
    assert (p.n_done, p.eta()) == (6, None)
    p.advance("g", seconds=2.0)
    assert p.eta() == pytest.approx(3 * 2.0)


def test_not_a_terminal_prints_plain_progress_lines():
    buf, clock, console = _plain()
    with RunProgress(
        {"rs": 2, "bananas": 2}, console=console, clock=clock, every_s=0, estimate_over=None
    ) as p:
        clock.t += 1
        p.advance("rs", seconds=1.0)
        clock.t += 3
        p.advance("bananas", seconds=3.0)
    lines = buf.getvalue().splitlines()
    assert lines[0] == "runs 0/4 (0%), elapsed 0:00"
    assert lines[1] == "runs 1/4 (25%), elapsed 0:01, eta 0:03"  # rs 1 x 1 s + bananas 2 x 1 s
    assert lines[2] == "runs 2/4 (50%), elapsed 0:04, eta 0:04"  # rs 1 x 1 s + bananas 1 x 3 s
    assert "\x1b[" not in buf.getvalue()  # no escape codes in a log file


def test_plain_lines_are_throttled_by_time_and_percent():
    buf, clock, console = _plain()
    with RunProgress(
        {"g": 100}, console=console, clock=clock, every_s=60, every_pct=25, estimate_over=None
    ) as p:
        for _ in range(100):
            p.advance("g", seconds=0.1)
    lines = buf.getvalue().splitlines()
    assert [ln.split(",")[0] for ln in lines] == [
        "runs 0/100 (0%)",
        "runs 25/100 (25%)",
        "runs 50/100 (50%)",
        "runs 75/100 (75%)",
        "runs 100/100 (100%)",
    ]


def test_cost_estimate_after_the_first_run_of_a_slow_job():
    buf, clock, console = _plain()
    with RunProgress(
        {"cells": 1000}, console=console, clock=clock, every_s=1e9, unit="cells", workers=2
    ) as p:
        clock.t += 56
        p.advance("cells", n=8)  # 8 cells in 56 s on 2 workers: 14 s each; 992 x 14 s / 2
        p.advance("cells", seconds=14.0, n=8)
    text = buf.getvalue()
    assert text.count("estimated") == 1  # once, after the first measurement
    assert "estimated 1 h 56 min for the remaining 992 cells (first 8 took 56 s, 2 workers)" in text


def test_no_cost_estimate_for_a_quick_job_and_nothing_when_disabled():
    buf, clock, console = _plain()
    with RunProgress({"g": 3}, console=console, clock=clock) as p:
        p.advance("g", seconds=0.5)
    assert "estimated" not in buf.getvalue()
    buf, clock, console = _plain()
    with RunProgress({"g": 3}, console=console, clock=clock, enabled=False) as p:
        p.advance("g", seconds=500)
    assert buf.getvalue() == "" and p.n_done == 1


def test_terminal_shows_a_rich_bar_with_the_eta():
    buf = io.StringIO()
    clock = Clock()
    console = Console(file=buf, force_terminal=True, width=120)
    with RunProgress({"g": 4}, console=console, clock=clock, estimate_over=None) as p:
        assert p.live
        p.advance("g", seconds=30.0)
    out = buf.getvalue()
    assert "1/4" in out and "eta 1:30" in out


def test_unknown_group_and_late_totals_are_counted():
    _, clock, console = _plain()
    p = RunProgress({}, console=console, enabled=False, clock=clock)
    p.set_total("a", 3)
    p.advance("b", seconds=1.0)
    assert (p.n_done, p.n_total) == (1, 4)


@pytest.mark.parametrize(
    ("s", "clock_style", "human"),
    [(7, "0:07", "7 s"), (723, "12:03", "12 min"), (3723, "1:02:03", "62 min"),
     (9660, "2:41:00", "2 h 41 min"), (3 * 86400 + 4 * 3600, "76:00:00", "3 d 4 h")],
)  # fmt: skip
def test_durations(s, clock_style, human):
    assert format_duration(s) == clock_style
    assert human_duration(s) == human
