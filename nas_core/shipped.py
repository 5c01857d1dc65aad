"""Where naslab's shipped data folder is: the repository's top-level `data/` (table presets, study
files), which holds no package code and so is not an importable package.

It is found, in this order:

1. `$NASLAB_DATA`, when set (a copy of `data/` the user points at; used as given);
2. the source checkout beside the imported `nas_core` (a clone, or `pip install -e .`), so edits
   to `data/` take effect at once;
3. the copy a regular install put under `<prefix>/share/naslab` (pyproject's `data-files`): in
   the install prefix (a virtual environment, `--prefix`), the user base (`--user`), or beside
   the installed packages (`pip install --target DIR` puts it at `DIR/share/naslab`).
"""

from __future__ import annotations

import os
import site
import sys
import sysconfig
from pathlib import Path

from nas_core.errors import InvalidInputError, MissingFileError

ENV_VAR = "NASLAB_DATA"
#: Where `data-files` in pyproject.toml installs the folder, relative to a scheme's data path.
INSTALLED_SUBDIR = ("share", "naslab")
#: A folder counts as naslab's shipped data when it holds this (guards against other projects'
#: `share/naslab` or a checkout of something else).
MARKER = "presets"


def _checkout_data() -> Path | None:
    """`data/` of the source tree the running `nas_core` was imported from, if it is one."""
    root = Path(__file__).resolve().parents[1]
    if (root / "pyproject.toml").is_file() and (root / "data" / MARKER).is_dir():
        return root / "data"
    return None


def _installed_candidates() -> list[Path]:
    """Where a regular install may have put the folder (first existing one wins)."""
    site_dir = Path(__file__).resolve().parents[1]  # the folder that holds the nas_core package
    bases = [site_dir]
    for scheme in (None, f"{os.name}_user"):
        try:
            path = sysconfig.get_path("data", scheme) if scheme else sysconfig.get_path("data")
        except KeyError:  # a scheme this platform does not have
            continue
        bases.append(Path(path))
    bases += [Path(sys.prefix), Path(site.getuserbase())]
    out: list[Path] = []
    for base in bases:
        cand = base.joinpath(*INSTALLED_SUBDIR)
        if cand not in out:
            out.append(cand)
    return out


def _looked_in() -> str:
    env = os.environ.get(ENV_VAR)
    places = [f"${ENV_VAR} ({env!r})" if env else f"${ENV_VAR} (unset)"]
    places.append(f"the source checkout ({Path(__file__).resolve().parents[1] / 'data'})")
    places += [f"installed copy {p}" for p in _installed_candidates()]
    return "; ".join(places)


def shipped_root() -> Path:
    """The shipped data folder (see the module docstring for the search order)."""
    env = os.environ.get(ENV_VAR)
    if env:
        root = Path(env).expanduser()
        if not root.is_dir():
            raise MissingFileError(
                f"${ENV_VAR} is set to {env!r}, which is not a folder; point it at a copy of "
                "naslab's data/ folder (the repository's top-level data/), or unset it"
            )
        return root
    checkout = _checkout_data()
    if checkout is not None:
        return checkout
    for cand in _installed_candidates():
        if (cand / MARKER).is_dir():
            return cand
    raise MissingFileError(
        f"naslab's shipped data folder (table presets, study files) was not found; looked in: "
        f"{_looked_in()}. Reinstall naslab (`pip install -e .` from a checkout, or `pip install .`), "
        f"or set ${ENV_VAR} to a copy of the repository's data/ folder"
    )


def shipped_path(*parts: str) -> Path:
    """A file or folder under the shipped data folder, e.g. `shipped_path("studies", "x.toml")`;
    MissingFileError naming where it looked when it is not there."""
    if any(Path(part).is_absolute() or ".." in Path(part).parts for part in parts):
        raise InvalidInputError(
            f"shipped_path takes parts relative to the data folder, without '..', got {parts!r}"
        )
    root = shipped_root()
    path = root.joinpath(*parts)
    if not path.exists():
        rel = "/".join(parts)
        near = sorted(p.name for p in path.parent.iterdir()) if path.parent.is_dir() else []
        hint = f" (that folder holds: {', '.join(near)})" if near else ""
        raise MissingFileError(
            f"shipped data file {rel!r} not found in naslab's data folder {root}{hint}; a "
            f"partial copy? set ${ENV_VAR} to a complete copy of the repository's data/ folder, "
            "or reinstall naslab"
        )
    return path
