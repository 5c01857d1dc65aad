"""Constraints and signed objectives of a search, as a study states them.

A constraint bounds one metric of the benchmark: `"latency_pixel3<=10"` or `"params>=0.5"`
(`<=` or `>=`; spaces allowed). An architecture violating any constraint (or whose constraint
metric has no value, NaN) is *infeasible*. `searchers.loop.run_search` counts it as a query
(budget, cost and simulated time are charged) but never makes it the incumbent.

What the searcher is told for an infeasible architecture: searchers maximise one number (or one
row of numbers), and most of them learn from every value they are told, so an infeasible
architecture is told a finite *penalty* rather than dropped or told -inf (TPE, REINFORCE and the
predictor-guided searchers skip non-finite values and would never learn where the infeasible
region is). The penalty is the lowest (signed, higher-is-better) value told for any architecture
so far, this one's own value included, minus its total relative violation
(`sum(max(0, v - bound) / |bound|)` over the violated constraints; 1 per constraint whose value is
missing). So every infeasible architecture ranks below everything seen before it, and a smaller
violation ranks above a larger one: the order of Deb's constraint-domination rule (feasible
before infeasible, infeasible by violation, Deb 2000), as far as a single number told in order can
express it. A multi-objective searcher gets the same per objective column (NSGA-II then keeps
infeasible points off its fronts while feasible ones exist). A feasible architecture is told its
real value.

Signed objectives: `"-latency_pixel3"` means minimise, `"+baseline_accuracy"` maximise, a bare
name the metric's own direction (`MetricInfo.higher_is_better`). A sign that contradicts the
metric's declared direction is an error (the benchmark's direction is the truth; a study cannot
flip it), so the resolved objective names are bare.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nas_core.errors import InvalidInputError, UnknownNameError

if TYPE_CHECKING:
    from benchmarks.base import Benchmark

_PATTERN = re.compile(r"^\s*([A-Za-z_][\w.:@/-]*)\s*(<=|>=)\s*(\S+)\s*$")


def _fmt(x: float) -> str:
    short = format(x, "g")
    return short if float(short) == x else repr(x)


@dataclass(frozen=True)
class Constraint:
    """`metric op bound` with `op` in ("<=", ">=")."""

    metric: str
    op: str
    bound: float

    @classmethod
    def parse(cls, text: str) -> Constraint:
        """`"METRIC<=VALUE"` or `"METRIC>=VALUE"`; InvalidInputError on anything else."""
        m = _PATTERN.match(str(text))
        bound = math.nan
        if m:
            with contextlib.suppress(ValueError):
                bound = float(m.group(3))
        if not m or not math.isfinite(bound):
            raise InvalidInputError(
                f"a constraint must look like METRIC<=VALUE or METRIC>=VALUE with a finite number, "
                f"e.g. latency_pixel3<=10; got {text!r}"
            )
        return cls(m.group(1), m.group(2), bound)

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{_fmt(self.bound)}"

    def violation(self, value: float) -> float:
        """0 when `value` satisfies the constraint, else how far it is off relative to the bound
        (`|bound|`, or 1 for a bound of 0); 1 for a missing value (NaN)."""
        if value != value:
            return 1.0
        over = value - self.bound if self.op == "<=" else self.bound - value
        return max(0.0, over) / (abs(self.bound) or 1.0)


def parse_constraints(
    items: Iterable[str | Constraint], bench: Benchmark | None = None, dataset: str | None = None
) -> tuple[Constraint, ...]:
    """Parse constraint texts; with `bench`, check each metric exists (UnknownNameError naming
    the valid metrics). A metric bounded twice the same way is an error (which bound holds?)."""
    out: list[Constraint] = []
    for item in items:
        c = item if isinstance(item, Constraint) else Constraint.parse(item)
        if bench is not None:
            try:
                bench.metric_info(c.metric, dataset)
            except UnknownNameError as e:
                where = f"in constraint {str(item)!r}" + (f" {e.where}" if e.where else "")
                raise UnknownNameError("metric", c.metric, e.valid, where) from None
        if any(o.metric == c.metric and o.op == c.op for o in out):
            raise InvalidInputError(f"metric {c.metric!r} is bounded twice with {c.op}: keep one")
        out.append(c)
    return tuple(out)


def parse_objective(text: str, bench: Benchmark, dataset: str | None = None) -> str:
    """The bare metric name of a signed objective (see the module docstring)."""
    raw = str(text).strip()
    sign, name = (raw[0], raw[1:].strip()) if raw[:1] in ("+", "-") else ("", raw)
    if not name:
        raise InvalidInputError(f"an objective must name a metric, got {text!r}")
    info = bench.metric_info(name, dataset)
    if sign:
        wants_high = sign == "+"
        if wants_high != info.higher_is_better:
            own = "higher" if info.higher_is_better else "lower"
            right = "+" if info.higher_is_better else "-"
            raise InvalidInputError(
                f"{name} is {own}-is-better; write {right}{name} or {name} (the benchmark's "
                f"direction cannot be flipped), got {raw!r}"
            )
    return name


def parse_objectives(
    items: Iterable[str], bench: Benchmark, dataset: str | None = None
) -> tuple[str, ...]:
    """Bare metric names of signed objectives; a metric listed twice is an error."""
    out = tuple(parse_objective(t, bench, dataset) for t in items)
    twice = sorted({m for m in out if out.count(m) > 1})
    if twice:
        raise InvalidInputError(f"objectives listed twice: {', '.join(twice)}")
    return out


__all__ = ["Constraint", "parse_constraints", "parse_objective", "parse_objectives"]
