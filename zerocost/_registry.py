"""The proxy registry: `@register(name, needs_labels=..., data_independent=..., needs_grad=...)`.

nas_core.registry's convention: `list(pattern)`, `info(name)` (metadata; proxies take no
parameters: everything they need is in the `Context`), `create(name)` (the `Proxy`).

A proxy is a function `fn(ctx) -> float` of a `zerocost.Context` (the network, one batch and the
passes proxies share). Metadata says what it needs so callers can skip label handling or data
loading, and which direction is better (`higher_is_better`), so rankings can be oriented.
`needs_hook` names the optional `ProxyNetwork` hook the proxy calls (`nas_core.networks.protocol`),
so a scoring run can refuse, before any work, a proxy the space's network cannot serve.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nas_core.networks.protocol import OPTIONAL_HOOKS
from nas_core.registry import ComponentInfo, Registry

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
    needs_hook: str | None = None

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
            "needs_hook": self.needs_hook,
        }


#: A proxy is called with its `Context` only: `ctx` is not a user parameter.
REGISTRY: Registry[Proxy] = Registry("proxy", skip=("ctx",))


def register(
    name: str,
    *,
    needs_labels: bool,
    data_independent: bool,
    needs_grad: bool,
    higher_is_better: bool = True,
    citation: str = "",
    needs_hook: str | None = None,
) -> Callable[[Callable[[Context], float]], Callable[[Context], float]]:
    if needs_hook is not None and needs_hook not in OPTIONAL_HOOKS:
        raise ValueError(f"needs_hook {needs_hook!r} is not a ProxyNetwork hook: {OPTIONAL_HOOKS}")

    def deco(fn: Callable[[Context], float]) -> Callable[[Context], float]:
        proxy = Proxy(
            name,
            fn,
            needs_labels,
            data_independent,
            needs_grad,
            higher_is_better,
            citation or (fn.__doc__ or "").strip().splitlines()[0],
            needs_hook,
        )
        meta = {k: v for k, v in proxy.info().items() if k != "name"}
        REGISTRY.register(name, summary=proxy.citation, **meta)(proxy)
        return fn

    return deco


def get(name: str) -> Proxy:
    _load_all()
    return REGISTRY.get(name)


def names() -> builtins.list[str]:
    _load_all()
    return REGISTRY.names()


def list(pattern: str = "*") -> builtins.list[str]:  # noqa: A001 - as benchmarks.list()
    """Registered proxy names matching a glob `pattern`."""
    _load_all()
    return REGISTRY.list(pattern)


def info(name: str) -> ComponentInfo:
    """What proxy `name` needs (labels, gradients, data), its direction and citation."""
    _load_all()
    return REGISTRY.info(name)


def create(name: str) -> Proxy:
    """The registered `Proxy` (proxies take no parameters; see `info`)."""
    return get(name)


def parse_names(spec: str | builtins.list[str]) -> builtins.list[str]:
    """'synflow,naswot' or a list -> validated names ('all' = every proxy), order kept."""
    items = (
        spec
        if isinstance(spec, builtins.list)
        else [s.strip() for s in spec.split(",") if s.strip()]
    )
    if items == ["all"]:
        return names()
    out: builtins.list[str] = []
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
