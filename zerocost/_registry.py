"""The proxy registry: `@register(name, needs_labels=..., data_independent=..., needs_grad=...)`.

A proxy is a function `fn(ctx) -> float` of a `zerocost.Context` (the network, one batch and the
passes proxies share). Metadata says what it needs so callers can skip label handling or data
loading, and which direction is better (`higher_is_better`), so rankings can be oriented.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nas_core.registry import Registry

if TYPE_CHECKING:
    from zerocost.context import Context


@dataclass(frozen=True)
class Proxy:
    name: str
    fn: Callable[[Context], float]
    needs_labels: bool
    data_independent: bool
    needs_grad: bool
    higher_is_better: bool = True
    citation: str = ""

    def __call__(self, ctx: Context) -> float:
        return float(self.fn(ctx))

    def info(self) -> dict[str, object]:
        return {
            "name": self.name,
            "needs_labels": self.needs_labels,
            "data_independent": self.data_independent,
            "needs_grad": self.needs_grad,
            "higher_is_better": self.higher_is_better,
            "citation": self.citation,
        }


REGISTRY: Registry[Proxy] = Registry("proxy")


def register(
    name: str,
    *,
    needs_labels: bool,
    data_independent: bool,
    needs_grad: bool,
    higher_is_better: bool = True,
    citation: str = "",
) -> Callable[[Callable[[Context], float]], Callable[[Context], float]]:
    def deco(fn: Callable[[Context], float]) -> Callable[[Context], float]:
        REGISTRY.register(name)(
            Proxy(
                name,
                fn,
                needs_labels,
                data_independent,
                needs_grad,
                higher_is_better,
                citation or (fn.__doc__ or "").strip().splitlines()[0],
            )
        )
        return fn

    return deco


def get(name: str) -> Proxy:
    _load_all()
    return REGISTRY.get(name)


def names() -> list[str]:
    _load_all()
    return REGISTRY.names()


def parse_names(spec: str | list[str]) -> list[str]:
    """'synflow,naswot' or a list -> validated names ('all' = every proxy), order kept."""
    items = spec if isinstance(spec, list) else [s.strip() for s in spec.split(",") if s.strip()]
    if items == ["all"]:
        return names()
    out: list[str] = []
    for n in items:
        get(n)  # raises UnknownNameError with suggestions
        if n not in out:
            out.append(n)
    if not out:
        from nas_core.errors import InvalidInputError

        raise InvalidInputError(f"no proxy given; valid: {', '.join(names())}")
    return out


def _load_all() -> None:
    import zerocost.proxies  # noqa: F401 - registers every proxy module
