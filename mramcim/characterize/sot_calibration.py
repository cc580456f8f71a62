"""Build the SOT switching calibration: thermalised LLG Monte-Carlo on a (width, rise, current) grid,
and the measured shift of its intercept with the device's area (device variation).

Characterization stage: drives ngspice through `montecarlo.run_points` (parallel workers, the
per-deck cache, seeds independent of the worker count). Output: a `device.sotcal.SotCalibration`
wrapped in a publishable `SotCalibrationRun` (the JSON it writes is the calibration file that
training, approximate storage and the two-state model load).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from mramcim.artifacts import Result, read_json_object
from mramcim.characterize.montecarlo import Point, PointResult, run_points
from mramcim.device.sotcal import (
    SETTLE_DAMPING_TIMES,
    T_ON_S,
    SotCalibration,
    fit_cloglog_shift,
    fit_table,
)
from mramcim.device.writepath import write_path_rise
from mramcim.errors import InputError
from mramcim.options import Config
from mramcim.tech import Technology, derive, override, tech_run_id

__all__ = [
    "AREA_SHIFT_PROBABILITIES",
    "SotCalibrationRun",
    "VariationPlan",
    "build_sot_calibration",
    "calibrate_sot",
    "measure_area_shift",
    "sot_pulse_point",
]

logger = logging.getLogger(__name__)

AREA_SHIFT_PROBABILITIES = (0.003, 0.01, 0.03, 0.1, 0.3)  # nominal P_sw of the variation currents
BOOTSTRAP = 400  # paired bootstrap resamples of the area-shift fit


def _version() -> str:
    try:
        return version("mramcim")
    except PackageNotFoundError:
        return "unknown"


def sot_pulse_point(
    tech: Technology,
    current_a: float,
    width_s: float,
    rise_s: float,
    trials: int,
    m0: int = 1,
    thermal: bool = True,
) -> Point:
    """The SOT write pulse as a Monte-Carlo point: T_ON_S of rest, a linear ramp of `rise_s`, the
    flat top `width_s`, the technology's trailing edge, then SETTLE_DAMPING_TIMES damping times of
    settling (final state: mean mz over the last 40 % of it).

    `current_a` is the magnitude; the polarity is the one that switches away from m0 (negative strip
    current for P -> AP under the +x bias field). `thermal` False: T = 0, no thermal field and the
    devices start at the tilted equilibrium.
    """
    if not (
        current_a >= 0 and width_s > 0 and rise_s > 0 and math.isfinite(current_a + width_s + rise_s) and trials >= 1
    ):
        raise InputError(
            f"SOT pulse needs current >= 0, width > 0, rise > 0 and trials >= 1, got {current_a} A, {width_s} s, "
            f"{rise_s} s, {trials}"
        )
    level = -current_a if m0 > 0 else current_a
    fall = tech.operation.t_write_fall_s
    end = T_ON_S + rise_s + width_s + fall
    settle = SETTLE_DAMPING_TIMES * derive(tech).t_damping_s
    drive = ((0.0, 0.0), (T_ON_S, 0.0), (T_ON_S + rise_s, level), (T_ON_S + rise_s + width_s, level), (end, 0.0))
    return Point("sot", drive, end + settle, trials, m0, thermal, end + 0.6 * settle)


def _axis(name: str, values: Sequence[float], minimum: int = 1) -> npt.NDArray[np.float64]:
    axis = np.asarray(values, float)
    if axis.size < minimum or np.any(np.diff(axis) <= 0) or np.any(axis <= 0) or not np.all(np.isfinite(axis)):
        raise InputError(
            f"calibration {name} must be at least {minimum} positive, strictly increasing values, got {axis.tolist()}"
        )
    return axis


def build_sot_calibration(
    tech: Technology,
    currents_a: Sequence[float],
    widths_s: Sequence[float],
    rises_s: Sequence[float],
    trials: int,
    *,
    seed: int,
    workers: int = 1,
    cache: Path | None = None,
    simulator: str = "ngspice",
    scheduler: str | None = None,
    progress: Any = None,
    command: str = "",
) -> SotCalibration:
    """Run the thermalised LLG Monte-Carlo on the (width, rise, current) grid and fit the table.

    Args:
        currents_a: strictly increasing current magnitudes [A] (the calibrated current range, >= 3).
        widths_s, rises_s: strictly increasing flat-top widths and ramp times [s].
        trials: devices per grid point (>= 8).
        seed, workers, cache, progress: as `montecarlo.run_points` (seed-deterministic).
        command: the command line recorded in the table's build record.
    """
    cur, wid, ris = _axis("currents", currents_a, 3), _axis("widths", widths_s), _axis("rises", rises_s)
    if trials < 8:
        raise InputError(f"a calibration needs at least 8 trials per point, got {trials}")
    points = [sot_pulse_point(tech, float(i), float(w), float(r), trials) for w in wid for r in ris for i in cur]
    start = time.perf_counter()
    results = run_points(
        tech,
        points,
        seed=seed,
        workers=workers,
        cache=cache,
        progress=progress,
        simulator=simulator,
        scheduler=scheduler,
    )
    elapsed = time.perf_counter() - start
    switched = np.array([int(np.sum(r.switched)) for r in results]).reshape(wid.size, ris.size, cur.size)
    build = {
        "technology": tech.name,
        "tech_run_id": tech_run_id(tech),
        "seed": seed,
        "trials": trials,
        "workers": workers,
        "runtime_s": elapsed,
        "command": command,
        "mramcim_version": _version(),
        "energy_j_mean": [float(np.mean(r.energy_j)) for r in results],
    }
    logger.info("SOT calibration: %d points x %d trials in %.0f s", len(points), trials, elapsed)
    return fit_table(cur, wid, ris, trials, switched, i_ref_a=derive(tech).i_sot_critical_a, tech=tech, build=build)


class VariationPlan(Config):
    """How the area shift of the table is measured: paired LLG Monte-Carlo at diameter scales
    1 - k sigma, 1 and 1 + k sigma (sigma from the technology's variation section), at one width,
    the write path's rise and the currents where the nominal table gives AREA_SHIFT_PROBABILITIES."""

    trials: int = 64
    width_s: float = 10e-9
    seed: int = 2016
    sigmas: float = 2.0


def _paired_shift(
    x: npt.NDArray[np.float64], scales: npt.NDArray[np.float64], outcomes: npt.NDArray[np.bool_], rng: Any
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Joint fit (a, b, c) of outcomes (device, current, trial) and the paired-bootstrap spread:
    trial k of every device variant shares its random numbers, so trials are resampled jointly."""
    n_dev, n_cur, n_tri = outcomes.shape
    xx = np.repeat(x[None, :], n_dev, 0).ravel()
    ss = np.repeat(scales[:, None], n_cur, 1).ravel()

    def fit(sample: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
        k = sample.sum(axis=2).ravel()
        return fit_cloglog_shift(xx, ss, k, np.full(k.shape, sample.shape[2]))

    best = fit(outcomes)
    boot = np.array([fit(outcomes[:, :, rng.integers(0, n_tri, n_tri)]) for _ in range(BOOTSTRAP)])
    return best, boot


def measure_area_shift(
    tech: Technology,
    cal: SotCalibration,
    plan: VariationPlan,
    *,
    workers: int = 1,
    cache: Path | None = None,
    simulator: str = "ngspice",
    scheduler: str | None = None,
    progress: Any = None,
) -> dict[str, Any]:
    """The first-order shift of the table's intercept with the free layer's area scale s.

    Devices with diameter (1 - k sigma) d0, d0 and (1 + k sigma) d0 get the same pulses (the
    nominal table's currents for AREA_SHIFT_PROBABILITIES at `plan.width_s` and the write path's
    rise) with the same master seed, so trial k sees the same random numbers on every device
    (common random numbers). P = 1 - exp(-exp(a + c (s - 1) + b x)) is fitted jointly by binomial
    maximum likelihood; the standard error of c comes from a paired bootstrap over trials.
    """
    rise = write_path_rise(tech).rise_s
    sigma = tech.variation.sigma_diameter_rel
    if sigma <= 0:
        raise InputError("the technology has no diameter spread (variation.sigma_diameter_rel = 0): nothing to measure")
    if plan.trials < 16:
        raise InputError(f"an area-shift measurement needs at least 16 trials per point, got {plan.trials}")
    # rounded to 0.1 uA: the currents (and the decks) do not move with the last digits of a refit
    currents = [round(cal.current_for_probability(p, plan.width_s, rise) * 1e7) / 1e7 for p in AREA_SHIFT_PROBABILITIES]
    d_scales = np.array([1 - plan.sigmas * sigma, 1.0, 1 + plan.sigmas * sigma])
    a_scales = d_scales**2  # area scale (d/d0)^2
    outcomes, energies = [], []
    start = time.perf_counter()
    for ds in d_scales:
        t = override(tech, mtj={"diameter_m": tech.mtj.diameter_m * float(ds)})
        points = [sot_pulse_point(t, i, plan.width_s, rise, plan.trials) for i in currents]
        res: list[PointResult] = run_points(
            t,
            points,
            seed=plan.seed,
            workers=workers,
            cache=cache,
            progress=progress,
            simulator=simulator,
            scheduler=scheduler,
        )
        outcomes.append([r.switched for r in res])
        energies.append([float(np.mean(r.energy_j)) for r in res])
    elapsed = time.perf_counter() - start
    hits = np.asarray(outcomes, dtype=bool)
    x = np.asarray(currents) / cal.i_ref_a - 1
    best, boot = _paired_shift(x, a_scales, hits, np.random.default_rng(plan.seed))
    slope_se = float(np.std(boot[:, 2], ddof=1))
    logger.info("area shift: c = %.3f +- %.3f (%d trials, %.0f s)", best[2], slope_se, plan.trials, elapsed)
    return {
        "quantity": "area_scale s = (d/d0)^2; a_cell = a + area_slope (s - 1)",
        "area_slope": float(best[2]),
        "area_slope_se": slope_se,
        "area_slope_ci95": [float(v) for v in np.percentile(boot[:, 2], [2.5, 97.5])],
        "fit_a": float(best[0]),
        "fit_b": float(best[1]),
        "width_s": plan.width_s,
        "rise_s": rise,
        "currents_a": currents,
        "p_nominal_table": list(AREA_SHIFT_PROBABILITIES),
        "diameter_scales": d_scales.tolist(),
        "area_scales": a_scales.tolist(),
        "sigma_diameter_rel": sigma,
        "sigmas": plan.sigmas,
        "trials": plan.trials,
        "seed": plan.seed,
        "switched": hits.sum(axis=2).tolist(),
        "energy_j_mean": energies,
        "bootstrap": BOOTSTRAP,
        "runtime_s": elapsed,
        "method": "paired LLG Monte-Carlo (common random numbers), joint cloglog ML, paired bootstrap",
    }


@dataclass(frozen=True)
class SotCalibrationRun(Result):
    """A built (or merged) SOT calibration: its JSON is the calibration file itself."""

    name: ClassVar[str] = "sot-calibration"

    calibration: SotCalibration

    def to_json(self) -> dict[str, Any]:
        return self.calibration.to_json()

    def arrays(self) -> dict[str, np.ndarray]:
        c = self.calibration
        return {"currents_a": c.currents_a, "widths_s": c.widths_s, "rises_s": c.rises_s, "switched": c.switched}

    def summary_lines(self) -> list[str]:
        c = self.calibration
        lines = [
            f"SOT calibration of device {c.device_id}: {c.currents_a.size} currents "
            f"{c.currents_a[0] * 1e6:.1f}..{c.currents_a[-1] * 1e6:.1f} uA x widths "
            f"{', '.join(f'{w * 1e9:g}' for w in c.widths_s)} ns x rises "
            f"{', '.join(f'{r * 1e12:g}' for r in c.rises_s)} ps, {c.trials} thermalised LLG trials per point "
            f"(seeds {', '.join(str(s) for s in c.build.get('seeds', [c.build.get('seed')]))})"
        ]
        for iw, w in enumerate(c.widths_s):
            for ir, r in enumerate(c.rises_s):
                i50 = c.current_for_probability(0.5, float(w), float(r)) if _inside(c, 0.5, w, r) else math.nan
                lines.append(
                    f"  {w * 1e9:5g} ns, {r * 1e12:4g} ps: a {c.a[iw, ir]:+.3f}, b {c.b[iw, ir]:6.2f}, deviance "
                    f"{c.deviance[iw, ir]:5.1f} ({c.currents_a.size - 2} dof); P_sw = 0.5 at {i50 * 1e6:.1f} uA"
                )
        if c.variation is not None:
            v = c.variation
            lines.append(
                f"  area shift: a_cell = a + ({v['area_slope']:+.3f} +- {v['area_slope_se']:.3f}) (s - 1), measured at "
                f"{v['width_s'] * 1e9:g} ns, {v['rise_s'] * 1e12:.1f} ps, diameters x{v['diameter_scales']}, "
                f"{v['trials']} paired trials (seed {v['seed']})"
            )
        return lines


def _inside(cal: SotCalibration, p: float, width_s: float, rise_s: float) -> bool:
    try:
        cal.current_for_probability(p, float(width_s), float(rise_s))
    except InputError:
        return False
    return True


def calibrate_sot(
    tech: Technology,
    *,
    currents_a: Sequence[float],
    widths_s: Sequence[float],
    rises_s: Sequence[float],
    trials: int,
    seed: int,
    workers: int = 1,
    cache: Path | None = None,
    simulator: str = "ngspice",
    scheduler: str | None = None,
    merge: Sequence[str | Path] = (),
    variation: VariationPlan | None = None,
    progress: Any = None,
    command: str = "",
) -> SotCalibrationRun:
    """Build a calibration (thermalised LLG on the grid), pool it with earlier runs of the same grid
    (`merge`: calibration files, other seeds), and optionally measure its area shift."""
    cal = build_sot_calibration(
        tech,
        currents_a,
        widths_s,
        rises_s,
        trials,
        seed=seed,
        workers=workers,
        cache=cache,
        simulator=simulator,
        scheduler=scheduler,
        progress=progress,
        command=command,
    )
    for path in merge:
        other = SotCalibration.from_json(read_json_object(path, "SOT calibration"), str(path))
        other.check_technology(tech)
        cal = other.merged(cal)
    if variation is not None:
        cal = cal.with_variation(
            measure_area_shift(
                tech,
                cal,
                variation,
                workers=workers,
                cache=cache,
                simulator=simulator,
                scheduler=scheduler,
                progress=progress,
            )
        )
    return SotCalibrationRun(cal)
