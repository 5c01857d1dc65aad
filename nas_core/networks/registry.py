"""Which network builder serves which search space: `register_network(space)`, `build(...)`.

A builder is a function `(arch: Arch, num_classes: int, **size) -> torch.nn.Module` registered
under the name of the space whose architectures it builds. The module it returns meets the
`ProxyNetwork` protocol (`nas_core.networks.protocol`), which is all zero-cost proxies may use.
A space without a builder (nbgraph: its architectures are graph neural networks, and naslab has
no image network for them) is refused with one clear line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from nas_core.arch import Arch
from nas_core.errors import InvalidInputError
from nas_core.registry import Registry

Builder = Callable[..., Any]

_REGISTRY: Registry[Builder] = Registry("network builder")

#: Why a known space has no builder, for its error message.
_NO_NETWORK: dict[str, str] = {
    "nbgraph": "NAS-Bench-Graph architectures are graph neural networks over node features, "
    "not image classifiers",
    "tnb101-micro": "TransNAS-Bench-101 networks are task-specific encoder/decoders trained on "
    "Taskonomy images, which naslab does not build",
    "tnb101-macro": "TransNAS-Bench-101 networks are task-specific encoder/decoders trained on "
    "Taskonomy images, which naslab does not build",
}


def register_network(space: str) -> Callable[[Builder], Builder]:
    """Decorator: `fn(arch, num_classes, **size)` builds networks for architectures of `space`."""
    return _REGISTRY.register(space)


def spaces_with_networks() -> list[str]:
    return _REGISTRY.names()


def builder(space: Any) -> Builder:
    """The builder registered for `space` (a name or a SearchSpace); InvalidInputError naming the
    spaces that have one otherwise."""
    name = space if isinstance(space, str) else getattr(space, "name", str(space))
    if name not in _REGISTRY.names():
        why = _NO_NETWORK.get(name, "no network builder is registered for it")
        raise InvalidInputError(
            f"space {name!r} has no network to build ({why}); spaces with one: "
            f"{', '.join(spaces_with_networks())}"
        )
    return _REGISTRY.get(name)


def build(
    arch: Arch | Sequence[int],
    num_classes: int = 10,
    *size_args: Any,
    space: Any = None,
    **size: Any,
):
    """The network of `arch` as a torch module, weights from the current torch RNG.

    The builder is chosen by `space` when given (a name or a SearchSpace; `arch` is then parsed
    by that space), else by `arch.space` for an `Arch`. A bare op tuple without `space` is read
    as a NAS-Bench-201 cell (what this function always took). `size_args`/`size`: the builder's
    own size parameters (nb201: C, N).
    """
    if space is not None:
        from nas_core import spaces

        sp = spaces.get(space) if isinstance(space, str) else space
        fn = builder(sp.name)
        arch = sp.parse(arch)
    elif isinstance(arch, Arch):
        fn = builder(arch.space)
    else:
        fn = builder("nb201")
    return fn(arch, num_classes, *size_args, **size)
