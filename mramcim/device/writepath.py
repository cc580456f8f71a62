"""Rise time of the SOT write current from the write path of an array column.

Pure physics (numpy/scipy). Input: a `Technology`; output: the current rise time that the SOT
write pulse (`mramcim.learn.sotwrite.WritePulse.rise_s`) and the switching calibration use.

The path (all values from the technology; docs/physics.md sec. 4):

    driver (own 10-90 % edge t_edge, output resistance R_drv)
      -> write line: `line_cells` pitches of r_bl, each node with c_bl to ground
      -> selected cell (the far end): write transistor R_on in series with the strip R_strip
      -> return line: `line_cells` pitches of r_bl (with c_bl per node) back to ground at the driver side.

R_on is the small-signal triode resistance of the technology's access NMOS at the word-line
voltage, 1/(kp W/L (V_wl - Vth)) (level-1 card, models/README.md). The strip current's step
response is characterized by its Elmore delay (first moment of the impulse response)

    T_D = e^T G^-1 C G^-1 b / e^T G^-1 b

of the nodal equations (G + sC) v = b V_in with the output e^T v = I_strip. A single pole T_D has a
10-90 % rise of ln(9) T_D; cascaded with the driver's own edge the rise times add in quadrature.
The write pulse uses a linear ramp whose 10-90 % time matches: rise_s = t_10_90 / 0.8.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve

from mramcim.tech import Technology, derive

__all__ = ["WritePathRise", "access_on_resistance", "write_path_ladder", "write_path_rise"]

LN9 = math.log(9.0)
F64 = npt.NDArray[np.float64]


def access_on_resistance(tech: Technology) -> float:
    """Triode on-resistance of the access/write NMOS at V_ds -> 0 [Ohm]."""
    a = tech.access
    return 1.0 / (a.kp_a_per_v2 * (a.w_m / a.l_m) * (a.v_wordline_v - a.vth_v))


@dataclass(frozen=True)
class WritePathRise:
    """The write path's elements and the strip current's rise (all SI)."""

    r_driver_ohm: float
    r_line_ohm: float  # each of the write and return lines
    c_line_f: float  # each of the write and return lines
    r_on_ohm: float
    r_strip_ohm: float
    elmore_s: float
    t_edge_s: float
    t_10_90_s: float
    rise_s: float  # linear-ramp equivalent (0 -> 100 %)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def write_path_ladder(tech: Technology) -> tuple[sp.csc_matrix, F64, F64, F64]:
    """Nodal equations (G, C, b, e) of the write path: nodes 0..n-1 the write line (0 next to the
    driver), n..2n-1 the return line (n next to the cell, 2n-1 next to ground); C is the diagonal
    of node capacitances, b the source vector per volt of driver input, e maps node voltages to
    the strip current."""
    n = tech.write_driver.line_cells
    r, c = tech.wires.r_bl_ohm, tech.wires.c_bl_f
    r_load = access_on_resistance(tech) + derive(tech).r_strip_ohm
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []

    def link(i: int, j: int, ohm: float) -> None:
        for a, b, v in ((i, i, 1 / ohm), (j, j, 1 / ohm), (i, j, -1 / ohm), (j, i, -1 / ohm)):
            rows.append(a)
            cols.append(b)
            vals.append(v)

    for k in range(n - 1):
        link(k, k + 1, r)
        link(n + k, n + k + 1, r)
    link(n - 1, n, r_load)  # the selected cell at the far end of both lines
    rows += [0, 2 * n - 1]
    cols += [0, 2 * n - 1]
    vals += [1 / tech.write_driver.r_out_ohm, 1 / r]  # driver (source behind R_drv); return line to ground
    g = sp.csc_matrix((vals, (rows, cols)), shape=(2 * n, 2 * n))  # repeated (row, col) entries add up
    cap = np.full(2 * n, c)
    b = np.zeros(2 * n)
    b[0] = 1 / tech.write_driver.r_out_ohm
    e = np.zeros(2 * n)
    e[n - 1], e[n] = 1 / r_load, -1 / r_load
    return g, cap, b, e


def write_path_rise(tech: Technology) -> WritePathRise:
    """Elmore delay of the strip current and the write pulse's rise time (ramp-equivalent) [s]."""
    g, cap, b, e = write_path_ladder(tech)
    v0 = spsolve(g, b)
    w = spsolve(g, cap * v0)
    elmore = float(e @ w / (e @ v0))
    t_edge = tech.write_driver.t_edge_s
    t1090 = math.hypot(t_edge, LN9 * elmore)
    n = tech.write_driver.line_cells
    return WritePathRise(
        r_driver_ohm=tech.write_driver.r_out_ohm,
        r_line_ohm=n * tech.wires.r_bl_ohm,
        c_line_f=n * tech.wires.c_bl_f,
        r_on_ohm=access_on_resistance(tech),
        r_strip_ohm=derive(tech).r_strip_ohm,
        elmore_s=elmore,
        t_edge_s=t_edge,
        t_10_90_s=t1090,
        rise_s=t1090 / 0.8,
    )
