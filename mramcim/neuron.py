"""The MTJ sigmoid neuron: closed-form steady state, ngspice characterization, and the fitted
activation/slope a network uses (docs/neuron.md).

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
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from mramcim.cellmodel import ap_over_p_conductance
from mramcim.errors import ExtractionError, InputError
from mramcim.netlist import neuron_context, neuron_params, render_neuron_sweep
from mramcim.sim import run_deck
from mramcim.tech import GAMMA, Technology, derive

__all__ = ["NeuronModel", "activation_energy_j", "characterize_neuron", "check_characterization", "fit_neuron", "logistic_current_scale", "settle_time_s", "steady_mz"]

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
        n = neuron_context(tech, thermal=False)["neuron"]
        return cls(n["bx"], n["bk"], n["kappa"])

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


def _currents(currents_a: Sequence[float]) -> Array:
    i = np.asarray([float(c) for c in currents_a])
    if i.size < 3:
        raise InputError(f"a neuron sweep needs at least 3 input currents, got {i.size}")
    if not np.all(np.isfinite(i)) or np.any(np.diff(np.sort(i)) == 0):
        raise InputError("neuron input currents must be finite and distinct")
    return np.sort(i)


def _sweep(tech: Technology, currents: Array, *, thermal: bool, seed: int) -> dict[str, Array]:
    """Run one deck; readouts averaged over the last read window, and the settle time per input."""
    t_stop = settle_time_s(tech) + neuron_params(tech).t_read_s
    deck = render_neuron_sweep(tech, currents, t_stop=t_stop, seed=seed, thermal=thermal)
    res = run_deck(deck.text, name="neuron sweep", timeout_s=tech.simulation.timeout_s)
    time = res["time"]
    window = time >= t_stop - neuron_params(tech).t_read_s
    if window.sum() < 2:
        raise ExtractionError("neuron sweep: the read window holds fewer than 2 time points")
    v = neuron_params(tech).v_read_v
    out: dict[str, list[float]] = {k: [] for k in ("mz", "mx", "my", "sigma_z", "sigma_x", "i_z", "i_x", "settle")}
    for k in range(currents.size):
        for c in ("mx", "my", "mz"):
            out[c].append(float(np.mean(res[f"v(xn{k}.{c})"][window])))
        i_z = -np.mean(res[f"i(vz{k})"][window])  # the source delivers the junction current
        i_x = -np.mean(res[f"i(vx{k})"][window])
        out["i_z"].append(float(i_z))
        out["i_x"].append(float(i_x))
        out["sigma_z"].append(float(_readout(np.array(i_z / v), tech)))
        out["sigma_x"].append(float(_readout(np.array(i_x / v), tech)))
        if not thermal:  # settled: within 0.5 % of full scale of the final activation from then on
            off = np.flatnonzero(np.abs(0.5 * (1 + res[f"v(xn{k}.mz)"]) - out["sigma_z"][-1]) > 0.005)
            if off.size and time[off[-1]] >= t_stop - neuron_params(tech).t_read_s:
                raise ExtractionError(f"the neuron at {currents[k] * 1e3:g} mA did not settle within {t_stop * 1e9:.0f} ns "
                                      "(damping or fields too weak)")
            out["settle"].append(float(time[off[-1] + 1]) if off.size else 0.0)
    return {k: np.asarray(v_) for k, v_ in out.items()}


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


def _noise(tech: Technology, currents: Array, trials: int, seed: int, workers: int,
           progress: Callable[[str], None] | None) -> dict[str, Any]:
    """Spread of the read-window-averaged readouts over `trials` thermal neurons per input.

    Decks hold 8 input currents each (seeded by their index), so the result does not depend on
    the number of parallel workers."""
    from concurrent.futures import ThreadPoolExecutor

    groups = [currents[k : k + 8] for k in range(0, currents.size, 8)]
    done = 0

    def run(k: int) -> dict[str, Array]:
        nonlocal done
        part = _sweep(tech, np.repeat(groups[k], trials), thermal=True, seed=seed + k)
        done += 1
        if progress:
            progress(f"thermal deck {done}/{len(groups)} done")
        return part

    with ThreadPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(run, range(len(groups))))
    z = np.concatenate([p["sigma_z"] for p in parts]).reshape(currents.size, trials)
    x = np.concatenate([p["sigma_x"] for p in parts]).reshape(currents.size, trials)
    return {"trials": trials, "sigma_z_mean": z.mean(1).tolist(), "sigma_z_std": z.std(1, ddof=1).tolist(),
            "sigma_x_mean": x.mean(1).tolist(), "sigma_x_std": x.std(1, ddof=1).tolist()}


def characterize_neuron(tech: Technology, currents_a: Sequence[float], *, trials: int = 0, seed: int = 1,
                        workers: int = 1, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Resistance of both junctions vs input current (ngspice LLG, T = 0), the closed-form check,
    the fitted model, energy per activation and, with `trials` > 1, the thermal readout noise."""
    if trials == 1 or not 0 <= trials <= 30:
        raise InputError(f"thermal trials must be 0 (off) or 2 to 30, got {trials}")
    if workers < 1:
        raise InputError(f"workers must be at least 1, got {workers}")
    currents = _currents(currents_a)
    n = neuron_params(tech)
    model = NeuronModel.from_tech(tech)
    if progress:
        progress(f"T = 0 sweep of {currents.size} input currents")
    sim = _sweep(tech, currents, thermal=False, seed=seed)
    mz_theory = model.mz(currents)
    fitted = fit_neuron(currents, sim["mz"], sim["mx"], model.kappa_t_per_a)
    sigma = sim["sigma_z"]
    slope_readout = model.slope_from_mx(2 * sim["sigma_x"] - 1)
    slope_numeric = np.gradient(sigma, currents)
    t_eval = float(sim["settle"].max()) + n.t_read_s
    out: dict[str, Any] = {
        "currents_a": currents.tolist(),
        "r_z_ohm": (n.v_read_v / sim["i_z"]).tolist(),
        "r_x_ohm": (n.v_read_v / sim["i_x"]).tolist(),
        "mz": sim["mz"].tolist(),
        "mx": sim["mx"].tolist(),
        "my": sim["my"].tolist(),
        "activation": sigma.tolist(),
        "slope_readout_per_a": slope_readout.tolist(),
        "slope_numeric_per_a": slope_numeric.tolist(),
        "mz_theory": mz_theory.tolist(),
        "max_abs_mz_error": float(np.max(np.abs(sim["mz"] - mz_theory))),
        "design": model.as_dict(),
        "fit": fitted.as_dict(),
        "logistic_current_scale_a": logistic_current_scale(fitted),
        "settle_time_s": sim["settle"].tolist(),
        "t_eval_s": t_eval,
        "neuron": n.model_dump(),
        "seed": seed,
    }
    out["energy_j"] = activation_energy_j(out, currents).tolist()
    if trials:
        out["noise"] = _noise(tech, currents, trials, seed + 1, workers, progress)
    return out


def activation_energy_j(char: dict[str, Any], currents_a: Any) -> Array:
    """Energy of one activation at each input current: the loop's I^2 R over settling plus the read
    window, and both junctions' read power over the read window (read currents interpolated)."""
    n = char["neuron"]
    i = np.asarray(currents_a, dtype=float)
    grid = np.asarray(char["currents_a"])
    read_i = n["v_read_v"] / np.asarray(char["r_z_ohm"]) + n["v_read_v"] / np.asarray(char["r_x_ohm"])
    return i**2 * n["line_resistance_ohm"] * char["t_eval_s"] + n["v_read_v"] * np.interp(i, grid, read_i) * n["t_read_s"]


CHARACTERIZATION_KEYS = ("currents_a", "activation", "mx", "r_z_ohm", "r_x_ohm", "fit", "logistic_current_scale_a", "t_eval_s", "neuron")


def check_characterization(char: dict[str, Any], source: str) -> dict[str, Any]:
    """Refuse a JSON that is not a `characterize neuron` result (missing keys or ragged curves)."""
    missing = [k for k in CHARACTERIZATION_KEYS if k not in char]
    if missing:
        raise InputError(f"{source} is not a neuron characterization (no {', '.join(missing)}): use `characterize neuron`")
    n = len(char["currents_a"])
    ragged = [k for k in ("activation", "mx", "r_z_ohm", "r_x_ohm") if len(char[k]) != n]
    if n < 3 or ragged:
        raise InputError(f"{source}: the curves must share the {n} input currents (check {', '.join(ragged) or 'currents_a'})")
    return char
