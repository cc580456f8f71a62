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

Vectorized assembly (`assemble_network`, what `build_network` runs). Numbering, with
T = cols + ref_cols data + reference columns: node 0 is ground, then the bit-line nodes column by
column, then for each row-line set and each row its driver node, driver output and line nodes:
    mesh:   bl{j}_{i}, i = 0..rows              -> 1 + j (rows + 1) + i
            {p}{i}_d, {p}{i}_0 .. {p}{i}_{T}    -> row base + 0, 1 .. T + 1
    lumped: bl{j}, bl{j}_s                      -> 1 + 2 j, 2 + 2 j
            {p}{i}_d, {p}{i}_0, {p}{i}          -> row base + 0, 1, 2
    none:   bl{j}                               -> 1 + j
            {p}{i}_d, {p}{i}                    -> row base + 0, 1
Resistors: the bit-line segments column by column, then per set and row the driver resistor,
(lumped) the row line, and the cells (mesh: row segment j and cell j interleaved). Sources: the
sense inputs Vsense{j}, then per set the row drivers V{drv}{i}.
Why: at 784 x 512 the element-by-element builder takes seconds (1.2 M resistors), longer than a
solve. The topology is integer arrays computed once per (scheme, parasitics, rows, columns, wire
values) and cached; only the cell resistances and driver voltages are new for each read, and
names are generated on first use (`LazyNames`, when a deck is rendered).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import overload

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
    "ArrayTopology",
    "LazyNames",
    "array_topology",
    "assemble_network",
    "build_network_elementwise",
    "cell_ohm",
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


def build_network_elementwise(
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
    """The read network for given cell states (+1 = parallel) and driver voltages, one element at a
    time: the readable reference that `assemble_network` (what `build_network` runs) equals element by
    element (tests/unit/test_fastsolve.py).

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

    Vectorized (`assemble_network`); the network is identical, element by element, to the
    one-element-at-a-time `build_network_elementwise`.

    Args:
        states: per row-line set prefix, the (rows, cols + ref_cols) cell states.
        row_volts: per row-line set prefix, the (rows,) driver voltages.
        devices: per-device deviations (nominal when None), shape (sets, rows, cols + ref_cols).
        ref_cols: trailing columns that are replica references (named like data columns).
        v_row: bias at which cell resistances are linearized (default: the read voltage).
    """
    return assemble_network(
        tech, states, row_volts, scheme=scheme, parasitics=parasitics, devices=devices, ref_cols=ref_cols, v_row=v_row
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


I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


class LazyNames(Sequence[str]):
    """A list of names of known length, generated on first access (rendering a deck)."""

    def __init__(self, length: int, make: Callable[[], list[str]]) -> None:
        self._length = length
        self._make = make
        self._names: list[str] | None = None

    def _list(self) -> list[str]:
        if self._names is None:
            self._names = self._make()
            if len(self._names) != self._length:
                raise InputError(f"name generator gave {len(self._names)} names, expected {self._length}")
        return self._names

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        return self._list()[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._list())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyNames | list):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class ArrayTopology:
    """The resistor graph of an array read network, without values.

    `wire_ohm` holds every non-cell resistor's value (cell entries are 0 until `values` fills
    them); `cell_res[p]` is the (rows, T) resistor index of each cell of row-line set p and
    `driver_src[p]` the (rows,) source index of each driver.
    """

    scheme: str
    parasitics: str
    rows: int
    cols: int
    ref_cols: int
    n_nodes: int
    res_a: I64
    res_b: I64
    res_block: I64
    wire_ohm: F64
    src_node: I64
    sense_src: I64
    cell_res: dict[str, I64]
    driver_src: dict[str, I64]

    @property
    def total_cols(self) -> int:
        return self.cols + self.ref_cols

    def values(self, cell_ohm: dict[str, F64]) -> F64:
        """Every resistor's value [Ohm] with the cells of each set at `cell_ohm[p]` (rows, T)."""
        ohm = self.wire_ohm.copy()
        for p, idx in self.cell_res.items():
            ohm[idx] = cell_ohm[p]
        return ohm

    def source_volts(self, row_volts: dict[str, F64]) -> F64:
        """Every source's voltage [V]: sense inputs 0, drivers at `row_volts[p]` (rows,)."""
        volts = np.zeros(len(self.src_node))
        for p, idx in self.driver_src.items():
            volts[idx] = row_volts[p]
        return volts

    def network(self, res_ohm: F64, src_volts: F64) -> ArrayNetwork:
        """The `ArrayNetwork` with these values (names generated lazily, as build_network's)."""
        names = _names(self.scheme, self.parasitics, self.rows, self.total_cols)
        return ArrayNetwork(
            scheme=self.scheme,
            parasitics=self.parasitics,
            rows=self.rows,
            cols=self.cols,
            ref_cols=self.ref_cols,
            node_names=LazyNames(self.n_nodes, names.nodes),  # type: ignore[arg-type]
            res_a=self.res_a,
            res_b=self.res_b,
            res_ohm=np.asarray(res_ohm, dtype=np.float64),
            res_block=self.res_block,
            res_names=LazyNames(len(self.res_a), names.resistors),  # type: ignore[arg-type]
            src_names=LazyNames(len(self.src_node), names.sources),  # type: ignore[arg-type]
            src_node=self.src_node,
            src_volts=np.asarray(src_volts, dtype=np.float64),
            sense_src=self.sense_src,
            cell_res=dict(self.cell_res),
        )


@lru_cache(maxsize=16)
def _topology(
    scheme: str, parasitics: str, rows: int, cols: int, ref_cols: int, r_wl: float, r_bl: float, r_out: float
) -> ArrayTopology:
    sets = row_line_sets(scheme)
    t = cols + ref_cols
    i_r = np.arange(rows)
    j_c = np.arange(t)
    a_parts: list[I64] = []
    b_parts: list[I64] = []
    blk_parts: list[I64] = []
    ohm_parts: list[F64] = []
    # bit lines
    if parasitics == "mesh":
        bit_nodes = 1 + t * (rows + 1)
        base = 1 + j_c[:, None] * (rows + 1) + i_r[None, :]  # (T, rows): bl{j}_{i}
        a_parts.append(base.ravel())
        b_parts.append((base + 1).ravel())
        blk_parts.append(np.repeat(j_c, rows))
        ohm_parts.append(np.full(t * rows, r_bl))
        sense_node = 1 + j_c * (rows + 1) + rows
        cell_bit = 1 + j_c[None, :] * (rows + 1) + i_r[:, None]  # (rows, T)
    elif parasitics == "lumped":
        bit_nodes = 1 + 2 * t
        a_parts.append(1 + 2 * j_c)
        b_parts.append(2 + 2 * j_c)
        blk_parts.append(j_c.copy())
        ohm_parts.append(np.full(t, r_bl * rows))
        sense_node = 2 + 2 * j_c
        cell_bit = np.broadcast_to(1 + 2 * j_c, (rows, t))
    else:
        bit_nodes = 1 + t
        sense_node = 1 + j_c
        cell_bit = np.broadcast_to(1 + j_c, (rows, t))
    n_bit_res = sum(len(x) for x in a_parts)
    per_node = {"mesh": t + 2, "lumped": 3, "none": 2}[parasitics]
    per_res = {"mesh": 1 + 2 * t, "lumped": 2 + t, "none": 1 + t}[parasitics]
    src_node = [sense_node]
    cell_res: dict[str, I64] = {}
    driver_src: dict[str, I64] = {}
    for s, (p, _) in enumerate(sets):
        row_base = bit_nodes + (s * rows + i_r) * per_node  # {p}{i}_d
        res_base = n_bit_res + (s * rows + i_r) * per_res
        a = np.empty((rows, per_res), dtype=np.int64)
        b = np.empty((rows, per_res), dtype=np.int64)
        blk = np.empty((rows, per_res), dtype=np.int64)
        ohm = np.zeros((rows, per_res))
        a[:, 0], b[:, 0], blk[:, 0], ohm[:, 0] = row_base, row_base + 1, -1, r_out  # Rdrv
        if parasitics == "mesh":
            seg = 1 + 2 * j_c  # Rwl{p}{i}_{j}: _j -> _{j+1}
            a[:, seg] = row_base[:, None] + 1 + j_c
            b[:, seg] = row_base[:, None] + 2 + j_c
            blk[:, seg], ohm[:, seg] = j_c, r_wl
            cell = 2 + 2 * j_c  # Rc{p}{i}_{j}: _{j+1} -> bit node
            a[:, cell] = row_base[:, None] + 2 + j_c
        elif parasitics == "lumped":
            a[:, 1], b[:, 1], blk[:, 1], ohm[:, 1] = row_base + 1, row_base + 2, -1, r_wl * t  # Rwl{p}{i}
            cell = 2 + j_c
            a[:, cell] = (row_base + 2)[:, None]
        else:
            cell = 1 + j_c
            a[:, cell] = (row_base + 1)[:, None]
        b[:, cell] = cell_bit
        blk[:, cell] = j_c
        a_parts.append(a.ravel())
        b_parts.append(b.ravel())
        blk_parts.append(blk.ravel())
        ohm_parts.append(ohm.ravel())
        cell_res[p] = res_base[:, None] + cell[None, :]
        driver_src[p] = t + s * rows + i_r
        src_node.append(row_base)
    n_nodes = bit_nodes + len(sets) * rows * per_node
    topo = ArrayTopology(
        scheme=scheme,
        parasitics=parasitics,
        rows=rows,
        cols=cols,
        ref_cols=ref_cols,
        n_nodes=n_nodes,
        res_a=np.concatenate(a_parts),
        res_b=np.concatenate(b_parts),
        res_block=np.concatenate(blk_parts),
        wire_ohm=np.concatenate(ohm_parts),
        src_node=np.concatenate(src_node),
        sense_src=np.arange(t),
        cell_res=cell_res,
        driver_src=driver_src,
    )
    for arr in (
        topo.res_a,
        topo.res_b,
        topo.res_block,
        topo.wire_ohm,
        topo.src_node,
        topo.sense_src,
        *cell_res.values(),
        *driver_src.values(),
    ):
        arr.flags.writeable = False  # shared by every network of this topology (cached)
    return topo


def array_topology(
    tech: Technology, *, scheme: str, parasitics: str, rows: int, cols: int, ref_cols: int = 0
) -> ArrayTopology:
    """The (cached) topology of a rows x (cols + ref_cols) read network with `tech`'s wires and drivers."""
    parasitics = parse_option(Parasitics, parasitics, "parasitics")
    row_line_sets(scheme)
    if rows < 1 or cols + ref_cols < 1 or cols < 0 or ref_cols < 0:
        raise InputError(f"an array needs rows >= 1 and columns >= 1, got {rows} x {cols} (+{ref_cols})")
    pitch = Scheme(scheme).bit_line_pitch
    return _topology(
        scheme,
        parasitics,
        rows,
        cols,
        ref_cols,
        float(tech.wires.r_wl_ohm),
        float(tech.wires.r_bl_ohm * pitch),
        float(tech.drivers.r_out_ohm),
    )


def cell_ohm(
    tech: Technology,
    states: npt.ArrayLike,
    devices_r_scale: F64,
    devices_tmr_scale: F64,
    v_row: float | None = None,
) -> F64:
    """Series read resistance [Ohm] of each cell (MTJ at read bias + access on-resistance).

    R_P = R_P,nom x r_scale; R_AP = R_P (1 + TMR_nom x tmr_scale); a cell holds R_P + R_acc,P when
    its state is +1 and R_AP + R_acc,AP otherwise (`build_network_elementwise`'s rule). Any leading
    batch shape broadcasts.
    """
    nominal = read_path_resistances(tech, v_row)
    r_p = nominal.mtj_p * np.asarray(devices_r_scale, dtype=np.float64)
    r_ap = r_p * (1 + (nominal.mtj_ap / nominal.mtj_p - 1) * np.asarray(devices_tmr_scale, dtype=np.float64))
    return np.where(np.asarray(states) > 0, nominal.access_p + r_p, nominal.access_ap + r_ap)


def assemble_network(
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
    """`build_network_elementwise` without per-element Python: same arguments, same network.

    Args:
        states: per row-line set prefix, the (rows, cols + ref_cols) cell states (+1 = parallel).
        row_volts: per row-line set prefix, the (rows,) driver voltages [V].
        devices: per-device deviations (nominal when None), shape (sets, rows, cols + ref_cols).
        ref_cols: trailing replica reference columns.
        v_row: bias at which cell resistances are linearized (default: the read voltage).

    Raises:
        ConfigError: unknown scheme or parasitics.
        InputError: states, voltages or devices of the wrong shape or values.
    """
    parasitics = parse_option(Parasitics, parasitics, "parasitics")
    sets = row_line_sets(scheme)
    first = np.asarray(states[sets[0][0]])
    if first.ndim != 2:
        raise InputError(f"cell states must be a 2-D (rows, cols) array, got shape {first.shape}")
    rows, total = first.shape
    devices = devices or DeviceSample.nominal((len(sets), rows, total))
    if devices.r_scale.shape != (len(sets), rows, total):
        raise InputError(f"device sample shape {devices.r_scale.shape} does not match the array")
    topo = array_topology(
        tech, scheme=scheme, parasitics=parasitics, rows=rows, cols=total - ref_cols, ref_cols=ref_cols
    )
    cells, volts = {}, {}
    for s, (p, _) in enumerate(sets):
        st = as_pm1(states[p], f"{p} cell states", shape=(rows, total))
        cells[p] = cell_ohm(tech, st, devices.r_scale[s], devices.tmr_scale[s], v_row)
        v = np.asarray(row_volts[p], dtype=np.float64)
        if v.shape != (rows,):
            raise InputError(f"{p} driver voltages must have shape ({rows},), got {v.shape}")
        volts[p] = v
    return topo.network(topo.values(cells), topo.source_volts(volts))


@dataclass(frozen=True)
class _Names:
    scheme: str
    parasitics: str
    rows: int
    total_cols: int

    def nodes(self) -> list[str]:
        rows, t = self.rows, self.total_cols
        out = ["0"]
        if self.parasitics == "mesh":
            out += [f"bl{j}_{i}" for j in range(t) for i in range(rows + 1)]
        elif self.parasitics == "lumped":
            out += [n for j in range(t) for n in (f"bl{j}", f"bl{j}_s")]
        else:
            out += [f"bl{j}" for j in range(t)]
        for p, _ in row_line_sets(self.scheme):
            for i in range(rows):
                if self.parasitics == "mesh":
                    out += [f"{p}{i}_d"] + [f"{p}{i}_{j}" for j in range(t + 1)]
                elif self.parasitics == "lumped":
                    out += [f"{p}{i}_d", f"{p}{i}_0", f"{p}{i}"]
                else:
                    out += [f"{p}{i}_d", f"{p}{i}"]
        return out

    def resistors(self) -> list[str]:
        rows, t = self.rows, self.total_cols
        if self.parasitics == "mesh":
            out = [f"Rbl{j}_{i}" for j in range(t) for i in range(rows)]
        elif self.parasitics == "lumped":
            out = [f"Rbl{j}" for j in range(t)]
        else:
            out = []
        for p, _ in row_line_sets(self.scheme):
            for i in range(rows):
                out.append(f"Rdrv{p}{i}")
                if self.parasitics == "mesh":
                    out += [n for j in range(t) for n in (f"Rwl{p}{i}_{j}", f"Rc{p}{i}_{j}")]
                else:
                    if self.parasitics == "lumped":
                        out.append(f"Rwl{p}{i}")
                    out += [f"Rc{p}{i}_{j}" for j in range(t)]
        return out

    def sources(self) -> list[str]:
        out = [f"Vsense{j}" for j in range(self.total_cols)]
        for _, drv in row_line_sets(self.scheme):
            out += [f"V{drv}{i}" for i in range(self.rows)]
        return out


@lru_cache(maxsize=16)
def _names(scheme: str, parasitics: str, rows: int, total_cols: int) -> _Names:
    return _Names(scheme, parasitics, rows, total_cols)
