"""The MTJ sigmoid neuron's closed forms: steady state, slope readout, fit and energy (docs/neuron.md).

Device (tech.neuron): a free layer between a perpendicular polarizer (junction z) and an in-plane
polarizer along x (junction x). The input current I flows through a field loop around the pillar,
B_in = kappa I along z with kappa = mu0/(2 r_loop). With the in-plane bias bx along x and the
effective perpendicular anisotropy bk (< bx, monostable), the free layer settles in the x-z plane
at m = (mx, 0, mz) with mx = sqrt(1 - mz^2) and

    kappa I = mz (bx/mx - bk)                                            (torque balance)

so mz(I) rises from -1 to +1 without hysteresis: the activation is sigma = (1 + mz)/2, read from
junction z. Differentiating the balance gives the slope from mx alone,

    d sigma/d I = (kappa/2) mx^3/(bx - bk mx^3),

which is why junction x (reading mx) is the derivative readout. Both readouts are normalized
conductances: sigma = (G - G_AP)/(G_P - G_AP) at the read voltage, m = 2 sigma - 1.
The ngspice characterization is `mramcim.characterize.neuron`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from mramcim.device.cell import ap_over_p_conductance
from mramcim.errors import ConfigError, ExtractionError, InputError
from mramcim.tech import GAMMA, MU0, NeuronParams, Technology, derive

__all__ = [
    "LOGISTIC_RANGE",
    "NeuronModel",
    "activation_energy_j",
    "check_characterization",
    "fit_neuron",
    "logistic_current_scale",
    "loop_field_per_ampere",
    "neuron_params",
    "settle_time_s",
    "steady_mz",
]

Array = npt.NDArray[np.float64]


LOGISTIC_RANGE = 8.0  # pre-activations |z| <= 8 carry the logistic from 3e-4 to 1 - 3e-4


def steady_mz(b_in: Any, bx: Any, bk: Any) -> Array:
    """mz under the perpendicular input field b_in [T]: solve b_in = bx t - bk t/sqrt(1 + t^2) for
    t = mz/mx by bisection (monotone in t when bk < bx). Broadcasts over all three arguments."""
    b, bx, bk = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (b_in, bx, bk)))
    bound = np.abs(b) / (bx - np.maximum(bk, 0.0)) + 1e-12  # |f(t)| >= (bx - bk+) |t|
    lo, hi = -bound, bound.copy()
    for _ in range(80):
        t = 0.5 * (lo + hi)
        above = bx * t - bk * t / np.sqrt(1 + t * t) > b
        hi = np.where(above, t, hi)
        lo = np.where(above, lo, t)
    t = 0.5 * (lo + hi)
    return t / np.sqrt(1 + t * t)


@dataclass(frozen=True)
class NeuronModel:
    """Steady state of the neuron free layer: fields in tesla, kappa in T/A."""

    bx_t: float
    bk_t: float
    kappa_t_per_a: float

    @classmethod
    def from_tech(cls, tech: Technology) -> NeuronModel:
        n = neuron_params(tech)
        return cls(n.bias_field_t, n.anisotropy_field_t, loop_field_per_ampere(tech))

    def mz(self, current_a: Any) -> Array:
        return steady_mz(self.kappa_t_per_a * np.asarray(current_a, dtype=float), self.bx_t, self.bk_t)

    def activation(self, current_a: Any) -> Array:
        return 0.5 * (1 + self.mz(current_a))

    def slope_from_mx(self, mx: Any) -> Array:
        """d sigma/d I [1/A] from the in-plane readout mx (exact at the steady state)."""
        c = np.clip(np.asarray(mx, dtype=float), 0.0, 1.0) ** 3
        return 0.5 * self.kappa_t_per_a * c / (self.bx_t - self.bk_t * c)

    def slope(self, current_a: Any) -> Array:
        mz = self.mz(current_a)
        return self.slope_from_mx(np.sqrt(1 - mz * mz))

    def as_dict(self) -> dict[str, float]:
        return {"bx_t": self.bx_t, "bk_t": self.bk_t, "kappa_t_per_a": self.kappa_t_per_a}


def settle_time_s(tech: Technology) -> float:
    """Twelve relaxation times (1 + a^2)/(a gamma B) at the mean stiffness B = bx - bk/2 of the
    zero-input state (tilts along z feel bx - bk, along y bx)."""
    n, a = neuron_params(tech), tech.mtj.alpha
    return 12 * (1 + a * a) / (a * GAMMA * (n.bias_field_t - n.anisotropy_field_t / 2))


def _readout(g: Array, tech: Technology) -> Array:
    """Normalized conductance (G - G_AP)/(G_P - G_AP) at the neuron read voltage, = (1 + cos)/2."""
    g_p = 1 / derive(tech).r_p_ohm
    rg = ap_over_p_conductance(tech, neuron_params(tech).v_read_v)
    return (g - g_p * rg) / (g_p * (1 - rg))


def fit_neuron(currents_a: Any, mz: Any, mx: Any, kappa_t_per_a: float) -> NeuronModel:
    """Least-squares (bx, bk) of the torque balance kappa I = bx mz/mx - bk mz, which is linear in
    both; kappa is the loop's (geometry), not fitted. Points with mx < 0.05 carry no information."""
    i, z, x = (np.asarray(a, dtype=float) for a in (currents_a, mz, mx))
    ok = x > 0.05
    if ok.sum() < 2:
        raise ExtractionError("neuron fit: fewer than 2 unsaturated points (widen or refine the sweep)")
    design = np.column_stack([z[ok] / x[ok], -z[ok]])
    (bx, bk), *_ = np.linalg.lstsq(design, kappa_t_per_a * i[ok], rcond=None)
    if not bk < bx or bx <= 0:
        raise ExtractionError(f"neuron fit is not monostable (bx {bx:.3g} T, bk {bk:.3g} T)")
    return NeuronModel(float(bx), float(bk), kappa_t_per_a)


def logistic_current_scale(model: NeuronModel) -> float:
    """Input current per unit pre-activation [A] that best matches the logistic (least squares
    of sigma(z i_unit) - 1/(1 + e^-z) over |z| <= 8): the software-to-device mapping."""
    from scipy.optimize import minimize_scalar

    z = np.linspace(-LOGISTIC_RANGE, LOGISTIC_RANGE, 801)
    target = 1 / (1 + np.exp(-z))
    natural = model.bx_t / model.kappa_t_per_a  # the current whose field equals the bias

    def cost(log_scale: float) -> float:
        return float(np.mean((model.activation(z * natural * math.exp(log_scale)) - target) ** 2))

    best = minimize_scalar(cost, bounds=(-5, 3), method="bounded")
    return natural * math.exp(best.x)


def activation_energy_j(char: dict[str, Any], currents_a: Any) -> Array:
    """Energy of one activation at each input current: the loop's I^2 R over settling plus the read
    window, and both junctions' read power over the read window (read currents interpolated)."""
    n = char["neuron"]
    i = np.asarray(currents_a, dtype=float)
    grid = np.asarray(char["currents_a"])
    read_i = n["v_read_v"] / np.asarray(char["r_z_ohm"]) + n["v_read_v"] / np.asarray(char["r_x_ohm"])
    return (
        i**2 * n["line_resistance_ohm"] * char["t_eval_s"] + n["v_read_v"] * np.interp(i, grid, read_i) * n["t_read_s"]
    )


CHARACTERIZATION_KEYS = (
    "currents_a",
    "activation",
    "mx",
    "r_z_ohm",
    "r_x_ohm",
    "fit",
    "logistic_current_scale_a",
    "t_eval_s",
    "neuron",
)


def check_characterization(char: dict[str, Any], source: str) -> dict[str, Any]:
    """Refuse a JSON that is not a `characterize neuron` result (missing keys or ragged curves)."""
    missing = [k for k in CHARACTERIZATION_KEYS if k not in char]
    if missing:
        raise InputError(
            f"{source} is not a neuron characterization (no {', '.join(missing)}): use `characterize neuron`"
        )
    n = len(char["currents_a"])
    ragged = [k for k in ("activation", "mx", "r_z_ohm", "r_x_ohm") if len(char[k]) != n]
    if n < 3 or ragged:
        raise InputError(
            f"{source}: the curves must share the {n} input currents (check {', '.join(ragged) or 'currents_a'})"
        )
    return char


def loop_field_per_ampere(tech: Technology) -> float:
    """kappa = mu0/(2 r_loop): the input loop's field at the pillar per ampere [T/A]."""
    return MU0 / (2 * neuron_params(tech).loop_radius_m)


def neuron_params(tech: Technology) -> NeuronParams:
    """The technology's neuron section, or a clear error when it has none."""
    if tech.neuron is None:
        raise ConfigError(f"technology {tech.name} has no `neuron:` section (see models/default_tech.yaml)")
    return tech.neuron
