"""`run_scoring`: score many architectures in parallel, appending results as they finish.

Results go to a `ResultLog` directory beside the output (`<out>.parts/`), one Parquet part per
finished chunk, plus `run.json` with the settings; a rerun with the same settings skips finished
architectures (resume), a rerun with different settings is refused. At the end the parts are
consolidated into the output Parquet (written atomically). Progress is reported through a
callback so the CLI can show a rich progress bar.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from nas_core.arch import Arch
from nas_core.errors import InvalidInputError
from nas_core.parallel import make_executor
from nas_core.results import ResultLog
from zerocost._registry import parse_names
from zerocost.scoring import Chunk, get_batch, score_chunk


def parts_dir(out: str | Path) -> Path:
    out = Path(out)
    return out.with_name(out.name + ".parts")


def run_scoring(
    archs: Sequence[Arch],
    indices: Sequence[int],
    proxies: str | list[str],
    out: str | Path,
    *,
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
    """Score `archs` (with their space `indices`) and return the full table (also at `out`).

    `max_chunks` stops after that many new chunks (used to test interruption + resume).
    `threads`: torch threads per worker process (default 1: parallelism comes from workers, and
    intra-op threads on small networks cost more than they give, up to 20x slower on a loaded
    2-core machine, measured); 0 leaves torch's setting alone."""
    names = parse_names(proxies)
    if batch_size < 1:
        raise InvalidInputError(f"batch size must be >= 1, got {batch_size}")
    get_batch(data, batch_size, seed)  # fail fast here on bad data / image size, not per worker
    settings = {"proxies": names, "data": data, "batch_size": batch_size, "seed": seed}
    log = ResultLog(parts_dir(out))
    meta = log.dir / "run.json"
    if meta.exists():
        old = json.loads(meta.read_text())
        if old != settings:
            raise InvalidInputError(
                f"{log.dir} holds a run with other settings ({old}); use another --out or "
                f"delete that directory to start over"
            )
    else:
        meta.write_text(json.dumps(settings))
    done = {int(k[0]) for k in log.done(["index"])}
    todo = [(int(i), a) for i, a in zip(indices, archs, strict=True) if int(i) not in done]
    # Work in a seeded random order, so that a run stopped early has scored a random subset
    # (not, say, the lowest indices, which share their first ops).
    order = np.random.default_rng([seed, len(archs)]).permutation(len(todo))
    todo = [todo[k] for k in order]
    total = len(archs)
    if on_progress:
        on_progress(total - len(todo), total)
    if threads is not None and threads < 0:
        raise InvalidInputError(f"threads must be >= 0, got {threads}")
    if threads is None:
        threads = 1
    chunks = [
        Chunk(
            tuple(i for i, _ in todo[k : k + chunk_size]),
            tuple(tuple(a.ops) for _, a in todo[k : k + chunk_size]),
            tuple(names),
            data,
            batch_size,
            seed,
            threads,
        )
        for k in range(0, len(todo), chunk_size)
    ]
    if max_chunks is not None:
        chunks = chunks[:max_chunks]
    finished = total - len(todo)
    errors: list[BaseException] = []
    with make_executor(executor, workers) as ex:
        for chunk, result in ex.map_unordered(score_chunk, chunks):
            if isinstance(result, BaseException):
                errors.append(result)
                continue
            log.append(result)
            finished += len(chunk.indices)
            if on_progress:
                on_progress(finished, total)
    if errors:
        raise errors[0]
    table = log.read()
    if not table.empty:
        table = table.drop_duplicates("index", keep="last").sort_values("index")
        table = table.reset_index(drop=True)
    wanted = {int(i) for i in indices}
    have = set(table["index"].astype(int)) if not table.empty else set()
    if wanted <= have:  # complete: consolidate the parts into the output table
        table = table[table["index"].isin(wanted)].reset_index(drop=True)
        _write_atomic(table, Path(out))
    return table


def _write_atomic(df: pd.DataFrame, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, out)


def select_archs(space, spec: str, seed: int) -> list[Arch]:
    """'all', a count N (random sample with `seed`), or a file with one arch per line (any
    spelling the space parses) -> archs."""
    spec = spec.strip()
    if spec == "all":
        return (
            space.all_archs()
            if hasattr(space, "all_archs")
            else space.sample(np.random.default_rng(seed), space.size)
        )
    if spec.isdigit():
        n = int(spec)
        if n < 1 or (space.size is not None and n > space.size):
            raise InvalidInputError(f"--archs N must be in 1..{space.size}, got {n}")
        idx = np.random.default_rng(seed).choice(space.size, size=n, replace=False)
        return [space.from_index(int(i)) for i in np.sort(idx)]
    p = Path(spec).expanduser()
    if not p.is_file():
        raise InvalidInputError(
            f"--archs must be 'all', a count, or an existing file of architectures; got {spec!r}"
        )
    lines = [ln.strip() for ln in p.read_text().splitlines()]
    return [space.parse(ln) for ln in lines if ln and not ln.startswith("#")]
