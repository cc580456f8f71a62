"""The fast two-state MTJ: a resistance that is P or AP, switching by random events whose
probabilities come from the LLG model.

Switching (SOT/STT) follows a `SwitchingLaw` (Delta, Ic0, damping time): fitted to an LLG sweep
(`mramcim mtj switch ... --out DIR` writes it in switch.json under "fit") or, without a
calibration, predicted from the technology. VCMA toggling uses the toggle probability map of an
LLG sweep (`mramcim mtj toggle`), interpolated bilinearly in (amplitude, width).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.interpolate import RegularGridInterpolator

from mramcim.artifacts import read_json_object
from mramcim.errors import InputError
from mramcim.montecarlo import point_summary
from mramcim.mtjchar import (
    MODES,
    SwitchingLaw,
    analytic_law,
    relaxation_time,
    switch_record,
    toggle_record,
)
from mramcim.tech import Technology, derive

__all__ = [
    "ToggleMap",
    "load_switching_law",
    "load_toggle_map",
    "sample",
    "switch_energy_j",
    "switch_sweep",
    "toggle_sweep",
]


def load_switching_law(tech: Technology, mode: str, path: str | Path | None) -> tuple[SwitchingLaw, str]:
    """The calibrated law from a `mtj switch` sweep, else the technology's analytic law."""
    if mode not in MODES:
        raise InputError(f"unknown switching mode {mode!r}; choose one of {', '.join(MODES)}")
    if path is None:
        return analytic_law(tech, mode), "analytic (technology)"
    payload = read_json_object(path, "switching calibration")
    fit = payload.get("fit")
    if payload.get("mode") != mode or not isinstance(fit, dict):
        raise InputError(f"{path} holds no fitted {mode} switching law (run `mramcim mtj switch --mode {mode}` "
                         "with >= 3 sweep points and --out)")
    try:
        law = SwitchingLaw(float(fit["delta"]), float(fit["ic0_a"]), relaxation_time(tech))
    except (KeyError, TypeError, ValueError) as err:
        raise InputError(f"{path}: malformed fit ({err})") from None
    return law, f"fitted ({path})"


@dataclass(frozen=True)
class ToggleMap:
    voltages_v: np.ndarray
    widths_s: np.ndarray
    p_toggle: np.ndarray

    def __call__(self, voltage_v: float, width_s: float) -> float:
        v0, v1 = self.voltages_v[[0, -1]]
        w0, w1 = self.widths_s[[0, -1]]
        if not (v0 <= voltage_v <= v1 and w0 <= width_s <= w1):
            raise InputError(
                f"toggle point ({voltage_v:g} V, {width_s * 1e9:g} ns) is outside the calibrated map "
                f"({v0:g}..{v1:g} V, {w0 * 1e9:g}..{w1 * 1e9:g} ns)"
            )
        if len(self.voltages_v) == 1 or len(self.widths_s) == 1:
            axis, x = (self.widths_s, width_s) if len(self.voltages_v) == 1 else (self.voltages_v, voltage_v)
            return float(np.interp(x, axis, self.p_toggle.ravel()))
        interp = RegularGridInterpolator((self.voltages_v, self.widths_s), self.p_toggle)
        return float(interp([[voltage_v, width_s]])[0])


def load_toggle_map(path: str | Path | None) -> ToggleMap:
    if path is None:
        raise InputError("the two-state toggle needs an LLG toggle map: run `mramcim mtj toggle ... --out DIR` "
                         "and pass --calibration DIR/toggle.json")
    payload = read_json_object(path, "toggle calibration")
    try:
        tm = ToggleMap(np.asarray(payload["voltages_v"], float), np.asarray(payload["widths_s"], float),
                       np.asarray(payload["p_toggle"], float))
    except (KeyError, TypeError, ValueError) as err:
        raise InputError(f"{path}: not a toggle map ({err})") from None
    if tm.p_toggle.shape != (len(tm.voltages_v), len(tm.widths_s)):
        raise InputError(f"{path}: p_toggle shape {tm.p_toggle.shape} does not match the axes")
    return tm


def switch_energy_j(tech: Technology, mode: str, current_a: float, width_s: float) -> float:
    """I^2 R t of the write pulse (flat top; each linear ramp carries 1/3 of its duration)."""
    d = derive(tech)
    resistance = d.r_strip_ohm if mode == "sot" else d.r_p_ohm
    t_eff = width_s + (tech.operation.t_rise_s + tech.operation.t_write_fall_s) / 3
    return current_a**2 * resistance * t_eff


def sample(p: float, trials: int, seed: int) -> np.ndarray:
    """`trials` Bernoulli events with probability p (the two-state model's switching events)."""
    if trials < 1:
        raise InputError(f"trials must be at least 1 to estimate a probability, got {trials}")
    if not 0.0 <= p <= 1.0:
        raise InputError(f"probability must be in [0, 1], got {p}")
    return np.random.default_rng(seed).random(trials) < p


def _sampled_grid(rows: list[float], cols: list[float], trials: int, seed: int,
                  p_of: Any, energy_of: Any) -> list[list[dict[str, Any]]]:
    """Bernoulli events on a grid; point (i, j) uses seed*7919 + 131 i + j."""
    grid = []
    for i, a in enumerate(rows):
        row = []
        for j, b in enumerate(cols):
            hits = int(sample(p_of(a, b), trials, seed * 7919 + i * 131 + j).sum())
            row.append(point_summary(hits, trials, energy_of(a, b)))
        grid.append(row)
    return grid


def toggle_sweep(tech: Technology, calibration: str | Path | None, voltages: list[float], widths: list[float],
                 trials: int, seed: int) -> dict[str, Any]:
    """The two-state counterpart of `mtjchar.toggle_sweep` (no energy: the map carries none)."""
    tm = load_toggle_map(calibration)
    grid = _sampled_grid(voltages, widths, trials, seed, tm, lambda v, w: None)
    return {**toggle_record(tech, voltages, widths, trials, grid), "calibration": calibration}


def switch_sweep(tech: Technology, mode: str, calibration: str | Path | None, currents: list[float],
                 widths: list[float], trials: int, m0: int, seed: int) -> dict[str, Any]:
    """The two-state counterpart of `mtjchar.switch_sweep`, with I^2 R t write energy."""
    law, source = load_switching_law(tech, mode, calibration)
    grid = _sampled_grid(currents, widths, trials, seed, lambda i, w: float(law.p_switch(i, w)),
                         lambda i, w: switch_energy_j(tech, mode, i, w))
    return {**switch_record(tech, mode, m0, currents, widths, trials, grid), "law": law.as_dict(),
            "law_source": source}
