"""A whole layer mapped on sub-arrays: every sub-array column's current for many inputs.

Stage: circuit solve (uses `readnet_fast` and `fastsolve`, like `fastread`). Inputs: a
`Technology`, the (d, h) +-1 weights of a layer, the sub-array size R x C, scheme and wiring,
optionally one device sample of the layer; then (n, d) +-1 inputs. Output: (n, ceil(d / R), h)
currents [A], the current of column j of the sub-array holding rows [b R, (b + 1) R) of the
layer, for each input: the partial sums an ADC or a hierarchical bit line combines. Equal to
reading each sub-array alone with `fastread.ArrayReader` (tested) and so to `readnet.solve_scipy`.

Why a separate path: a 784 x 512 layer on 64 x 64 sub-arrays is 104 small networks per input,
and solving them one call at a time is dominated by per-call overhead (~1 ms each). Here all
sub-arrays of one shape are one block-diagonal network (copies of one topology sharing only
ground), solved by one line-preconditioned CG per input (half-size: the inputs toggle the
cells, so every input is a new matrix). Conventional sub-arrays do not depend on the input:
each gets its read matrix once (Cholesky) and every input is a matrix product.

Ideal toggles; no reference columns (the partial sums are what an ADC digitizes).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mramcim.array.fastread import ArrayReader
from mramcim.circuit.fastsolve import LinePcgSolver
from mramcim.circuit.readnet import ArrayNetwork, ArrayTopology, LazyNames, array_topology, cell_ohm, row_line_sets
from mramcim.device.variation import DeviceSample
from mramcim.encoding import as_pm1
from mramcim.errors import InputError
from mramcim.tech import Technology

__all__ = ["TiledLayer", "stack_network"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def stack_network(topo: ArrayTopology, copies: int) -> tuple[ArrayNetwork, dict[str, I64]]:
    """`copies` independent copies of a topology as one network (they share only ground).

    Returns:
        The network (nominal values: wires set, cells and sources to be filled) and, per row-line
        set, the (copies, rows, T) resistor index of every cell.
    """
    n_free = topo.n_nodes - 1
    k = np.arange(copies)

    def shift(nodes: I64) -> I64:
        return np.where(nodes[None, :] == 0, 0, nodes[None, :] + (k * n_free)[:, None]).ravel()

    n_res, n_src = len(topo.res_a), len(topo.src_node)
    cell_res = {p: idx[None] + (k * n_res)[:, None, None] for p, idx in topo.cell_res.items()}
    ohm = np.tile(topo.wire_ohm, copies)
    for idx in cell_res.values():
        ohm[idx] = 1.0  # placeholder until a read fills the cells
    n_nodes = 1 + copies * n_free
    net = ArrayNetwork(
        scheme=topo.scheme,
        parasitics=topo.parasitics,
        rows=topo.rows,
        cols=topo.cols,
        ref_cols=topo.ref_cols,
        node_names=LazyNames(n_nodes, lambda: ["0", *(f"n{i}" for i in range(1, n_nodes))]),  # type: ignore[arg-type]
        res_a=shift(topo.res_a),
        res_b=shift(topo.res_b),
        res_ohm=ohm,
        res_block=np.tile(topo.res_block, copies),
        res_names=LazyNames(copies * n_res, lambda: [f"R{i}" for i in range(copies * n_res)]),  # type: ignore[arg-type]
        src_names=LazyNames(copies * n_src, lambda: [f"V{i}" for i in range(copies * n_src)]),  # type: ignore[arg-type]
        src_node=shift(topo.src_node),
        src_volts=np.zeros(copies * n_src),
        sense_src=(topo.sense_src[None, :] + (k * n_src)[:, None]).ravel(),
        cell_res={p: idx.reshape(-1) for p, idx in cell_res.items()},
    )
    return net, cell_res


class TiledLayer:
    """A (d, h) layer of +-1 weights on sub-arrays of `rows` x `cols` (the last ones smaller).

    Args:
        tech: technology (wires, drivers, cells, read voltage).
        weights: (d, h) +-1 weights (+1 = parallel).
        rows, cols: sub-array size R x C.
        scheme: "half" or "conventional"; parasitics: "none", "lumped" or "mesh".
        devices: one device sample of the whole layer, shape (sets, d, h) (nominal when None).
    """

    def __init__(
        self,
        tech: Technology,
        weights: npt.ArrayLike,
        *,
        rows: int,
        cols: int,
        scheme: str,
        parasitics: str,
        devices: DeviceSample | None = None,
    ) -> None:
        w = np.asarray(weights)
        if w.ndim != 2:
            raise InputError(f"weights must be a 2-D (d, h) array, got shape {w.shape}")
        self.weights = as_pm1(w, "weights")
        d, h = self.weights.shape
        if rows < 1 or cols < 1:
            raise InputError(f"sub-arrays need rows, cols >= 1, got {rows} x {cols}")
        self.tech, self.scheme, self.parasitics = tech, scheme, parasitics
        self.sets = [p for p, _ in row_line_sets(scheme)]
        if devices is not None and devices.r_scale.shape != (len(self.sets), d, h):
            raise InputError(
                f"device sample shape {devices.r_scale.shape} does not match the layer ({len(self.sets)}, {d}, {h})"
            )
        self.devices = devices
        self.row_blocks = [(r0, min(rows, d - r0)) for r0 in range(0, d, rows)]
        self.col_blocks = [(c0, min(cols, h - c0)) for c0 in range(0, h, cols)]
        self._groups: dict[tuple[int, int], list[tuple[int, int, int]]] = {}  # (r, c) -> [(block, r0, c0)]
        for b, (r0, r) in enumerate(self.row_blocks):
            for c0, c in self.col_blocks:
                self._groups.setdefault((r, c), []).append((b, r0, c0))
        self._stacks: dict[tuple[int, int], tuple[ArrayTopology, ArrayNetwork, dict[str, I64], LinePcgSolver]] = {}
        self._matrices: dict[tuple[int, int], F64] | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.weights.shape

    def _scales(self, s: int, r0: int, r: int, c0: int, c: int) -> tuple[F64, F64]:
        if self.devices is None:
            return np.ones((r, c)), np.ones((r, c))
        return (self.devices.r_scale[s, r0 : r0 + r, c0 : c0 + c], self.devices.tmr_scale[s, r0 : r0 + r, c0 : c0 + c])

    def _stack(self, r: int, c: int) -> tuple[ArrayTopology, ArrayNetwork, dict[str, I64], LinePcgSolver]:
        if (r, c) not in self._stacks:
            topo = array_topology(self.tech, scheme=self.scheme, parasitics=self.parasitics, rows=r, cols=c)
            net, cells = stack_network(topo, len(self._groups[(r, c)]))
            self._stacks[(r, c)] = (topo, net, cells, LinePcgSolver(net))
        return self._stacks[(r, c)]

    def currents(self, inputs: npt.ArrayLike) -> F64:
        """(n, row blocks, h) column currents [A] of every sub-array for (n, d) +-1 inputs."""
        x = np.atleast_2d(np.asarray(inputs))
        d, h = self.shape
        x = as_pm1(x, "inputs", shape=(x.shape[0], d))
        out = np.empty((x.shape[0], len(self.row_blocks), h))
        if self.scheme == "conventional":
            self._conventional(x, out)
            return out
        v = self.tech.operation.v_read_v
        for (r, c), tiles in self._groups.items():
            topo, net, cells, solver = self._stack(r, c)
            volts = np.tile(topo.source_volts({"rl": np.full(r, v)}), len(tiles))
            scales = [self._scales(0, r0, r, c0, c) for _, r0, c0 in tiles]
            r_scale = np.stack([sc[0] for sc in scales])
            tmr_scale = np.stack([sc[1] for sc in scales])
            w_tiles = np.stack([self.weights[r0 : r0 + r, c0 : c0 + c] for _, r0, c0 in tiles])
            rows_of = np.stack([np.arange(r0, r0 + r) for _, r0, _ in tiles])  # (K, r) layer rows
            res = net.res_ohm.copy()
            for n_in, xi in enumerate(x):
                states = xi[rows_of][:, :, None] * w_tiles  # (K, r, c): X * W, ideal toggles
                res[cells["rl"]] = cell_ohm(self.tech, states, r_scale, tmr_scale)
                cur = solver.sense_currents(res, volts)[0].reshape(len(tiles), c)
                for t, (b, _, c0) in enumerate(tiles):
                    out[n_in, b, c0 : c0 + c] = cur[t]
        return out

    def _conventional(self, x: npt.NDArray[np.int8], out: F64) -> None:
        v = self.tech.operation.v_read_v
        if self._matrices is None:
            self._matrices = {}
            for (r, c), tiles in self._groups.items():
                reader = ArrayReader(self.tech, r, c, scheme="conventional", parasitics=self.parasitics)
                for _, r0, c0 in tiles:
                    w = self.weights[r0 : r0 + r, c0 : c0 + c]
                    dev = None
                    if self.devices is not None:
                        dev = DeviceSample(
                            *(
                                a[:, r0 : r0 + r, c0 : c0 + c]
                                for a in (
                                    self.devices.ra_scale,
                                    self.devices.area_scale,
                                    self.devices.tmr_scale,
                                    self.devices.vcma_scale,
                                )
                            )
                        )
                    self._matrices[(r0, c0)] = reader.read_matrix({"rla": w, "rlb": -w}, dev)
        for b, (r0, r) in enumerate(self.row_blocks):
            xs = x[:, r0 : r0 + r]
            drive = np.hstack([np.where(xs > 0, v, 0.0), np.where(xs < 0, v, 0.0)])  # lines a, then b
            for c0, c in self.col_blocks:
                out[:, b, c0 : c0 + c] = drive @ self._matrices[(r0, c0)].T
