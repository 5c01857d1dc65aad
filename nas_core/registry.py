"""One registry convention for spaces, benchmarks, predictors, searchers and proxies.

Each package keeps a `Registry` and registers its components with a decorator where they are
defined. A component is any callable (a class or a factory function); its parameters are read
from its signature (names, defaults, annotated types) and refined by declared `Param`s (a
description, bounds, choices) given either as a class attribute `param_specs` (merged along the
MRO, so a base class can describe shared parameters once) or as the decorator's `params=`.

    REG = Registry("widget")

    @REG.register("box", summary="a box", params={"size": Param(ge=1, le=100, description="...")})
    class Box:
        def __init__(self, size: int = 3, colour: str = "red"): ...

    REG.list("b*")              # ['box']
    REG.info("box").params      # {'size': Param(int, default 3, in [1, 100]), 'colour': ...}
    REG.create("box", size=0)   # InvalidInputError: widget 'box': size must be an integer in
                                # [1, 100], got 0

Errors are naslab's: an unknown component name is an `UnknownNameError` with a close-match
suggestion; an unknown parameter is one `InvalidInputError` line listing the valid ones with
their defaults; a value of the wrong type or out of range is one `InvalidInputError` line naming
the parameter, the value and what is valid (a value outside `choices` raises `InvalidChoiceError`,
both an `UnknownNameError` and an `InvalidInputError`).

Types are checked from annotations: int, float, bool, str, paths, None, unions, `Literal`,
sequences and mappings (containers only, not their items); an annotation that cannot be resolved
accepts any value. Harmless spellings are converted: an integral float (`1e3`) for an int, an int
for a float, a numeric string for a number, 'true'/'false' for a bool, a list for a tuple - so a
value typed on the command line means what it says.
"""

from __future__ import annotations

import builtins
import collections.abc as cabc
import difflib
import fnmatch
import importlib
import inspect
import math
import os
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

import numpy as np

from nas_core.errors import InvalidInputError, NaslabError, UnknownNameError

T = TypeVar("T")


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: Default of a parameter that has none (it must be given).
REQUIRED: Any = _Required()


class InvalidChoiceError(UnknownNameError, InvalidInputError):
    """A parameter value outside its declared choices (an unknown name *and* an invalid input)."""


@dataclass(frozen=True)
class Param:
    """One parameter of a registered component.

    Declare only what the signature cannot say (`description`, bounds, `choices`); `name`,
    `type` and `default` are filled in from the signature. Bounds: `ge`/`gt` (>=, >) and
    `le`/`lt` (<=, <) apply to numbers.
    """

    description: str = ""
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    choices: tuple[Any, ...] | None = None
    type: Any = None
    default: Any = REQUIRED
    name: str = ""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    # -- checking ----------------------------------------------------------------------------
    def check(self, value: Any, owner: str = "") -> Any:
        """`value` converted to the parameter's type, or one clear error naming what is valid."""
        where = f"{owner}: " if owner else ""
        ok, out = _convert(self.type, value)
        if not ok:
            raise InvalidInputError(f"{where}{self.name} must be {self.valid()}, got {value!r}")
        if self.choices is not None and out is not None and out not in self.choices:
            raise InvalidChoiceError(
                self.name, out, [str(c) for c in self.choices], f"for {owner}" if owner else ""
            )
        if isinstance(out, float) and math.isnan(out):
            raise InvalidInputError(f"{where}{self.name} must be {self.valid()}, got nan")
        if isinstance(out, (int, float)) and not isinstance(out, bool) and not self._in_range(out):
            raise InvalidInputError(f"{where}{self.name} must be {self.valid()}, got {value!r}")
        return out

    def _in_range(self, v: float) -> bool:
        return not (
            (self.ge is not None and v < self.ge)
            or (self.gt is not None and v <= self.gt)
            or (self.le is not None and v > self.le)
            or (self.lt is not None and v >= self.lt)
        )

    # -- describing --------------------------------------------------------------------------
    def valid(self) -> str:
        """What is valid, in words: 'an integer in [1, 100000]', 'one of mse, mae'."""
        if self.choices is not None:
            text = "one of " + ", ".join(str(c) for c in self.choices)
        else:
            text = _type_words(self.type)
            rng = self.range_text()
            if rng:
                text += f" {rng}"
        if _allows_none(self.type) and "None" not in text:
            text += " (or None)"
        return text

    def range_text(self) -> str:
        lo = (self.ge, "[") if self.ge is not None else (self.gt, "(")
        hi = (self.le, "]") if self.le is not None else (self.lt, ")")
        if lo[0] is not None and hi[0] is not None:
            return f"in {lo[1]}{_num(lo[0])}, {_num(hi[0])}{hi[1]}"
        if lo[0] is not None:
            return f"{'>=' if lo[1] == '[' else '>'} {_num(lo[0])}"
        if hi[0] is not None:
            return f"{'<=' if hi[1] == ']' else '<'} {_num(hi[0])}"
        return ""

    def type_name(self) -> str:
        return _type_name(self.type)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly description (what `--json` list commands print)."""
        d: dict[str, Any] = {
            "name": self.name,
            "type": self.type_name(),
            "default": None if self.required else _jsonable(self.default),
            "required": self.required,
            "description": self.description,
            "valid": self.valid(),
        }
        for k in ("ge", "gt", "le", "lt"):
            if getattr(self, k) is not None:
                d[k] = getattr(self, k)
        if self.choices is not None:
            d["choices"] = [_jsonable(c) for c in self.choices]
        return d


@dataclass(frozen=True)
class ComponentInfo:
    """What `Registry.info(name)` returns: the summary and every parameter with its default."""

    name: str
    kind: str
    summary: str
    params: dict[str, Param]
    accepts_extra: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "summary": self.summary,
            "params": [p.to_dict() for p in self.params.values()],
            "accepts_extra_params": self.accepts_extra,
            **{k: _jsonable(v) for k, v in self.meta.items()},
        }


@dataclass
class _Entry:
    obj: Any
    summary: str
    declared: dict[str, Param]
    signature_of: Any
    meta: dict[str, Any]
    specs: tuple[dict[str, Param], bool] | None = None


class Registry(Generic[T]):
    """Maps names to components. `kind` names them in messages ("unknown searcher 'x'");
    `skip` lists signature parameters the package supplies itself (e.g. a searcher's `space`),
    which are neither listed nor validated; `noun` names parameters in messages ("option")."""

    def __init__(self, kind: str, *, skip: tuple[str, ...] = (), noun: str = "parameter"):
        self.kind = kind
        self.skip = tuple(skip)
        self.noun = noun
        self._items: dict[str, _Entry] = {}

    def register(
        self,
        name: str,
        *,
        summary: str = "",
        params: Mapping[str, Param] | None = None,
        signature_of: Callable[..., Any] | str | None = None,
        **meta: Any,
    ) -> Callable[[T], T]:
        """Decorator registering a component under `name` (duplicates raise).

        `params` refines parameters read from the signature; `signature_of` reads them from
        another callable instead (a wrapper that forwards `**options`), given as the callable or
        as "module:attribute", imported only when the parameters are asked for. `meta` is free
        metadata shown by `info`.
        """

        def deco(obj: T) -> T:
            if name in self._items:
                raise NaslabError(f"{self.kind} {name!r} is already registered")
            doc = summary or _first_line(getattr(obj, "__doc__", None))
            self._items[name] = _Entry(obj, doc, dict(params or {}), signature_of, dict(meta))
            return obj

        return deco

    # -- lookup ------------------------------------------------------------------------------
    def _entry(self, name: str) -> _Entry:
        try:
            return self._items[name]
        except (KeyError, TypeError):
            raise UnknownNameError(self.kind, name, self._items) from None

    def get(self, name: str) -> T:
        """The registered component (UnknownNameError with a suggestion otherwise)."""
        return self._entry(name).obj

    def names(self) -> builtins.list[str]:
        return sorted(self._items)

    def summary(self, name: str) -> str:
        return self._entry(name).summary

    def meta(self, name: str) -> dict[str, Any]:
        return dict(self._entry(name).meta)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    # -- parameters --------------------------------------------------------------------------
    def _specs(self, name: str) -> tuple[dict[str, Param], bool]:
        e = self._entry(name)
        if e.specs is None:
            target = e.signature_of if e.signature_of is not None else e.obj
            if isinstance(target, str):
                mod, _, attr = target.partition(":")
                target = getattr(importlib.import_module(mod), attr)
            e.specs = specs_for(
                target, e.declared, skip=self.skip, owner=f"{self.kind} {name!r}", extra=e.obj
            )
        return e.specs

    def params(self, name: str) -> dict[str, Param]:
        """Parameter specs of `name`, in signature order."""
        return dict(self._specs(name)[0])

    def info(self, name: str) -> ComponentInfo:
        specs, extra = self._specs(name)
        e = self._entry(name)
        return ComponentInfo(name, self.kind, e.summary, dict(specs), extra, dict(e.meta))

    def validate(self, name: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """`params` checked against `name`'s specs and converted; raises one clear line."""
        specs, extra = self._specs(name)
        return check_params(
            specs, params, f"{self.kind} {name!r}", accepts_extra=extra, noun=self.noun
        )

    def create(self, name: str, /, *args: Any, **params: Any) -> Any:
        """`component(*args, **validated params)`; `args` carry what the package supplies."""
        obj = self.get(name)
        return obj(*args, **self.validate(name, params))  # type: ignore[operator]

    def list(self, pattern: str = "*") -> builtins.list[str]:
        """Registered names matching the glob `pattern`, sorted."""
        return [n for n in self.names() if fnmatch.fnmatchcase(n, pattern)]


# ---------------------------------------------------------------------------------------------
def check_params(
    specs: Mapping[str, Param],
    params: Mapping[str, Any],
    owner: str,
    *,
    accepts_extra: bool = False,
    require: bool = True,
    noun: str = "parameter",
) -> dict[str, Any]:
    """Validate `params` against `specs`: unknown names, missing required ones, types, ranges."""
    bad = [k for k in params if k not in specs]
    if bad and not accepts_extra:
        listing = ", ".join(
            p.name if p.required else f"{p.name}={_short(p.default)}" for p in specs.values()
        )
        close = difflib.get_close_matches(str(bad[0]), list(specs), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InvalidInputError(
            f"{owner} has no {noun}(s) {', '.join(map(str, sorted(bad)))}{hint}; "
            f"valid: {listing or 'none'}"
        )
    if require:
        missing = [p.name for p in specs.values() if p.required and p.name not in params]
        if missing:
            raise InvalidInputError(f"{owner} needs {noun}(s) {', '.join(missing)}")
    return {k: (specs[k].check(v, owner) if k in specs else v) for k, v in params.items()}


def specs_for(
    target: Any,
    declared: Mapping[str, Param] | None = None,
    *,
    skip: tuple[str, ...] = (),
    owner: str = "",
    extra: Any = None,
) -> tuple[dict[str, Param], bool]:
    """(parameter specs, accepts **kwargs) of a callable: its signature refined by the
    `param_specs` class attributes of `target` (or of `extra`, the registered object, when the
    signature comes from elsewhere) and by `declared`."""
    sig = inspect.signature(target)
    fn = target.__init__ if isinstance(target, type) else target
    hints = _hints(fn, sig)
    decl: dict[str, Param] = {}
    strict: set[str] = set(declared or {})  # declared here, not inherited: must exist
    for src in (target, extra):
        if isinstance(src, type):
            for klass in reversed(src.__mro__):
                decl.update(klass.__dict__.get("param_specs", {}) or {})
            strict |= set(src.__dict__.get("param_specs", {}) or {})
    decl.update(declared or {})
    specs: dict[str, Param] = {}
    accepts_extra = False
    for p in sig.parameters.values():
        if p.kind is p.VAR_KEYWORD:
            accepts_extra = True
            continue
        if p.kind is p.VAR_POSITIONAL or p.name in skip or p.name == "self":
            continue
        default = REQUIRED if p.default is p.empty else p.default
        ann = hints.get(p.name, Any)
        if ann is Any and default is not REQUIRED and default is not None:
            ann = type(default)
        d = decl.get(p.name, Param())
        specs[p.name] = replace(
            d, name=p.name, type=d.type if d.type is not None else ann, default=default
        )
    unknown = [k for k in decl if k not in specs and k not in skip and k in strict]
    if unknown and not accepts_extra:
        raise NaslabError(
            f"{owner or target!r} declares parameter(s) {', '.join(unknown)} that its signature "
            "lacks"
        )
    for k in unknown:
        specs[k] = replace(decl[k], name=k, type=decl[k].type or Any)
    return specs, accepts_extra


def _hints(fn: Any, sig: inspect.Signature) -> dict[str, Any]:
    try:
        return typing.get_type_hints(fn)
    except Exception:  # a name only imported under TYPE_CHECKING: resolve one by one
        pass
    out: dict[str, Any] = {}
    ns = dict(getattr(fn, "__globals__", {}))
    for p in sig.parameters.values():
        ann = p.annotation
        if isinstance(ann, str):
            try:
                ann = eval(ann, ns)  # noqa: S307 - the component's own source annotation
            except Exception:
                ann = Any
        out[p.name] = Any if ann is p.empty else ann
    return out


# ---------------------------------------------------------------------------------------------
# types
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _union_args(ann: Any) -> tuple[Any, ...] | None:
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        return typing.get_args(ann)
    return None


def _allows_none(ann: Any) -> bool:
    args = _union_args(ann)
    return bool(args) and any(a is type(None) for a in args)  # type: ignore[arg-type]


def _convert(ann: Any, v: Any) -> tuple[bool, Any]:
    """(accepted, converted value): exact matches first, then harmless conversions."""
    ok, out = _match(ann, v, strict=True)
    return (ok, out) if ok else _match(ann, v, strict=False)


def _match(ann: Any, v: Any, strict: bool) -> tuple[bool, Any]:
    if ann is Any or ann is None or ann is inspect.Parameter.empty or isinstance(ann, TypeVar):
        return True, v
    args = _union_args(ann)
    if args is not None:
        for a in args:
            ok, out = _match(a, v, strict)
            if ok:
                return True, out
        return False, v
    if ann is type(None):
        return v is None, v
    origin = typing.get_origin(ann)
    if origin is typing.Literal:
        return v in typing.get_args(ann), v
    if ann is bool:
        if isinstance(v, (bool, np.bool_)):
            return True, bool(v)
        if not strict and isinstance(v, str) and v.strip().lower() in _TRUE | _FALSE:
            return True, v.strip().lower() in _TRUE
        return False, v
    if ann is int:
        if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
            return True, int(v)
        if strict:
            return False, v
        if isinstance(v, (float, np.floating)) and math.isfinite(v) and float(v).is_integer():
            return True, int(v)
        if isinstance(v, str):
            try:
                return True, int(v.strip())
            except ValueError:
                return False, v
        return False, v
    if ann is float:
        if isinstance(v, (bool, np.bool_)):
            return False, v
        if isinstance(v, (int, float, np.integer, np.floating)):
            return True, float(v)
        if not strict and isinstance(v, str):
            try:
                return True, float(v.strip())
            except ValueError:
                return False, v
        return False, v
    if ann is str:
        return isinstance(v, str), v
    if ann in (os.PathLike, os.PathLike[str]) or (
        isinstance(ann, type) and issubclass(ann, os.PathLike)
    ):
        return isinstance(v, (str, os.PathLike)), v
    target = origin or ann
    if target in (tuple, builtins.list, cabc.Sequence, typing.Sequence, cabc.Iterable, set):
        if isinstance(v, (builtins.list, tuple)) or (target is set and isinstance(v, set)):
            return True, tuple(v) if target is tuple else v
        return False, v
    if target in (dict, cabc.Mapping, typing.Mapping, cabc.MutableMapping):
        return isinstance(v, Mapping), v
    if isinstance(target, type):
        try:
            return isinstance(v, target), v
        except TypeError:
            return True, v
    return True, v


def _type_words(ann: Any) -> str:
    args = _union_args(ann)
    if args is not None:
        parts = [_type_words(a) for a in args if a is not type(None)]
        return " or ".join(dict.fromkeys(parts)) if parts else "None"
    origin = typing.get_origin(ann)
    if origin is typing.Literal:
        return "one of " + ", ".join(map(str, typing.get_args(ann)))
    words = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}
    if ann in words:
        return words[ann]
    if isinstance(ann, type) and issubclass(ann, os.PathLike):
        return "a path"
    if ann is Any or ann is None:
        return "any value"
    plain = {dict: "dict", tuple: "tuple", list: "list", cabc.Sequence: "list", set: "set"}
    origin = origin or ann
    if origin in plain or origin in (cabc.Mapping, typing.Mapping):
        return f"a {plain.get(origin, 'dict')}"
    return f"a {_type_name(ann)}"


def _type_name(ann: Any) -> str:
    if ann is Any or ann is None:
        return "any"
    args = _union_args(ann)
    if args is not None:
        return " | ".join(_type_name(a) for a in args)
    if ann is type(None):
        return "None"
    if typing.get_origin(ann) is not None:
        return str(ann).replace("typing.", "").replace("collections.abc.", "")
    return getattr(ann, "__name__", str(ann))


def _num(x: float) -> str:
    if isinstance(x, int) and x >= 2**20:  # 2**53, 2**32 - 1: as written in the source
        for k, tail in ((x.bit_length() - 1, ""), (x.bit_length(), " - 1")):
            if x == 2**k - (1 if tail else 0):
                return f"2**{k}{tail}"
    if not isinstance(x, float):
        return str(x)
    if x.is_integer() and abs(x) < 1e7:
        return str(int(x))
    return f"{x:g}"


def _short(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    if isinstance(v, (builtins.list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return str(v)


def _first_line(doc: str | None) -> str:
    lines = (doc or "").strip().splitlines()
    return lines[0].strip() if lines else ""


__all__ = [
    "REQUIRED",
    "ComponentInfo",
    "InvalidChoiceError",
    "Param",
    "Registry",
    "check_params",
    "specs_for",
]
