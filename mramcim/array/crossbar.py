"""The passive (1R) MTJ crossbar: cells, line biases, its resistive network and its read deck.

Inputs: a `Technology`, cell states (+1 = P) or resistances, line voltages. Outputs: an
`ArrayNetwork` (solved by scipy here, by ngspice through `dcsolve`), read matrices, selected-cell
reads and the gen-array `.op` deck (rendered by `netlist.render_passive_array`).

A passive crossbar has no access transistor: the MTJ of cell (i, j) sits directly between word
line i (its top electrode) and bit line j. Every cell of the array is therefore a path for
current, and a read or write of one cell also drives current through the others ("sneak"
paths); how much depends on what the unselected lines are held at:

    ground  selected row V, every other line 0         (the selected column sees only its cell)
    half    selected row V, selected column 0, the rest V/2   (half-selected cells see V/2)
    third   selected row V, selected column 0, other rows V/3, other columns 2V/3
            (half-selected cells see V/3, unselected cells -V/3)
    float   selected row V, selected column 0, the rest floating (classic sneak paths)

Cells are linear resistors at one bias (their V/I from `cellmodel.mtj_resistance`), scaled per
device: R_P,cell = R_P x RA scale / area scale, R_AP,cell = R_P,cell (1 + TMR x TMR scale).

Network: a `readnet.ArrayNetwork`, so `readnet.solve_scipy` and ngspice (through
`dcsolve.solve_dc` or the gen-array deck) solve the same netlist. With mesh wires:
    word line i:  source Vwl{i} on wl{i}_d, driver resistor Rdwl{i} to wl{i}_s, segment Rwl{i}_0
                  to wl{i}_0; cell (i, j) sits on wl{i}_{j}, Rwl{i}_{j} joins wl{i}_{j-1} to wl{i}_{j};
    bit line j:   cell (i, j) sits on bl{j}_{i}, Rbl{j}_{i} joins bl{j}_{i} to bl{j}_{i+1}; the sense
                  end bl{j}_{rows} has driver resistor Rdbl{j} to bl{j}_d and source Vbl{j} (the
                  sense amplifier's virtual ground, or the line driver during a write).
Cell (i, j) thus has j + 1 row segments to its driver and rows - i bit-line segments to its sense
end; (0, cols - 1) is the farthest from both. A floating line has no source, driver resistor or
end segment (its nodes hold only through its cells). Ideal wiring (parasitics "none") drops every
segment and driver resistor: each line is one node, wl{i} or bl{j}.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from mramcim.circuit.netlist import check_array_size, render_passive_array
from mramcim.circuit.readnet import ArrayNetwork, NetworkBuilder, solve_scipy
from mramcim.device.cell import mtj_resistance
from mramcim.device.variation import DeviceSample
from mramcim.encoding import as_pm1
from mramcim.errors import InputError
from mramcim.options import Bias, Parasitics, parse_option
from mramcim.tech import Technology

__all__ = [
    "PASSIVE_PARASITICS",
    "SelectedRead",
    "build_crossbar",
    "cell_resistances",
    "check_bias",
    "line_voltages",
    "passive_deck",
    "read_matrix",
    "read_selected",
]

BIAS_TEXT = {
    "ground": "selected row V, every other line 0 V",
    "half": "selected row V, selected column 0 V, every other line V/2",
    "third": "selected row V, selected column 0 V, other rows V/3, other columns 2V/3",
    "float": "selected row V, selected column 0 V, every other line floating",
}
PASSIVE_PARASITICS = (Parasitics.NONE, Parasitics.MESH)  # a passive line has no lumped model here

F64 = npt.NDArray[np.float64]


def check_bias(bias: str) -> Bias:
    """The `Bias` named by `bias`, or an OptionError listing them."""
    return parse_option(Bias, bias, "bias scheme")


def line_voltages(
    bias: str, rows: int, cols: int, selected_rows: list[int], selected_cols: list[int], v: float
) -> tuple[F64, F64]:
    """Row and column line voltages [V] of a bias scheme (NaN: floating).

    The selected rows are at v, the selected columns at 0; the unselected lines follow `bias`
    (see the module docstring). Cell (i, j) sees row[i] - col[j].
    """
    check_bias(bias)
    unselected = {"ground": (0.0, 0.0), "half": (v / 2, v / 2), "third": (v / 3, 2 * v / 3), "float": (np.nan, np.nan)}
    row_v = np.full(rows, unselected[bias][0])
    col_v = np.full(cols, unselected[bias][1])
    row_v[selected_rows] = v
    col_v[selected_cols] = 0.0
    return row_v, col_v


def cell_resistances(tech: Technology, devices: DeviceSample, states: npt.NDArray[np.integer], v_bias: float) -> F64:
    """(rows, cols) resistance [Ohm] of every cell at bias |v_bias| (states +1 = P, -1 = AP)."""
    r_p = mtj_resistance(tech, +1, v_bias)
    tmr = mtj_resistance(tech, -1, v_bias) / r_p - 1
    r_cell_p = r_p * devices.ra_scale / devices.area_scale
    return np.where(np.asarray(states) > 0, r_cell_p, r_cell_p * (1 + tmr * devices.tmr_scale))


def build_crossbar(
    tech: Technology, r_cell: F64, row_volts: F64, col_volts: F64, *, parasitics: str = "mesh"
) -> ArrayNetwork:
    """The crossbar's resistive network for given cell resistances and line voltages.

    Args:
        r_cell: (rows, cols) cell resistances [Ohm].
        row_volts, col_volts: line voltages [V] at the drivers; NaN leaves a line floating.
        parasitics: "mesh" (segment resistors per pitch from `tech.wires`, driver resistance
            `tech.drivers.r_out_ohm` on every driven line) or "none" (ideal lines and drivers).

    Returns:
        An ArrayNetwork whose `sense_src` lists the sources of the driven columns, in order.
    """
    parasitics = parse_option(Parasitics, parasitics, "parasitics", PASSIVE_PARASITICS)
    r_cell = np.asarray(r_cell, dtype=np.float64)
    rows, cols = r_cell.shape
    row_volts, col_volts = np.asarray(row_volts, dtype=np.float64), np.asarray(col_volts, dtype=np.float64)
    if row_volts.shape != (rows,) or col_volts.shape != (cols,):
        raise InputError(f"line voltages {row_volts.shape} / {col_volts.shape} do not fit a {rows} x {cols} crossbar")
    if not np.all(np.isfinite(r_cell) & (r_cell > 0)):
        raise InputError("cell resistances must be positive and finite")
    mesh = parasitics == "mesh"
    w, r_drv = tech.wires, tech.drivers.r_out_ohm
    if not (np.isfinite(row_volts).any() and np.isfinite(col_volts).any()):
        raise InputError("a crossbar needs at least one driven row and one driven column")
    n = NetworkBuilder()

    def row_node(i: int, j: int) -> str:
        return f"wl{i}_{j}" if mesh else f"wl{i}"

    def col_node(j: int, i: int) -> str:
        return f"bl{j}_{i}" if mesh else f"bl{j}"

    for i in range(rows):
        if np.isfinite(row_volts[i]):
            end = row_node(i, 0)
            if mesh:
                n.resistor(f"Rdwl{i}", f"wl{i}_d", f"wl{i}_s", r_drv, -1)
                n.resistor(f"Rwl{i}_0", f"wl{i}_s", end, w.r_wl_ohm, 0)
                end = f"wl{i}_d"
            n.source(f"Vwl{i}", end, float(row_volts[i]))
        if mesh:
            for j in range(1, cols):
                n.resistor(f"Rwl{i}_{j}", row_node(i, j - 1), row_node(i, j), w.r_wl_ohm, j)
    sense = []
    for j in range(cols):
        if mesh:
            for i in range(rows - 1):
                n.resistor(f"Rbl{j}_{i}", col_node(j, i), col_node(j, i + 1), w.r_bl_ohm, j)
        if np.isfinite(col_volts[j]):
            end = col_node(j, rows - 1)
            if mesh:
                n.resistor(f"Rbl{j}_{rows - 1}", end, f"bl{j}_{rows}", w.r_bl_ohm, j)
                n.resistor(f"Rdbl{j}", f"bl{j}_{rows}", f"bl{j}_d", r_drv, j)
                end = f"bl{j}_d"
            sense.append(n.source(f"Vbl{j}", end, float(col_volts[j])))
    cell_idx = np.empty((rows, cols), dtype=np.int64)
    for i in range(rows):
        for j in range(cols):
            cell_idx[i, j] = n.resistor(f"Rc{i}_{j}", row_node(i, j), col_node(j, i), float(r_cell[i, j]), j)
    return n.network(
        scheme="passive",
        parasitics=parasitics,
        rows=rows,
        cols=cols,
        ref_cols=0,
        sense_src=sense,
        cell_res={"wl": cell_idx},
    )


def read_matrix(tech: Technology, r_cell: F64, *, parasitics: str = "mesh") -> F64:
    """(cols, rows) matrix M of the parallel read: every row driven, every column at 0 V.

    The network is linear, so the column currents for row voltages v are M @ v [A]; column k
    of M is the scipy solve with row k at 1 V and the other rows at 0 V. With ideal wiring
    M = (1 / R).T exactly (tests check it against the solve).
    """
    rows, cols = np.shape(r_cell)
    if parasitics == "none":  # ideal lines and drivers: each cell sees its row voltage exactly
        return (1 / np.asarray(r_cell, dtype=np.float64)).T
    net = build_crossbar(tech, r_cell, np.zeros(rows), np.zeros(cols), parasitics=parasitics)
    row_src = np.flatnonzero(np.isin(np.arange(len(net.src_names)), net.sense_src, invert=True))
    m = np.empty((cols, rows))
    for k in range(rows):
        volts = np.zeros(len(net.src_names))
        volts[row_src[k]] = 1.0
        m[:, k] = solve_scipy(replace(net, src_volts=volts)).sense_currents(net)
    return m


@dataclass(frozen=True)
class SelectedRead:
    """Read of one selected cell: the current into its column's sense end and its parts [A]."""

    current_a: float  # into the selected column's sense end
    ohm_a: float  # V / R of the selected cell alone
    sneak_a: float  # current_a - ohm_a: what the rest of the array adds

    def as_dict(self) -> dict[str, float]:
        return {"current_a": self.current_a, "ohm_a": self.ohm_a, "sneak_a": self.sneak_a}


def read_selected(
    tech: Technology, r_cell: F64, row: int, col: int, bias: str, v: float, *, parasitics: str = "mesh"
) -> tuple[ArrayNetwork, SelectedRead]:
    """Solve (scipy) the read of cell (row, col) under a bias scheme.

    Raises:
        InputError: the selected cell is outside the array.
    """
    rows, cols = np.shape(r_cell)
    if not (0 <= row < rows and 0 <= col < cols):
        raise InputError(f"selected cell ({row}, {col}) is outside the {rows} x {cols} array")
    row_v, col_v = line_voltages(bias, rows, cols, [row], [col], v)
    net = build_crossbar(tech, r_cell, row_v, col_v, parasitics=parasitics)
    driven_cols = np.flatnonzero(np.isfinite(col_v))
    current = float(solve_scipy(net).sense_currents(net)[int(np.searchsorted(driven_cols, col))])
    ohm = v / float(r_cell[row, col])
    return net, SelectedRead(current, ohm, current - ohm)


def passive_deck(
    tech: Technology,
    states: npt.ArrayLike,
    *,
    bias: str = "half",
    select: tuple[int, int] | None = None,
    parasitics: str = "mesh",
) -> tuple[str, SelectedRead]:
    """A runnable ngspice `.op` deck of one selected-cell read, and the scipy solve of that netlist.

    Args:
        states: (rows, cols) stored states, +1 = P; cells are nominal devices at the read voltage.
        bias: how the unselected lines are held (`Bias`).
        select: (row, col) of the read cell; default (0, cols - 1), the farthest from its drivers.
    """
    st = np.asarray(states)
    if st.ndim != 2:
        raise InputError(f"cell states must be a 2-D (rows, cols) array, got shape {st.shape}")
    rows, cols = check_array_size(*st.shape)
    st = as_pm1(st, "cell states")
    row, col = select if select is not None else (0, cols - 1)
    v = tech.operation.v_read_v
    r_cell = cell_resistances(tech, DeviceSample.nominal(st.shape), st, v)
    net, read = read_selected(tech, r_cell, row, col, check_bias(bias), v, parasitics=parasitics)
    r_p, r_ap = (float(cell_resistances(tech, DeviceSample.nominal((1, 1)), np.array([[s]]), v)[0, 0]) for s in (1, -1))
    lines = [
        f"read of cell ({row}, {col}) holding {'P' if st[row, col] > 0 else 'AP'}, V = {v:g} V, {bias} bias: "
        f"{BIAS_TEXT[bias]}",
        f"cells at their read resistance: R_P {r_p:.2f} Ohm, R_AP {r_ap:.2f} Ohm; wires {parasitics}",
        f"scipy nodal solve of this netlist: i(vbl{col}) = {read.current_a:.6e} A into the sense end; the cell alone "
        f"V/R = {read.ohm_a:.6e} A; the rest of the array adds {read.sneak_a:+.6e} A",
    ]
    return render_passive_array(tech, net, title=f"mramcim passive crossbar {rows} x {cols}", lines=lines), read
