"""The job runner's guarantees (nas_core.jobs): one writer, ownership, dead workers, no orphans,
damaged state, fault injection, full disk. No timing assertions: deadlines are generous."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from nas_core.errors import OutputBusyError, OutputDirError, OutputWriteError
from nas_core.jobs import DamagedOutputWarning, Faults, OutputDir, run_tasks
from nas_core.parallel import WorkerDiedError
from nas_core.results import ResultLog, guard_writes

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _double(x: int) -> int:
    return 2 * x


def _rows(task: int, res: object) -> pd.DataFrame | None:
    return None if isinstance(res, BaseException) else pd.DataFrame({"k": [task], "v": [res]})


def _enter(od: OutputDir, fresh: bool = False) -> None:
    with od.open(fresh=fresh):
        pass


def _od(path: Path) -> OutputDir:
    return OutputDir(path, "test-job", own=("log", "settings.json"), outputs=("report.md",))


# -- one writer per folder ---------------------------------------------------------------------
HOLD = """
import sys, time
from pathlib import Path
from nas_core.jobs import OutputDir
od = OutputDir(Path(sys.argv[1]), "test-job", own=("log", "settings.json"), outputs=("report.md",))
with od.open():
    (od.path / "log").mkdir(exist_ok=True)
    print("locked", flush=True)
    time.sleep(120)
"""


def _holder(path: Path) -> subprocess.Popen:
    p = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], env=ENV, stdout=subprocess.PIPE, text=True
    )
    assert p.stdout.readline().strip() == "locked"
    return p


def test_a_second_writer_is_refused_and_a_dead_ones_lock_is_free(tmp_path):
    out = tmp_path / "o"
    p = _holder(out)
    try:
        with pytest.raises(OutputBusyError, match=rf"pid {p.pid} on .*running since"):
            _enter(_od(out))
        with pytest.raises(OutputBusyError):  # --fresh waits for the lock too: nothing deleted
            _enter(_od(out), fresh=True)
        with pytest.raises(OutputBusyError, match=f"pid {p.pid}"):  # the CLIs' early check
            _od(out).check()
        assert (out / "log").is_dir()
    finally:
        p.kill()  # SIGKILL: no cleanup runs, yet the kernel drops the flock
        p.wait()
    with _od(out).open(fresh=True):
        assert not (out / "log").exists()


def test_the_lock_is_reentrant_within_one_process(tmp_path):
    od = _od(tmp_path / "o")
    with od.open(), _od(tmp_path / "o").open():
        pass
    with od.open():  # released after the outer block
        pass


# -- never destroy what is not ours ------------------------------------------------------------
def test_a_folder_that_is_not_a_naslab_output_is_refused(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("x")
    with pytest.raises(OutputDirError, match="not a naslab test-job output .*thesis.tex"):
        _enter(_od(tmp_path / "mine"), fresh=True)
    assert sorted(os.listdir(tmp_path / "mine")) == ["thesis.tex"]  # nothing created there
    (tmp_path / "afile").write_text("x")
    with pytest.raises(OutputDirError, match="is a file"), _od(tmp_path / "afile").open():
        pass
    with OutputDir(tmp_path / "other", "other-kind").open():
        pass
    with pytest.raises(OutputDirError, match="holds a naslab 'other-kind' output"):
        _enter(_od(tmp_path / "other"))


def test_fresh_deletes_only_our_files_and_a_users_report_needs_fresh(tmp_path):
    out = tmp_path / "o"
    od = _od(out)
    with od.open():
        (out / "log").mkdir()
        od.write_json("settings.json", {"a": 1})
        (out / "report.md").write_text("# naslab's report\n")
        od.record()
    (out / "notes.txt").write_text("my notes")
    with od.open():  # our own report: fine
        pass
    (out / "report.md").write_text("# edited by the user\n")
    with pytest.raises(OutputDirError, match="report.md was not written by naslab"), od.open():
        pass
    assert (out / "report.md").read_text() == "# edited by the user\n"
    with pytest.raises(OutputDirError, match="report.md was not written by naslab"):
        od.check()
    od.check(fresh=True)
    with od.open(fresh=True):
        pass
    assert not (out / "log").exists() and not (out / "settings.json").exists()
    assert (out / "notes.txt").read_text() == "my notes"
    # a user's report.md in an otherwise empty folder is not ours either
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "report.md").write_text("mine")
    with pytest.raises(OutputDirError, match="not written by naslab"):
        _enter(_od(tmp_path / "p"))


def test_an_older_unmarked_output_of_the_same_kind_is_adopted(tmp_path):
    out = tmp_path / "o"
    (out / "log").mkdir(parents=True)
    (out / "settings.json").write_text("{}")
    (out / "report.md").write_text("old naslab report")
    with _od(out).open():
        pass
    marker = json.loads((out / ".naslab-output.json").read_text())
    assert marker["kind"] == "test-job" and "report.md" in marker["files"]


# -- the runner ------------------------------------------------------------------------------
def test_results_are_appended_and_resume_by_key(tmp_path):
    log = ResultLog(tmp_path / "log", required=("k",))
    rep = run_tasks(_double, [1, 2, 3], log=log, to_rows=_rows, flush_s=0)
    assert rep.finished == 3 and rep.written == 3 and not rep.failed
    assert len(log.parts()) == 3  # flush_s=0: one part per result
    done = {k for (k,) in log.done(["k"])}
    rep = run_tasks(
        _double, [t for t in [1, 2, 3, 4] if t not in done], log=log, to_rows=_rows, flush_s=60
    )
    assert rep.total == 1 and sorted(log.read()["v"]) == [2, 4, 6, 8]
    assert len(log.parts()) == 4  # buffered, flushed once at the end


def test_an_interrupt_keeps_every_finished_result(tmp_path):
    log = ResultLog(tmp_path / "log")
    with pytest.raises(KeyboardInterrupt):
        run_tasks(
            _double,
            list(range(10)),
            log=log,
            to_rows=_rows,
            flush_s=1e9,  # nothing flushed before the interrupt
            faults=Faults(interrupt_after=4),
        )
    assert sorted(log.read()["k"]) == [0, 1, 2, 3]


def test_sigterm_is_an_interrupt_that_keeps_every_finished_result(tmp_path):
    log = ResultLog(tmp_path / "log")
    seen = []

    def on_result(task, res):
        seen.append(task)
        if len(seen) == 3:
            os.kill(os.getpid(), signal.SIGTERM)  # as `kill <pid>` would

    with pytest.raises(KeyboardInterrupt):
        run_tasks(
            _double, list(range(10)), log=log, to_rows=_rows, flush_s=1e9, on_result=on_result
        )
    assert sorted(log.read()["k"]) == [0, 1, 2]
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # the handler was restored


def test_an_interrupt_does_not_wait_for_the_workers_tasks():
    """The slow tasks would take 60 s; the interrupt returns as soon as the workers are gone."""
    got = []
    with pytest.raises(KeyboardInterrupt):
        run_tasks(
            time.sleep,
            [0, 60, 60, 60],
            log=None,
            to_rows=lambda t, r: None,
            workers=2,
            on_result=lambda t, r: got.append(t),
            faults=Faults(interrupt_after=1),
        )
    assert got == [0]


@pytest.mark.parametrize("always", [False, True])
def test_a_dead_worker_costs_only_its_task(tmp_path, always):
    log = ResultLog(tmp_path / "log")
    faults = Faults(kill_worker_at=3, kill_worker_always=always)
    rep = run_tasks(
        _double, list(range(8)), log=log, to_rows=_rows, workers=2, faults=faults, flush_s=0
    )
    assert rep.restarts >= 1
    ok = sorted(log.read()["k"])
    if always:  # task 2 (the 3rd submitted) killed its worker twice: it alone failed
        assert ok == [0, 1, 3, 4, 5, 6, 7]
        assert [t for t, _ in rep.failed] == [2] and "worker process died" in rep.failed[0][1]
        assert rep.summary_line("tasks") == f"1 of 8 tasks failed: {rep.failed[0][1]}"
    else:  # killed once, retried alone, fine
        assert ok == list(range(8)) and not rep.failed


def test_a_task_whose_worker_dies_is_returned_as_worker_died():
    from nas_core.parallel import make_executor

    with make_executor("local", 2, faults=Faults(kill_worker_at=1, kill_worker_always=True)) as ex:
        out = dict(ex.map_unordered(_double, [5, 6]))
    assert isinstance(out[5], WorkerDiedError) and out[6] == 12


def test_a_pool_that_cannot_start_is_one_clear_error_not_a_retry_loop(tmp_path):
    """A script without the `__main__` guard kills every spawned worker while it starts."""
    script = tmp_path / "unguarded.py"
    script.write_text(
        "from nas_core.jobs import run_tasks\n"
        "run_tasks(abs, list(range(50)), log=None, to_rows=lambda t, r: None, workers=2)\n"
    )
    r = subprocess.run(
        [sys.executable, str(script)], env=ENV, capture_output=True, text=True, timeout=300
    )
    assert r.returncode != 0 and "die while starting" in r.stderr


def test_a_short_job_ends_after_its_workers_and_prints_nothing_else(tmp_path):
    """One quick task on 2 workers: the second worker may still be starting when the job ends.
    The command must wait for it rather than exit and leave it to die with a traceback."""
    script = tmp_path / "short.py"
    script.write_text(
        "import multiprocessing\n"
        "from nas_core.jobs import run_tasks\n"
        "if __name__ == '__main__':\n"
        "    rep = run_tasks(abs, [-3], log=None, to_rows=lambda t, r: None, workers=2)\n"
        "    print(rep.finished, len(multiprocessing.active_children()))\n"
    )
    r = subprocess.run(
        [sys.executable, str(script)], env=ENV, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0 and r.stdout.split() == ["1", "0"], (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr


def test_workers_that_always_die_stop_the_job_instead_of_spinning():
    """Every task kills its worker (os._exit): a few tasks are tried alone, then the rest are
    reported as not run, rather than one pool restart per task."""
    rep = run_tasks(os._exit, [3] * 20, log=None, to_rows=lambda t, r: None, workers=2)
    assert len(rep.failed) == 20 and rep.restarts <= 10
    assert any("not run" in e for _, e in rep.failed)
    assert any("died while running this task" in e for _, e in rep.failed)


def test_bad_fault_specs_are_clear_errors():
    assert Faults.parse("die_after:3,kill_worker_at:2") == Faults(die_after=3, kill_worker_at=2)
    for bad in ("explode:1", "die_after:x", "die_after:0"):
        with pytest.raises(ValueError, match="NASLAB_FAULT"):
            Faults.parse(bad)


# -- no orphans ------------------------------------------------------------------------------
# A process started in the background by a non-interactive shell inherits SIGINT ignored (and
# Python then keeps it ignored): the parent below takes Ctrl-C as an interactive one would.
SLOW = """
import signal, time
signal.signal(signal.SIGINT, signal.default_int_handler)
from nas_core.jobs import run_tasks
run_tasks(time.sleep, [300, 300, 300], log=None, to_rows=lambda t, r: None, workers=2)
"""


def _children(pid: int) -> list[int]:
    kids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(d.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL, signal.SIGINT])
def test_workers_exit_when_the_parent_dies(sig):
    parent = subprocess.Popen([sys.executable, "-c", SLOW], env=ENV)
    try:
        deadline = time.monotonic() + 120
        workers: list[int] = []
        while time.monotonic() < deadline and len(workers) < 2:
            workers = [
                k
                for k in _children(parent.pid)
                if "resource_tracker" not in Path(f"/proc/{k}/cmdline").read_bytes().decode()
            ]
            time.sleep(0.2)
        assert len(workers) == 2, "the pool did not start"
        time.sleep(1.0)  # let the workers reach their task
        parent.send_signal(sig)
        parent.wait(timeout=60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.2)
        assert not any(_alive(w) for w in workers), "workers outlived their parent"
    finally:
        if parent.poll() is None:
            parent.kill()


# -- damaged state ---------------------------------------------------------------------------
def test_damaged_and_foreign_parts_are_set_aside_and_their_work_redone(tmp_path):
    log = ResultLog(tmp_path / "log", required=("k",), damaged_dir=tmp_path / ".damaged")
    run_tasks(_double, [1, 2, 3], log=log, to_rows=_rows, flush_s=0)
    parts = log.parts()
    parts[1].write_bytes(parts[1].read_bytes()[:40])  # truncated
    pd.DataFrame({"x": [1]}).to_parquet(log.dir / "part-000099-foreign0.parquet")
    (log.dir / "part-000100-garbage0.parquet").write_text("not parquet")
    fresh = ResultLog(tmp_path / "log", required=("k",), damaged_dir=tmp_path / ".damaged")
    with pytest.warns(DamagedOutputWarning) as w:
        done = {k for (k,) in fresh.done(["k"])}
    assert len(w) == 3 and "moved it to" in str(w[0].message)
    assert len(done) == 2 and len(fresh.parts()) == 2
    assert len(list((tmp_path / ".damaged").iterdir())) == 3  # kept, not deleted
    missing = [t for t in [1, 2, 3] if t not in done]
    run_tasks(_double, missing, log=fresh, to_rows=_rows)
    assert sorted(fresh.read()["v"]) == [2, 4, 6]


def test_a_garbled_settings_file_is_set_aside(tmp_path):
    od = _od(tmp_path / "o")
    with od.open():
        (od.path / "settings.json").write_text('{"a": 1')  # cut short
        with pytest.warns(DamagedOutputWarning, match="settings.json"):
            assert od.read_json("settings.json") is None
        assert not (od.path / "settings.json").exists()
        assert (od.path / ".damaged" / "settings.json").read_text() == '{"a": 1'
        od.write_json("settings.json", {"a": 1})
        assert od.read_json("settings.json") == {"a": 1}
    (od.path / ".naslab-output.json").write_text("garbage")  # a garbled marker: set aside too
    with pytest.warns(DamagedOutputWarning), od.open():
        pass


# -- full disk, unwritable folder ------------------------------------------------------------
def test_a_full_disk_is_one_clear_error_and_leaves_no_partial_part(tmp_path, monkeypatch):
    log = ResultLog(tmp_path / "log")

    def full(self, path, *a, **k):
        Path(path).write_bytes(b"PAR1 half a part")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    with pytest.raises(OutputWriteError, match=rf"cannot write to {tmp_path / 'log'}: no space"):
        run_tasks(_double, [1, 2], log=log, to_rows=_rows)
    assert os.listdir(tmp_path / "log") == []


@pytest.mark.parametrize(
    ("code", "why"),
    [(errno.EACCES, "permission denied"), (errno.EROFS, "read-only file system")],
)
def test_unwritable_folders_are_one_clear_error(tmp_path, code, why):
    match = f"cannot write to {tmp_path}: {why}"
    with pytest.raises(OutputWriteError, match=match), guard_writes(tmp_path):
        raise OSError(code, os.strerror(code))
    with pytest.raises(OSError, match="other"), guard_writes(tmp_path):  # not ours to explain
        raise OSError(errno.EIO, "other")


# -- the pool decision -----------------------------------------------------------------------
def _nap_pid(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def test_pool_auto_runs_a_job_cheaper_than_the_pool_inline():
    from nas_core.parallel import AutoExecutor

    with AutoExecutor(2, start_s=60) as ex:  # a pool would take a minute to pay off
        out = dict(ex.map_unordered(_nap_pid, [0.0] * 6))
    assert len(out) == 1 and set(out.values()) == {os.getpid()}
    assert ex.inline == 6 and ex.workers_started == 0 and ex.pool is None


def test_pool_auto_moves_the_rest_of_a_long_job_to_the_pool(monkeypatch):
    """Each task sleeps 0.4 s: after the first, 5 left on 2 workers save >= 1 s, more than the
    pool's start-up; the first ran inline, the others in two workers."""
    import nas_core.parallel

    monkeypatch.setattr(nas_core.parallel, "spare_cores", lambda: 2)  # an idle machine
    rep_pids: list[tuple[float, int]] = []
    tasks = [0.4, 0.4001, 0.4002, 0.4003, 0.4004, 0.4005]
    rep = run_tasks(
        _nap_pid,
        tasks,
        log=None,
        to_rows=lambda t, r: None,
        workers=2,
        pool="auto",
        on_result=lambda t, r: rep_pids.append((t, r)),
    )
    pids = dict(rep_pids)
    assert sorted(pids) == tasks and not rep.failed
    assert pids[0.4] == os.getpid()  # measured inline
    assert all(pids[t] != os.getpid() for t in tasks[1:])
    assert rep.workers_started == 2


def test_pool_auto_stays_inline_on_a_machine_without_a_spare_core(monkeypatch):
    import nas_core.parallel
    from nas_core.parallel import AutoExecutor

    monkeypatch.setattr(nas_core.parallel, "spare_cores", lambda: 1)  # every other core busy
    with AutoExecutor(2, start_s=0.0) as ex:  # a pool would pay off at once on an idle machine
        out = dict(ex.map_unordered(_nap_pid, [0.01, 0.02, 0.03]))
    assert set(out.values()) == {os.getpid()} and ex.workers_started == 0


def test_spare_cores_is_at_least_one_and_at_most_the_cpus():
    from nas_core.parallel import spare_cores

    assert 1 <= spare_cores() <= (os.cpu_count() or 1)


def test_pool_auto_gets_a_pool_for_worker_fault_injection():
    from nas_core.parallel import make_executor

    faults = Faults(kill_worker_at=1, kill_worker_always=True)
    with make_executor("local", 2, faults=faults, pool="auto") as ex:
        out = dict(ex.map_unordered(_double, [5, 6]))
    assert isinstance(out[5], WorkerDiedError) and out[6] == 12


def test_never_more_workers_than_tasks_and_never_means_inline():
    got: list[int] = []
    kw = {"log": None, "to_rows": lambda t, r: None, "on_result": lambda t, r: got.append(r)}
    rep = run_tasks(_nap_pid, [0.0], workers=4, pool="always", **kw)
    assert rep.workers_started == 1 and got[0] != os.getpid()  # a pool of one, not inline
    got.clear()
    rep = run_tasks(_nap_pid, [0.0, 0.0, 0.0], workers=4, pool="never", **kw)
    assert rep.workers_started == 0 and set(got) == {os.getpid()}


def test_an_unknown_pool_choice_is_refused():
    from nas_core.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="always"):
        run_tasks(_double, [1], log=None, to_rows=_rows, workers=2, pool="sometimes")


def test_an_interrupt_during_submit_waits_until_the_task_is_tracked():
    """Ctrl-C inside `submit` (while it spawns a worker) is held until the future is recorded, so
    the worker is always one the runner can terminate; other threads do not change that."""
    import threading

    from nas_core.parallel import _signals_deferred

    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)  # a pool has threads too
    other.start()
    reached = False
    # as in an interactive process (a background job of a non-interactive shell ignores SIGINT)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt), _signals_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # time for the signal to arrive while still inside
            reached = True  # the interrupt did not land inside the block
    finally:
        stop.set()
        restored = signal.getsignal(signal.SIGINT)
        signal.signal(signal.SIGINT, before)
    assert reached
    assert restored is signal.default_int_handler


def test_the_started_flag_holds_no_lock_a_dead_worker_could_keep():
    """Found by a hung CI run: the workers counted themselves under the shared value's lock, a
    worker terminated inside that lock left it held, and the parent blocked forever reading it
    after the pool died. The flag is a plain shared int with no lock."""
    from nas_core.parallel import ProcessExecutor

    ex = ProcessExecutor(2)
    try:
        assert not hasattr(ex._started, "get_lock")
        assert ex._started.value == 0
        assert [r for _, r in ex.map_unordered(abs, [-1])] == [1]
        assert ex._started.value == 1
    finally:
        ex.close()
