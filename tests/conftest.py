from __future__ import annotations

import ctypes.util
import os
import subprocess
import sys

import pytest

from mramcim.tech import load_tech


def _have_ngspice() -> bool:
    return bool(os.environ.get("NGSPICE_LIBRARY_PATH") or ctypes.util.find_library("ngspice"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/*.sp from the current renderer")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _have_ngspice():
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(
            "CI must exercise the circuits but libngspice is missing (apt-get install libngspice0-dev)"
        )
    skip = pytest.mark.skip(reason="libngspice not installed (apt-get install ngspice libngspice0-dev)")
    for item in items:
        if "ngspice" in item.keywords:
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
