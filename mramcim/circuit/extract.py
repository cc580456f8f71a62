"""Stage 5 — extract: simulated waveforms -> per-case / per-column results and energies.

Pure functions on `SimResult` vectors and the `RenderedNetlist` metadata; nothing here runs
ngspice. Currents in A, resistances in Ohm, energies in J.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mramcim.circuit.netlist import RenderedNetlist, Schedule
from mramcim.circuit.sim import SimResult
from mramcim.device.cell import column_current
from mramcim.encoding import popcount
from mramcim.errors import ExtractionError
from mramcim.tech import Technology

__all__ = [
    "ColumnResult",
    "XnorCase",
    "driver_energy",
    "extract_mac",
    "extract_xnor",
    "sample",
    "sense_delay",
    "zero_crossings",
]


def sample(result: SimResult, name: str, t: float) -> float:
    """Value of vector `name` at time t (linear interpolation between time points)."""
    time = result["time"]
    if not time[0] <= t <= time[-1]:
        raise ExtractionError(f"sample time {t:.4g} s is outside the simulated window")
    return float(np.interp(t, time, result[name]))


def zero_crossings(time: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Times where y changes sign, linearly interpolated between samples."""
    sign = np.signbit(y)
    idx = np.flatnonzero(sign[1:] != sign[:-1])
    return time[idx] + (time[idx + 1] - time[idx]) * y[idx] / (y[idx] - y[idx + 1])


def _bit(voltage: float, v_dd: float) -> int:
    return 1 if voltage > v_dd / 2 else -1


def driver_energy(
    result: SimResult, drivers: list[str], pwls: list[list[tuple[float, float]]], window: tuple[float, float]
) -> float:
    """Energy delivered by the row drivers within `window`: sum of integral V(t) (-i(t)) dt.

    ngspice reports a source's current flowing into its + terminal, so delivered power is -V i.
    V(t) is the driver's own PWL (ideal source), evaluated on the simulation's time grid.
    """
    time = result["time"]
    mask = (time >= window[0]) & (time <= window[1])
    t = time[mask]
    total = 0.0
    for name, pwl in zip(drivers, pwls, strict=True):
        if not pwl:
            continue
        pts = np.asarray(pwl)
        v = np.interp(t, pts[:, 0], pts[:, 1])
        total += float(np.trapezoid(-v * result[f"i(v{name})"][mask], t))
    return total


@dataclass(frozen=True)
class XnorCase:
    x: int
    w: int
    expected: int
    read_current_a: float
    mtj_resistance_ohm: float
    sensed: int
    restored_weight: int
    verify_read: int
    energy_j: float

    @property
    def passed(self) -> bool:
        return self.sensed == self.expected and self.restored_weight == self.w and self.verify_read == self.w


def extract_xnor(result: SimResult, deck: RenderedNetlist, tech: Technology) -> list[XnorCase]:
    sch = deck.schedule
    v_dd = tech.sense.v_dd_v
    cases = []
    for j, case in enumerate(deck.meta["cases"]):
        current = sample(result, f"i(vsense{j})", sch.t_read1)
        v_mtj = sample(result, f"v(rl{j})", sch.t_read1) - sample(result, f"v(n{j})", sch.t_read1)
        pwl = sch.pwl_toggle if case["x"] < 0 else sch.pwl_read
        cases.append(
            XnorCase(
                x=case["x"],
                w=case["w"],
                expected=case["x"] * case["w"],
                read_current_a=current,
                mtj_resistance_ohm=v_mtj / current,
                sensed=_bit(sample(result, f"v(sa{j})", sch.t_read1), v_dd),
                restored_weight=1 if result[f"v(xmtj_c{j}.mz)"][-1] > 0 else -1,
                verify_read=_bit(sample(result, f"v(sa{j})", sch.t_read2), v_dd),
                energy_j=driver_energy(result, [f"row{j}"], [pwl], (0.0, sch.t_stop)),
            )
        )
    return cases


@dataclass(frozen=True)
class ColumnResult:
    popcount: int
    expected: int
    current_a: float
    ohm_current_a: float
    sensed: int
    verify_sensed: int


def _driver_pwls(deck: RenderedNetlist) -> tuple[list[str], list[list[tuple[float, float]]]]:
    sch: Schedule = deck.schedule
    x = deck.meta["inputs"]
    names, pwls = [], []
    for i, xi in enumerate(x):
        if deck.meta["scheme"] == "half":
            names.append(f"row{i}")
            pwls.append(sch.pwl_toggle if xi < 0 else sch.pwl_read)
        else:
            names += [f"rowa{i}", f"rowb{i}"]
            pwls += [sch.pwl_read if xi > 0 else [], sch.pwl_read if xi < 0 else []]
    return names, pwls


def extract_mac(
    result: SimResult, deck: RenderedNetlist, tech: Technology
) -> tuple[list[ColumnResult], dict[str, float], int]:
    """Per-column MAC results, energy per phase, and the number of weights not restored.

    Returns:
        (columns, energy_j by phase plus "mac", weights whose final state differs from the
        stored weight; -1 when the states were not saved).
    """
    meta, sch = deck.meta, deck.schedule
    w: npt.NDArray[np.int8] = meta["weights"]
    x: npt.NDArray[np.int8] = meta["inputs"]
    rows, cols = w.shape
    counts = popcount(x, w)
    v_dd = tech.sense.v_dd_v
    columns = [
        ColumnResult(
            popcount=int(counts[j]),
            expected=1 if counts[j] >= meta["threshold"] else -1,
            current_a=sample(result, f"i(vsense{j})", sch.t_read1),
            ohm_current_a=column_current(tech, rows, int(counts[j])),
            sensed=_bit(sample(result, f"v(sa{j})", sch.t_read1), v_dd),
            verify_sensed=_bit(sample(result, f"v(sa{j})", sch.t_read2), v_dd),
        )
        for j in range(cols)
    ]
    names, pwls = _driver_pwls(deck)
    energy = {phase: driver_energy(result, names, pwls, window) for phase, window in sch.phases.items()}
    energy["mac"] = energy["toggle"] + energy["read"] + energy["restore"]
    wrong = -1
    state = meta["state_vectors"][0]  # the MTJ holding W (the conventional pair's first device)
    if state.format(i=0, j=0) in result.vectors:
        final = np.array([[result[state.format(i=i, j=j)][-1] for j in range(cols)] for i in range(rows)])
        wrong = int(np.sum(np.where(final > 0, 1, -1) != w))
    return columns, energy, wrong


def sense_delay(result: SimResult, deck: RenderedNetlist, tech: Technology) -> float:
    """Time from the start of the read phase until every sense output is within 10 % of V_dd
    of its value at the XNOR sample time (the read-to-valid delay)."""
    start, _ = deck.schedule.phases["read"]
    time = result["time"]
    mask = (time >= start) & (time <= deck.schedule.t_read1)
    delay = 0.0
    for j in range(deck.meta["cols"]):
        v = result[f"v(sa{j})"][mask]
        bad = np.flatnonzero(np.abs(v - v[-1]) > 0.1 * tech.sense.v_dd_v)
        if bad.size:
            delay = max(delay, float(time[mask][min(bad[-1] + 1, v.size - 1)] - start))
    return delay
