"""`score_archs`: score many architectures of any space with a network builder, in parallel,
appending results as they finish.

Architectures are given as `Arch` values or any spelling their space parses. Each is identified
by its canonical string `space.to_str(arch)` (column `arch`); an indexed space (nb201) also keys
its rows by the space index (column `index`, as before), an open space (nb101, darts: no index)
by the canonical string alone, and nb101 rows carry NAS-Bench-101's cell hash (column `hash`).
Two spellings of one architecture are scored once.

Results go to a `ResultLog` directory beside the output (`<out>.parts/`), one Parquet part per
finished chunk, plus `run.json` with the settings; a rerun with the same settings skips finished
architectures (resume), a rerun with different settings is refused. At the end the parts are
consolidated into the output Parquet (written atomically). Progress is reported through a
callback so the CLI can show a rich progress bar.

Before any work the space's builder is looked up (a space without one is refused, naming those
with one), the network size options are checked against the builder's signature, and one
network is built to check that it has every hook the requested proxies call.

The chunks run on the job runner (`nas_core.jobs`): the parts folder is locked while a run writes
to it, a chunk whose worker died is retried once, damaged parts or a garbled `run.json` are set
aside and redone, and an existing output file that this run did not write is never overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nas_core.arch import Arch
from nas_core.errors import (
    InvalidArchError,
    InvalidInputError,
    JobFailedError,
    NaslabError,
    OutputDirError,
)
from nas_core.jobs import OutputDir, run_tasks
from nas_core.results import write_atomic
from zerocost._registry import get, parse_names
from zerocost.scoring import Chunk, get_batch, score_chunk

#: The builder parameters that are not size options (the scoring run supplies them).
_BUILDER_ARGS = ("arch", "num_classes")


def parts_dir(out: str | Path) -> Path:
    out = Path(out)
    return out.with_name(out.name + ".parts")


def run_scoring(
    archs: Sequence[Any],
    indices: Sequence[int] | None,
    proxies: str | list[str],
    out: str | Path,
    **options: Any,
) -> pd.DataFrame:
    """`score_archs` with the space indices of `archs` given beside them (the original
    signature, for indexed spaces); `indices` must be those of `archs`, or None."""
    if indices is not None:
        if len(indices) != len(archs):
            raise InvalidInputError(
                f"{len(archs)} architectures but {len(indices)} indices; give one index per "
                f"architecture (or None)"
            )
        sp = _space_of(archs, options.get("space"))
        for i, a in zip(indices, archs, strict=True):
            if sp.index(sp.parse(a)) != int(i):
                raise InvalidInputError(
                    f"index {int(i)} is not that of architecture {sp.to_str(sp.parse(a))!r} "
                    f"in space {sp.name!r} ({sp.index(sp.parse(a))})"
                )
    return score_archs(archs, proxies, out, **options)


def score_archs(
    archs: Sequence[Any],
    proxies: str | list[str],
    out: str | Path,
    *,
    space: Any = None,
    network: Mapping[str, Any] | None = None,
    data: str = "digits",
    batch_size: int = 64,
    seed: int = 0,
    workers: int = 1,
    chunk_size: int = 8,
    executor: str = "local",
    on_progress: Callable[[int, int], None] | None = None,
    max_chunks: int | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """Score `archs` with `proxies` and return the full table (also written to `out`).

    `space`: a name or SearchSpace (default: the space of the first `Arch` in `archs`; a list of
    strings needs it). `network`: the builder's size options (nb201: C, N; see
    `nas_core.networks`), default the builder's own defaults. `max_chunks` stops after that many
    new chunks (used to test interruption + resume). `threads`: torch threads per worker process
    (default 1: parallelism comes from workers, and intra-op threads on small networks cost more
    than they give, much more on a loaded machine: perf/results/zerocost.md); 0 leaves torch's
    setting alone. Rows: indexed spaces sorted by index, open spaces in the order given."""
    names = parse_names(proxies)
    sp = _space_of(archs, space)
    size = check_network(sp, network)
    if batch_size < 1:
        raise InvalidInputError(f"batch size must be >= 1, got {batch_size}")
    if threads is not None and threads < 0:
        raise InvalidInputError(f"threads must be >= 0, got {threads}")
    canon = unique_archs(sp, archs)
    if not canon:
        raise InvalidInputError("no architectures to score")
    get_batch(data, batch_size, seed, sp.name)  # fail fast on bad data / image size
    check_hooks(sp, names, size, canon[0])
    indexed = sp.size is not None
    key = "index" if indexed else "arch"
    texts = [sp.to_str(a) for a in canon]
    keys: list[Any] = [sp.index(a) for a in canon] if indexed else texts
    settings: dict[str, Any] = {"proxies": names, "data": data, "batch_size": batch_size}
    settings["seed"] = seed
    if sp.name != "nb201":  # nb201 runs written before other spaces had networks still resume
        settings["space"] = sp.name
    if size:
        settings["network"] = size
    out = Path(out)
    check_output(out)
    od = output_dir(out)
    with od.open():
        old = od.read_json("run.json")  # a garbled one is set aside (with a warning)
        if old is not None and old != settings:
            raise InvalidInputError(
                f"{od.path} holds a run with other settings ({old}); use another --out or "
                f"delete that directory to start over"
            )
        if old is None:
            od.write_json("run.json", settings)
        log = od.log(".", required=(key,))
        done = {_key(k[0], indexed) for k in log.done([key])}
        todo = [(k, t, a) for k, t, a in zip(keys, texts, canon, strict=True) if k not in done]
        # Work in a seeded random order, so that a run stopped early has scored a random subset
        # (not, say, the lowest indices, which share their first ops).
        order = np.random.default_rng([seed, len(canon)]).permutation(len(todo))
        todo = [todo[k] for k in order]
        total = len(canon)
        if on_progress:
            on_progress(total - len(todo), total)
        chunks = [
            Chunk(
                tuple(int(k) for k, _, _ in part) if indexed else (),
                tuple(tuple(a.ops) for _, _, a in part),
                tuple(names),
                data,
                batch_size,
                seed,
                1 if threads is None else threads,
                sp.name,
                tuple(t for _, t, _ in part),
                tuple(size.items()),
            )
            for part in (todo[k : k + chunk_size] for k in range(0, len(todo), chunk_size))
        ]
        if max_chunks is not None:
            chunks = chunks[:max_chunks]
        finished = total - len(todo)
        errors: list[BaseException] = []

        def progress(chunk: Chunk, result: Any) -> None:
            nonlocal finished
            if isinstance(result, BaseException):
                errors.append(result)
                return
            finished += len(chunk.ops)
            if on_progress:
                on_progress(finished, total)

        job = run_tasks(
            score_chunk,
            chunks,
            log=log,
            to_rows=lambda chunk, result: None if isinstance(result, BaseException) else result,
            executor=executor,
            workers=workers,
            flush_s=0.0,  # one part per chunk: a chunk is seconds of work
            on_result=progress,
        )
        if errors and all(isinstance(e, NaslabError) for e in errors):
            raise errors[0]  # a user's mistake (bad data, ...): its own clear message
        if job.failed:
            n_archs = sum(len(c.ops) for c, _ in job.failed)
            raise JobFailedError(
                f"{job.summary_line('chunks', len(chunks))} ({n_archs} architectures); the "
                f"others are saved in {od.path}: rerun the same command to retry",
                job,
            )
        table = log.read()
        if not table.empty:
            table = table.drop_duplicates(key, keep="last")
            if indexed:
                table = table.sort_values("index")
                if "arch" not in table or table["arch"].isna().any():  # parts from before it
                    table["arch"] = [sp.to_str(sp.from_index(int(i))) for i in table["index"]]
            else:
                rank = {k: n for n, k in enumerate(keys)}
                order = [rank.get(k, len(rank)) for k in table["arch"]]
                table = table.iloc[np.argsort(order, kind="stable")]
            table = table.reset_index(drop=True)
        have = {_key(k, indexed) for k in table[key]} if not table.empty else set()
        wanted = set(keys)
        if wanted <= have:  # complete: consolidate the parts into the output table
            table = table[table[key].map(lambda k: _key(k, indexed) in wanted)]
            table = table.reset_index(drop=True)
            write_atomic(out, lambda tmp: table.to_parquet(tmp, index=False))
            od.record()
        return table


def _key(value: Any, indexed: bool) -> Any:
    return int(value) if indexed else str(value)


def _space_of(archs: Sequence[Any], space: Any):
    """The SearchSpace to score in: `space` (name or object), else the first Arch's space."""
    from nas_core import spaces

    if space is not None:
        return spaces.get(space) if isinstance(space, str) else space
    first = next(iter(archs), None)
    if isinstance(first, Arch):
        return spaces.get(first.space)
    raise InvalidInputError(
        "say which space the architectures belong to (space=...): they are not Arch values"
    )


def unique_archs(space, archs: Sequence[Any]) -> list[Arch]:
    """`archs` parsed by `space`, each architecture once, in first-seen order (nb101's Suite-Zero
    keys spell some cells more than once; `parse` gives nb101 and darts cells their canonical
    form). Isomorphic nb201 cells stay apart: they have their own indices."""
    seen: dict[Arch, None] = {}
    for a in archs:
        seen.setdefault(space.parse(a), None)
    return list(seen)


def network_options(space) -> dict[str, Any]:
    """The size options of `space`'s network builder and their defaults (nb201: C=16, N=5)."""
    from nas_core.networks import builder
    from nas_core.registry import REQUIRED, specs_for

    name = space if isinstance(space, str) else space.name
    specs, _ = specs_for(builder(name), skip=_BUILDER_ARGS, owner=f"network of space {name!r}")
    return {k: (None if p.default is REQUIRED else p.default) for k, p in specs.items()}


def check_network(space, network: Mapping[str, Any] | None) -> dict[str, Any]:
    """`network` size options checked against the builder of `space` (one clear line naming the
    valid options otherwise); a space without a builder is refused, naming those with one."""
    from nas_core.networks import builder
    from nas_core.registry import check_params, specs_for

    name = space if isinstance(space, str) else space.name
    fn = builder(name)  # InvalidInputError listing the spaces with networks
    owner = f"the network of space {name!r}"
    specs, extra = specs_for(fn, skip=_BUILDER_ARGS, owner=owner)
    opts = dict(network or {})
    return check_params(specs, opts, owner, accepts_extra=extra, noun="option")


def check_hooks(space, proxies: Sequence[str], network: Mapping[str, Any], arch: Arch) -> None:
    """Build `arch`'s network once (a bad size value is the builder's own error, before any
    work) and refuse proxies that call a hook it lacks, naming the proxies it can run."""
    import torch

    from nas_core.networks import build
    from nas_core.networks.protocol import hook
    from zerocost._registry import names

    with torch.random.fork_rng(devices=[]):
        net = build(arch, 10, space=space, **dict(network))
    missing = {n: h for n in proxies if (h := get(n).needs_hook) and hook(net, h) is None}
    if not missing:
        return
    ok = [n for n in names() if (h := get(n).needs_hook) is None or hook(net, h) is not None]
    first, h = next(iter(missing.items()))
    more = [repr(n) for n in list(missing)[1:]]
    raise InvalidInputError(
        f"proxy {first!r} needs the network's {h}() hook, which the network of space "
        f"{space.name!r} ({type(net).__name__}) lacks"
        + (f" (so do {', '.join(more)})" if more else "")
        + f"; proxies that run on it: {', '.join(ok)}"
    )


def check_output(out: str | Path) -> None:
    """Fail before any work if `out` cannot be written: a folder, an existing file this run did
    not write, or a parts folder another process is writing to."""
    out = Path(out)
    if out.is_dir():
        raise OutputDirError(f"--out {out} is a folder; give the path of a .parquet file")
    output_dir(out).check()


def output_dir(out: str | Path) -> OutputDir:
    """The parts folder of a scoring run; it also vouches for the output file beside it."""
    out = Path(out)
    return OutputDir(
        parts_dir(out),
        "zerocost-scores",
        own=("run.json", "part-*.parquet"),
        outputs=(f"../{out.name}",),
    )


def select_archs(space, spec: str, seed: int) -> list[Arch]:
    """'all' (indexed spaces), a count N (a seeded random sample of N distinct architectures), or
    a file with one architecture per line (any spelling the space parses; blank lines and lines
    starting with '#' skipped) -> archs. A bad line is one error naming its line number."""
    spec = spec.strip()
    if spec == "all":
        if space.size is None:
            raise InvalidInputError(
                f"--archs all: space {space.name!r} is open (no list of all its architectures); "
                f"give a count N or a file of architectures"
            )
        return (
            space.all_archs()
            if hasattr(space, "all_archs")
            else [space.from_index(i) for i in range(space.size)]
        )
    if spec.isascii() and spec.isdigit():  # int() refuses "²", isdigit() does not
        n = int(spec) if len(spec) <= 12 else -1
        if n < 1 or (space.size is not None and n > space.size):
            hi = space.size if space.size is not None else "any"
            raise InvalidInputError(f"--archs N must be in 1..{hi}, got {spec[:20]}")
        if space.size is None:
            return sample_distinct(space, n, seed)
        idx = np.random.default_rng(seed).choice(space.size, size=n, replace=False)
        return [space.from_index(int(i)) for i in np.sort(idx)]
    try:
        p = Path(spec).expanduser()
    except (RuntimeError, ValueError):  # "~nosuchuser", a NUL byte
        p = Path(spec)
    try:
        is_file = p.is_file()
    except (OSError, ValueError):  # a name too long, a NUL byte
        is_file = False
    if not is_file:
        shown = spec if len(spec) <= 80 else spec[:77] + "..."
        raise InvalidInputError(
            f"--archs must be 'all', a count, or an existing file of architectures; got {shown!r}"
        )
    try:
        lines = p.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidInputError(f"--archs file {p} cannot be read as text ({e})") from None
    out = []
    for n, raw in enumerate(lines, 1):
        ln = raw.strip()
        if not ln or ln.startswith("#"):
            continue
        try:
            out.append(space.parse(ln))
        except InvalidArchError as e:
            raise InvalidArchError(f"--archs file {p}, line {n}: {e}") from None
    if not out:
        raise InvalidInputError(f"--archs file {p} holds no architectures")
    return out


def sample_distinct(space, n: int, seed: int) -> list[Arch]:
    """`n` distinct (parsed) architectures of an open space, drawn with `space.sample` from a
    generator seeded with `seed` (redrawing repeats)."""
    rng = np.random.default_rng(seed)
    seen: dict[Arch, None] = {}
    for _ in range(100):
        for a in space.sample(rng, n - len(seen)):
            seen.setdefault(space.parse(a), None)
        if len(seen) >= n:
            return list(seen)[:n]
    raise InvalidInputError(
        f"--archs {n}: space {space.name!r} gave only {len(seen)} distinct architectures"
    )
