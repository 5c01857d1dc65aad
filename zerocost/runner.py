"""`run_scoring`: score many architectures in parallel, appending results as they finish.

Results go to a `ResultLog` directory beside the output (`<out>.parts/`), one Parquet part per
finished chunk, plus `run.json` with the settings; a rerun with the same settings skips finished
architectures (resume), a rerun with different settings is refused. At the end the parts are
consolidated into the output Parquet (written atomically). Progress is reported through a
callback so the CLI can show a rich progress bar.

The chunks run on the job runner (`nas_core.jobs`): the parts folder is locked while a run writes
to it, a chunk whose worker died is retried once, damaged parts or a garbled `run.json` are set
aside and redone, and an existing output file that this run did not write is never overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nas_core.arch import Arch
from nas_core.errors import InvalidInputError, JobFailedError, NaslabError, OutputDirError
from nas_core.jobs import OutputDir, run_tasks
from nas_core.results import write_atomic
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
    intra-op threads on small networks cost more than they give, much more on a loaded machine:
    perf/results/zerocost.md); 0 leaves torch's setting alone."""
    names = parse_names(proxies)
    if batch_size < 1:
        raise InvalidInputError(f"batch size must be >= 1, got {batch_size}")
    get_batch(data, batch_size, seed)  # fail fast here on bad data / image size, not per worker
    if threads is not None and threads < 0:
        raise InvalidInputError(f"threads must be >= 0, got {threads}")
    settings = {"proxies": names, "data": data, "batch_size": batch_size, "seed": seed}
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
        log = od.log(".", required=("index",))
        done = {int(k[0]) for k in log.done(["index"])}
        todo = [(int(i), a) for i, a in zip(indices, archs, strict=True) if int(i) not in done]
        # Work in a seeded random order, so that a run stopped early has scored a random subset
        # (not, say, the lowest indices, which share their first ops).
        order = np.random.default_rng([seed, len(archs)]).permutation(len(todo))
        todo = [todo[k] for k in order]
        total = len(archs)
        if on_progress:
            on_progress(total - len(todo), total)
        chunks = [
            Chunk(
                tuple(i for i, _ in todo[k : k + chunk_size]),
                tuple(tuple(a.ops) for _, a in todo[k : k + chunk_size]),
                tuple(names),
                data,
                batch_size,
                seed,
                1 if threads is None else threads,
            )
            for k in range(0, len(todo), chunk_size)
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
            finished += len(chunk.indices)
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
            n_archs = sum(len(c.indices) for c, _ in job.failed)
            raise JobFailedError(
                f"{job.summary_line('chunks', len(chunks))} ({n_archs} architectures); the "
                f"others are saved in {od.path}: rerun the same command to retry",
                job,
            )
        table = log.read()
        if not table.empty:
            table = table.drop_duplicates("index", keep="last").sort_values("index")
            table = table.reset_index(drop=True)
        wanted = {int(i) for i in indices}
        have = set(table["index"].astype(int)) if not table.empty else set()
        if wanted <= have:  # complete: consolidate the parts into the output table
            table = table[table["index"].isin(wanted)].reset_index(drop=True)
            write_atomic(out, lambda tmp: table.to_parquet(tmp, index=False))
            od.record()
        return table


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
    """'all', a count N (random sample with `seed`), or a file with one arch per line (any
    spelling the space parses) -> archs."""
    spec = spec.strip()
    if spec == "all":
        return (
            space.all_archs()
            if hasattr(space, "all_archs")
            else space.sample(np.random.default_rng(seed), space.size)
        )
    if spec.isascii() and spec.isdigit():  # int() refuses "²", isdigit() does not
        n = int(spec)
        if n < 1 or (space.size is not None and n > space.size):
            raise InvalidInputError(f"--archs N must be in 1..{space.size}, got {n}")
        idx = np.random.default_rng(seed).choice(space.size, size=n, replace=False)
        return [space.from_index(int(i)) for i in np.sort(idx)]
    try:
        p = Path(spec).expanduser()
    except (RuntimeError, ValueError):  # "~nosuchuser", a NUL byte
        p = Path(spec)
    if not p.is_file():
        raise InvalidInputError(
            f"--archs must be 'all', a count, or an existing file of architectures; got {spec!r}"
        )
    try:
        lines = [ln.strip() for ln in p.read_text().splitlines()]
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidInputError(f"--archs file {p} cannot be read as text ({e})") from None
    return [space.parse(ln) for ln in lines if ln and not ln.startswith("#")]
