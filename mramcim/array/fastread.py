"""Bit-line currents of many reads of one array: device samples, operands, images, in one call.

Stage: circuit solve (uses `readnet_fast` for the topology and `fastsolve` for the solves).
Inputs: a `Technology`, an array geometry (scheme, parasitics, rows, columns, reference
columns), and per read the cell states, driver voltages and device sample. Outputs: (n_reads,
cols + ref_cols) sense-input currents [A], equal to `readnet.solve_scipy` on the network
`readnet.build_network` would build for each read (tests check it, and ngspice, to 1e-9).

What is shared between reads decides the method:
    - the topology (always): the line structure of `fastsolve.LinePcgSolver` (and, when
      needed, the Cholesky ordering and symbolic factorization) is made once per `ArrayReader`;
    - nothing else (half-size scheme: X toggles the cells, so every input is a new matrix; or
      a new device sample per read): one line-preconditioned CG solve per read, O(n) per step;
    - the resistor values (the same states and devices, only the drivers move): above
      `SHARED_MIN_READS` reads, one Cholesky factorization with every read as a right-hand side
      of it, or the read matrix M (I = M v_drivers). This is the conventional scheme with fixed
      weights: the input X only chooses which of the two row lines is driven.

The half-size toggle is taken as ideal here (cell state X*W); `arrayread.read_mac` samples
toggle failures and can pass its own states through `ArrayReader.currents`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mramcim.circuit.fastsolve import CholeskySolver, LinePcgSolver
from mramcim.circuit.readnet import ArrayTopology, array_topology, cell_ohm, row_line_sets
from mramcim.device.variation import DeviceSample
from mramcim.encoding import as_pm1
from mramcim.errors import InputError
from mramcim.tech import Technology

__all__ = ["SHARED_MIN_READS", "ArrayReader"]

SHARED_MIN_READS = 8  # reads of one matrix above which one factorization beats one CG solve each

F64 = npt.NDArray[np.float64]


class ArrayReader:
    """Reads of one rows x (cols + ref_cols) array geometry, solved by sparse Cholesky.

    Args:
        tech: technology (wires, drivers, cell model, read voltage).
        rows, cols, ref_cols: array size; reference columns follow the data columns.
        scheme: "half" or "conventional"; parasitics: "none", "lumped" or "mesh".
        backend, ordering: see `fastsolve.CholeskySolver` (used for shared matrices).
        v_row: bias at which the cells are linearized (default: the read voltage).
    """

    def __init__(
        self,
        tech: Technology,
        rows: int,
        cols: int,
        *,
        scheme: str,
        parasitics: str,
        ref_cols: int = 0,
        backend: str | None = None,
        ordering: str = "metis",
        v_row: float | None = None,
    ) -> None:
        self.tech = tech
        self.sets = [p for p, _ in row_line_sets(scheme)]
        self.topology: ArrayTopology = array_topology(
            tech, scheme=scheme, parasitics=parasitics, rows=rows, cols=cols, ref_cols=ref_cols
        )
        self.v_row = v_row
        shape = (rows, cols + ref_cols)
        nominal = self.topology.values(
            {p: cell_ohm(tech, np.ones(shape), np.ones(shape), np.ones(shape), v_row) for p in self.sets}
        )
        self._net = self.topology.network(nominal, np.zeros(len(self.topology.src_node)))
        self._backend, self._ordering = backend, ordering
        self._cholesky: CholeskySolver | None = None
        self.pcg = LinePcgSolver(self._net)

    @property
    def cholesky(self) -> CholeskySolver:
        """The Cholesky solver of this geometry (made on first use: METIS takes seconds at 784 x 512)."""
        if self._cholesky is None:
            self._cholesky = CholeskySolver(self._net, backend=self._backend, ordering=self._ordering)
        return self._cholesky

    @property
    def shape(self) -> tuple[int, int]:
        return self.topology.rows, self.topology.total_cols

    def resistor_values(self, states: dict[str, npt.ArrayLike], devices: DeviceSample | None = None) -> F64:
        """(n_res,) or (n_reads, n_res) resistor values for (rows, T) or (n_reads, rows, T) states."""
        cells = {}
        for s, p in enumerate(self.sets):
            st = np.asarray(states[p])
            if st.shape[-2:] != self.shape:
                raise InputError(f"{p} states must end in shape {self.shape}, got {st.shape}")
            as_pm1(st.reshape(-1, self.shape[1]), f"{p} cell states")
            r_scale = 1.0 if devices is None else devices.r_scale[s]
            tmr_scale = 1.0 if devices is None else devices.tmr_scale[s]
            cells[p] = cell_ohm(
                self.tech, st, np.broadcast_to(r_scale, st.shape), np.broadcast_to(tmr_scale, st.shape), self.v_row
            )
        lead = np.broadcast_shapes(*(c.shape[:-2] for c in cells.values()))
        if not lead:
            return self.topology.values(cells)
        flat = {p: np.broadcast_to(c, lead + self.shape).reshape(-1, *self.shape) for p, c in cells.items()}
        return np.stack([self.topology.values({p: c[k] for p, c in flat.items()}) for k in range(int(np.prod(lead)))])

    def source_volts(self, row_volts: dict[str, npt.ArrayLike]) -> F64:
        """(n_src,) or (n_reads, n_src) source voltages for (rows,) or (n_reads, rows) drivers."""
        v = {p: np.asarray(row_volts[p], dtype=np.float64) for p in self.sets}
        for p, arr in v.items():
            if arr.shape[-1] != self.shape[0]:
                raise InputError(f"{p} driver voltages must end in {self.shape[0]} rows, got shape {arr.shape}")
        lead = np.broadcast_shapes(*(a.shape[:-1] for a in v.values()))
        if not lead:
            return self.topology.source_volts(v)
        flat = {p: np.broadcast_to(a, lead + (self.shape[0],)).reshape(-1, self.shape[0]) for p, a in v.items()}
        return np.stack(
            [self.topology.source_volts({p: a[k] for p, a in flat.items()}) for k in range(int(np.prod(lead)))]
        )

    def currents(
        self, states: dict[str, npt.ArrayLike], row_volts: dict[str, npt.ArrayLike], devices: DeviceSample | None = None
    ) -> F64:
        """(n_reads, T) sense-input currents [A].

        Args:
            states: per row-line set, (rows, T) states shared by every read or (n_reads, rows, T).
            row_volts: per row-line set, (rows,) or (n_reads, rows) driver voltages [V].
            devices: one device sample (sets, rows, T) for every read (nominal when None).
        """
        res = self.resistor_values(states, devices)
        volts = self.source_volts(row_volts)
        if res.ndim == 1 and volts.ndim == 2 and volts.shape[0] >= SHARED_MIN_READS:
            return self.cholesky.factor(res).sense_currents(volts)
        return self.pcg.sense_currents(res, volts)

    def read_matrix(self, states: dict[str, npt.ArrayLike], devices: DeviceSample | None = None) -> F64:
        """M (T, sets x rows): sense currents = M @ concatenated driver voltages, for fixed states."""
        full = self.cholesky.factor(self.resistor_values(states, devices)).read_matrix()
        return full[:, np.concatenate([self.topology.driver_src[p] for p in self.sets])]

    def mac_currents(
        self,
        weights: npt.ArrayLike,
        inputs: npt.ArrayLike,
        *,
        devices: DeviceSample | None = None,
        ref_states: npt.ArrayLike | None = None,
    ) -> F64:
        """(n_inputs, T) currents of MACs of fixed weights with many inputs (ideal toggles).

        Half-size: cell states X*W (reference columns `ref_states`, never toggled), every row at
        V_read: one CG solve per input. Conventional: lines a/b hold W/-W (references on both),
        X = +1 drives line a, X = -1 line b: one solve per input for a few inputs, else one
        factorization and its read matrix for all of them.

        Args:
            weights: (rows, cols) +-1. inputs: (n_inputs, rows) +-1.
            ref_states: (rows, ref_cols) +-1 states of the reference columns.
        """
        rows, total = self.shape
        w = as_pm1(np.asarray(weights), "weights", shape=(rows, total - self.topology.ref_cols))
        x = np.atleast_2d(np.asarray(inputs))
        x = as_pm1(x, "inputs", shape=(x.shape[0], rows))
        ref = (
            np.zeros((rows, 0), dtype=np.int8)
            if ref_states is None
            else as_pm1(np.asarray(ref_states), "reference states", shape=(rows, self.topology.ref_cols))
        )
        if ref.shape[1] != self.topology.ref_cols:
            raise InputError(f"the array has {self.topology.ref_cols} reference columns; pass their states")
        v = self.tech.operation.v_read_v
        if self.topology.scheme == "half":
            states = np.concatenate(
                [x[:, :, None] * w[None], np.broadcast_to(ref, (len(x), rows, ref.shape[1]))], axis=2
            )
            return np.vstack(
                [self.currents({"rl": states[k]}, {"rl": np.full(rows, v)}, devices) for k in range(len(x))]
            )
        pair: dict[str, npt.ArrayLike] = {"rla": np.hstack([w, ref]), "rlb": np.hstack([-w, ref])}
        if len(x) < SHARED_MIN_READS:
            return self.currents(pair, {"rla": np.where(x > 0, v, 0.0), "rlb": np.where(x < 0, v, 0.0)}, devices)
        m = self.read_matrix(pair, devices)
        drive = np.hstack([np.where(x > 0, v, 0.0), np.where(x < 0, v, 0.0)])  # (n, 2 rows): lines a then b
        return drive @ m.T
