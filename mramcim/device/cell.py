"""Closed-form DC model of one read path (independent of ngspice, used as its cross-check).

Read path: row line at V_row -> MTJ -> access NMOS (level 1, linear region) -> bit line at 0 V.
The MTJ sits at its equilibrium tilt under the in-plane bias field,
    sin(theta) = Bx / Bk(V),  Bk(V) = Bk0 (1 - V/Vc),  cos(theta) = +-sqrt(1 - sin^2),
with conductance G = G_P [(1 + r)/2 + (1 - r)/2 cos(theta)], r = 1/(1 + TMR0/(1 + (V/Vh)^2)).
The NMOS follows Shichman-Hodges: I = KP W/L ((Vgs - Vt) Vds - Vds^2/2) below saturation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.optimize import brentq

from mramcim.encoding import threshold_popcount
from mramcim.tech import Technology, derive

__all__ = [
    "CellRead",
    "ReadPathResistances",
    "ap_over_p_conductance",
    "cell_read",
    "read_path_resistances",
    "column_current",
    "mtj_resistance",
    "pulse_cell_current",
    "reference_current",
]


@dataclass(frozen=True)
class CellRead:
    current_a: float
    v_mtj_v: float
    r_mtj_ohm: float
    cos_theta: float


def ap_over_p_conductance(tech: Technology, v: float) -> float:
    """G_AP/G_P = 1/(1 + TMR(V)) with TMR(V) = TMR0/(1 + (V/Vh)^2)."""
    m = tech.mtj
    return 1 / (1 + m.tmr0 / (1 + (v / m.v_half_v) ** 2))


def _mtj_current(tech: Technology, v: float, state: int) -> tuple[float, float]:
    d = derive(tech)
    m = tech.mtj
    bk = d.bk0_t * (1 - v / d.v_critical_v)
    sin_t = min(m.bias_field_t / bk, 1.0)
    cos_t = state * math.sqrt(1 - sin_t**2)
    r = ap_over_p_conductance(tech, v)
    g = (1 / d.r_p_ohm) * (0.5 * (1 + r) + 0.5 * (1 - r) * cos_t)
    return v * g, cos_t


def mtj_resistance(tech: Technology, state: int, v_mtj: float) -> float:
    """V/I of the junction alone at bias `v_mtj` (non-zero; state +1 = P), no access device."""
    return v_mtj / _mtj_current(tech, v_mtj, state)[0]


def _nmos_current(tech: Technology, vds: float) -> float:
    a = tech.access
    vov = a.v_wordline_v - a.vth_v
    beta = a.kp_a_per_v2 * a.w_m / a.l_m
    if vov <= 0:
        return 0.0
    if vds < vov:
        return beta * (vov * vds - vds**2 / 2)
    return beta * vov**2 / 2


def cell_read(tech: Technology, state: int, v_row: float | None = None) -> CellRead:
    """DC read of one cell whose MTJ holds `state` (+1 = P, -1 = AP)."""
    v_row = tech.operation.v_read_v if v_row is None else v_row

    def mismatch(v_mid: float) -> float:
        return _mtj_current(tech, v_row - v_mid, state)[0] - _nmos_current(tech, v_mid)

    v_mid = brentq(mismatch, 0.0, v_row, xtol=1e-15, rtol=1e-13)
    current, cos_t = _mtj_current(tech, v_row - v_mid, state)
    v_mtj = v_row - v_mid
    return CellRead(current, v_mtj, v_mtj / current, cos_t)


def pulse_cell_current(tech: Technology, v_row: float) -> float:
    """DC current of one cell during a VCMA toggle pulse of `v_row` on its row line.

    Above the critical voltage the anisotropy is gone and the free layer precesses about the
    in-plane bias field from one pole to the other; averaged over that half turn cos(theta) = 0,
    so the junction conducts G_P (1 + r(V))/2 whatever state it started in. Ideal wires.
    """

    def junction(v: float) -> float:
        return v * (1 / derive(tech).r_p_ohm) * 0.5 * (1 + ap_over_p_conductance(tech, v))

    v_mid = brentq(lambda vm: junction(v_row - vm) - _nmos_current(tech, vm), 0.0, v_row, xtol=1e-15, rtol=1e-13)
    return junction(v_row - v_mid)


def column_current(tech: Technology, rows: int, k: int) -> float:
    """Ideal column current for popcount k of `rows` (virtual-ground bit line, ideal wires)."""
    return k * cell_read(tech, +1).current_a + (rows - k) * cell_read(tech, -1).current_a


def reference_current(tech: Technology, rows: int, threshold: int | None = None) -> float:
    """Comparator reference: halfway between popcounts threshold - 1 and threshold."""
    k = threshold_popcount(rows) if threshold is None else threshold
    return column_current(tech, rows, k) - 0.5 * (cell_read(tech, +1).current_a - cell_read(tech, -1).current_a)


@dataclass(frozen=True)
class ReadPathResistances:
    """Nominal series resistances of one cell at a given row voltage (closed-form model)."""

    access_p: float
    access_ap: float
    mtj_p: float
    mtj_ap: float


def read_path_resistances(tech: Technology, v_row: float | None = None) -> ReadPathResistances:
    p, ap = cell_read(tech, +1, v_row), cell_read(tech, -1, v_row)
    v = tech.operation.v_read_v if v_row is None else v_row
    return ReadPathResistances(
        access_p=(v - p.v_mtj_v) / p.current_a,
        access_ap=(v - ap.v_mtj_v) / ap.current_a,
        mtj_p=p.r_mtj_ohm,
        mtj_ap=ap.r_mtj_ohm,
    )
