"""Interrupts and crashes during real ngspice Monte-Carlo runs, and a corrupt cache entry in a
real run: Ctrl-C is one line and exit 130 with every worker gone at once; a killed parent
leaves no ngspice worker behind; a bad cache entry is re-simulated to the same answer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from mramcim.characterize.montecarlo import Point, read_cache_entry, run_points
from mramcim.errors import MramcimWarning

pytestmark = pytest.mark.ngspice

# one deck of 16 devices under a 60 ns pulse: ~36 s of ngspice on this machine, so a worker that
# outlives an interrupt or its parent is caught
SWEEP = ["mtj", "toggle", "--vcma-v", "1.0", "--width-ns", "60", "--trials", "16", "--workers", "1", "--no-cache"]


def _group(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(entry.name))
    return pids


def _start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "mramcim.cli.main", *args],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )


def _wait_for_worker(proc: subprocess.Popen[str], seconds: float = 120, settle: float = 2.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the run ended before a worker started: {proc.communicate()}")
        if len([p for p in _group(proc.pid) if p != proc.pid]) >= 1:
            time.sleep(settle)  # 2 s: inside ngspice (a worker imports PySpice in ~1 s); 0.2 s: importing
            return
        time.sleep(0.1)
    pytest.fail("no ngspice worker started")


def _sigint_blocked(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status").read_text()
    mask = int(next(ln for ln in status.splitlines() if ln.startswith("SigBlk:")).split()[1], 16)
    return bool(mask & (1 << (signal.SIGINT - 1)))


def _gone(pgid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _group(pgid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("settle", [0.2, 2.0], ids=["worker-starting", "worker-in-ngspice"])
def test_ctrl_c_is_one_line_exit_130_and_no_worker_left(tmp_path, settle):
    proc = _start(tmp_path, *SWEEP, "--out", "out")
    _wait_for_worker(proc, settle=settle)
    for pid in _group(proc.pid):
        if pid != proc.pid and "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text():
            assert _sigint_blocked(pid), "an ngspice worker would take the terminal's Ctrl-C"
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
    start = time.monotonic()
    out, err = proc.communicate(timeout=60)
    assert time.monotonic() - start < 10, "workers were not terminated at once"
    assert proc.returncode == 130, err
    assert [ln for ln in err.splitlines() if ln.startswith("error:")] == ["error: interrupted"], err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert _gone(proc.pid, 5), f"left running: {_group(proc.pid)}"
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no result folder, no lock file


def test_killed_parent_leaves_no_ngspice_worker(tmp_path):
    proc = _start(tmp_path, *SWEEP, "--out", "out")
    _wait_for_worker(proc)
    workers = [p for p in _group(proc.pid) if p != proc.pid]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)  # not communicate(): a surviving worker would hold the pipes open
    try:
        assert _gone(proc.pid, 5), f"workers {workers} outlived their parent: {_group(proc.pid)}"
    finally:
        for pid in _group(proc.pid):
            os.kill(pid, signal.SIGKILL)
        proc.communicate(timeout=30)


def test_corrupt_entry_in_a_real_run_is_recomputed(tmp_path, tech):
    point = Point(kind="vcma", drive=((0.0, 0.0), (1e-10, 1.0), (9.5e-10, 1.0), (1.05e-9, 0.0)), t_stop=3e-9, trials=2)
    cache = tmp_path / "cache"
    first = run_points(tech, [point], seed=3, cache=cache)[0]
    (entry,) = cache.glob("*.npz")
    with np.load(entry) as data:
        parts = {k: data[k] for k in data.files}
    parts["final"] = -parts["final"]  # sign-flipped: a wrong answer if it were trusted
    np.savez(entry, **parts)
    with pytest.warns(MramcimWarning, match="checksum mismatch"):
        second = run_points(tech, [point], seed=3, cache=cache)[0]
    np.testing.assert_array_equal(second.final_mz, first.final_mz)
    assert second.p_switch == first.p_switch
    assert read_cache_entry(entry, entry.stem, 2, point.t_stop) is not None  # rewritten, verified
