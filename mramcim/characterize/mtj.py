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
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from mramcim.artifacts import RecordResult
from mramcim.characterize.montecarlo import Point, PointResult, Progress, default_cache_dir, run_points
from mramcim.circuit.extract import zero_crossings
from mramcim.circuit.netlist import render_mtj_trials
from mramcim.circuit.sim import run_deck
from mramcim.device.switching import analytic_law, fit_switching_law, point_summary, relaxation_time, switch_energy_j
from mramcim.device.twostate import load_switching_law, load_toggle_map, sample
from mramcim.errors import ExtractionError, InputError
from mramcim.options import Config, MtjModel, SwitchMode, parse_option
from mramcim.tech import GAMMA, Technology, derive, override

__all__ = [
    "McOptions",
    "mc_options",
    "Precession",
    "Retention",
    "SwitchSweep",
    "ToggleSweep",
    "first_passage",
    "precession",
    "retention",
    "retention_curve",
    "switch_record",
    "switch_study",
    "switch_sweep",
    "toggle_record",
    "toggle_study",
    "toggle_sweep",
    "twostate_switch_sweep",
    "twostate_toggle_sweep",
]

T_ON_S = 0.2e-9  # pulses start here, after the devices have seen some thermal field


class McOptions(Config):
    """How a Monte-Carlo characterization runs (not what it measures)."""

    seed: int = Field(0, ge=0, description="master seed: the same seed gives the same result for any worker count")
    workers: int = Field(1, ge=1, description="ngspice processes running at once")
    cache: Path | None = Field(None, description="folder of the per-deck result cache (None: no cache)")
    progress: Progress | None = Field(None, exclude=True, description="called with (devices done, devices total)")


def mc_options(
    *, seed: int = 0, workers: int | None = None, cache: bool = True, progress: Progress | None = None
) -> McOptions:
    """Monte-Carlo options from user choices: all CPUs by default, the user cache folder when `cache`."""
    if seed < 0:
        raise InputError(f"seed must be >= 0, got {seed}")
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n < 1:
        raise InputError(f"workers must be at least 1, got {n}")
    return McOptions(seed=seed, workers=n, cache=default_cache_dir() if cache else None, progress=progress)


@dataclass(frozen=True)
class Precession(RecordResult):
    """Simulated vs theoretical precession frequency about the in-plane field (and the waveform)."""

    name: ClassVar[str] = "precession"

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(v) for k, v in self.record["waveform"].items()}

    def summary_lines(self) -> list[str]:
        r = self.record
        return [
            f"precession at {r['field_t'] * 1e3:g} mT: f = {r['frequency_hz'] / 1e9:.4f} GHz "
            f"(theory {r['frequency_theory_hz'] / 1e9:.4f} GHz, error {r['relative_error'] * 100:+.3f} %)",
            f"  half period {r['half_period_s'] * 1e9:.4f} ns (theory {r['half_period_theory_s'] * 1e9:.4f} ns)",
        ]


@dataclass(frozen=True)
class ToggleSweep(RecordResult):
    """VCMA toggle probability with 95 % intervals on an (amplitude, width) grid."""

    name: ClassVar[str] = "toggle"

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(self.record[k]) for k in ("voltages_v", "widths_s", "p_toggle")}

    def summary_lines(self) -> list[str]:
        r = self.record
        lines = [
            f"VCMA toggle ({r['mtj_model']}, {r['trials']} trials/point, seed {r['seed']}); half period "
            f"{r['half_period_s'] * 1e9:.3f} ns, Vc {r['v_critical_v']:.3f} V"
        ]
        for i, v in enumerate(r["voltages_v"]):
            for j, w in enumerate(r["widths_s"]):
                c = r["points"][i][j]
                lines.append(
                    f"  {v:6.3f} V  {w * 1e9:6.3f} ns : P_toggle {c['p']:.3f}  [{c['ci95'][0]:.3f}, {c['ci95'][1]:.3f}]"
                )
        return lines


@dataclass(frozen=True)
class SwitchSweep(RecordResult):
    """P_sw(I, t) with 95 % intervals and drive energy; the analytic and (if fitted) the fitted law."""

    name: ClassVar[str] = "switch"

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(self.record[k]) for k in ("currents_a", "widths_s", "p_switch", "energy_j")}

    def summary_lines(self) -> list[str]:
        r = self.record
        lines = [
            f"{r['mode'].upper()} switching from {r['from_state']} ({r['mtj_model']}, {r['trials']} trials/point, "
            f"seed {r['seed']})"
        ]
        for i, cur in enumerate(r["currents_a"]):
            for j, w in enumerate(r["widths_s"]):
                c = r["points"][i][j]
                lines.append(
                    f"  {cur * 1e6:8.1f} uA  {w * 1e9:6.3f} ns : P_sw {c['p']:.3f}  "
                    f"[{c['ci95'][0]:.3f}, {c['ci95'][1]:.3f}]  energy {c['energy_j'] * 1e15:8.2f} fJ"
                )
        a = r["analytic"]
        lines.append(f"  analytic: Delta {a['delta']:.1f}, Ic0 {a['ic0_a'] * 1e6:.1f} uA")
        if "fit" in r:
            f = r["fit"]
            lines.append(f"  fitted:   Delta {f['delta']:.1f}, Ic0 {f['ic0_a'] * 1e6:.1f} uA")
        return lines


@dataclass(frozen=True)
class Retention(RecordResult):
    """Delta and the Neel-Brown dwell time at one temperature (simulated when short), and the curve."""

    name: ClassVar[str] = "retention"

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(v) for k, v in self.record["curve"].items()}

    def summary_lines(self) -> list[str]:
        r = self.record
        lines = [
            f"retention at {r['temperature_k']:g} K: Delta {r['delta_bias']:.1f} (under the bias field; "
            f"{r['delta0']:.1f} without), tau0 {r['tau0_s'] * 1e9:.3f} ns",
            f"  Neel-Brown mean dwell time {r['tau_theory_s']:.3g} s",
        ]
        if r["simulated"]:
            lo, hi = r["tau_sim_ci95_s"]
            lines.append(f"  simulated: {r['tau_sim_s']:.3g} s [{lo:.3g}, {hi:.3g}] from {r['trials']} trials")
        else:
            lines.append("  (too long to simulate; the value is the thermal-activation law)")
        return lines


# Plausibility limits of a drive (far beyond any MRAM device, far below what breaks a deck).
LIMITS = {"VCMA amplitude": 100.0, "pulse width": 1e-6, "current": 1.0, "window": 1e-3, "field": 10.0}
MIN_WIDTH_S = 1e-12
MAX_TRIALS = 1_000_000


def _positive(name: str, value: float, unit: str) -> float:
    top = LIMITS.get(name, math.inf)
    if not math.isfinite(value) or value <= 0 or value > top:
        limit = f" and at most {top:g} {unit}" if math.isfinite(top) else ""
        raise InputError(f"{name} must be positive{limit}, got {value:g} {unit}")
    if name == "pulse width" and value < MIN_WIDTH_S:
        raise InputError(f"pulse width must be at least {MIN_WIDTH_S:g} s, got {value:g} s")
    return value


def _pulse(level: float, width: float, rise: float, fall: float) -> tuple[tuple[float, float], ...]:
    return (
        (0.0, 0.0),
        (T_ON_S, 0.0),
        (T_ON_S + rise, level),
        (T_ON_S + rise + width, level),
        (T_ON_S + rise + width + fall, 0.0),
    )


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
def precession(tech: Technology, field_t: float) -> Precession:
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
        t,
        kind="vcma",
        drive=[(0.0, d.v_critical_v), (1.0, d.v_critical_v)],
        trials=1,
        m0=1,
        t_stop=periods / f_theory,
        seed=1,
        thermal=False,
    )
    res = run_deck(deck.text, name="precession testbench", timeout_s=t.simulation.timeout_s)
    time, mz = res["time"], res["v(xd0.mz)"]
    crossings = zero_crossings(time, mz)
    if crossings.size < 2:
        raise ExtractionError("precession: mz crossed zero fewer than twice; no frequency to measure")
    half = float(np.mean(np.diff(crossings)))
    f_sim = 1 / (2 * half)
    return Precession(
        {
            "mtj_model": MtjModel.LLG,
            "field_t": field_t,
            "frequency_hz": f_sim,
            "frequency_theory_hz": f_theory,
            "half_period_s": half,
            "half_period_theory_s": 1 / (2 * f_theory),
            "relative_error": f_sim / f_theory - 1,
            "crossings_s": crossings.tolist(),
            "waveform": {"time_s": time.tolist(), "mz": mz.tolist()},
        }
    )


# ----------------------------------------------------------------------------- VCMA toggle
def toggle_sweep(
    tech: Technology, voltages: Sequence[float], widths: Sequence[float], trials: int, mc: McOptions
) -> ToggleSweep:
    """VCMA toggle probability on the (amplitude, width) grid, from P (toggle is state-blind)."""
    for v in voltages:
        _positive("VCMA amplitude", v, "V")
    for w in widths:
        _positive("pulse width", w, "s")
    _trials(trials, len(voltages) * len(widths))
    points = [_settled_point(tech, "vcma", v, w, trials, 1) for v in voltages for w in widths]
    results = run_points(tech, points, seed=mc.seed, workers=mc.workers, cache=mc.cache, progress=mc.progress)
    record = toggle_record(tech, voltages, widths, trials, _grid(results, len(widths)))
    return ToggleSweep(record | {"mtj_model": MtjModel.LLG, "seed": mc.seed})


def toggle_record(
    tech: Technology, voltages: Sequence[float], widths: Sequence[float], trials: int, grid: list[list[dict[str, Any]]]
) -> dict[str, Any]:
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
MAX_DEVICES = 10_000_000  # simulated devices in one study (about a month of LLG on 2 cores)


def _trials(trials: int, points: int = 1) -> int:
    if not 1 <= trials <= MAX_TRIALS:
        raise InputError(f"trials must be at least 1 (at most {MAX_TRIALS}) to estimate a probability, got {trials}")
    if trials * points > MAX_DEVICES:
        raise InputError(f"{points} points x {trials} trials is more than {MAX_DEVICES} devices: sweep less")
    return trials


def _polarity(mode: str, m0: int) -> float:
    if parse_option(SwitchMode, mode, "switching mode") is SwitchMode.SOT:
        return -1.0 if m0 > 0 else 1.0
    return 1.0 if m0 > 0 else -1.0


def switch_sweep(
    tech: Technology,
    mode: str,
    currents_a: Sequence[float],
    widths_s: Sequence[float],
    trials: int,
    m0: int,
    mc: McOptions,
) -> SwitchSweep:
    """P_sw(I, t) with 95 % intervals and the drive energy of every point; fitted law if >= 3 points."""
    sign = _polarity(mode, m0)
    for current in currents_a:
        _positive("current", current, "A")
    for w in widths_s:
        _positive("pulse width", w, "s")
    _trials(trials, len(currents_a) * len(widths_s))
    points = [_settled_point(tech, mode, sign * i, w, trials, m0) for i in currents_a for w in widths_s]
    results = run_points(tech, points, seed=mc.seed, workers=mc.workers, cache=mc.cache, progress=mc.progress)
    out = switch_record(tech, mode, m0, currents_a, widths_s, trials, _grid(results, len(widths_s)))
    p = np.asarray(out["p_switch"])
    if len(points) >= 3 and 0 < p.mean() < 1:
        counts = np.array([[c["switched"] for c in row] for row in out["points"]])
        law = fit_switching_law(tech, mode, currents_a, widths_s, counts, trials)
        out["fit"] = law.as_dict()
    return SwitchSweep(out | {"mtj_model": MtjModel.LLG, "seed": mc.seed})


def switch_record(
    tech: Technology,
    mode: str,
    m0: int,
    currents_a: Sequence[float],
    widths_s: Sequence[float],
    trials: int,
    grid: list[list[dict[str, Any]]],
) -> dict[str, Any]:
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


# ----------------------------------------------------------------------------- thermal activation
def first_passage(
    tech: Technology,
    mode: str,
    currents_a: Sequence[float],
    windows_s: Sequence[float],
    trials: int,
    m0: int,
    mc: McOptions,
) -> dict[str, Any]:
    """Mean time to reach the equator under a DC current, per current (mode "idle": no drive).

    Censored exponential maximum likelihood: tau = sum(min(t_cross, window))/n_crossed, with
    the 95 % interval from chi-square quantiles.
    """
    from scipy.stats import chi2

    sign = _polarity(mode, m0) if mode != "idle" else 0.0
    for w in windows_s:
        _positive("window", w, "s")
    _trials(trials)
    points = [
        Point(mode, ((0.0, sign * i), (1.0, sign * i)), w, trials, m0, True)
        for i, w in zip(currents_a, windows_s, strict=True)
    ]
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
    return {
        "currents_a": list(currents_a),
        "windows_s": list(windows_s),
        "trials": trials,
        "switched": counts,
        "tau_s": taus,
        "tau_ci95_s": [list(x) for x in zip(lows, highs, strict=True)],
    }


# ----------------------------------------------------------------------------- retention
SIMULABLE_TAU_S = 200e-9


def retention(tech: Technology, temperature_k: float, trials: int, mc: McOptions) -> Retention:
    """Thermal stability and mean dwell time at `temperature_k`.

    Delta(T) = Keff Vol/(kB T) (Ms and Ki held at their configured values), reduced by the bias
    field; Neel-Brown tau = tau0 exp(Delta). When tau is short enough to watch (<= 200 ns) the
    idle free layer is simulated: twice its mean time to reach the equator (censored MLE) is the
    dwell-time estimate reported next to theory.
    """
    _positive("temperature", temperature_k, "K")
    _trials(trials)  # checked whether or not the dwell time turns out simulable
    t = override(tech, temperature_k=temperature_k)
    d = derive(t)
    tau_theory = d.tau0_s * math.exp(min(d.delta_bias, 700))  # beyond: longer than anything watched
    out: dict[str, Any] = {
        "temperature_k": temperature_k,
        "delta0": d.delta0,
        "delta_bias": d.delta_bias,
        "tau0_s": d.tau0_s,
        "tau_theory_s": tau_theory,
        "simulated": False,
    }
    if tau_theory <= SIMULABLE_TAU_S:
        window = min(5 * tau_theory, 1e-6)
        fp = first_passage(t, "idle", [0.0], [window], trials, 1, mc)
        # reaching the equator is half an escape (the barrier top is a coin flip): dwell = 2 x MFPT
        lo, hi = fp["tau_ci95_s"][0]
        out.update(
            simulated=True,
            tau_sim_s=2 * fp["tau_s"][0],
            tau_sim_ci95_s=[2 * lo, 2 * hi],
            window_s=window,
            trials=trials,
            switched=fp["switched"][0],
        )
    out["curve"] = retention_curve(tech, [max(temperature_k * f, 1.0) for f in (0.6, 0.8, 1.0, 1.25, 1.6, 2.0)])
    out |= {"mtj_model": MtjModel.LLG, "seed": mc.seed}
    return Retention(out)


def retention_curve(tech: Technology, temperatures_k: Sequence[float]) -> dict[str, Any]:
    """Analytic Delta and tau over temperature, for the retention plot."""
    rows = []
    for temp in temperatures_k:
        d = derive(override(tech, temperature_k=temp))
        rows.append((temp, d.delta_bias, d.tau0_s * math.exp(min(d.delta_bias, 700))))
    temps, deltas, taus = zip(*rows, strict=True)
    return {"temperature_k": list(temps), "delta_bias": list(deltas), "tau_s": list(taus)}


def _two_state_inputs(levels: list[float], name: str, unit: str, widths: list[float], trials: int) -> None:
    for level in levels:
        _positive(name, level, unit)
    for w in widths:
        _positive("pulse width", w, "s")
    _trials(trials)
    if len(levels) * len(widths) > 1_000_000:
        raise InputError(f"{len(levels)} x {len(widths)} grid points is more than 1000000: sweep less")


def _sampled_grid(
    rows: list[float], cols: list[float], trials: int, seed: int, p_of: Any, energy_of: Any
) -> list[list[dict[str, Any]]]:
    """Bernoulli events on a grid; point (i, j) uses seed*7919 + 131 i + j."""
    grid = []
    for i, a in enumerate(rows):
        row = []
        for j, b in enumerate(cols):
            hits = int(sample(p_of(a, b), trials, seed * 7919 + i * 131 + j).sum())
            row.append(point_summary(hits, trials, energy_of(a, b)))
        grid.append(row)
    return grid


def twostate_toggle_sweep(
    tech: Technology, calibration: str | Path | None, voltages: list[float], widths: list[float], trials: int, seed: int
) -> ToggleSweep:
    """The two-state counterpart of `toggle_sweep` (no energy: the map carries none)."""
    _two_state_inputs(voltages, "VCMA amplitude", "V", widths, trials)
    tm = load_toggle_map(calibration)
    grid = _sampled_grid(voltages, widths, trials, seed, tm, lambda v, w: None)
    record = toggle_record(tech, voltages, widths, trials, grid)
    return ToggleSweep(
        record
        | {
            "calibration": None if calibration is None else str(calibration),
            "mtj_model": MtjModel.TWOSTATE,
            "seed": seed,
        }
    )


def twostate_switch_sweep(
    tech: Technology,
    mode: str,
    calibration: str | Path | None,
    currents: list[float],
    widths: list[float],
    trials: int,
    m0: int,
    seed: int,
) -> SwitchSweep:
    """The two-state counterpart of `switch_sweep`, with I^2 R t write energy."""
    _two_state_inputs(currents, "current", "A", widths, trials)
    law, source = load_switching_law(tech, mode, calibration)
    grid = _sampled_grid(
        currents,
        widths,
        trials,
        seed,
        lambda i, w: float(law.p_switch(i, w)),
        lambda i, w: switch_energy_j(tech, mode, i, w),
    )
    record = switch_record(tech, mode, m0, currents, widths, trials, grid)
    return SwitchSweep(
        record | {"law": law.as_dict(), "law_source": source, "mtj_model": MtjModel.TWOSTATE, "seed": seed}
    )


def toggle_study(
    tech: Technology,
    *,
    model: MtjModel,
    calibration: str | Path | None,
    voltages: list[float],
    widths: list[float],
    trials: int,
    mc: McOptions,
) -> ToggleSweep:
    """The toggle sweep on the LLG deck or on the calibrated two-state model."""
    if parse_option(MtjModel, model, "MTJ model") is MtjModel.LLG:
        return toggle_sweep(tech, voltages, widths, trials, mc)
    return twostate_toggle_sweep(tech, calibration, voltages, widths, trials, mc.seed)


def switch_study(
    tech: Technology,
    *,
    model: MtjModel,
    calibration: str | Path | None,
    mode: SwitchMode,
    currents: list[float],
    widths: list[float],
    trials: int,
    m0: int,
    mc: McOptions,
) -> SwitchSweep:
    """The switching sweep on the LLG deck or on the calibrated two-state model."""
    if parse_option(MtjModel, model, "MTJ model") is MtjModel.LLG:
        return switch_sweep(tech, mode, currents, widths, trials, m0, mc)
    return twostate_switch_sweep(tech, mode, calibration, currents, widths, trials, m0, mc.seed)
