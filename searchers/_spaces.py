"""What categorical searchers (REINFORCE, TPE, NSGA-II) take from a space: `space.choices()`.

They see an architecture as one categorical choice per position of `Arch.ops`, so they need each
position's number of choices, which a space states itself (`SearchSpace.choices`). A space whose
`choices()` is None is not such a product, and these searchers refuse it at construction with a
clear error naming the searchers that do work on it (`searchers_for`), rather than spin proposing
combinations the space does not hold. Predictor-guided searchers (`needs_index`) likewise refuse
an open space: predictors are fitted on space indices.
"""

from __future__ import annotations

from collections.abc import Sequence

from nas_core.arch import Arch
from nas_core.errors import InvalidArchError, InvalidInputError
from nas_core.spaces.base import SearchSpace


def searchers_for(space: SearchSpace) -> list[str]:
    """Registered searchers that can run on `space`: those needing choices only where it has
    them, those needing an index table (predictor-guided ones) only where it is finite."""
    from searchers import registry

    has_choices = space.choices() is not None
    out = []
    for name in registry.list():
        try:
            cls = registry.get(name)
        except Exception:  # noqa: BLE001 - a listing helper must not fail on one entry
            continue
        if getattr(cls, "needs_choices", False) and not has_choices:
            continue
        if getattr(cls, "needs_index", False) and space.size is None:
            continue
        out.append(name)
    return out


def choices(space: SearchSpace, searcher: str = "this searcher") -> tuple[int, ...]:
    """Number of choices at each position of `Arch.ops`; InvalidInputError when the space states
    it has none."""
    sizes = space.choices()
    if sizes is None:
        raise InvalidInputError(
            f"searcher {searcher!r} needs a space that is a product of categorical choices, and "
            f"space {space.name!r} is not one (its choices() is None); searchers that work on "
            f"it: {', '.join(searchers_for(space))}"
        )
    sizes = tuple(int(c) for c in sizes)
    if not sizes or min(sizes) < 1:
        raise InvalidInputError(
            f"space {space.name!r}: choices() must be one count >= 1 per position, got {sizes}"
        )
    return sizes


def require_finite(space: SearchSpace, searcher: str) -> None:
    """InvalidInputError unless `space` is finite (has an index table)."""
    if space.size is None:
        raise InvalidInputError(
            f"searcher {searcher!r} fits its predictor on space indices, and space "
            f"{space.name!r} is open (no index table); searchers that work on it: "
            f"{', '.join(searchers_for(space))}"
        )


def try_choices(space: SearchSpace, ops: Sequence[int]) -> Arch | None:
    """`from_choices`, or None where the combination is not in the space (e.g. nbgraph's
    all-skip network): categorical searchers then draw again instead of failing the run."""
    try:
        return from_choices(space, ops)
    except InvalidArchError:
        return None


def from_choices(space: SearchSpace, ops: Sequence[int]) -> Arch:
    """The architecture with these per-position choices (parsed, so the space may canonicalise).

    Raises InvalidArchError when the combination is not a member of the space.
    """
    arch = space.parse(tuple(int(o) for o in ops))
    if not isinstance(arch, Arch):  # a space must return its own Arch
        raise InvalidArchError(f"space {space.name!r} did not return an Arch for {tuple(ops)}")
    return arch
