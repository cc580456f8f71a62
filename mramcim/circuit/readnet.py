"""The resistive (DC) read network of a sum-of-product array, and its scipy solver.

During a read every cell is a series resistor (MTJ at its read-bias resistance plus the access
transistor's linear-region on-resistance, both from the closed-form cell model), the row
drivers are ideal sources behind their output resistance, the bit lines end in the sense
amplifiers' virtual ground, and the wires are resistors per cell pitch. The same `ArrayNetwork`
is rendered to an ngspice `.op` deck (netlists/sop_read_dc.sp.j2) and solved here by sparse
nodal analysis, so the two engines solve one netlist.

Node names (shared with the transient deck, netlists/sop_array.sp.j2):
    row line set p ("rl" half-size; "rla"/"rlb" conventional), row i:
        driver source node  p{i}_d      (source V{row|rowa|rowb}{i}, resistor Rdrv{p}{i})
        mesh:   p{i}_0 is the driver output, the cell in column j sits on p{i}_{j+1}
                (segment Rwl{p}{i}_{j} from p{i}_{j} to p{i}_{j+1})
        lumped: driver output p{i}_0, one segment Rwl{p}{i} (the whole line) to p{i}
        none:   the driver resistor ends on p{i}
    bit line of column j:
        mesh:   the cell in row i sits on bl{j}_{i}; segment Rbl{j}_{i} to bl{j}_{i+1};
                bl{j}_{rows} is the sense input (source Vsense{j}, 0 V)
        lumped: cells on bl{j}, one segment Rbl{j} to the sense input bl{j}_s
        none:   cells on the sense input bl{j}
A conventional weight is a pair of cells stacked along the bit line, so its bit-line pitch
(resistance and capacitance per weight) is twice the half-size one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from mramcim.device.cell import read_path_resistances
from mramcim.device.variation import DeviceSample
from mramcim.encoding import as_pm1
from mramcim.errors import InputError
from mramcim.options import Parasitics, Scheme, parse_option
from mramcim.tech import Technology

__all__ = [
    "ArrayNetwork",
    "NetworkBuilder",
    "NetworkSolution",
    "build_network",
    "check_memory",
    "memory_estimate_bytes",
    "row_line_sets",
    "solve_scipy",
]


def row_line_sets(scheme: str) -> tuple[tuple[str, str], ...]:
    """(row-line node prefix, driver source name prefix) per row-line set of a scheme."""
    return parse_option(Scheme, scheme, "scheme", Scheme.active()).row_line_sets


@dataclass
class ArrayNetwork:
    """A linear network: resistors between indexed nodes, grounded ideal voltage sources.

    Node 0 is ground. `res_block` gives each resistor's column (row-driver resistors -1), used
    to partition the network by columns. Names are built only when a deck is rendered.
    """

    scheme: str
    parasitics: str
    rows: int
    cols: int  # data columns
    ref_cols: int  # replica reference columns after the data columns
    node_names: list[str]
    res_a: npt.NDArray[np.int64]
    res_b: npt.NDArray[np.int64]
    res_ohm: npt.NDArray[np.float64]
    res_block: npt.NDArray[np.int64]
    res_names: list[str]
    src_names: list[str]
    src_node: npt.NDArray[np.int64]
    src_volts: npt.NDArray[np.float64]
    sense_src: npt.NDArray[np.int64]  # source index of each column's sense input (data + ref)
    cell_res: dict[str, npt.NDArray[np.int64]] = field(default_factory=dict)  # set -> (rows, cols) resistor index

    @property
    def n_nodes(self) -> int:
        return len(self.node_names)

    @cached_property
    def _pattern(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        return np.concatenate([self.res_a, self.res_b, self.res_a, self.res_b]), np.concatenate(
            [self.res_a, self.res_b, self.res_b, self.res_a]
        )


class NetworkBuilder:
    """Collects named nodes, resistors and grounded sources, then freezes them into an ArrayNetwork."""

    def __init__(self) -> None:
        self.nodes: dict[str, int] = {"0": 0}
        self.res: list[tuple[str, int, int, float, int]] = []
        self.src: list[tuple[str, int, float]] = []

    def node(self, name: str) -> int:
        return self.nodes.setdefault(name, len(self.nodes))

    def resistor(self, name: str, a: str, b: str, ohm: float, block: int) -> int:
        self.res.append((name, self.node(a), self.node(b), ohm, block))
        return len(self.res) - 1

    def source(self, name: str, node: str, volts: float) -> int:
        self.src.append((name, self.node(node), volts))
        return len(self.src) - 1

    def network(
        self,
        *,
        scheme: str,
        parasitics: str,
        rows: int,
        cols: int,
        ref_cols: int,
        sense_src: list[int],
        cell_res: dict[str, npt.NDArray[np.int64]],
    ) -> ArrayNetwork:
        names, a, b, ohm, block = zip(*self.res, strict=True)
        src_names, src_node, src_volts = zip(*self.src, strict=True)
        return ArrayNetwork(
            scheme=scheme,
            parasitics=parasitics,
            rows=rows,
            cols=cols,
            ref_cols=ref_cols,
            node_names=list(self.nodes),
            res_a=np.asarray(a, dtype=np.int64),
            res_b=np.asarray(b, dtype=np.int64),
            res_ohm=np.asarray(ohm, dtype=np.float64),
            res_block=np.asarray(block, dtype=np.int64),
            res_names=list(names),
            src_names=list(src_names),
            src_node=np.asarray(src_node, dtype=np.int64),
            src_volts=np.asarray(src_volts, dtype=np.float64),
            sense_src=np.asarray(sense_src, dtype=np.int64),
            cell_res=cell_res,
        )


def build_network(
    tech: Technology,
    states: dict[str, npt.NDArray[np.int8]],
    row_volts: dict[str, npt.NDArray[np.float64]],
    *,
    scheme: str,
    parasitics: str,
    devices: DeviceSample | None = None,
    ref_cols: int = 0,
    v_row: float | None = None,
) -> ArrayNetwork:
    """The read network for given cell states (+1 = parallel) and driver voltages.

    Args:
        states: per row-line set prefix, the (rows, cols + ref_cols) cell states.
        row_volts: per row-line set prefix, the (rows,) driver voltages.
        devices: per-device deviations (nominal when None), shape (sets, rows, cols + ref_cols).
        ref_cols: trailing columns that are replica references (named like data columns).
        v_row: bias at which cell resistances are linearized (default: the read voltage).
    """
    parasitics = parse_option(Parasitics, parasitics, "parasitics")
    sets = row_line_sets(scheme)
    first = states[sets[0][0]]
    rows, total_cols = first.shape
    cols = total_cols - ref_cols
    devices = devices or DeviceSample.nominal((len(sets), rows, total_cols))
    if devices.r_scale.shape != (len(sets), rows, total_cols):
        raise InputError(f"device sample shape {devices.r_scale.shape} does not match the array")
    nominal = read_path_resistances(tech, v_row)
    pitch = Scheme(scheme).bit_line_pitch
    r_wl, r_bl, r_out = tech.wires.r_wl_ohm, tech.wires.r_bl_ohm * pitch, tech.drivers.r_out_ohm
    b = NetworkBuilder()
    # bit lines: the node each cell of (row i, column j) lands on, and the sense sources
    bit_node = np.empty((rows, total_cols), dtype=object)
    sense_src = []
    for j in range(total_cols):
        if parasitics == "mesh":
            for i in range(rows):
                bit_node[i, j] = f"bl{j}_{i}"
                b.resistor(f"Rbl{j}_{i}", f"bl{j}_{i}", f"bl{j}_{i + 1}", r_bl, j)
            sense_node = f"bl{j}_{rows}"
        elif parasitics == "lumped":
            bit_node[:, j] = f"bl{j}"
            b.resistor(f"Rbl{j}", f"bl{j}", f"bl{j}_s", r_bl * rows, j)
            sense_node = f"bl{j}_s"
        else:
            bit_node[:, j] = sense_node = f"bl{j}"
        sense_src.append(b.source(f"Vsense{j}", sense_node, 0.0))
    cell_res: dict[str, npt.NDArray[np.int64]] = {}
    for s, (p, drv) in enumerate(sets):
        st = as_pm1(states[p], f"{p} cell states", shape=(rows, total_cols))
        volts = np.asarray(row_volts[p], dtype=np.float64)
        r_p = nominal.mtj_p * devices.r_scale[s]
        r_ap = r_p * (1 + (nominal.mtj_ap / nominal.mtj_p - 1) * devices.tmr_scale[s])
        r_cell = np.where(st > 0, nominal.access_p + r_p, nominal.access_ap + r_ap)
        idx = np.empty((rows, total_cols), dtype=np.int64)
        for i in range(rows):
            b.source(f"V{drv}{i}", f"{p}{i}_d", float(volts[i]))
            if parasitics == "mesh":
                b.resistor(f"Rdrv{p}{i}", f"{p}{i}_d", f"{p}{i}_0", r_out, -1)
                for j in range(total_cols):
                    b.resistor(f"Rwl{p}{i}_{j}", f"{p}{i}_{j}", f"{p}{i}_{j + 1}", r_wl, j)
                    idx[i, j] = b.resistor(f"Rc{p}{i}_{j}", f"{p}{i}_{j + 1}", bit_node[i, j], float(r_cell[i, j]), j)
            else:
                line = f"{p}{i}"
                if parasitics == "lumped":
                    b.resistor(f"Rdrv{p}{i}", f"{p}{i}_d", f"{p}{i}_0", r_out, -1)
                    b.resistor(f"Rwl{p}{i}", f"{p}{i}_0", line, r_wl * total_cols, -1)
                else:
                    b.resistor(f"Rdrv{p}{i}", f"{p}{i}_d", line, r_out, -1)
                for j in range(total_cols):
                    idx[i, j] = b.resistor(f"Rc{p}{i}_{j}", line, bit_node[i, j], float(r_cell[i, j]), j)
        cell_res[p] = idx
    return b.network(
        scheme=scheme,
        parasitics=parasitics,
        rows=rows,
        cols=cols,
        ref_cols=ref_cols,
        sense_src=sense_src,
        cell_res=cell_res,
    )


@dataclass(frozen=True)
class NetworkSolution:
    """Node voltages [V] and the current each source delivers into the network [A]."""

    volts: npt.NDArray[np.float64]
    src_current: npt.NDArray[np.float64]

    def sense_currents(self, net: ArrayNetwork) -> npt.NDArray[np.float64]:
        """Current flowing from each bit line into its sense input (data columns, then refs)."""
        return -self.src_current[net.sense_src]


def solve_scipy(net: ArrayNetwork) -> NetworkSolution:
    """Sparse nodal solve: fixed (source) nodes are eliminated, the rest solved by SuperLU."""
    g = 1.0 / net.res_ohm
    rows_idx, cols_idx = net._pattern
    values = np.concatenate([g, g, -g, -g])
    n = net.n_nodes
    matrix = sp.csr_matrix((values, (rows_idx, cols_idx)), shape=(n, n))
    fixed = np.zeros(n, dtype=bool)
    fixed[0] = True
    volts = np.zeros(n)
    fixed[net.src_node] = True
    volts[net.src_node] = net.src_volts
    free = np.flatnonzero(~fixed)
    known = np.flatnonzero(fixed)
    a_ff = matrix[free][:, free].tocsc()
    rhs = -(matrix[free][:, known] @ volts[known])
    volts[free] = spla.spsolve(a_ff, rhs, permc_spec="COLAMD")
    if not np.all(np.isfinite(volts)):
        raise InputError("the read network is singular (a node floats)")
    branch = (volts[net.res_a] - volts[net.res_b]) * g  # current a -> b
    into = np.bincount(net.res_a, weights=branch, minlength=n) - np.bincount(net.res_b, weights=branch, minlength=n)
    # each source delivers what leaves its node through resistors (sources on distinct nodes)
    return NetworkSolution(volts, np.asarray(into[net.src_node], dtype=np.float64))


BYTES_PER_ELEMENT = {"read_network": 1100, "transient_deck": 600}


def memory_estimate_bytes(rows: int, cols: int, scheme: str, parasitics: str, what: str = "read_network") -> int:
    """Peak memory of a job on a rows x cols array, from measured bytes per element.

    read_network: building and solving the DC network (~1.1 kB per element for the Python element
    lists and the SuperLU factor; measured 784 x 64 mesh ~ 0.2 GB; a passive cell is one element
    like a half-size one). transient_deck: rendering the LLG deck text (~0.6 kB per cell).
    """
    elements = rows * cols * Scheme(scheme).mtjs_per_weight
    if what == "read_network":
        elements *= 3 if parasitics == "mesh" else 1
        return int(elements * BYTES_PER_ELEMENT[what]) + 50_000_000
    return int(elements * BYTES_PER_ELEMENT[what])


def available_memory_bytes() -> int:
    """Physical memory free now (MRAMCIM_MEMORY_LIMIT, in bytes, overrides it)."""
    import os

    limit = os.environ.get("MRAMCIM_MEMORY_LIMIT")
    if limit:
        return int(float(limit))
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def check_memory(what: str, needed: int) -> None:
    """Refuse, before building anything, a job whose estimate exceeds the free memory."""
    free = available_memory_bytes()
    if needed > 0.8 * free:
        raise InputError(
            f"{what} needs about {needed / 1e9:.1f} GB, more than 80 % of the "
            f"{free / 1e9:.1f} GB free; use fewer rows/columns or lumped parasitics"
        )
