"""The read network of a column with hierarchical (segmented) bit lines.

Stage: circuit model, beside `readnet`. Inputs: a `Technology`, cell states per row-line set,
driver voltages, the segment length, the global line's resistance per cell pitch and the tap
resistance. Output: an `ArrayNetwork` (mesh wires) with the node names of the hierarchical deck
(netlists/sop_array.sp.j2 with `segment_rows`), so the same netlist is solved by scipy, by the
fast solvers and by ngspice.

Topology (per column j; segments k = 0 .. n_seg - 1 of `segment_rows` rows, the last one shorter;
row 0 is the far end, as in the flat mesh):
    local bit line of segment k: the cell in row i sits on bl{j}_{i}; segment Rbl{j}_{i} from
        bl{j}_{i} to bl{j}_{i+1}, except that the segment's last row ends on bs{j}_{k};
    tap: Rtap{j}_{k} from bs{j}_{k} to the global node g{j}_{k} (the segment's select switch,
        on during the read and the VCMA pulses);
    global bit line: Rg{j}_{k} from g{j}_{k} to g{j}_{k+1}, the length of segment k + 1 in cell
        pitches times the global resistance per pitch; g{j}_{n_seg - 1} is the sense input
        (Vsense{j}, 0 V).
Row lines, drivers and cells are those of the flat mesh (readnet). Each segment's current is
collected locally and summed as a current on the low-resistance global line, so the bit-line
IR drop a cell sees is that of its own segment plus the global line's, not that of the whole
column.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mramcim.circuit.readnet import ArrayNetwork, NetworkBuilder, row_line_sets
from mramcim.device.cell import read_path_resistances
from mramcim.device.variation import DeviceSample
from mramcim.encoding import as_pm1
from mramcim.errors import InputError
from mramcim.options import Scheme
from mramcim.tech import Technology

__all__ = ["build_hierarchical", "segment_bounds"]


def segment_bounds(rows: int, segment_rows: int) -> list[tuple[int, int]]:
    """(first row, row count) of each segment, from the far end; the last segment is shorter."""
    if rows < 1 or segment_rows < 1:
        raise InputError(f"rows and segment rows must be >= 1, got {rows} and {segment_rows}")
    return [(r0, min(segment_rows, rows - r0)) for r0 in range(0, rows, segment_rows)]


def build_hierarchical(
    tech: Technology,
    states: dict[str, npt.NDArray[np.int8]],
    row_volts: dict[str, npt.NDArray[np.float64]],
    *,
    scheme: str,
    segment_rows: int,
    global_ohm_per_pitch: float,
    tap_ohm: float,
    devices: DeviceSample | None = None,
    ref_cols: int = 0,
    v_row: float | None = None,
) -> ArrayNetwork:
    """The hierarchical-bit-line read network (mesh wires) for given states and driver voltages.

    Args:
        states: per row-line set prefix, the (rows, cols + ref_cols) cell states (+1 = parallel).
        row_volts: per row-line set prefix, the (rows,) driver voltages [V].
        segment_rows: rows per local bit-line segment.
        global_ohm_per_pitch: the global bit line's resistance per (weight) cell pitch [Ohm].
        tap_ohm: resistance of a segment's connection to the global line [Ohm].
        devices: per-device deviations, shape (sets, rows, cols + ref_cols) (nominal when None).
        ref_cols: trailing replica reference columns.
        v_row: bias at which the cells are linearized (default: the read voltage).

    Raises:
        InputError: shapes or values out of range.
    """
    if global_ohm_per_pitch <= 0 or tap_ohm <= 0:
        raise InputError(
            f"the global line and the taps need positive resistances, got {global_ohm_per_pitch} and {tap_ohm} Ohm"
        )
    sets = row_line_sets(scheme)
    first = np.asarray(states[sets[0][0]])
    if first.ndim != 2:
        raise InputError(f"cell states must be a 2-D (rows, cols) array, got shape {first.shape}")
    rows, total = first.shape
    devices = devices or DeviceSample.nominal((len(sets), rows, total))
    if devices.r_scale.shape != (len(sets), rows, total):
        raise InputError(f"device sample shape {devices.r_scale.shape} does not match the array")
    nominal = read_path_resistances(tech, v_row)
    pitch = Scheme(scheme).bit_line_pitch
    r_wl, r_bl, r_out = tech.wires.r_wl_ohm, tech.wires.r_bl_ohm * pitch, tech.drivers.r_out_ohm
    segs = segment_bounds(rows, segment_rows)
    b = NetworkBuilder()
    bit_node = np.empty((rows, total), dtype=object)
    sense_src = []
    for j in range(total):
        for k, (r0, n) in enumerate(segs):
            for i in range(r0, r0 + n):
                bit_node[i, j] = f"bl{j}_{i}"
                below = f"bl{j}_{i + 1}" if i + 1 < r0 + n else f"bs{j}_{k}"
                b.resistor(f"Rbl{j}_{i}", f"bl{j}_{i}", below, r_bl, j)
            b.resistor(f"Rtap{j}_{k}", f"bs{j}_{k}", f"g{j}_{k}", tap_ohm, j)
            if k + 1 < len(segs):
                r_g = global_ohm_per_pitch * pitch * segs[k + 1][1]
                b.resistor(f"Rg{j}_{k}", f"g{j}_{k}", f"g{j}_{k + 1}", r_g, j)
        sense_src.append(b.source(f"Vsense{j}", f"g{j}_{len(segs) - 1}", 0.0))
    cell_res: dict[str, npt.NDArray[np.int64]] = {}
    for s, (p, drv) in enumerate(sets):
        st = as_pm1(states[p], f"{p} cell states", shape=(rows, total))
        volts = np.asarray(row_volts[p], dtype=np.float64)
        if volts.shape != (rows,):
            raise InputError(f"{p} driver voltages must have shape ({rows},), got {volts.shape}")
        r_p = nominal.mtj_p * devices.r_scale[s]
        r_ap = r_p * (1 + (nominal.mtj_ap / nominal.mtj_p - 1) * devices.tmr_scale[s])
        r_cell = np.where(st > 0, nominal.access_p + r_p, nominal.access_ap + r_ap)
        idx = np.empty((rows, total), dtype=np.int64)
        for i in range(rows):
            b.source(f"V{drv}{i}", f"{p}{i}_d", float(volts[i]))
            b.resistor(f"Rdrv{p}{i}", f"{p}{i}_d", f"{p}{i}_0", r_out, -1)
            for j in range(total):
                b.resistor(f"Rwl{p}{i}_{j}", f"{p}{i}_{j}", f"{p}{i}_{j + 1}", r_wl, j)
                idx[i, j] = b.resistor(f"Rc{p}{i}_{j}", f"{p}{i}_{j + 1}", bit_node[i, j], float(r_cell[i, j]), j)
        cell_res[p] = idx
    return b.network(
        scheme=str(scheme),
        parasitics="mesh",
        rows=rows,
        cols=total - ref_cols,
        ref_cols=ref_cols,
        sense_src=sense_src,
        cell_res=cell_res,
    )
