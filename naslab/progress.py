"""Progress of a long job (many runs, fits or chunks) with an ETA that holds when runs take very
different times (a predictor-guided run may take seconds to minutes while a random-search run takes milliseconds).

    from naslab.progress import RunProgress

    with RunProgress({"rs": 10, "bananas": 10}, console=err_console, workers=4) as prog:
        prog.skip("rs", 3)                  # finished in an earlier invocation (resume)
        ...
        prog.advance("bananas", seconds=36.2)   # one run of group 'bananas' took 36.2 s
        prog.advance("rs")                  # duration unknown: taken from the wall clock

- Groups are what runs of similar length share (a searcher, a predictor, a proxy); the ETA is
  the sum over groups of (remaining runs x that group's mean observed duration), falling back to
  the mean over all groups for a group with no finished run yet, divided by `workers`. Before any
  run has finished there is no ETA.
- `advance(group, seconds=None, n=1)`: `n` runs of `group` finished, each taking `seconds`.
  Without `seconds`, the duration is the wall time since the previous advance (or the start)
  times `workers`, shared among the `n` runs: with W busy workers a run ends about every d/W.
- `skip(group, n)`: runs already done (resumed), counted as done but not timed.
- `set_total(group, total)`: a group's total when it is known only later.
- On a terminal the console shows a rich bar (done/total, elapsed, eta); otherwise (a log file, a
  pipe, CI) one plain line every `every_s` seconds or `every_pct` percent, and a last line at the
  end: `runs 12/50 (24%), elapsed 0:10, eta 0:31`.
- Cost estimate: when the first timed run finishes and the ETA exceeds `estimate_over` seconds,
  one line says what the whole job will cost, e.g. `estimated 2 h 41 min for the remaining
  15,617 cells (first 8 took 56 s, 2 workers); Ctrl-C keeps finished work`. `None` turns it off.
- `enabled=False` prints nothing (e.g. with `--json` on a terminal); the counts still update.
- `clock` (default `time.monotonic`) is injectable so tests need no sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn
from rich.text import Text

__all__ = ["RunProgress", "format_duration", "human_duration"]


def format_duration(seconds: float) -> str:
    """0:07, 12:03, 1:02:03 (clock style, for progress lines)."""
    s = max(0, int(round(seconds)))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def human_duration(seconds: float) -> str:
    """'45 s', '3 min', '2 h 41 min', '3 d 4 h' (for cost estimates)."""
    s = max(0.0, float(seconds))
    if s < 90:
        return f"{s:.0f} s"
    m = s / 60
    if m < 90:
        return f"{m:.0f} min"
    h, m = divmod(int(round(m)), 60)
    if h < 48:
        return f"{h} h {m} min" if m else f"{h} h"
    d, h = divmod(h, 24)
    return f"{d} d {h} h" if h else f"{d} d"


class RunProgress:
    """Progress bar or plain progress lines with a per-group ETA (see the module docstring)."""

    def __init__(
        self,
        total_by_group: Mapping[str, int],
        *,
        console: Console | None = None,
        enabled: bool = True,
        workers: int = 1,
        label: str = "runs",
        unit: str | None = None,
        every_s: float = 10.0,
        every_pct: float = 10.0,
        estimate_over: float | None = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.console = console or Console(stderr=True)
        self.enabled = enabled
        self.workers = max(1, int(workers))
        self.label = label
        self.unit = unit or label
        self.every_s = every_s
        self.every_pct = every_pct
        self.estimate_over = estimate_over
        self._clock = clock
        self.total: dict[str, int] = {g: int(n) for g, n in total_by_group.items()}
        self.done: dict[str, int] = dict.fromkeys(self.total, 0)
        self._timed: dict[str, tuple[int, float]] = {}  # group -> (runs timed, seconds)
        self._start = clock()
        self._last_advance = self._start
        self._eta_at: tuple[float, float] | None = None  # (clock, eta then)
        self._last_line: tuple[float, float] | None = None  # (clock, percent)
        self._estimated = False
        self._bar: Any = None
        self._task: Any = None

    # -- counts ------------------------------------------------------------------------------
    @property
    def n_total(self) -> int:
        return sum(self.total.values())

    @property
    def n_done(self) -> int:
        return sum(self.done.values())

    def elapsed(self) -> float:
        return self._clock() - self._start

    def set_total(self, group: str, total: int) -> None:
        if self.total.get(group) == int(total):
            return
        self.total[group] = int(total)
        self.done.setdefault(group, 0)
        if self._bar is not None:
            self._update()

    def skip(self, group: str, n: int = 1) -> None:
        """`n` runs of `group` were already done (not timed)."""
        self._count(group, n)
        self._last_advance = self._clock()
        self._update()

    def advance(self, group: str, seconds: float | None = None, n: int = 1) -> None:
        """`n` runs of `group` finished; each took `seconds` (None: from the wall clock)."""
        now = self._clock()
        if seconds is None:
            seconds = (now - self._last_advance) * self.workers / max(1, n)
        self._last_advance = now
        self._count(group, n)
        k, s = self._timed.get(group, (0, 0.0))
        self._timed[group] = (k + n, s + float(seconds) * n)
        eta = self._estimate()
        self._eta_at = None if eta is None else (now, eta)
        self._maybe_announce(group, n, now)
        self._update()

    def _count(self, group: str, n: int) -> None:
        if group not in self.total:  # a run of a group nobody announced: count it too
            self.total[group] = 0
            self.done[group] = 0
        self.done[group] += n
        self.total[group] = max(self.total[group], self.done[group])

    # -- ETA ---------------------------------------------------------------------------------
    def _estimate(self) -> float | None:
        if not self._timed:
            return None
        runs = sum(k for k, _ in self._timed.values())
        overall = sum(s for _, s in self._timed.values()) / runs
        left = 0.0
        for g, total in self.total.items():
            rest = total - self.done.get(g, 0)
            if rest > 0:
                k, s = self._timed.get(g, (0, 0.0))
                left += rest * (s / k if k else overall)
        return left / self.workers

    def eta(self) -> float | None:
        """Seconds left (counting down between finished runs); None before any run finished."""
        if self._eta_at is None:
            return None
        t, eta = self._eta_at
        return max(0.0, eta - (self._clock() - t))

    def status_line(self) -> str:
        """`runs 12/50 (24%), elapsed 0:10, eta 0:31` (no eta before the first finished run)."""
        total, done = self.n_total, self.n_done
        pct = 100.0 * done / total if total else 100.0
        line = (
            f"{self.label} {done}/{total} ({pct:.0f}%), elapsed {format_duration(self.elapsed())}"
        )
        eta = self.eta()
        if eta is not None and done < total:
            line += f", eta {format_duration(eta)}"
        return line

    def _maybe_announce(self, group: str, n: int, now: float) -> None:
        if self._estimated or self.estimate_over is None:
            return
        self._estimated = True
        eta = self.eta()
        rest = self.n_total - self.n_done
        if eta is None or eta < self.estimate_over or rest <= 0:
            return
        took = now - self._start
        w = f"{self.workers} worker" + ("s" if self.workers > 1 else "")
        self.print(
            f"estimated {human_duration(eta)} for the remaining {rest:,} {self.unit} (first {n} "
            f"took {human_duration(took)}, {w}); Ctrl-C keeps finished work, rerun to resume"
        )

    # -- output ------------------------------------------------------------------------------
    @property
    def live(self) -> bool:
        """Whether a rich bar is drawn (an enabled progress on a terminal)."""
        return self.enabled and self.console.is_terminal

    def print(self, text: str) -> None:
        """A line above the bar (or among the plain lines)."""
        if self.enabled:
            self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def _update(self) -> None:
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(self._task, completed=self.n_done, total=self.n_total or None)
            return
        if self.console.is_terminal:
            return  # not started (outside the `with`)
        now = self._clock()
        total = self.n_total
        pct = 100.0 * self.n_done / total if total else 0.0
        if self._last_line is not None:
            t, p = self._last_line
            if now - t < self.every_s and pct - p < self.every_pct and self.n_done < total:
                return
        self._last_line = (now, pct)
        self.console.print(self.status_line(), markup=False, highlight=False, soft_wrap=True)

    def __enter__(self) -> RunProgress:
        if self.live:
            self._bar = Progress(
                TextColumn(f"[bold]{self.label}"),
                BarColumn(),
                MofNCompleteColumn(),
                _TimesColumn(self),
                console=self.console,
                transient=False,
            )
            self._task = self._bar.add_task(self.label, total=self.n_total or None)
            self._bar.start()
            self._update()
        elif self.enabled:
            self._update()  # the first plain line: what is to be done
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        elif self.enabled and not self.console.is_terminal and exc_type is None:
            last = self._last_line
            if last is None or last[1] < 100.0 * self.n_done / max(1, self.n_total):
                self.console.print(
                    self.status_line(), markup=False, highlight=False, soft_wrap=True
                )


class _TimesColumn(ProgressColumn):
    """`elapsed 0:10  eta 0:31`, from the RunProgress's own per-group estimate."""

    def __init__(self, prog: RunProgress) -> None:
        super().__init__()
        self.prog = prog

    def render(self, task: Task) -> Text:
        eta = self.prog.eta()
        text = f"elapsed {format_duration(self.prog.elapsed())}"
        if eta is not None and self.prog.n_done < self.prog.n_total:
            text += f"  eta {format_duration(eta)}"
        return Text(text, style="progress.remaining")
