"""What categorical searchers (REINFORCE, TPE, NSGA-II) take from a space: its categorical view.

They see an architecture as one categorical choice per position of the space's view
(`SearchSpace.choices`, `to_choices`, `from_choices`: `Arch.ops` for a product space such as
nb201, 21 edge bits and 5 op choices for nb101). A space whose `choices()` is None has no view,
and these searchers refuse it at construction with a clear error naming the searchers that do
work on it (`searchers_for`). A view may hold combinations that are no member (nb101: ~26% of
random vectors): a searcher redraws those (`try_choices`), at most `MAX_REDRAWS` times in a row,
then takes a random member (`space.sample`) so that it never spins on a model that only proposes
invalid combinations. A searcher that sets `needs_index` (none of the built-in ones: the
predictor-guided searchers fit on encodings, so they run on open spaces) refuses an open space.
"""

from __future__ import annotations

from collections.abc import Sequence

from nas_core.arch import Arch
from nas_core.errors import InvalidArchError, InvalidInputError
from nas_core.spaces.base import SearchSpace


def searchers_for(space: SearchSpace) -> list[str]:
    """Registered searchers that can run on `space`: those needing choices only where it has
    them, those needing an index table (`needs_index`) only where it is finite."""
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
    """Number of choices at each position of the space's categorical view; InvalidInputError
    when the space states it has none."""
    sizes = space.choices()
    if sizes is None:
        raise InvalidInputError(
            f"searcher {searcher!r} needs a space with a categorical view, and space "
            f"{space.name!r} has none (its choices() is None); searchers that work on "
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
            f"searcher {searcher!r} needs space indices, and space "
            f"{space.name!r} is open (no index table); searchers that work on it: "
            f"{', '.join(searchers_for(space))}"
        )


#: Invalid proposals a categorical searcher redraws in a row before it takes a random member.
MAX_REDRAWS = 100


def try_choices(space: SearchSpace, values: Sequence[int]) -> Arch | None:
    """`from_choices`, or None where the combination is not in the space (e.g. nbgraph's
    all-skip network): categorical searchers then draw again instead of failing the run."""
    try:
        return from_choices(space, values)
    except InvalidArchError:
        return None


def from_choices(space: SearchSpace, values: Sequence[int]) -> Arch:
    """The architecture with these choices (`space.from_choices`: the space may canonicalise).

    Raises InvalidArchError when the combination is not a member of the space.
    """
    arch = space.from_choices(tuple(int(v) for v in values))
    if not isinstance(arch, Arch):  # a space must return its own Arch
        raise InvalidArchError(f"space {space.name!r} did not return an Arch for {tuple(values)}")
    return arch


def to_choices(space: SearchSpace, arch: Arch) -> tuple[int, ...]:
    """`arch` as the choice vector of the space's categorical view (`space.to_choices`)."""
    return tuple(int(v) for v in space.to_choices(arch))
