"""The one publish step: a `Result` becomes `<name>.json` (with provenance), `<name>.npz` and
`<name>.png` in an output folder.

Provenance is assembled here and only here: mramcim version, git commit (source checkouts), the
versions of Python, numpy, scipy, PySpice and ngspice, the technology (resolved values, derived
quantities and its hash), the seed, the full command line, start time and wall time. The plot is
rendered before anything is written, so a plotting failure leaves no partial output.

The files reach the disk through `mramcim.outdir.OutputFolder`: the folder is locked against a
concurrent run, staged in a temporary sibling, synced and swapped in whole, so it is always
complete (the previous results or the new ones) or absent.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import logging
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from mramcim.artifacts import Result, json_ready, render_png
from mramcim.circuit.sim import ngspice_version
from mramcim.outdir import OutputFolder
from mramcim.tech import Technology, tech_run_id, tech_summary

__all__ = ["Run", "provenance", "publish", "versions"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Run:
    """What identifies one invocation: the command (e.g. "characterize array"), the full command
    line, the start time and, where they apply, the technology and the seed."""

    command: str = ""
    argv: tuple[str, ...] = field(default_factory=lambda: tuple(sys.argv))
    started: float = field(default_factory=time.time)
    tech: Technology | None = None
    seed: int | None = None
    notes: dict[str, Any] = field(default_factory=dict)  # command-specific provenance (e.g. an input file)


def _version(pkg: str) -> str:
    try:
        return version(pkg)
    except PackageNotFoundError:
        return "not installed"


@functools.cache
def _git_commit() -> str | None:
    """The commit of the source checkout mramcim runs from, if it is one."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def versions() -> dict[str, str]:
    """Versions of mramcim, Python, numpy, scipy, PySpice and the ngspice the runner would use."""
    return {p: _version(p) for p in ("mramcim", "numpy", "scipy", "PySpice")} | {
        "python": platform.python_version(),
        "ngspice": ngspice_version(),
    }


def provenance(run: Run) -> dict[str, Any]:
    """The provenance block of a result written now."""
    out: dict[str, Any] = {
        "versions": versions(),
        "git_commit": _git_commit(),
        "command": run.command,
        "command_line": " ".join(run.argv),
        "started": dt.datetime.fromtimestamp(run.started, dt.UTC).isoformat(timespec="seconds"),
        "wall_s": round(time.time() - run.started, 3),
        "seed": run.seed,
    }
    if run.tech is not None:
        out |= {"tech_id": tech_run_id(run.tech), **tech_summary(run.tech)}
    return out | run.notes


def _figures() -> dict[type[Result], Callable[[Any], Any]]:
    """The plot of each result type (a result type without an entry is written without a PNG)."""
    from mramcim.characterize.mtj import Precession, Retention, SwitchSweep, ToggleSweep
    from mramcim.characterize.neuron import NeuronCharacterization
    from mramcim.encoding import TransferCurve
    from mramcim.experiments.approx_storage import ApproxStorage
    from mramcim.experiments.passive_wine import PassiveWine
    from mramcim.experiments.sigmoid_neuron import SigmoidNeuronStudy
    from mramcim.experiments.tgbnn_study import TgbnnStudy
    from mramcim.learn.train import TrainingRun
    from mramcim.report import neuron_plots, passive_plots, plots

    def on_record(draw: Callable[[dict[str, Any]], Any]) -> Callable[[Result], Any]:
        return lambda result: draw(json_ready(result.to_json()))

    return {
        TransferCurve: plots.plot_transfer,
        TrainingRun: on_record(plots.plot_learning_curves),
        Precession: on_record(plots.plot_precession),
        ToggleSweep: on_record(plots.plot_toggle),
        SwitchSweep: on_record(plots.plot_switch),
        Retention: on_record(plots.plot_retention),
        TgbnnStudy: on_record(plots.plot_tgbnn_study),
        ApproxStorage: on_record(plots.plot_approx_storage),
        NeuronCharacterization: on_record(neuron_plots.plot_neuron),
        SigmoidNeuronStudy: on_record(neuron_plots.plot_sigmoid_experiment),
        PassiveWine: on_record(passive_plots.plot_passive_wine),
    }


def _plot(result: Result) -> Callable[[], Any] | None:
    """The figure of a result, as a zero-argument drawing function (None: the result has no plot)."""
    draw = _figures().get(type(result))
    return None if draw is None else functools.partial(draw, result)


def publish(result: Result, out_dir: str | Path, run: Run, folder: OutputFolder | None = None) -> list[Path]:
    """Write `result` to `out_dir` (through `folder` when the caller already claimed it); returns
    the paths written (JSON last).

    Raises:
        OutputError: the folder is not usable, in use by another run, or a write failed (the
            folder then holds what it held before).
    """
    record = json_ready(result.to_json()) | {"provenance": provenance(run)}
    draw = _plot(result)
    files: list[tuple[str, bytes]] = []
    arrays = result.arrays()
    if arrays:
        buffer = io.BytesIO()
        np.savez(buffer, **dict[str, Any]({k: np.asarray(v) for k, v in arrays.items()}))
        files.append((f"{result.name}.npz", buffer.getvalue()))
    if draw is not None:
        files.append((f"{result.name}.png", render_png(draw)))
    files.append((f"{result.name}.json", (json.dumps(record, indent=2, sort_keys=True) + "\n").encode("utf-8")))
    if folder is None:
        with OutputFolder.claim(out_dir) as own:
            written = own.publish(files)
    else:
        written = folder.publish(files)
    logger.info("wrote %s", ", ".join(str(p) for p in written))
    return written
