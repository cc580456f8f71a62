"""MTJ device characterization on the LLG model: precession, VCMA toggle, SOT/STT switching,
retention, and the fits that turn switching statistics into Delta, Ic0 and tau0.

Every function takes a validated `Technology` and returns a plain dict (JSON-ready, arrays as
lists) that the CLI writes next to an NPZ and a PNG. Conventions (docs/physics.md):
- pulses are trapezoids with the technology's rise time; `width` is the flat top;
- a trial "switches" when the mean mz over the last part of the settle window has the sign
  opposite to the initial state;
- SOT current magnitude is given; its polarity is the one that switches away from the initial
  state (negative strip current for P -> AP under the +x bias field, positive for AP -> P);
  STT current t -> b switches P -> AP, b -> t switches AP -> P.
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
from mramcim.extract import zero_crossings
from mramcim.montecarlo import Point, PointResult, Progress, run_points
from mramcim.netlist import render_mtj_trials
from mramcim.sim import run_deck
from mramcim.tech import GAMMA, Technology, derive, override

__all__ = [
    "MODES",
    "SwitchingLaw",
    "fit_switching_law",
    "precession",
    "relaxation_time",
    "retention",
    "switch_record",
    "switch_sweep",
    "toggle_record",
    "toggle_sweep",
]

MODES = ("sot", "stt")
T_ON_S = 0.2e-9  # pulses start here, after the devices have seen some thermal field


@dataclass(frozen=True)
class McOptions:
    seed: int = 0
    workers: int = 1
    cache: Any = None  # Path | None
    progress: Progress | None = None


def relaxation_time(tech: Technology) -> float:
    """Damping time (1 + alpha^2)/(alpha gamma Bk0) of the free layer [s]."""
    return derive(tech).t_damping_s


def _positive(name: str, value: float, unit: str) -> float:
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"{name} must be positive, got {value:g} {unit}")
    return value


def _pulse(level: float, width: float, rise: float, fall: float) -> tuple[tuple[float, float], ...]:
    return ((0.0, 0.0), (T_ON_S, 0.0), (T_ON_S + rise, level), (T_ON_S + rise + width, level),
            (T_ON_S + rise + width + fall, 0.0))


def _settled_point(tech: Technology, kind: str, level: float, width: float, trials: int, m0: int) -> Point:
    """A pulse (VCMA: symmetric edges; SOT/STT: the slow write trailing edge), then 2 damping
    times of settling; the final state is the mean mz over the last 40 % of the settle window."""
    rise = tech.operation.t_rise_s
    fall = rise if kind == "vcma" else tech.operation.t_write_fall_s
    settle = 2 * relaxation_time(tech)
    end = T_ON_S + rise + width + fall
    return Point(kind, _pulse(level, width, rise, fall), end + settle, trials, m0, True, end + 0.6 * settle)


def _grid(results: Sequence[PointResult], n_cols: int) -> list[list[dict[str, Any]]]:
    """Row-major point results -> rows of `point_summary` dicts."""
    return [[r.summary() for r in results[i : i + n_cols]] for i in range(0, len(results), n_cols)]


# ----------------------------------------------------------------------------- precession
def precession(tech: Technology, field_t: float) -> dict[str, Any]:
    """Free precession about the in-plane field with the anisotropy cancelled by VCMA (V = Vc).

    T = 0, m starts at the equilibrium tilt; mz(t) = cos(theta0) cos(w t) x (damping envelope),
    so successive zero crossings of mz are half a period apart. Theory: f = gamma B/(2 pi (1+a^2)).
    """
    _positive("field", field_t, "T")
    t = override(tech, mtj={"bias_field_t": field_t})
    d = derive(t)
    f_theory = GAMMA * field_t / (2 * math.pi * (1 + t.mtj.alpha**2))
    periods = 3.0
    deck = render_mtj_trials(
        t, kind="vcma", drive=[(0.0, d.v_critical_v), (1.0, d.v_critical_v)], trials=1, m0=1,
        t_stop=periods / f_theory, seed=1, thermal=False,
    )
    res = run_deck(deck.text, name="precession testbench", timeout_s=t.simulation.timeout_s)
    time, mz = res["time"], res["v(xd0.mz)"]
    crossings = zero_crossings(time, mz)
    if crossings.size < 2:
        raise ExtractionError("precession: mz crossed zero fewer than twice; no frequency to measure")
    half = float(np.mean(np.diff(crossings)))
    f_sim = 1 / (2 * half)
    return {
        "field_t": field_t,
        "frequency_hz": f_sim,
        "frequency_theory_hz": f_theory,
        "half_period_s": half,
        "half_period_theory_s": 1 / (2 * f_theory),
        "relative_error": f_sim / f_theory - 1,
        "crossings_s": crossings.tolist(),
        "waveform": {"time_s": time.tolist(), "mz": mz.tolist()},
    }


# ----------------------------------------------------------------------------- VCMA toggle
def toggle_sweep(
    tech: Technology, voltages: Sequence[float], widths: Sequence[float], trials: int, mc: McOptions
) -> dict[str, Any]:
    """VCMA toggle probability on the (amplitude, width) grid, from P (toggle is state-blind)."""
    for v in voltages:
        _positive("VCMA amplitude", v, "V")
    for w in widths:
        _positive("pulse width", w, "s")
    _trials(trials)
    points = [_settled_point(tech, "vcma", v, w, trials, 1) for v in voltages for w in widths]
    results = run_points(tech, points, seed=mc.seed, workers=mc.workers, cache=mc.cache, progress=mc.progress)
    return toggle_record(tech, voltages, widths, trials, _grid(results, len(widths)))


def toggle_record(tech: Technology, voltages: Sequence[float], widths: Sequence[float], trials: int,
                  grid: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """The toggle result as written and plotted (shared by the LLG and two-state models)."""
    p = np.array([[c["p"] for c in row] for row in grid])
    d = derive(tech)
    return {
        "voltages_v": list(voltages),
        "widths_s": list(widths),
        "trials": trials,
        "p_toggle": p.tolist(),
        "toggle_error": (1 - p).tolist(),
        "points": grid,
        "half_period_s": d.half_period_s,
        "v_critical_v": d.v_critical_v,
    }


# ----------------------------------------------------------------------------- SOT / STT switching
def _trials(trials: int) -> int:
    if trials < 1:
        raise InputError(f"trials must be at least 1 to estimate a probability, got {trials}")
    return trials


def _polarity(mode: str, m0: int) -> float:
    if mode not in MODES:
        raise InputError(f"unknown switching mode {mode!r}; choose one of {', '.join(MODES)}")
    if mode == "sot":
        return -1.0 if m0 > 0 else 1.0
    return 1.0 if m0 > 0 else -1.0


def switch_sweep(tech: Technology, mode: str, currents_a: Sequence[float], widths_s: Sequence[float],
                 trials: int, m0: int, mc: McOptions) -> dict[str, Any]:
    """P_sw(I, t) with 95 % intervals and the drive energy of every point; fitted law if >= 3 points."""
    sign = _polarity(mode, m0)
    for current in currents_a:
        _positive("current", current, "A")
    for w in widths_s:
        _positive("pulse width", w, "s")
    _trials(trials)
    points = [_settled_point(tech, mode, sign * i, w, trials, m0) for i in currents_a for w in widths_s]
    results = run_points(tech, points, seed=mc.seed, workers=mc.workers, cache=mc.cache, progress=mc.progress)
    out = switch_record(tech, mode, m0, currents_a, widths_s, trials, _grid(results, len(widths_s)))
    p = np.asarray(out["p_switch"])
    if len(points) >= 3 and 0 < p.mean() < 1:
        counts = np.array([[c["switched"] for c in row] for row in out["points"]])
        law = fit_switching_law(tech, mode, currents_a, widths_s, counts, trials)
        out["fit"] = law.as_dict()
    return out


def switch_record(tech: Technology, mode: str, m0: int, currents_a: Sequence[float], widths_s: Sequence[float],
                  trials: int, grid: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """The switching result as written and plotted (shared by the LLG and two-state models)."""
    return {
        "mode": mode,
        "from_state": "P" if m0 > 0 else "AP",
        "currents_a": list(currents_a),
        "widths_s": list(widths_s),
        "trials": trials,
        "p_switch": [[c["p"] for c in row] for row in grid],
        "energy_j": [[c["energy_j"] for c in row] for row in grid],
        "points": grid,
        "analytic": analytic_law(tech, mode).as_dict(),
    }


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
    STT, Lee et al.'s macrospin threshold for SOT (an estimate: SOT is not collinear)."""
    d = derive(tech)
    ic0 = d.i_stt_critical_a if mode == "stt" else d.i_sot_critical_a
    return SwitchingLaw(d.delta_bias, ic0, relaxation_time(tech))


def fit_switching_law(tech: Technology, mode: str, currents_a: Sequence[float], widths_s: Sequence[float],
                      switched: np.ndarray, trials: int) -> SwitchingLaw:
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


# ----------------------------------------------------------------------------- thermal activation
def first_passage(tech: Technology, mode: str, currents_a: Sequence[float], windows_s: Sequence[float],
                  trials: int, m0: int, mc: McOptions) -> dict[str, Any]:
    """Mean time to reach the equator under a DC current, per current (mode "idle": no drive).

    Censored exponential maximum likelihood: tau = sum(min(t_cross, window))/n_crossed, with
    the 95 % interval from chi-square quantiles.
    """
    from scipy.stats import chi2

    sign = _polarity(mode, m0) if mode != "idle" else 0.0
    for w in windows_s:
        _positive("window", w, "s")
    _trials(trials)
    points = [Point(mode, ((0.0, sign * i), (1.0, sign * i)), w, trials, m0, True)
              for i, w in zip(currents_a, windows_s, strict=True)]
    results = run_points(tech, points, seed=mc.seed, workers=mc.workers, cache=mc.cache, progress=mc.progress)
    taus, lows, highs, counts = [], [], [], []
    for r, window_s in zip(results, windows_s, strict=True):
        crossed = np.isfinite(r.t_cross)
        exposure = float(np.sum(np.where(crossed, r.t_cross, window_s)))
        n = int(crossed.sum())
        counts.append(n)
        if n == 0:
            taus.append(math.inf)
            lows.append(exposure / chi2.ppf(0.975, 2) * 2)
            highs.append(math.inf)
            continue
        taus.append(exposure / n)
        lows.append(2 * exposure / chi2.ppf(0.975, 2 * n))
        highs.append(2 * exposure / chi2.ppf(0.025, 2 * n))
    return {"currents_a": list(currents_a), "windows_s": list(windows_s), "trials": trials,
            "switched": counts, "tau_s": taus, "tau_ci95_s": [list(x) for x in zip(lows, highs, strict=True)]}


def fit_thermal_activation(tech: Technology, currents_a: Sequence[float], tau_s: Sequence[float],
                           switched: Sequence[int]) -> SwitchingLaw:
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
    best = minimize(cost, np.log([start.delta, start.ic0_a]), method="Nelder-Mead",
                    options={"xatol": 1e-6, "fatol": 1e-10, "maxiter": 4000})
    return SwitchingLaw(float(math.exp(best.x[0])), float(math.exp(best.x[1])), t_d)


# ----------------------------------------------------------------------------- retention
SIMULABLE_TAU_S = 200e-9


def retention(tech: Technology, temperature_k: float, trials: int, mc: McOptions) -> dict[str, Any]:
    """Thermal stability and mean dwell time at `temperature_k`.

    Delta(T) = Keff Vol/(kB T) (Ms and Ki held at their configured values), reduced by the bias
    field; Neel-Brown tau = tau0 exp(Delta). When tau is short enough to watch (<= 200 ns) the
    idle free layer is simulated: twice its mean time to reach the equator (censored MLE) is the
    dwell-time estimate reported next to theory.
    """
    _positive("temperature", temperature_k, "K")
    t = override(tech, temperature_k=temperature_k)
    d = derive(t)
    tau_theory = d.tau0_s * math.exp(d.delta_bias)
    out: dict[str, Any] = {
        "temperature_k": temperature_k,
        "delta0": d.delta0,
        "delta_bias": d.delta_bias,
        "tau0_s": d.tau0_s,
        "tau_theory_s": tau_theory,
        "simulated": False,
    }
    if tau_theory <= SIMULABLE_TAU_S:
        _trials(trials)
        window = min(5 * tau_theory, 1e-6)
        fp = first_passage(t, "idle", [0.0], [window], trials, 1, mc)
        # reaching the equator is half an escape (the barrier top is a coin flip): dwell = 2 x MFPT
        lo, hi = fp["tau_ci95_s"][0]
        out.update(simulated=True, tau_sim_s=2 * fp["tau_s"][0], tau_sim_ci95_s=[2 * lo, 2 * hi],
                   window_s=window, trials=trials, switched=fp["switched"][0])
    return out


def retention_curve(tech: Technology, temperatures_k: Sequence[float]) -> dict[str, Any]:
    """Analytic Delta and tau over temperature, for the retention plot."""
    rows = []
    for temp in temperatures_k:
        d = derive(override(tech, temperature_k=temp))
        rows.append((temp, d.delta_bias, d.tau0_s * math.exp(min(d.delta_bias, 700))))
    temps, deltas, taus = zip(*rows, strict=True)
    return {"temperature_k": list(temps), "delta_bias": list(deltas), "tau_s": list(taus)}
