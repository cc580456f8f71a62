"""Switching statistics of a two-state MTJ: the collinear-torque (STT) law, its fits, binomial
intervals and write energy. Pure physics (numpy/scipy); the LLG Monte-Carlo that measures these
statistics lives in `mramcim.characterize.mtj`. The Neel-Brown law here describes STT only (label:
"Neel-Brown, STT"); SOT switching probabilities come from the LLG-calibrated table `device.sotcal`.

Conventions: currents in A (magnitudes), times in s; i = I/Ic0; tD = (1 + alpha^2)/(alpha gamma Bk)
is the damping time. Derivations and sources: docs/physics.md sec. 3.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.integrate import cumulative_trapezoid, trapezoid
from scipy.optimize import minimize

from mramcim.errors import ExtractionError, InputError
from mramcim.tech import Technology, derive

__all__ = [
    "SwitchingLaw",
    "analytic_law",
    "fit_switching_law",
    "fit_thermal_activation",
    "mean_switching_time",
    "point_summary",
    "relaxation_time",
    "switch_energy_j",
    "wilson_interval",
]


def relaxation_time(tech: Technology) -> float:
    """Damping time (1 + alpha^2)/(alpha gamma Bk0) of the free layer [s]."""
    return derive(tech).t_damping_s


def mean_switching_time(delta: float, i: float, t_damping_s: float, n: int = 2001) -> float:
    """Mean first-passage time from the pole (c = cos theta = 1) to the equator (c = 0).

    Exact for the axially symmetric macrospin with a collinear torque i = I/Ic0: its Fokker-Planck
    equation in c has drift (1 - c^2)(c - i)/tD and diffusion (1 - c^2)/(2 Delta tD), so the
    stationary density is exp(Delta (c - i)^2) and the 1-D first-passage formula gives
        tau = int_0^1 dy 2 Delta tD/(1 - y^2) int_y^1 exp(Delta [(z - i)^2 - (y - i)^2]) dz.
    The barrier is Delta (1 - i)^2 (derivation in docs/physics.md); at i = 0 tau is half of Brown's
    escape time tD sqrt(pi/Delta) e^Delta, because reaching the barrier top is a coin flip.
    """
    y = np.linspace(0.0, 1.0, n)
    e = delta * (y - i) ** 2
    top = float(e.max())
    cum = cumulative_trapezoid(np.exp(e - top), y, initial=0.0)
    log_inner = np.log(np.maximum(cum[-1] - cum, 1e-300)) + top - e
    f = np.empty(n)
    f[:-1] = 2 * delta * t_damping_s * np.exp(np.minimum(log_inner[:-1], 700)) / (1 - y[:-1] ** 2)
    f[-1] = delta * t_damping_s  # limit y -> 1: the inner integral is (1 - y)
    return float(trapezoid(f, y))


@dataclass(frozen=True)
class SwitchingLaw:
    """P_sw(I, t) of a two-state MTJ with a collinear (damping-like) torque; i = I/Ic0.

    Thermal activation: P = 1 - exp(-t/tau(i)) with tau the exact mean first-passage time of
    `mean_switching_time` (barrier Delta (1 - i)^2, Brown's prefactor at i = 0).
    Precessional (i > 1, Sun): the switching time from initial angle theta0 is
    tD ln(pi/(2 theta0))/(i - 1); with theta0^2 thermally distributed (mean 1/Delta)
    P = exp(-Delta (pi/2)^2 exp(-2 t (i - 1)/tD)); the larger of the two is used.
    tD = (1 + a^2)/(a gamma Bk) is the damping time.
    """

    delta: float
    ic0_a: float
    t_damping_s: float

    def tau_s(self, current_a: Any) -> np.ndarray:
        i = np.abs(np.asarray(current_a, dtype=float)) / self.ic0_a
        flat = [mean_switching_time(self.delta, float(x), self.t_damping_s) for x in i.ravel()]
        return np.asarray(flat).reshape(i.shape)

    def p_switch(self, current_a: Any, width_s: Any) -> np.ndarray:
        current, t = np.broadcast_arrays(np.asarray(current_a, float), np.asarray(width_s, float))
        i = np.abs(current) / self.ic0_a
        p_thermal = -np.expm1(-t / self.tau_s(current))
        excess = np.clip(i - 1, 0, None)
        p_prec = np.exp(-self.delta * (math.pi / 2) ** 2 * np.exp(-2 * t * excess / self.t_damping_s))
        return np.where(i > 1, np.maximum(p_thermal, p_prec), p_thermal)

    def as_dict(self) -> dict[str, float]:
        return {"delta": self.delta, "ic0_a": self.ic0_a, "t_damping_s": self.t_damping_s}


def analytic_law(tech: Technology, mode: str) -> SwitchingLaw:
    """The law predicted from the technology alone: Delta under the bias field, Sun's Ic0 for
    STT (the law holds: collinear STT on an axially symmetric magnet), Lee et al.'s macrospin
    threshold for SOT -- there only Ic0 is meaningful (the threshold scale of sweeps): the law's
    form is wrong for SOT (docs/physics.md sec. 4), whose switching probabilities come from the
    LLG-calibrated table, `device.sotcal.sot_switching`."""
    d = derive(tech)
    ic0 = d.i_stt_critical_a if mode == "stt" else d.i_sot_critical_a
    return SwitchingLaw(d.delta_bias, ic0, relaxation_time(tech))


def fit_switching_law(
    tech: Technology,
    mode: str,
    currents_a: Sequence[float],
    widths_s: Sequence[float],
    switched: np.ndarray,
    trials: int,
) -> SwitchingLaw:
    """Binomial maximum-likelihood fit of (Delta, Ic0) to switch counts on a current x width grid."""
    start = analytic_law(tech, mode)
    ii, ww = np.meshgrid(np.asarray(currents_a, float), np.asarray(widths_s, float), indexing="ij")
    k = np.asarray(switched, float)

    def nll(x: np.ndarray) -> float:
        law = SwitchingLaw(math.exp(x[0]), math.exp(x[1]), start.t_damping_s)
        p = np.clip(law.p_switch(ii, ww), 1e-9, 1 - 1e-9)
        return float(-np.sum(k * np.log(p) + (trials - k) * np.log1p(-p)))

    x0 = np.log([start.delta, start.ic0_a])
    best = minimize(nll, x0, method="Nelder-Mead", options={"xatol": 1e-5, "fatol": 1e-8, "maxiter": 4000})
    return SwitchingLaw(float(math.exp(best.x[0])), float(math.exp(best.x[1])), start.t_damping_s)


def fit_thermal_activation(
    tech: Technology, currents_a: Sequence[float], tau_s: Sequence[float], switched: Sequence[int]
) -> SwitchingLaw:
    """Fit (Delta, Ic0) of `SwitchingLaw.tau_s` to first-passage means, weighted by the number
    of switches (the relative error of each mean is 1/sqrt(n))."""
    i = np.asarray(currents_a, float)
    tau = np.asarray(tau_s, float)
    n = np.asarray(switched, float)
    ok = np.isfinite(tau) & (n > 0)
    if ok.sum() < 2:
        raise ExtractionError("the thermal-activation fit needs at least 2 currents that switched")
    i, y, wt = i[ok], np.log(tau[ok]), n[ok]
    t_d = relaxation_time(tech)

    def cost(x: np.ndarray) -> float:
        law = SwitchingLaw(math.exp(x[0]), math.exp(x[1]), t_d)
        return float(np.sum(wt * (np.log(law.tau_s(i)) - y) ** 2))

    start = analytic_law(tech, "stt")
    best = minimize(
        cost,
        np.log([start.delta, start.ic0_a]),
        method="Nelder-Mead",
        options={"xatol": 1e-6, "fatol": 1e-10, "maxiter": 4000},
    )
    return SwitchingLaw(float(math.exp(best.x[0])), float(math.exp(best.x[1])), t_d)


def switch_energy_j(
    tech: Technology, mode: str, current_a: float, width_s: float, rise_s: float | None = None
) -> float:
    """I^2 R t of the write pulse (flat top; each linear ramp carries 1/3 of its duration).

    Args:
        rise_s: the current's rise time (default: the technology's pulse edge t_rise_s; SOT write
            pulses rise as the write path sets, `device.writepath.write_path_rise`).
    """
    d = derive(tech)
    resistance = d.r_strip_ohm if mode == "sot" else d.r_p_ohm
    rise = tech.operation.t_rise_s if rise_s is None else rise_s
    t_eff = width_s + (rise + tech.operation.t_write_fall_s) / 3
    return current_a**2 * resistance * t_eff


def point_summary(switched: int, trials: int, energy_j: float | None) -> dict[str, Any]:
    """One characterization point as reported: probability, 95 % interval, counts, energy."""
    lo, hi = wilson_interval(switched, trials)
    return {"p": switched / trials, "ci95": [lo, hi], "trials": trials, "switched": switched, "energy_j": energy_j}


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (good at p near 0 or 1)."""
    if trials < 1:
        raise InputError(f"a probability needs at least one trial, got {trials}")
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + confidence / 2))
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * np.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)
