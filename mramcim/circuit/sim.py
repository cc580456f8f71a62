"""Simulate: the only module that talks to ngspice.

ngspice's shared library keeps global state (one circuit per process) and cannot be
interrupted from Python, so every run happens in a fresh worker process that loads
libngspice through PySpice; the parent enforces the wall-clock timeout by terminating it.
The deck's control blocks (kept for `ngspice -b` users) are stripped by ngspice's own rules
(`mramcim.circuit.deckscan`): the runner drives the analysis itself (re-issuing its `setseed`,
so noise is the same as in batch mode) and returns plain numpy vectors named `time`, `v(node)`
and `i(vsource)`.

Workers never outlive the run: each asks the kernel to kill it when the thread that started it
dies (Linux PR_SET_PDEATHSIG, so a killed parent leaves no ngspice running), starts with SIGINT
blocked (Ctrl-C reaches the parent only, which prints one line), and `terminate_workers` ends
every live worker at once (called on an interrupt).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import logging
import math
import multiprocessing as mp
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing import resource_tracker
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from mramcim.circuit.deckscan import control_seed, runnable, strip_control
from mramcim.errors import InputError, SimulationError
from mramcim.units import parse_quantity

__all__ = [
    "MAX_TIMEOUT_S",
    "SimResult",
    "check_timeout",
    "ngspice_version",
    "run_batch",
    "run_deck",
    "stop_on_error",
    "strip_control",
    "terminate_workers",
]

logger = logging.getLogger(__name__)

MAX_TIMEOUT_S = 1e6  # ~11.6 days: beyond it select() and subprocess overflow
_PR_SET_PDEATHSIG = 1
_live: set[Any] = set()  # worker processes of this process (run_deck) and ngspice -b children (run_batch)
_live_lock = threading.Lock()
_stopping = threading.Event()
_INSTALL_HINT = (
    "install it with: sudo apt-get install ngspice libngspice0-dev (or point NGSPICE_LIBRARY_PATH at libngspice.so)"
)


@dataclass(frozen=True)
class SimResult:
    vectors: dict[str, npt.NDArray[np.float64]]
    stdout: str
    analysis: str

    def __getitem__(self, name: str) -> npt.NDArray[np.float64]:
        try:
            return self.vectors[name.lower()]
        except KeyError:
            raise SimulationError(f"the simulation saved no vector {name!r}") from None

    def summary_lines(self, name: str) -> list[str]:
        """The analysis, then each vector's first, last, min and max value."""
        points = len(next(iter(self.vectors.values()))) if self.vectors else 0
        lines = [f"{name}: {self.analysis}, {len(self.vectors)} vectors, {points} points"]
        for key, values in sorted(self.vectors.items()):
            lines.append(
                f"  {key:<28} first {values[0]: .6g}  last {values[-1]: .6g}  min {values.min(): .6g}  "
                f"max {values.max(): .6g}"
            )
        return lines


@functools.cache
def ngspice_version() -> str:
    """The version of the `ngspice` program (e.g. "ngspice-39"), or "not installed"."""
    exe = shutil.which("ngspice")
    if exe is None:
        return "not installed"
    try:
        proc = subprocess.run([exe, "-v"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    match = re.search(r"ngspice-\S+", proc.stdout + proc.stderr)
    return match.group(0) if match else "unknown"


def check_timeout(timeout_s: float, name: str = "timeout") -> float:
    """`timeout_s` if it is a usable wall-clock limit (finite, > 0, at most `MAX_TIMEOUT_S`).

    Raises:
        InputError: NaN, infinite, zero, negative or too large.
    """
    if not isinstance(timeout_s, int | float) or not math.isfinite(timeout_s) or not 0 < timeout_s <= MAX_TIMEOUT_S:
        raise InputError(f"{name} must be a number of seconds in (0, {MAX_TIMEOUT_S:g}], got {timeout_s!r}")
    return float(timeout_s)


def terminate_workers() -> int:
    """Kill every live ngspice worker of this process at once (an interrupt); returns how many.

    Runs started afterwards refuse to start, so a thread pool drains at once.
    """
    _stopping.set()
    with _live_lock:
        procs = list(_live)
    for proc in procs:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            proc.kill()
    if procs:
        logger.debug("terminated %d ngspice worker(s)", len(procs))
    return len(procs)


@contextlib.contextmanager
def stop_on_error(pool: Any) -> Iterator[None]:
    """Around a thread pool of simulations: on any error or interrupt, kill every live worker and
    drop the queued runs at once instead of waiting for them (then re-raise).

    Use inside the pool's `with`, so it acts before the pool's own shutdown waits.
    """
    try:
        yield
    except BaseException:
        terminate_workers()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        _stopping.clear()


def _die_with_parent(parent_pid: int) -> None:
    """Child side: SIGKILL when the thread that started us dies (Linux); exit if it already has."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Block SIGINT in this thread while a child starts: the child inherits the mask, so Ctrl-C
    reaches only the parent (a blocked signal stays pending and is never delivered to it)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _register(proc: Any) -> None:
    with _live_lock:
        _live.add(proc)
    if _stopping.is_set():  # an interrupt came while it started
        with contextlib.suppress(OSError, ValueError, AttributeError):
            proc.kill()


def _unregister(proc: Any) -> None:
    with _live_lock:
        _live.discard(proc)


def _vector_name(raw: str) -> str:
    raw = raw.lower()
    if raw.endswith("#branch"):
        return f"i({raw[: -len('#branch')]})"
    if raw in ("time", "frequency", "v-sweep", "i-sweep") or "(" in raw:
        return raw
    return f"v({raw})"


def _worker(deck: str, seed: int | None, conn: Any, parent_pid: int) -> None:
    """Child process: load the deck into libngspice, run it, send back vectors or an error."""
    _die_with_parent(parent_pid)
    logging.getLogger("PySpice").setLevel(logging.CRITICAL)
    try:
        from PySpice.Spice.NgSpice.Shared import NgSpiceShared
    except ImportError as err:
        conn.send(("error", f"PySpice is not installed: {err}", ""))
        return
    try:
        ngspice = NgSpiceShared.new_instance()
    except OSError as err:
        conn.send(("error", f"cannot load the ngspice shared library ({err}); {_INSTALL_HINT}", ""))
        return
    log: list[str] = []

    def output() -> str:
        log.append(ngspice.stdout + "\n" + ngspice.stderr)
        return "\n".join(log)

    try:
        ngspice.load_circuit(deck)
    except Exception:  # PySpice raises NameError subclasses; the text is in ngspice's output
        conn.send(("error", "ngspice rejected the deck", output()))
        return
    output()  # PySpice clears its buffers before each command: keep the load messages
    try:
        if seed is not None:  # TRRANDOM draws at run time from the generator setseed resets
            ngspice.exec_command(f"setseed {seed}")
        ngspice.run()
    except Exception:
        conn.send(("error", "ngspice failed during the analysis", output()))
        return
    if "timestep too small" in output().lower():
        conn.send(("error", "the transient did not converge", output()))
        return
    plot_name = ngspice.last_plot
    if plot_name == "const":
        conn.send(("error", "the deck ran no analysis (.tran/.dc/.op line missing?)", ngspice.stdout))
        return
    plot = ngspice.plot(None, plot_name)
    vectors = {}
    for raw, vec in plot.items():
        data = np.asarray(vec._data)  # PySpice keeps the raw numpy buffer here
        vectors[_vector_name(raw)] = np.real(data).astype(np.float64)
    conn.send(("ok", vectors, output(), plot_name))


def _tail(text: str, lines: int = 8) -> str:
    """ngspice's own error lines, else the last lines of its output."""
    kept = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("Reference value")]
    errors = [ln for ln in kept if re.search(r"error|too small|unknown|not found|singular", ln, re.I)]
    chosen = errors or kept
    return "\n".join(dict.fromkeys(chosen[-lines:]))


def run_deck(deck: str, *, name: str = "<deck>", timeout_s: float = 600.0) -> SimResult:
    """Simulate `deck` in a worker process.

    Args:
        deck: complete ngspice netlist text.
        name: how the deck is called in error messages (usually its path).
        timeout_s: wall-clock limit; the worker is killed when it is exceeded.

    Raises:
        SimulationError: library missing, deck rejected, non-convergence, timeout, or an
            incomplete transient; the message names the deck and carries ngspice's output tail.
    """
    timeout_s = check_timeout(timeout_s)
    safe = runnable(deck)
    if _stopping.is_set():
        raise SimulationError(f"{name}: not started (interrupted)")
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_worker, args=(safe, control_seed(deck), child, os.getpid()), daemon=True)
    logger.debug("starting an ngspice worker for %s (timeout %g s)", name, timeout_s)
    start = time.perf_counter()
    # start() launches multiprocessing's resource tracker the first time, and that launch
    # *unblocks* SIGINT in this thread: launch it before blocking, so the worker inherits the block
    resource_tracker.ensure_running()
    with _sigint_blocked():
        proc.start()
    _register(proc)
    child.close()
    try:
        if not parent.poll(timeout_s):
            raise SimulationError(f"{name}: ngspice did not finish within {timeout_s:g} s (killed)")
        try:
            message = parent.recv()
        except EOFError:
            raise SimulationError(
                f"{name}: the ngspice worker died (exit code {proc.exitcode}); "
                "a crash inside libngspice, often a malformed deck"
            ) from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        _unregister(proc)
        parent.close()
    if message[0] == "error":
        _, what, output = message
        tail = _tail(output)
        raise SimulationError(f"{name}: {what}" + (f"\nngspice said:\n{tail}" if tail else ""))
    _, vectors, stdout, plot_name = message
    if plot_name.startswith("tran"):
        _check_complete(deck, vectors, name, stdout)
    logger.info("%s: %s, %d vectors in %.2f s", name, plot_name, len(vectors), time.perf_counter() - start)
    return SimResult(vectors, stdout, plot_name)


_TRAN = re.compile(r"^\s*\.tran\s+(\S+)\s+(\S+)", re.IGNORECASE | re.MULTILINE)


def _spice_float(token: str) -> float | None:
    try:
        return parse_quantity(token)
    except InputError:
        return None


def _check_complete(deck: str, vectors: dict[str, Any], name: str, stdout: str) -> None:
    """A transient that stopped early (timestep too small) must not pass as a result."""
    match = _TRAN.search(deck)
    t = vectors.get("time")
    if not match or t is None or len(t) == 0:
        return
    t_stop = _spice_float(match.group(2))
    if t_stop and t[-1] < t_stop * (1 - 1e-6):
        raise SimulationError(
            f"{name}: transient stopped at {t[-1]:.4g} s of {t_stop:.4g} s (non-convergence)"
            f"\nngspice said:\n{_tail(stdout)}"
        )


def run_batch(deck: str, *, name: str = "<deck>", timeout_s: float = 600.0) -> dict[str, float]:
    """Run a single-point deck (`.op`) with `ngspice -b` and return its saved values.

    Batch processes start in ~0.1 s (a PySpice worker needs ~1 s to import), which is what
    many small partition decks need. Values come from the binary rawfile (full precision).
    """
    timeout_s = check_timeout(timeout_s)
    exe = shutil.which("ngspice")
    if exe is None:
        raise SimulationError(f"{name}: the ngspice program is not installed; {_INSTALL_HINT}")
    if _stopping.is_set():
        raise SimulationError(f"{name}: not started (interrupted)")
    with tempfile.TemporaryDirectory(prefix="mramcim-") as tmp:
        deck_path, raw_path = Path(tmp) / "deck.cir", Path(tmp) / "out.raw"
        deck_path.write_text(runnable(deck), encoding="utf-8")
        with _sigint_blocked():
            proc = subprocess.Popen(
                [exe, "-b", "-r", str(raw_path), str(deck_path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=tmp,
                start_new_session=True,  # no terminal SIGINT: the parent ends it
            )
        _register(proc)
        try:
            stdout, stderr = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise SimulationError(f"{name}: ngspice did not finish within {timeout_s:g} s (killed)") from None
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            _unregister(proc)
        output = stdout + "\n" + stderr
        if proc.returncode != 0 or not raw_path.exists():
            tail = _tail(output)
            raise SimulationError(
                f"{name}: ngspice failed (exit {proc.returncode})" + (f"\nngspice said:\n{tail}" if tail else "")
            )
        logger.debug("%s: ngspice -b finished", name)
        return _read_raw_point(raw_path.read_bytes(), name)


def _read_raw_point(raw: bytes, name: str) -> dict[str, float]:
    """The values of a one-point binary rawfile, keyed like `run_deck` vectors."""
    head, sep, data = raw.partition(b"Binary:\n")
    if not sep:
        raise SimulationError(f"{name}: ngspice wrote no binary rawfile")
    lines = head.decode("utf-8", errors="replace").splitlines()
    try:
        n_vars = int(next(ln for ln in lines if ln.startswith("No. Variables:")).split(":")[1])
        n_points = int(next(ln for ln in lines if ln.startswith("No. Points:")).split(":")[1])
        start = lines.index("Variables:") + 1
    except (StopIteration, ValueError):
        raise SimulationError(f"{name}: unreadable rawfile header") from None
    names = [_vector_name(ln.split()[1]) for ln in lines[start : start + n_vars]]
    values = np.frombuffer(data, dtype="<f8", count=n_vars * n_points)
    if n_points != 1 or values.size != n_vars:
        raise SimulationError(f"{name}: expected one operating point, got {n_points} points")
    return dict(zip(names, values.tolist(), strict=True))
