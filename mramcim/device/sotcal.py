"""SOT switching probability P_sw(I, width, rise) calibrated on thermalised LLG Monte-Carlo: the table.

Pure physics (numpy/scipy, no simulator): the `SotCalibration` table, its JSON format and loader,
and the `SotSwitching` model that the two-state model, the SOT writer, approximate storage and the
training call. The table is built by `mramcim.characterize.sot_calibration.build_sot_calibration`
(ngspice); the default technology's table ships as `models/calibration/sot_default.json`.

Why a table and not a law: for this device a sub-threshold SOT pulse with a fast current edge does
not switch by thermal activation over a barrier. The edge rings the magnetization (alpha = 0.025)
and a device switches when its thermal initial deviation is large enough for the ringing to carry
it over; P_sw barely depends on the pulse width and strongly on the rise time (docs/physics.md
sec. 4). No Neel-Brown form describes that, so P_sw is measured where it is used.

Pulse (`characterize.sot_calibration.sot_pulse_point`): T_ON_S of rest (thermal start), a linear
ramp of `rise` to the current, `width` flat top, the technology's slow trailing edge t_write_fall_s,
then SETTLE_DAMPING_TIMES damping times of settling; P -> AP with the current polarity that switches
it (the model is symmetric: AP -> P with +I gives the same statistics, tests/physics).

Interpolation in current (the calibrated function): per (width, rise) node a binomial
maximum-likelihood fit of the complementary log-log model

    P_sw = 1 - exp(-exp(a + b x)),   x = I/I_ref - 1,   b > 0,

I_ref = the technology's Lee threshold. It is strictly monotone in I and inverts in closed form;
its lower tail P ~ exp(a + b x) is an effective barrier linear in current (the quasi-linear SOT
barrier of Lee et al., APL 104, 072413 (2014)), which is what lets a table of O(100) trials per
point speak for the P ~ 1e-3 flips TGBNN uses -- a model assumption, checked by the fit's deviance
and by the held-out test. Between nodes (a, b) are interpolated bilinearly in (ln width, rise);
outside the calibrated box every query is refused.

Device variation (optional `variation` block of the table): the measured first-order shift of the
intercept with the free layer's area scale s = (d/d0)^2,

    a_cell = a + c_area (s - 1),

from paired LLG Monte-Carlo at diameters 1 +- 2 sigma (`characterize.sot_calibration.measure_area_shift`).
Only the diameter moves SOT statistics in this model: the strip sets b_DL and the Lee threshold, and
RA, TMR and xi do not enter a write (the junction carries no current); the area sets Delta and with
it the thermal spread of the starting state and the thermal field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from mramcim.artifacts import read_json_object, write_json
from mramcim.device.switching import wilson_interval
from mramcim.device.writepath import write_path_rise
from mramcim.errors import InputError
from mramcim.paths import model_file
from mramcim.tech import Technology, sot_device_id

__all__ = [
    "CAL_FORMAT",
    "DEFAULT_CALIBRATION",
    "SETTLE_DAMPING_TIMES",
    "T_ON_S",
    "SotCalibration",
    "SotSwitching",
    "cloglog_p",
    "fit_cloglog",
    "fit_cloglog_shift",
    "fit_table",
    "load_sot_calibration",
    "sot_switching",
]

F64 = npt.NDArray[np.float64]
CAL_FORMAT = "mramcim.sot-calibration/1"
DEFAULT_CALIBRATION = "calibration/sot_default.json"
T_ON_S = 0.2e-9  # rest before the pulse (the devices start thermalised; see device.thermal_start)
SETTLE_DAMPING_TIMES = 2.0
B_BOUNDS = (1e-2, 1e4)  # slope of the linear predictor per unit I/I_ref (1e4: a step)


def cloglog_p(eta: npt.ArrayLike) -> F64:
    """P = 1 - exp(-exp(eta)), accurate in both tails."""
    return np.asarray(-np.expm1(-np.exp(np.clip(np.asarray(eta, float), -700, 50))), dtype=np.float64)


def _binomial_nll(k: F64, n: F64, p: F64) -> float:
    p = np.clip(p, 1e-300, 1 - 1e-16)
    return float(-np.sum(k * np.log(p) + (n - k) * np.log1p(-p)))


def _deviance(k: F64, n: F64, p: F64) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(k > 0, k * np.log(k / (n * p)), 0.0) + np.where(
            k < n, (n - k) * np.log((n - k) / (n * (1 - p))), 0.0
        )
    return float(2 * np.sum(terms))


def fit_cloglog(x: npt.ArrayLike, switched: npt.ArrayLike, trials: int) -> tuple[float, float, float]:
    """Binomial ML fit of P = 1 - exp(-exp(a + b x)) with b > 0; returns (a, b, deviance)."""
    xs = np.asarray(x, float)
    k = np.asarray(switched, float)
    n = float(trials)

    def nll(v: F64) -> float:
        return _binomial_nll(k, np.full_like(k, n), cloglog_p(v[0] + math.exp(v[1]) * xs))

    best = None
    mid = xs[np.argmin(np.abs(k / n - 0.5))]
    for b0 in (3.0, 10.0, 30.0, 100.0):  # log-concave in (a, b); several starts guard the log-b map
        start = np.array([math.log(math.log(2)) - b0 * mid, math.log(b0)])
        res = minimize(
            nll,
            start,
            method="L-BFGS-B",
            bounds=[(-1e4, 1e4), (math.log(B_BOUNDS[0]), math.log(B_BOUNDS[1]))],
        )
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    a, b = float(best.x[0]), float(math.exp(best.x[1]))
    return a, b, _deviance(k, np.full_like(k, n), cloglog_p(a + b * xs))


def fit_cloglog_shift(x: npt.ArrayLike, s: npt.ArrayLike, switched: npt.ArrayLike, trials: npt.ArrayLike) -> F64:
    """Binomial ML fit of P = 1 - exp(-exp(a + c (s - 1) + b x)) over devices with area scales s:
    one slope b, an intercept a and its first-order shift c with s. Returns (a, b, c)."""
    xs, ss = np.asarray(x, float), np.asarray(s, float) - 1
    k, n = np.asarray(switched, float), np.asarray(trials, float)

    def nll(v: F64) -> float:
        return _binomial_nll(k, n, cloglog_p(v[0] + v[2] * ss + math.exp(v[1]) * xs))

    best = None
    mid = xs[np.argmin(np.abs(k / n - 0.5))]
    for b0 in (3.0, 10.0, 30.0, 100.0):
        res = minimize(
            nll,
            np.array([math.log(math.log(2)) - b0 * mid, math.log(b0), 0.0]),
            method="Nelder-Mead",
            options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 6000},
        )
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    return np.array([best.x[0], math.exp(best.x[1]), best.x[2]])


def _bilinear_weights(xs: F64, ys: F64, x: float, y: float) -> list[tuple[tuple[int, int], float]]:
    """((i, j), weight) of the bilinear interpolation at (x, y) on the grid xs x ys."""

    def bracket(axis: F64, v: float) -> tuple[int, int, float]:
        if axis.size == 1:
            return 0, 0, 0.0
        j = int(np.clip(np.searchsorted(axis, v) - 1, 0, axis.size - 2))
        t = float(np.clip((v - axis[j]) / (axis[j + 1] - axis[j]), 0.0, 1.0))
        return j, j + 1, t

    i0, i1, tx = bracket(xs, x)
    j0, j1, ty = bracket(ys, y)
    out: dict[tuple[int, int], float] = {}
    for key, w in (
        ((i0, j0), (1 - tx) * (1 - ty)),
        ((i0, j1), (1 - tx) * ty),
        ((i1, j0), tx * (1 - ty)),
        ((i1, j1), tx * ty),
    ):
        out[key] = out.get(key, 0.0) + w
    return list(out.items())


@dataclass(frozen=True)
class SotCalibration:
    """A calibrated P_sw(I, width, rise) table: counts, their 95 % intervals and the fitted model.

    Arrays are indexed (width, rise, current). `a`, `b` are the cloglog coefficients per
    (width, rise) node with x = I/i_ref_a - 1. `build`: how the counts were made (technology,
    seeds, trials, workers, runtime, command; `merged_from` for pooled runs). `variation`: the
    measured area shift (module docstring) with its measurement record, or None.
    """

    currents_a: F64
    widths_s: F64
    rises_s: F64
    trials: int
    switched: npt.NDArray[np.int64]
    a: F64
    b: F64
    deviance: F64
    i_ref_a: float
    fall_s: float
    temperature_k: float
    device_id: str
    build: dict[str, Any] = field(default_factory=dict)
    variation: dict[str, Any] | None = None

    # ------------------------------------------------------------------ queries
    def check_technology(self, tech: Technology) -> None:
        """Refuse a technology whose SOT device differs from the calibrated one."""
        if sot_device_id(tech) != self.device_id:
            raise InputError(
                f"the SOT calibration was built for device {self.device_id} "
                f"({self.build.get('technology', '?')}); technology {tech.name} has device "
                f"{sot_device_id(tech)} (temperature, free layer, strip, noise step or write trailing edge differ): "
                "build a calibration for it with `mramcim mtj calibrate-sot`"
            )

    def check_pulse(self, current_a: npt.ArrayLike, width_s: float, rise_s: float) -> None:
        """Refuse currents, a width or a rise outside the calibrated box (no extrapolation)."""
        current = np.abs(np.asarray(current_a, float))
        lo, hi = self.currents_a[[0, -1]]
        w0, w1 = self.widths_s[[0, -1]]
        r0, r1 = self.rises_s[[0, -1]]
        tol = 1e-9
        bad = []
        if current.size and (np.any(current < lo * (1 - tol)) or np.any(current > hi * (1 + tol))):
            bad.append(
                f"current {np.min(current) * 1e6:.1f}..{np.max(current) * 1e6:.1f} uA outside "
                f"{lo * 1e6:.1f}..{hi * 1e6:.1f} uA"
            )
        if not w0 * (1 - tol) <= width_s <= w1 * (1 + tol):
            widths = ", ".join(f"{w * 1e9:g}" for w in self.widths_s)
            bad.append(f"width {width_s * 1e9:g} ns outside {w0 * 1e9:g}..{w1 * 1e9:g} ns (calibrated: {widths} ns)")
        if not r0 * (1 - tol) <= rise_s <= r1 * (1 + tol):
            bad.append(f"rise {rise_s * 1e12:g} ps outside {r0 * 1e12:g}..{r1 * 1e12:g} ps")
        if bad:
            raise InputError(
                "SOT pulse outside the calibrated range: "
                + "; ".join(bad)
                + " (extend the calibration grid with `mramcim mtj calibrate-sot`; the table does not extrapolate)"
            )

    def eta(self, current_a: npt.ArrayLike, width_s: float, rise_s: float, area_scale: npt.ArrayLike = 1.0) -> F64:
        """The linear predictor a + c_area (s - 1) + b x at (width, rise) (same shape as the broadcast inputs)."""
        current = np.abs(np.asarray(current_a, float))
        self.check_pulse(current, width_s, rise_s)
        a, b = self.coefficients(width_s, rise_s)
        shift = self.area_slope * (np.asarray(area_scale, float) - 1)
        return np.asarray(a + shift + b * (current / self.i_ref_a - 1), dtype=np.float64)

    @property
    def area_slope(self) -> float:
        """d a / d s: the intercept's first-order shift with the area scale (0 without a measurement)."""
        return 0.0 if self.variation is None else float(self.variation["area_slope"])

    def coefficients(self, width_s: float, rise_s: float) -> tuple[float, float]:
        """(a, b) at (width, rise): bilinear in (ln width, rise) between calibrated nodes."""
        self.check_pulse(self.currents_a[:0], width_s, rise_s)
        wts = _bilinear_weights(np.log(self.widths_s), self.rises_s, math.log(width_s), rise_s)
        return float(sum(w * self.a[k] for k, w in wts)), float(sum(w * self.b[k] for k, w in wts))

    def p_switch(self, current_a: npt.ArrayLike, width_s: float, rise_s: float, area_scale: npt.ArrayLike = 1.0) -> F64:
        """P_sw of the calibrated model (shape of current_a broadcast with area_scale)."""
        return cloglog_p(self.eta(current_a, width_s, rise_s, area_scale))

    def current_for_probability(self, p: float, width_s: float, rise_s: float) -> float:
        """The current whose calibrated (nominal) P_sw at (width, rise) is p (closed-form inverse)."""
        if not 0.0 < p < 1.0:
            raise InputError(f"a write pulse switches with probability strictly between 0 and 1; got {p}")
        a, b = self.coefficients(width_s, rise_s)
        current = self.i_ref_a * (1 + (math.log(-math.log1p(-p)) - a) / b)
        self.check_pulse(np.array([max(current, 0.0)]), width_s, rise_s)  # a negative current is below the box
        return current

    def eta_sd(self, current_a: float, width_s: float, rise_s: float) -> float:
        """Standard deviation of the calibrated linear predictor eta from the fits' own statistics.

        Delta method: each node's (a, b) has the inverse binomial Fisher information as covariance,
        I = sum_i n (dP/deta)_i^2/(P_i (1 - P_i)) [1, x_i; x_i, x_i^2], dP/deta = -(1 - P) ln(1 - P);
        eta is interpolated with the bilinear weights w_k of independent nodes, so
        var(eta) = sum_k w_k^2 var_k(eta)."""
        self.check_pulse(np.array([abs(current_a)]), width_s, rise_s)
        x = abs(current_a) / self.i_ref_a - 1
        xs = self.currents_a / self.i_ref_a - 1
        var = 0.0
        for (iw, ir), weight in _bilinear_weights(np.log(self.widths_s), self.rises_s, math.log(width_s), rise_s):
            p = np.clip(cloglog_p(self.a[iw, ir] + self.b[iw, ir] * xs), 1e-12, 1 - 1e-12)
            dp = -(1 - p) * np.log1p(-p)
            w_i = self.trials * dp**2 / (p * (1 - p))
            info = np.array([[w_i.sum(), (w_i * xs).sum()], [(w_i * xs).sum(), (w_i * xs**2).sum()]])
            g = np.array([1.0, x])
            var += weight**2 * float(g @ np.linalg.pinv(info) @ g)
        return math.sqrt(max(var, 0.0))

    def p_interval(self, current_a: float, width_s: float, rise_s: float, z: float = 1.96) -> tuple[float, float]:
        """Approximate interval of the calibrated P_sw: eta +- z sd(eta) mapped through the model."""
        eta = float(self.eta(current_a, width_s, rise_s))
        sd = self.eta_sd(current_a, width_s, rise_s)
        return float(cloglog_p(eta - z * sd)), float(cloglog_p(eta + z * sd))

    def consistency_z(self, current_a: float, width_s: float, rise_s: float, switched: int, trials: int) -> float:
        """How far a fresh Monte-Carlo estimate k/n lies from the table, in combined standard errors:
        z = (k/n - P)/sqrt(P (1 - P)/n + (dP/deta sd_eta)^2), P the table's prediction. Under the
        hypothesis that the table is right, z is approximately standard normal."""
        eta = float(self.eta(current_a, width_s, rise_s))
        p = float(cloglog_p(eta))
        dp = -(1 - p) * math.log1p(-p) if p < 1 else 0.0
        var = p * (1 - p) / trials + (dp * self.eta_sd(current_a, width_s, rise_s)) ** 2
        return (switched / trials - p) / math.sqrt(max(var, 1e-300))

    def wilson(self) -> F64:
        """95 % Wilson intervals of every calibrated point, (width, rise, current, 2)."""
        flat = [wilson_interval(int(k), self.trials) for k in self.switched.ravel()]
        return np.asarray(flat, dtype=np.float64).reshape(*self.switched.shape, 2)

    # ------------------------------------------------------------------ building
    def merged(self, other: SotCalibration) -> SotCalibration:
        """This table and another run on the same grid and device (another seed), counts pooled and
        refitted: a calibration grows by top-up runs. The variation block of either is kept."""
        same = (
            np.array_equal(self.currents_a, other.currents_a)
            and np.array_equal(self.widths_s, other.widths_s)
            and np.array_equal(self.rises_s, other.rises_s)
            and self.device_id == other.device_id
            and self.i_ref_a == other.i_ref_a
        )
        if not same:
            raise InputError("only calibrations of one device on one grid can be merged (currents, widths, rises)")
        seeds = [*_seeds(self.build), *_seeds(other.build)]
        if len(set(seeds)) < len(seeds):
            raise InputError(f"merging runs with the same seed would count the same trials twice (seeds {seeds})")
        trials = self.trials + other.trials
        switched = self.switched + other.switched
        a, b, dev = _fit_nodes(self.currents_a / self.i_ref_a - 1, switched, trials)
        build = {
            "merged_from": [self.build, other.build],
            "technology": self.build.get("technology"),
            "seeds": seeds,
            "trials": trials,
            "runtime_s": float(self.build.get("runtime_s", 0) + other.build.get("runtime_s", 0)),
        }
        return replace(
            self,
            trials=trials,
            switched=switched,
            a=a,
            b=b,
            deviance=dev,
            build=build,
            variation=self.variation or other.variation,
        )

    def with_variation(self, variation: dict[str, Any]) -> SotCalibration:
        """This table with a measured area-shift block (keys area_slope, area_slope_se, ...)."""
        if not math.isfinite(float(variation.get("area_slope", math.nan))):
            raise InputError("a variation block needs a finite area_slope")
        return replace(self, variation=dict(variation))

    # ------------------------------------------------------------------ IO
    def to_json(self) -> dict[str, Any]:
        return {
            "format": CAL_FORMAT,
            "model": "cloglog: P = 1 - exp(-exp(a + b (I/i_ref - 1))) per (width, rise); bilinear in (ln width, rise)",
            "axes": {
                "currents_a": self.currents_a.tolist(),
                "widths_s": self.widths_s.tolist(),
                "rises_s": self.rises_s.tolist(),
            },
            "trials": self.trials,
            "switched": self.switched.tolist(),
            "p": (self.switched / self.trials).tolist(),
            "ci95": self.wilson().tolist(),
            "fit": {
                "i_ref_a": self.i_ref_a,
                "a": self.a.tolist(),
                "b": self.b.tolist(),
                "deviance": self.deviance.tolist(),
                "dof_per_curve": len(self.currents_a) - 2,
            },
            "conditions": {
                "from_state": "P",
                "temperature_k": self.temperature_k,
                "fall_s": self.fall_s,
                "thermal_start": True,
                "settle_damping_times": SETTLE_DAMPING_TIMES,
                "t_on_s": T_ON_S,
            },
            "variation": self.variation,
            "device_id": self.device_id,
            "build": self.build,
        }

    @classmethod
    def from_json(cls, payload: dict[str, Any], source: str) -> SotCalibration:
        if payload.get("format") != CAL_FORMAT:
            raise InputError(
                f"{source}: not an SOT calibration (format {payload.get('format')!r}, expected {CAL_FORMAT})"
            )
        try:
            axes, fit, cond = payload["axes"], payload["fit"], payload["conditions"]
            cal = cls(
                currents_a=np.asarray(axes["currents_a"], float),
                widths_s=np.asarray(axes["widths_s"], float),
                rises_s=np.asarray(axes["rises_s"], float),
                trials=int(payload["trials"]),
                switched=np.asarray(payload["switched"], np.int64),
                a=np.asarray(fit["a"], float),
                b=np.asarray(fit["b"], float),
                deviance=np.asarray(fit["deviance"], float),
                i_ref_a=float(fit["i_ref_a"]),
                fall_s=float(cond["fall_s"]),
                temperature_k=float(cond["temperature_k"]),
                device_id=str(payload["device_id"]),
                build=dict(payload.get("build", {})),
                variation=None if payload.get("variation") is None else dict(payload["variation"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise InputError(f"{source}: malformed SOT calibration ({err})") from None
        shape = (len(cal.widths_s), len(cal.rises_s))
        if cal.switched.shape != (*shape, len(cal.currents_a)) or cal.a.shape != shape or cal.b.shape != shape:
            raise InputError(f"{source}: array shapes do not match the axes")
        for name, axis in (("currents_a", cal.currents_a), ("widths_s", cal.widths_s), ("rises_s", cal.rises_s)):
            if axis.size < 1 or np.any(np.diff(axis) <= 0) or np.any(axis <= 0):
                raise InputError(f"{source}: axis {name} must be positive and strictly increasing")
        if np.any(cal.b <= 0):
            raise InputError(f"{source}: every fitted slope b must be positive (P_sw rises with current)")
        if cal.variation is not None and "area_slope" not in cal.variation:
            raise InputError(f"{source}: the variation block has no area_slope")
        return cal

    def save(self, path: str | Path) -> Path:
        return write_json(path, self.to_json())


def _seeds(prov: dict[str, Any]) -> list[Any]:
    return list(prov.get("seeds", [prov.get("seed")]))


def _fit_nodes(x: F64, switched: npt.NDArray[np.int64], trials: int) -> tuple[F64, F64, F64]:
    """cloglog fits of every (width, rise) curve of a count array (width, rise, current)."""
    a, b, dev = (np.empty(switched.shape[:2]) for _ in range(3))
    for iw, ir in np.ndindex(*switched.shape[:2]):
        a[iw, ir], b[iw, ir], dev[iw, ir] = fit_cloglog(x, switched[iw, ir], trials)
    return a, b, dev


def fit_table(
    currents_a: F64,
    widths_s: F64,
    rises_s: F64,
    trials: int,
    switched: npt.NDArray[np.int64],
    *,
    i_ref_a: float,
    tech: Technology,
    build: dict[str, Any],
) -> SotCalibration:
    """The calibrated table of a count array (width, rise, current) for `tech`'s SOT device."""
    a, b, dev = _fit_nodes(currents_a / i_ref_a - 1, switched, trials)
    return SotCalibration(
        currents_a,
        widths_s,
        rises_s,
        trials,
        switched,
        a,
        b,
        dev,
        i_ref_a,
        tech.operation.t_write_fall_s,
        tech.temperature_k,
        sot_device_id(tech),
        build,
    )


def load_sot_calibration(tech: Technology, path: str | Path | None = None) -> SotCalibration:
    """The calibration at `path`, or the packaged default; refused for another SOT device."""
    if path is None:
        node = model_file(DEFAULT_CALIBRATION)
        source = f"packaged {DEFAULT_CALIBRATION}"
        try:
            payload = json.loads(node.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"no packaged SOT calibration ({DEFAULT_CALIBRATION})") from None
    else:
        source = str(path)
        payload = read_json_object(path, "SOT calibration")
    cal = SotCalibration.from_json(payload, source)
    cal.check_technology(tech)
    return cal


@dataclass(frozen=True)
class SotSwitching:
    """The calibrated table at one write-pulse rise time: the SOT model that the two-state model,
    the SOT writer, approximate storage and the training call, P_sw(I, width[, area scale])."""

    calibration: SotCalibration
    rise_s: float
    source: str = "packaged"

    @property
    def widths_s(self) -> F64:
        return self.calibration.widths_s

    def p_switch(self, current_a: npt.ArrayLike, width_s: npt.ArrayLike, area_scale: npt.ArrayLike = 1.0) -> F64:
        """P_sw at every (current, width[, area scale]) (broadcast together)."""
        current, width, scale = np.broadcast_arrays(
            np.asarray(current_a, float), np.asarray(width_s, float), np.asarray(area_scale, float)
        )
        out = np.empty(current.shape)
        for w in np.unique(width):
            at = width == w
            out[at] = self.calibration.p_switch(current[at], float(w), self.rise_s, scale[at])
        return out

    def current_for_probability(self, p: float, width_s: float) -> float:
        return self.calibration.current_for_probability(p, width_s, self.rise_s)

    def cell_probabilities(self, current_a: float, width_s: float) -> Callable[[F64], F64]:
        """A function from per-cell area scales to per-cell P_sw for one pulse (the table's measured
        area shift; without a variation block every cell gets the nominal P_sw)."""
        eta0 = float(self.calibration.eta(current_a, width_s, self.rise_s))
        slope = self.calibration.area_slope
        return lambda scales: cloglog_p(eta0 + slope * (np.asarray(scales, float) - 1))

    def as_dict(self) -> dict[str, Any]:
        cal = self.calibration
        return {
            "model": "LLG-calibrated SOT table (cloglog per width and rise)",
            "source": self.source,
            "rise_s": self.rise_s,
            "device_id": cal.device_id,
            "calibration_seeds": _seeds(cal.build),
            "calibration_trials": cal.trials,
            "area_slope": cal.area_slope if cal.variation is not None else None,
        }


def sot_switching(tech: Technology, path: str | Path | None = None, rise_s: float | None = None) -> SotSwitching:
    """The SOT switching model for `tech`: its calibration (default: the packaged one) at the write
    pulse's rise time (default: from the write path, `device.writepath.write_path_rise`)."""
    cal = load_sot_calibration(tech, path)
    rise = write_path_rise(tech).rise_s if rise_s is None else rise_s
    if not (math.isfinite(rise) and rise > 0):
        raise InputError(f"write pulse rise time must be positive, got {rise} s")
    cal.check_pulse(cal.currents_a[:0], float(cal.widths_s[0]), rise)
    return SotSwitching(cal, rise, "packaged" if path is None else str(path))
