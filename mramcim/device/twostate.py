"""The fast two-state MTJ: a resistance that is P or AP, switching by random events whose
probabilities come from the LLG model.

Switching (SOT/STT) follows a `SwitchingLaw` (Delta, Ic0, damping time): fitted to an LLG sweep
(`mramcim mtj switch ... --out DIR` writes it in switch.json under "fit") or, without a
calibration, predicted from the technology. VCMA toggling uses the toggle probability map of an
LLG sweep (`mramcim mtj toggle`), interpolated bilinearly in (amplitude, width).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.interpolate import RegularGridInterpolator

from mramcim.artifacts import read_json_object
from mramcim.device.switching import SwitchingLaw, analytic_law, relaxation_time
from mramcim.errors import InputError
from mramcim.options import SwitchMode, parse_option
from mramcim.tech import Technology

__all__ = [
    "ToggleMap",
    "load_switching_law",
    "check_toggle_map",
    "load_toggle_map",
    "sample",
]


def load_switching_law(tech: Technology, mode: str, path: str | Path | None) -> tuple[SwitchingLaw, str]:
    """The calibrated law from a `mtj switch` sweep, else the technology's analytic law."""
    mode = parse_option(SwitchMode, mode, "switching mode")
    if path is None:
        return analytic_law(tech, mode), "analytic (technology)"
    payload = read_json_object(path, "switching calibration")
    fit = payload.get("fit")
    if payload.get("mode") != mode or not isinstance(fit, dict):
        raise InputError(
            f"{path} holds no fitted {mode} switching law (run `mramcim mtj switch --mode {mode}` "
            "with >= 3 sweep points and --out)"
        )
    try:
        law = SwitchingLaw(float(fit["delta"]), float(fit["ic0_a"]), relaxation_time(tech))
    except (KeyError, TypeError, ValueError, OverflowError) as err:
        raise InputError(f"{path}: malformed fit ({err})") from None
    if not (math.isfinite(law.delta) and law.delta > 0 and math.isfinite(law.ic0_a) and law.ic0_a > 0):
        raise InputError(f"{path}: the fitted delta and ic0_a must be finite and positive")
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
        raise InputError(
            "the two-state toggle needs an LLG toggle map: run `mramcim mtj toggle ... --out DIR` "
            "and pass --calibration DIR/toggle.json"
        )
    payload = read_json_object(path, "toggle calibration")
    try:
        tm = ToggleMap(
            np.asarray(payload["voltages_v"], float),
            np.asarray(payload["widths_s"], float),
            np.asarray(payload["p_toggle"], float),
        )
    except (KeyError, TypeError, ValueError, OverflowError) as err:
        raise InputError(f"{path}: not a toggle map ({err})") from None
    return check_toggle_map(tm, str(path))


def check_toggle_map(tm: ToggleMap, source: str) -> ToggleMap:
    """`tm` if its axes are finite, positive and increasing and every probability is in [0, 1].

    Raises:
        InputError: naming `source` and the first bad value.
    """
    for axis, label in ((tm.voltages_v, "voltages_v"), (tm.widths_s, "widths_s")):
        if axis.ndim != 1 or axis.size < 1:
            raise InputError(f"{source}: {label} must be a non-empty list")
        if not np.all(np.isfinite(axis)) or np.any(axis <= 0) or np.any(np.diff(axis) <= 0):
            raise InputError(f"{source}: {label} must be finite, positive and increasing")
    if tm.p_toggle.shape != (len(tm.voltages_v), len(tm.widths_s)):
        raise InputError(f"{source}: p_toggle shape {tm.p_toggle.shape} does not match the axes")
    bad = ~np.isfinite(tm.p_toggle) | (tm.p_toggle < 0) | (tm.p_toggle > 1)
    if np.any(bad):
        raise InputError(f"{source}: p_toggle must hold probabilities in [0, 1], got {tm.p_toggle[bad].ravel()[0]:g}")
    return tm


def sample(p: float, trials: int, seed: int) -> np.ndarray:
    """`trials` Bernoulli events with probability p (the two-state model's switching events)."""
    if trials < 1:
        raise InputError(f"trials must be at least 1 to estimate a probability, got {trials}")
    if not 0.0 <= p <= 1.0:
        raise InputError(f"probability must be in [0, 1], got {p}")
    return np.random.default_rng(seed).random(trials) < p
