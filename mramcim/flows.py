"""Pipelines that chain the stages: render -> check -> simulate -> extract.

Each function returns plain data (dataclasses / dicts of lists) that the CLI prints or saves.
"""

from __future__ import annotations

import logging
import platform
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import numpy.typing as npt

from mramcim.encoding import threshold_popcount
from mramcim.erc import require_clean
from mramcim.errors import InputError
from mramcim.extract import ColumnResult, XnorCase, extract_mac, extract_xnor
from mramcim.netlist import RenderedNetlist, check_array_size, render_array, render_xnor
from mramcim.sim import SimResult, run_deck
from mramcim.tech import Technology, tech_run_id, tech_summary

__all__ = ["MacReport", "characterize_array", "provenance", "run_mac", "simulate", "verify_xnor", "weights_for_popcounts"]

logger = logging.getLogger(__name__)


def simulate(deck: RenderedNetlist | str, tech: Technology, name: str) -> SimResult:
    """Electrical rule check, then ngspice, for a rendered deck or raw deck text."""
    text = deck if isinstance(deck, str) else deck.text
    require_clean(text, name)
    return run_deck(text, name=name, timeout_s=tech.simulation.timeout_s)


def verify_xnor(tech: Technology) -> list[XnorCase]:
    deck = render_xnor(tech)
    return extract_xnor(simulate(deck, tech, "xnor cell testbench"), deck, tech)


@dataclass(frozen=True)
class MacReport:
    scheme: str
    rows: int
    cols: int
    threshold: int
    columns: list[ColumnResult]
    energy_j: dict[str, float]
    weights_not_restored: int
    n_mtj: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_mac(tech: Technology, weights: npt.ArrayLike, inputs: npt.ArrayLike, scheme: str = "half") -> MacReport:
    deck = render_array(tech, weights, inputs, scheme)
    result = simulate(deck, tech, f"{scheme} array {deck.meta['rows']}x{deck.meta['cols']}")
    columns, energy, wrong = extract_mac(result, deck, tech)
    return MacReport(scheme, deck.meta["rows"], deck.meta["cols"], deck.meta["threshold"], columns, energy, wrong, deck.meta["n_mtj"])


def weights_for_popcounts(inputs: npt.NDArray[np.int8], counts: list[int], rng: np.random.Generator) -> npt.NDArray[np.int8]:
    """Weights (rows, len(counts)) whose XNOR popcount with `inputs` is counts[j] in column j."""
    rows = inputs.shape[0]
    w = np.empty((rows, len(counts)), dtype=np.int8)
    for j, k in enumerate(counts):
        agree = np.full(rows, -1, dtype=np.int8)
        agree[rng.choice(rows, size=k, replace=False)] = 1
        w[:, j] = inputs * agree
    return w


def provenance(tech: Technology) -> dict[str, Any]:
    def ver(pkg: str) -> str:
        try:
            return version(pkg)
        except PackageNotFoundError:
            return "not installed"

    return {
        "tech_id": tech_run_id(tech),
        **tech_summary(tech),
        "versions": {p: ver(p) for p in ("mramcim", "numpy", "PySpice", "scipy")} | {"python": platform.python_version()},
        "mtj_model": "llg (deterministic macrospin)",
    }


def characterize_array(
    tech: Technology,
    rows: int,
    cols: int,
    scheme: str = "half",
    points: int | None = None,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Transfer characteristic popcount -> column current and sense output.

    Popcounts are spread over 0..rows (all of them when `points` is None and rows <= 64, else
    `points` evenly spaced values, default 17); each deck of `cols` columns realises `cols`
    popcounts at once with random inputs (about half the rows toggled in the half-size scheme).
    """
    rows, cols = check_array_size(rows, cols)
    if points is None:
        points = rows + 1 if rows <= 64 else 17
    if not 2 <= points <= rows + 1:
        raise InputError(f"points must be between 2 and rows + 1 = {rows + 1}, got {points}")
    ks = sorted({int(round(v)) for v in np.linspace(0, rows, points)})
    rng = np.random.default_rng(seed)
    measured: list[ColumnResult] = []
    energies: list[float] = []
    batches = [ks[i : i + cols] for i in range(0, len(ks), cols)]
    for n, batch in enumerate(batches):
        x = rng.choice(np.array([-1, 1], dtype=np.int8), size=rows)
        w = weights_for_popcounts(x, batch, rng)
        report = run_mac(tech, w, x, scheme)
        measured += report.columns
        energies.append(report.energy_j["mac"] / len(batch))
        if progress:
            progress(n + 1, len(batches))
    k = np.array([c.popcount for c in measured])
    current = np.array([c.current_a for c in measured])
    slope, intercept = np.polyfit(k, current, 1)
    residual = current - (slope * k + intercept)
    span = float(np.ptp(current)) or 1.0
    threshold = threshold_popcount(rows)
    return {
        "rows": rows,
        "scheme": scheme,
        "threshold": threshold,
        "popcount": k.tolist(),
        "current_a": current.tolist(),
        "ohm_current_a": [c.ohm_current_a for c in measured],
        "sense": [c.sensed for c in measured],
        "p_plus": [1.0 if c.sensed > 0 else 0.0 for c in measured],
        "expected_sense": [c.expected for c in measured],
        "linear_fit": {"slope_a": float(slope), "intercept_a": float(intercept), "max_residual_rel": float(np.max(np.abs(residual)) / span)},
        "energy_per_column_mac_j": float(np.mean(energies)),
        "seed": seed,
        "provenance": provenance(tech),
    }
