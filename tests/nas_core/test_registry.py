"""nas_core.registry: one convention (decorator, list/info/create, validated parameters) and every
package's registry following it."""

from __future__ import annotations

import json
import math
from typing import Any, ClassVar, Literal

import pytest

import benchmarks
import predictors
import searchers
import zerocost
from nas_core import spaces
from nas_core.errors import InvalidInputError, NaslabError, UnknownNameError
from nas_core.registry import REQUIRED, InvalidChoiceError, Param, Registry


def _widgets() -> Registry[Any]:
    reg: Registry[Any] = Registry("widget")

    class Base:
        param_specs: ClassVar[dict[str, Param]] = {
            "seed": Param("random seed", ge=0),
            "unused_here": Param("a parameter only some subclasses take"),
        }

    @reg.register(
        "box",
        summary="a box",
        params={"size": Param("edge length", ge=1, le=100), "shape": Param(choices=("a", "b"))},
    )
    class Box(Base):
        def __init__(
            self,
            size: int = 3,
            ratio: float = 0.5,
            shape: str = "a",
            flag: bool = False,
            scale: float | None = None,
            pair: tuple[int, int] = (1, 2),
            mode: Literal["x", "y"] = "x",
            seed: int = 0,
        ):
            self.kw = dict(size=size, ratio=ratio, shape=shape, flag=flag, scale=scale, pair=pair,
                           mode=mode, seed=seed)  # fmt: skip

    @reg.register("fn")
    def make_fn(path: str, *, n: int = 2, **extra: Any) -> dict[str, Any]:
        """Build from a file."""
        return {"path": path, "n": n, **extra}

    return reg


def test_list_glob_and_summary():
    reg = _widgets()
    assert reg.list() == ["box", "fn"] and reg.list("b*") == ["box"] and reg.list("z*") == []
    assert reg.summary("box") == "a box"
    assert reg.summary("fn") == "Build from a file."  # first docstring line by default
    assert "box" in reg and list(reg) == ["box", "fn"]


def test_info_merges_signature_class_specs_and_decorator():
    info = _widgets().info("box")
    p = info.params
    assert list(p) == ["size", "ratio", "shape", "flag", "scale", "pair", "mode", "seed"]
    assert (p["size"].type, p["size"].default, p["size"].description) == (int, 3, "edge length")
    assert p["size"].valid() == "an integer in [1, 100]"
    assert p["seed"].description == "random seed" and p["seed"].ge == 0  # from the base class
    assert "unused_here" not in p  # inherited specs for parameters a class lacks are ignored
    assert p["scale"].valid() == "a number (or None)"
    d = info.to_dict()
    json.dumps(d)
    assert d["params"][0] == {
        "name": "size", "type": "int", "default": 3, "required": False,
        "description": "edge length", "valid": "an integer in [1, 100]", "ge": 1, "le": 100,
    }  # fmt: skip
    fn = _widgets().info("fn")
    assert fn.params["path"].required and fn.params["path"].default is REQUIRED
    assert fn.accepts_extra


@pytest.mark.parametrize(
    ("params", "needles"),
    [
        ({"size": 0}, ["widget 'box': size must be an integer in [1, 100], got 0"]),
        ({"size": "abc"}, ["size", "'abc'"]),
        ({"size": True}, ["size", "True"]),  # a bool is not an integer here
        ({"ratio": "x"}, ["ratio must be a number, got 'x'"]),
        ({"ratio": float("nan")}, ["ratio", "nan"]),
        ({"flag": "maybe"}, ["flag must be true or false"]),
        ({"pair": 3}, ["pair must be a tuple"]),
        ({"sise": 3}, ["has no parameter(s) sise", "did you mean 'size'", "size=3", "ratio=0.5"]),
        ({"seed": -1}, ["seed must be an integer >= 0, got -1"]),
    ],
)
def test_create_rejects_bad_parameters_with_one_line(params, needles):
    with pytest.raises(InvalidInputError) as e:
        _widgets().create("box", **params)
    msg = str(e.value)
    assert "\n" not in msg
    for n in needles:
        assert n in msg, (n, msg)


def test_choices_and_literals_are_unknown_names_and_invalid_inputs():
    reg = _widgets()
    with pytest.raises(InvalidChoiceError, match="unknown shape 'c' for widget 'box'") as e:
        reg.create("box", shape="c")
    assert isinstance(e.value, UnknownNameError) and isinstance(e.value, InvalidInputError)
    with pytest.raises(InvalidInputError, match="mode must be one of x, y"):
        reg.create("box", mode="z")


def test_create_converts_command_line_spellings():
    kw = _widgets().create("box", size="7", ratio=1, flag="no", scale=2, pair=[3, 4], mode="y").kw
    assert kw["size"] == 7 and type(kw["size"]) is int
    assert kw["ratio"] == 1.0 and type(kw["ratio"]) is float
    assert kw["flag"] is False and kw["pair"] == (3, 4) and kw["scale"] == 2.0
    assert _widgets().create("box", size=1e1).kw["size"] == 10  # integral float
    with pytest.raises(InvalidInputError):
        _widgets().create("box", size=2.5)


def test_required_and_extra_parameters():
    reg = _widgets()
    with pytest.raises(InvalidInputError, match="needs parameter"):
        reg.create("fn")
    assert reg.create("fn", path="p", colour="red") == {"path": "p", "n": 2, "colour": "red"}
    with pytest.raises(InvalidInputError, match="n must be an integer"):
        reg.create("fn", path="p", n="two")


def test_unknown_name_duplicates_and_bad_declarations():
    reg = _widgets()
    with pytest.raises(UnknownNameError, match="Did you mean 'box'"):
        reg.create("bxo")
    with pytest.raises(NaslabError, match="already registered"):
        reg.register("box")(object)
    reg.register("typo", params={"sizee": Param("x")})(lambda size=1: size)
    with pytest.raises(NaslabError, match="sizee"):
        reg.info("typo")  # a declared parameter the signature lacks is a bug, said loudly


def test_signature_of_and_skip_and_noun():
    reg: Registry[Any] = Registry("loader", skip=("space",), noun="option")
    reg.register("m", signature_of="math:isclose")(lambda **kw: kw)
    assert {"rel_tol", "abs_tol"} <= set(reg.info("m").params)
    reg.register("s")(lambda space, k=1: (space, k))
    assert list(reg.info("s").params) == ["k"]
    assert reg.create("s", "SPACE", k=2) == ("SPACE", 2)
    with pytest.raises(InvalidInputError, match="loader 's' has no option"):
        reg.create("s", "SPACE", q=1)


def test_param_range_text():
    assert Param(gt=0, le=1, type=float).valid() == "a number in (0, 1]"
    assert Param(ge=2, lt=5, type=int).valid() == "an integer in [2, 5)"
    assert Param(le=2**53, ge=0, type=int).valid() == "an integer in [0, 2**53]"
    assert Param(type=float, gt=0).check(math.inf) == math.inf


# --- every package follows the convention ------------------------------------------------------
PACKAGES = {
    "spaces": spaces,
    "benchmarks": benchmarks,
    "predictors": predictors,
    "searchers": searchers,
    "zerocost": zerocost,
}


@pytest.mark.parametrize("pkg", list(PACKAGES))
def test_every_registry_lists_and_describes(pkg):
    mod = PACKAGES[pkg]
    names = mod.list()
    assert names and names == sorted(names)
    assert mod.list("*") == names and mod.list("no-such-*") == []
    for n in names:
        info = mod.info(n)
        assert info.name == n and info.summary, (pkg, n)
        d = info.to_dict()
        json.dumps(d)
        for p in info.params.values():
            if not p.required:
                p.check(p.default, n)  # every default is valid for its own spec
    with pytest.raises(UnknownNameError, match="Did you mean"):
        mod.info(names[0] + "x")


def test_package_create_validates():
    with pytest.raises(InvalidInputError, match="has no parameter"):
        spaces.create("nb201", size=3)
    assert spaces.create("nb201") is spaces.get("nb201")
    assert zerocost.create("synflow").name == "synflow"
    with pytest.raises(InvalidInputError, match="population_size must be an integer"):
        searchers.create("re", "nb201", population_size="many")
    with pytest.raises(InvalidInputError, match="seed"):
        searchers.create("re", "nb201", seed=-3)
    assert searchers.params_of("re") == {"population_size": 10, "sample_size": 3}


def test_benchmark_options_a_loader_does_not_take():
    """Not a bare TypeError naming a private function: a naslab error with the valid options."""
    with pytest.raises(InvalidInputError) as e:
        benchmarks.load("analognas", pth="x")
    msg = str(e.value)
    assert "benchmark 'analognas' has no option(s) pth" in msg
    assert "did you mean 'path'" in msg and "valid: path=None" in msg
    assert "_analognas" not in msg and "\n" not in msg
    with pytest.raises(InvalidInputError, match="dataset must be a string"):
        benchmarks.load("nbgraph", dataset=5)
    with pytest.raises(InvalidChoiceError, match="schedule"):
        benchmarks.load("nb201", path="x.pth", schedule=13)
    info = benchmarks.info("nb201")
    assert info.meta["embedded"] is False and benchmarks.is_embedded("analognas")
    assert info.params["schedule"].choices == (12, 200)
