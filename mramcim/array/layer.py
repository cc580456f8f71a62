"""A trained layer mapped onto R x C sub-arrays and read through its actual read networks.

Stage: array (uses circuit/readnet, circuit/fastsolve, array/tiledread). Inputs: a `Technology`,
the (d, h) +-1 weights of a layer, a `LayerMapping` (scheme, how partial sums are combined,
sub-array size, ADC bits, wire widths), one chip (device sample and sense offsets, drawn once
from a seed), and (n, d) +-1 inputs. Outputs: the hidden activations the hardware decides, the
column currents behind them and the toggle failures.

Mappings of a column split over ceil(d / R) row blocks:
    single        one d-row array per column block (R is ignored: the whole fan-in on one bit line);
    hierarchical  R-row local bit-line segments joined by taps (`tap_ohm`) to a global bit line of
                  `global_width` times the technology's bit-line width; the segments' currents sum
                  on it into one sense amplifier (circuit/hiernet.py is the same network as one
                  netlist, used by the tests and by ngspice);
    adc           every sub-array column has its own sense input read by a b-bit ADC; the codes
                  are added digitally and the sign taken.
The comparator reference of single/hierarchical comes from two replica columns per column block
(popcounts ceil(d/2) and ceil(d/2) - 1, their P cells spread evenly over the rows), placed after
the data columns on the same row lines and wires; the ADC's full scale from two replica columns
per sub-array (all P, all AP). Replica cells have their own word line, off during VCMA pulses.

The systematic part of IR drop is systematic here: for every input the read network of the
chip (fixed weights, device sample, offsets) is solved exactly (line-preconditioned CG on all
sub-arrays of one shape stacked; for the conventional scheme the inputs only move the sources,
so each sub-array's read matrix is computed once). Per read, only the toggle failures (half-size)
are drawn: each X = -1 cell's toggle probability comes from its MTJ voltage in the solved
toggle-phase network (the same network with the X = -1 rows at V_vcma, the replicas' word line
off) through the toggle-error map. The hierarchical global line is solved by a fixed-point
iteration on the tap voltages: the sub-arrays are solved with their sense inputs at the tap
voltages, the global ladder's Kirchhoff equations are solved with each segment's output
conductance as preconditioner, until the tap voltages move by < 1e-12 V (a few iterations; the
tests compare it with the one-netlist scipy solve).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from pydantic import Field, model_validator

from mramcim.array.tiledread import stack_network
from mramcim.circuit.fastsolve import CholeskySolver, LinePcgSolver
from mramcim.circuit.readnet import ArrayNetwork, LazyNames, array_topology, cell_ohm, row_line_sets
from mramcim.device.cell import read_path_resistances
from mramcim.device.twostate import ToggleMap
from mramcim.device.variation import DeviceSample
from mramcim.encoding import as_pm1, threshold_popcount
from mramcim.errors import InputError
from mramcim.options import Config, Mapping, MappingField, Scheme, SchemeField
from mramcim.paths import model_file
from mramcim.tech import Technology, override

__all__ = [
    "HardwareLayer",
    "LayerMapping",
    "LayerRead",
    "load_wide_toggle_map",
    "mapped_tech",
    "replica_states",
]

logger = logging.getLogger(__name__)

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
OPEN_OHM = 1e12  # a replica cell whose word line is off (toggle phase)
GLOBAL_TOL_V = 1e-11  # tap-voltage step [V]: currents then change by < 1e-15 A per segment
TOGGLE_TOL_V = 1e-6  # the toggle map is read at mV resolution
TOGGLE_RTOL = 1e-9
READ_RTOL = 1e-13
GLOBAL_MAX_ITER = 60


class LayerMapping(Config):
    """How a (d, h) layer sits on sub-arrays and how its partial sums are combined."""

    scheme: SchemeField = Field(Scheme.HALF, description="half (1 MTJ, VCMA-XNOR) or conventional (2T2MTJ)")
    mapping: MappingField = Field(Mapping.HIERARCHICAL, description="single, hierarchical or adc")
    rows: int = Field(64, ge=2, le=4096, description="sub-array rows R (single: ignored, the fan-in)")
    cols: int = Field(64, ge=1, le=1024, description="sub-array data columns C")
    adc_bits: int | None = Field(None, ge=1, le=13, description="adc: bits per conversion (None: ceil(log2(R+1)))")
    wire_width: float = Field(1.0, ge=1.0, le=16.0, description="local row/bit-line width / technology width")
    global_width: float = Field(32.0, ge=1.0, le=1000.0, description="hierarchical: global bit-line width multiplier")
    tap_ohm: float = Field(10.0, gt=0.0, le=1e4, description="hierarchical: segment-to-global-line tap [Ohm]")

    @model_validator(mode="after")
    def _check(self) -> LayerMapping:
        if self.adc_bits is not None and self.mapping is not Mapping.ADC:
            raise InputError(f"adc_bits applies to the adc mapping only, not {self.mapping}")
        if self.mapping is Mapping.ADC and self.adc_bits is not None and self.adc_bits > self.full_bits:
            raise InputError(
                f"adc_bits {self.adc_bits} exceeds ceil(log2(R + 1)) = {self.full_bits} for R = {self.rows}"
            )
        return self

    @property
    def full_bits(self) -> int:
        return int(np.ceil(np.log2(self.rows + 1)))

    @property
    def bits(self) -> int:
        return self.full_bits if self.adc_bits is None else self.adc_bits

    def segment_rows(self, d: int) -> int:
        """Rows per bit line (single: the fan-in)."""
        return d if self.mapping is Mapping.SINGLE else min(self.rows, d)


def mapped_tech(tech: Technology, mapping: LayerMapping) -> Technology:
    """The technology with the local wires widened: R / w per pitch and C (1 + w) / 2 (half of
    the per-pitch capacitance taken as area, proportional to width, half as fringe)."""
    w = mapping.wire_width
    if w == 1.0:
        return tech
    wires = tech.wires
    return override(
        tech,
        wires={
            "r_wl_ohm": wires.r_wl_ohm / w,
            "r_bl_ohm": wires.r_bl_ohm / w,
            "c_wl_f": wires.c_wl_f * (1 + w) / 2,
            "c_bl_f": wires.c_bl_f * (1 + w) / 2,
        },
    )


def load_wide_toggle_map() -> ToggleMap:
    """The packaged toggle-error map down to 0.6 V at the MTJ (models/calibration/toggle_wide.json):
    the flat array's far rows see 0.5-0.8 V, below the default map's 0.9 V edge."""
    import json

    payload = json.loads(model_file("calibration/toggle_wide.json").read_text(encoding="utf-8"))
    return ToggleMap(
        np.asarray(payload["voltages_v"], float),
        np.asarray(payload["widths_s"], float),
        np.asarray(payload["p_toggle"], float),
    )


def replica_states(rows: int, k: int) -> npt.NDArray[np.int8]:
    """(rows,) states with k parallel cells spread evenly over the rows."""
    out = -np.ones(rows, dtype=np.int8)
    if k > 0:
        out[np.round(np.linspace(0, rows - 1, k)).astype(int)] = 1
    return out


@dataclass(frozen=True)
class LayerRead:
    """What the hardware did with n inputs."""

    activations: npt.NDArray[np.int8]  # (n, h) +-1 decided by the sense amplifiers or ADC sums
    currents_a: F64  # (n, h) column currents (single/hierarchical) or (n, blocks, h) partial sums (adc)
    reference_a: F64  # (n, column blocks) comparator reference, or (n, blocks, column blocks, 2) ADC ends
    toggle_failures: int  # X = -1 cells that did not toggle, over all reads
    pulsed_cells: int  # X = -1 cells pulsed, over all reads
    partial_codes: F64 | None = None  # adc: (n, blocks, h) estimated partial popcounts
    global_iterations: list[int] = field(default_factory=list)


@dataclass
class _Group:
    """All sub-arrays of one shape, stacked into one network."""

    r: int
    c: int  # data columns
    tiles: list[tuple[int, int, int]]  # (row block, first row, first data column)
    net: ArrayNetwork
    cells: dict[str, I64]  # set -> (K, r, c + refs) resistor index
    volts_read: F64  # (n_src,) read voltages with every driver on (half) ...
    driver_src: dict[str, I64]  # set -> (K, r) source index of each driver
    sense_src: I64  # (K, c + refs) source index of each sense input
    last_bl: I64  # (K, c + refs) resistor index of each column's last bit-line segment
    solver: LinePcgSolver | None = None
    matrices: list[F64] | None = None  # conventional: per tile read matrix (c + refs, n_src_tile)
    fixed_res: F64 | None = None  # conventional: the resistor values (input-independent)


class HardwareLayer:
    """One chip's layer: weights on sub-arrays with a fixed device sample and sense offsets.

    Args:
        tech: technology (operation voltages, wires, variation).
        weights: (d, h) +-1.
        mapping: the mapping.
        rng: draws the chip (device sample, then sense offsets) once; None: nominal devices, no offsets.
        toggle_map: half-size toggle-error map (None: ideal toggles).
    """

    def __init__(
        self,
        tech: Technology,
        weights: npt.ArrayLike,
        mapping: LayerMapping,
        *,
        rng: np.random.Generator | None = None,
        toggle_map: ToggleMap | None = None,
    ) -> None:
        w = np.asarray(weights)
        if w.ndim != 2:
            raise InputError(f"weights must be a 2-D (d, h) array, got shape {w.shape}")
        self.weights = as_pm1(w, "weights")
        d, h = self.weights.shape
        self.mapping = mapping
        self.tech = mapped_tech(tech, mapping)
        self.scheme = Scheme(mapping.scheme)
        self.sets = [p for p, _ in row_line_sets(self.scheme)]
        self.toggle_map = toggle_map if self.scheme is Scheme.HALF else None
        self.threshold = threshold_popcount(d)
        seg = mapping.segment_rows(d)
        self.row_blocks = [(r0, min(seg, d - r0)) for r0 in range(0, d, seg)]
        self.col_blocks = [(c0, min(mapping.cols, h - c0)) for c0 in range(0, h, mapping.cols)]
        self.n_ref = 2
        # replica states (d, column-block-independent): comparator replicas span the whole column
        if mapping.mapping is Mapping.ADC:
            self._ref = np.stack([np.ones(d, dtype=np.int8), -np.ones(d, dtype=np.int8)], axis=1)
        else:
            self._ref = np.stack(
                [replica_states(d, self.threshold), replica_states(d, self.threshold - 1)], axis=1
            ).astype(np.int8)
        n_sets = len(self.sets)
        groups: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
        for b, (r0, r) in enumerate(self.row_blocks):
            for c0, c in self.col_blocks:
                groups.setdefault((r, c), []).append((b, r0, c0))
        # the chip: one device sample per tile (data + replica columns), then the sense offsets
        self._devices: dict[tuple[int, int], DeviceSample] = {}
        for (r, c), tiles in groups.items():
            for _, r0, c0 in tiles:
                shape = (n_sets, r, c + self.n_ref)
                self._devices[(r0, c0)] = (
                    DeviceSample.sample(self.tech, shape, rng) if rng is not None else DeviceSample.nominal(shape)
                )
        sigma = self.tech.variation.sigma_offset_a if rng is not None else 0.0
        n_sense = (len(self.row_blocks) if mapping.mapping is Mapping.ADC else 1) * h
        offsets = rng.normal(0.0, sigma, n_sense) if rng is not None and sigma > 0 else np.zeros(n_sense)
        self.offsets_a = self.tech.sense.offset_a + offsets.reshape(-1, h)
        self._groups = [self._make_group(r, c, tiles) for (r, c), tiles in groups.items()]
        self._warm: dict[str, F64] = {}
        self._subgroups: dict[tuple[int, int], tuple[_Group, I64, tuple[int, ...], I64]] = {}
        nominal = read_path_resistances(self.tech)
        self._g_cell = 2.0 / (nominal.access_p + nominal.mtj_p + nominal.access_ap + nominal.mtj_ap)

    # ---------------------------------------------------------------- set-up
    def _make_group(self, r: int, c: int, tiles: list[tuple[int, int, int]]) -> _Group:
        topo = array_topology(self.tech, scheme=self.scheme, parasitics="mesh", rows=r, cols=c, ref_cols=self.n_ref)
        net, cells = stack_network(topo, len(tiles))
        k = np.arange(len(tiles))
        n_src, n_res = len(topo.src_node), len(topo.res_a)
        driver_src = {p: idx[None, :] + (k * n_src)[:, None] for p, idx in topo.driver_src.items()}
        sense_src = topo.sense_src[None, :] + (k * n_src)[:, None]
        t = c + self.n_ref
        last_bl = (np.arange(t) * r + (r - 1))[None, :] + (k * n_res)[:, None]  # Rbl{j}_{r-1}: first t*r resistors
        if self.mapping.mapping is Mapping.HIERARCHICAL:
            net.res_ohm[last_bl.ravel()] += self.mapping.tap_ohm  # the tap in series with the last local pitch
        v = self.tech.operation.v_read_v
        volts = np.zeros(len(net.src_node))
        for p in self.sets:
            volts[driver_src[p].ravel()] = v
        return _Group(r, c, tiles, net, cells, volts, driver_src, sense_src, last_bl)

    def _tile_states(self, g: _Group, x: npt.NDArray[np.int8] | None) -> dict[str, npt.NDArray[np.int8]]:
        """Per set, (K, r, c + refs) states: half-size X*W (x None: W), conventional (W, -W)."""
        out: dict[str, npt.NDArray[np.int8]] = {}
        data = np.stack([self.weights[r0 : r0 + g.r, c0 : c0 + g.c] for _, r0, c0 in g.tiles])
        refs = np.stack([self._ref[r0 : r0 + g.r] for _, r0, _ in g.tiles])
        if self.scheme is Scheme.HALF:
            if x is not None:
                rows_of = np.stack([np.arange(r0, r0 + g.r) for _, r0, _ in g.tiles])
                data = x[rows_of][:, :, None] * data
            out["rl"] = np.concatenate([data, refs], axis=2).astype(np.int8)
        else:
            out["rla"] = np.concatenate([data, refs], axis=2).astype(np.int8)
            out["rlb"] = np.concatenate([-data, refs], axis=2).astype(np.int8)
        return out

    def _resistances(self, g: _Group, states: dict[str, npt.NDArray[np.int8]]) -> F64:
        res = g.net.res_ohm.copy()
        for s, p in enumerate(self.sets):
            dev = [self._devices[(r0, c0)] for _, r0, c0 in g.tiles]
            r_scale = np.stack([dv.r_scale[s] for dv in dev])
            tmr_scale = np.stack([dv.tmr_scale[s] for dv in dev])
            res[g.cells[p].ravel()] = cell_ohm(self.tech, states[p], r_scale, tmr_scale).ravel()
        return res

    # ---------------------------------------------------------------- solves
    def _solver(self, g: _Group) -> LinePcgSolver:
        if g.solver is None:
            g.solver = LinePcgSolver(g.net)
        return g.solver

    def _conv_matrices(self, g: _Group) -> list[F64]:
        """Conventional: per tile, M (c + refs, 2 r + c + refs) over (drivers a, drivers b, sense inputs)."""
        if g.matrices is None:
            topo = array_topology(
                self.tech, scheme=self.scheme, parasitics="mesh", rows=g.r, cols=g.c, ref_cols=self.n_ref
            )
            states = self._tile_states(g, None)
            res_all = self._resistances(g, states)
            n_res = len(topo.res_a)
            chol = CholeskySolver(topo.network(res_all[:n_res], np.zeros(len(topo.src_node))))
            mats = []
            for t in range(len(g.tiles)):
                m = chol.factor(res_all[t * n_res : (t + 1) * n_res]).read_matrix()
                order = np.concatenate([topo.driver_src["rla"], topo.driver_src["rlb"], topo.sense_src])
                mats.append(m[:, order])
            g.matrices = mats
        return g.matrices

    def _sense(
        self, g: _Group, res: F64, x: npt.NDArray[np.int8] | None, v_sense: F64, drive: F64 | None = None
    ) -> F64:
        """(K, c + refs) sense currents of one read with the sense inputs at v_sense (K, c + refs);
        `drive` (n_src,) overrides the half-size read voltages (the toggle phase)."""
        if self.scheme is Scheme.CONVENTIONAL:
            assert x is not None
            v = self.tech.operation.v_read_v
            out = np.empty((len(g.tiles), g.c + self.n_ref))
            for t, ((_, r0, _), m) in enumerate(zip(g.tiles, self._conv_matrices(g), strict=True)):
                xs = x[r0 : r0 + g.r]
                drive = np.concatenate([np.where(xs > 0, v, 0.0), np.where(xs < 0, v, 0.0), v_sense[t]])
                out[t] = m @ drive
            return out
        volts = (g.volts_read if drive is None else drive).copy()
        volts[g.sense_src.ravel()] = v_sense.ravel()
        return self._solver(g).sense_currents(res, volts)[0].reshape(len(g.tiles), -1)

    def _read_all(
        self,
        res: list[F64],
        x: npt.NDArray[np.int8] | None,
        iterations: list[int],
        drives: list[F64 | None] | None = None,
        phase: str = "read",
    ) -> tuple[list[F64], list[F64]]:
        """Per group, (K, c + refs) tap currents and tap voltages with the global lines solved
        (hierarchical; other mappings: every sense input at 0 V)."""
        drv: list[F64 | None] = drives or [None] * len(self._groups)
        zero = [np.zeros((len(g.tiles), g.c + self.n_ref)) for g in self._groups]
        if self.mapping.mapping is not Mapping.HIERARCHICAL or len(self.row_blocks) == 1:
            cur = [self._sense(g, r, x, z, dv) for g, r, z, dv in zip(self._groups, res, zero, drv, strict=True)]
            return cur, zero
        return self._global_solve(res, x, iterations, drv, phase)

    def _global_solve(
        self,
        res: list[F64],
        x: npt.NDArray[np.int8] | None,
        iterations: list[int],
        drives: list[F64 | None],
        phase: str,
    ) -> tuple[list[F64], list[F64]]:
        d, h = self.weights.shape
        nb = len(self.row_blocks)
        n_cb = len(self.col_blocks)
        width = self.mapping.global_width
        pitch = self.scheme.bit_line_pitch
        r_g_pitch = self.tech.wires.r_bl_ohm * self.mapping.wire_width / width * pitch  # technology wire / width
        # global ladder per physical column (column block, column incl. refs): nodes 0..nb-1, sense at nb-1
        r_link = np.array([r_g_pitch * self.row_blocks[b + 1][1] for b in range(nb - 1)])  # between b and b+1
        t_max = self.mapping.cols + self.n_ref
        # warm start: the tap voltages of the previous read of this phase (they change little between inputs)
        volt = self._warm.get(phase, np.zeros((nb, n_cb, t_max))).copy()
        tol = TOGGLE_TOL_V if phase == "toggle" else GLOBAL_TOL_V
        y_hat = np.array([self._g_cell * r / (1 + self._g_cell * r * self.mapping.tap_ohm) for _, r in self.row_blocks])
        # L + diag(y): tridiagonal over b = 0..nb-2 (node nb-1 is the grounded sense input)
        n = nb - 1
        diag = y_hat[:n].copy()
        diag += 1 / r_link
        diag[1:] += 1 / r_link[:-1]
        off = -1 / r_link[:-1]
        mat = np.diag(diag) + np.diag(off, 1) + np.diag(off, -1)
        inv = np.linalg.inv(mat)
        cb_of = {c0: i for i, (c0, _) in enumerate(self.col_blocks)}
        currents: list[F64] = []
        v_taps: list[F64] = []
        for it in range(GLOBAL_MAX_ITER):
            currents, v_taps = [], []
            taps = np.zeros((nb, n_cb, t_max))
            for g, r, dv in zip(self._groups, res, drives, strict=True):
                v_s = np.stack([volt[b, cb_of[c0], : g.c + self.n_ref] for b, _, c0 in g.tiles])
                cur = self._sense(g, r, x, v_s, dv)
                currents.append(cur)
                v_taps.append(v_s)
                for t, (b, _, c0) in enumerate(g.tiles):
                    taps[b, cb_of[c0], : g.c + self.n_ref] = cur[t]
            # (L + Y) V_new = I(V) + Y V
            rhs = taps[:n] + y_hat[:n, None, None] * volt[:n]
            new = np.einsum("ab,bct->act", inv, rhs)
            step = float(np.max(np.abs(new - volt[:n])))
            volt[:n] = new
            if step < tol:
                self._warm[phase] = volt.copy()
                iterations.append(it + 1)
                break
        else:
            raise InputError(
                f"the global bit line did not converge in {GLOBAL_MAX_ITER} iterations (step {step:.2e} V)"
            )
        return currents, v_taps

    # ---------------------------------------------------------------- reads
    def _toggle_failed(
        self, x: npt.NDArray[np.int8], rng: np.random.Generator, iterations: list[int]
    ) -> tuple[list[npt.NDArray[np.bool_]], int, int]:
        """Per group, (K, r, c) cells whose toggle failed in this read; failures, pulsed cells."""
        assert self.toggle_map is not None
        op = self.tech.operation
        nominal = read_path_resistances(self.tech)
        share = np.array(
            [nominal.mtj_ap / (nominal.mtj_ap + nominal.access_ap), nominal.mtj_p / (nominal.mtj_p + nominal.access_p)]
        )
        lo, hi = self.toggle_map.voltages_v[0], self.toggle_map.voltages_v[-1]
        grid = np.linspace(lo, hi, 121)
        table = np.array([self.toggle_map(v, op.t_vcma_s) for v in grid])
        failed, fails, pulsed = [], 0, 0
        all_res: list[F64] = []
        all_drive: list[F64 | None] = []
        for g in self._groups:
            res = self._resistances(g, self._tile_states(g, None))
            res[g.cells["rl"][:, :, g.c :].ravel()] = OPEN_OHM  # replica word line off
            volts = np.zeros(len(g.net.src_node))
            for k, (_, r0, _) in enumerate(g.tiles):
                volts[g.driver_src["rl"][k]] = np.where(x[r0 : r0 + g.r] < 0, op.v_vcma_v, 0.0)
            all_res.append(res)
            all_drive.append(volts)
        solvers = [self._solver(g) for g in self._groups]
        for sv in solvers:
            sv.rtol = TOGGLE_RTOL  # the toggle map needs mV, not the read's 1e-13
        try:
            _, v_taps = self._read_all(all_res, None, iterations, all_drive, phase="toggle")
            sols = []
            for g, res, drive, v_s in zip(self._groups, all_res, all_drive, v_taps, strict=True):
                volts = np.array(drive, dtype=np.float64)
                volts[g.sense_src.ravel()] = v_s.ravel()
                sols.append(self._solver(g).solve(res, volts))
        finally:
            for sv in solvers:
                sv.rtol = READ_RTOL
        for g, sol in zip(self._groups, sols, strict=True):
            states = self._tile_states(g, None)
            idx = g.cells["rl"][:, :, : g.c]
            v_cell = sol.volts[g.net.res_a[idx]] - sol.volts[g.net.res_b[idx]]
            w_tiles = states["rl"][:, :, : g.c]
            vcma = np.stack([self._devices[(r0, c0)].vcma_scale[0, :, : g.c] for _, r0, c0 in g.tiles])
            v_mtj = v_cell * share[(w_tiles > 0).astype(int)] * vcma
            p = np.interp(np.clip(v_mtj, lo, hi), grid, table)
            p = np.where(v_mtj < lo, 0.0, p)  # below the calibrated range the pulse does not toggle
            rows_of = np.stack([np.arange(r0, r0 + g.r) for _, r0, _ in g.tiles])
            hit = (x[rows_of] < 0)[:, :, None] & np.ones_like(w_tiles, dtype=bool)
            f = hit & (rng.random(hit.shape) >= p)
            failed.append(f)
            fails += int(f.sum())
            pulsed += int(hit.sum())
        return failed, fails, pulsed

    def read(self, inputs: npt.ArrayLike, rng: np.random.Generator | None = None) -> LayerRead:
        """Hidden activations for (n, d) +-1 inputs, one read each (toggle failures drawn with rng)."""
        x_all = np.atleast_2d(np.asarray(inputs))
        d, h = self.weights.shape
        x_all = as_pm1(x_all, "inputs", shape=(x_all.shape[0], d))
        n = x_all.shape[0]
        rng = rng or np.random.default_rng(0)
        adc = self.mapping.mapping is Mapping.ADC
        nb, n_cb = len(self.row_blocks), len(self.col_blocks)
        cur_out = np.zeros((n, nb, h)) if adc else np.zeros((n, h))
        ref_out = np.zeros((n, nb, n_cb, 2)) if adc else np.zeros((n, n_cb))
        act = np.empty((n, h), dtype=np.int8)
        codes = np.zeros((n, nb, h)) if adc else None
        fails = pulsed = 0
        iterations: list[int] = []
        for i, x in enumerate(x_all):
            res, f, p = self.read_resistances(x, rng, iterations)
            fails, pulsed = fails + f, pulsed + p
            currents, _ = self._read_all(res, x if self.scheme is Scheme.CONVENTIONAL else None, iterations)
            self._decide(i, currents, cur_out, ref_out, act, codes)
        return LayerRead(act, cur_out, ref_out, fails, pulsed, codes, iterations)

    def read_resistances(
        self, x: npt.NDArray[np.int8], rng: np.random.Generator, iterations: list[int] | None = None
    ) -> tuple[list[F64], int, int]:
        """Per group, the resistor values of one read of input x (toggle failures drawn with rng),
        and the toggle failures and pulsed cells of that read."""
        failed, fails, pulsed = None, 0, 0
        if self.toggle_map is not None and np.any(x < 0):
            failed, fails, pulsed = self._toggle_failed(x, rng, [] if iterations is None else iterations)
        res = []
        for gi, g in enumerate(self._groups):
            states = self._tile_states(g, x)
            if failed is not None:
                w_tiles = self._tile_states(g, None)["rl"][:, :, : g.c]
                states["rl"][:, :, : g.c] = np.where(failed[gi], w_tiles, states["rl"][:, :, : g.c])
            if self.scheme is Scheme.HALF:
                res.append(self._resistances(g, states))
            else:  # the weights alone set the conventional cells (the input only moves the sources)
                if g.fixed_res is None:
                    g.fixed_res = self._resistances(g, states)
                res.append(g.fixed_res)
        return res, fails, pulsed

    def _drive(self, g: _Group, x: npt.NDArray[np.int8]) -> F64:
        """(n_src,) source voltages of a read: half-size every row at V_read, conventional the line X selects."""
        if self.scheme is Scheme.HALF:
            return g.volts_read.copy()
        v = self.tech.operation.v_read_v
        volts = np.zeros(len(g.net.src_node))
        for k, (_, r0, _) in enumerate(g.tiles):
            xs = x[r0 : r0 + g.r]
            volts[g.driver_src["rla"][k]] = np.where(xs > 0, v, 0.0)
            volts[g.driver_src["rlb"][k]] = np.where(xs < 0, v, 0.0)
        return volts

    def spice_network(
        self, res: list[F64], x: npt.NDArray[np.int8], col_block: int | None = None
    ) -> tuple[ArrayNetwork, list[I64]]:
        """One read as a single netlist for another solver (ngspice): every group's stacked network,
        and for the hierarchical mapping the global bit lines joining the row blocks' tap nodes (the
        coupling the fast path solves by its fixed point). Returns the network and, per group, the
        (K, c + refs) index into its sense currents of each tile column (-1: no sense input there,
        a tap on the global line, or a tile left out). `col_block` keeps only the sub-arrays of one
        column block (they share no wire with the others), so a read can be solved block by block."""
        hier = self.mapping.mapping is Mapping.HIERARCHICAL and len(self.row_blocks) > 1
        a_parts: list[I64] = []
        b_parts: list[I64] = []
        blk_parts: list[I64] = []
        src_node: list[I64] = []
        sense_of: list[I64] = []
        ohm_parts: list[F64] = []
        src_volts: list[F64] = []
        cell_res: dict[str, list[I64]] = {}
        offset, n_res_total = 0, 0
        tap_node: dict[tuple[int, int, int], int] = {}  # (row block, column block, column) -> node
        cb_of = {c0: k for k, (c0, _) in enumerate(self.col_blocks)}
        keep_c0 = None if col_block is None else self.col_blocks[col_block][0]
        for g, r in zip(self._groups, res, strict=True):
            if keep_c0 is not None and all(c0 != keep_c0 for _, _, c0 in g.tiles):
                sense_of.append(np.full(g.sense_src.shape, -1, dtype=np.int64))
                continue
            if keep_c0 is not None:
                g, r, full_shape, sel = self._subgroup(g, r, keep_c0)
            n_free = g.net.n_nodes - 1
            shift = (
                np.where(g.net.res_a == 0, 0, g.net.res_a + offset),
                np.where(g.net.res_b == 0, 0, g.net.res_b + offset),
            )
            a_parts.append(shift[0])
            b_parts.append(shift[1])
            ohm_parts.append(np.asarray(r, dtype=np.float64))
            blk_parts.append(g.net.res_block)
            for p, idx in g.cells.items():
                cell_res.setdefault(p, []).append(idx.ravel() + n_res_total)
            volts = self._drive(g, x)
            nodes = np.where(g.net.src_node == 0, 0, g.net.src_node + offset)
            is_sense = np.zeros(len(nodes), dtype=bool)
            is_sense[g.sense_src.ravel()] = True
            keep = np.ones(len(nodes), dtype=bool)
            for t, (b, _, c0) in enumerate(g.tiles):
                for j in range(g.c + self.n_ref):
                    node = int(nodes[g.sense_src[t, j]])
                    tap_node[(b, cb_of[c0], j)] = node
                    if hier and b < len(self.row_blocks) - 1:
                        keep[g.sense_src[t, j]] = False  # a tap on the global line, not a sense input
            base = int(sum(arr.size for arr in src_node))
            kept = np.flatnonzero(keep)
            new_index = np.full(len(nodes), -1)
            new_index[kept] = base + np.arange(kept.size)
            src_node.append(nodes[kept])
            src_volts.append(volts[kept])
            if keep_c0 is not None:
                full = np.full(full_shape, -1, dtype=np.int64)
                full[sel] = new_index[g.sense_src]
                sense_of.append(full)
            else:
                sense_of.append(new_index[g.sense_src])
            offset += n_free
            n_res_total += len(r)
        if hier:
            pitch = self.scheme.bit_line_pitch
            r_g = self.tech.wires.r_bl_ohm * self.mapping.wire_width / self.mapping.global_width * pitch
            links_a, links_b, links_r = [], [], []
            for (b, cb, j), node in tap_node.items():
                if b + 1 < len(self.row_blocks):
                    links_a.append(node)
                    links_b.append(tap_node[(b + 1, cb, j)])
                    links_r.append(r_g * self.row_blocks[b + 1][1])
            a_parts.append(np.asarray(links_a, dtype=np.int64))
            b_parts.append(np.asarray(links_b, dtype=np.int64))
            ohm_parts.append(np.asarray(links_r, dtype=np.float64))
            blk_parts.append(np.zeros(len(links_a), dtype=np.int64))
        n_nodes = offset + 1
        n_res = n_res_total + (len(ohm_parts[-1]) if hier else 0)
        all_src = np.concatenate(src_node)
        sense = np.concatenate([s.ravel() for s in sense_of])
        sense = np.unique(sense[sense >= 0])
        net = ArrayNetwork(
            scheme=str(self.scheme),
            parasitics="mesh",
            rows=self.weights.shape[0],
            cols=self.weights.shape[1],
            ref_cols=0,
            node_names=LazyNames(n_nodes, lambda: ["0", *(f"n{i}" for i in range(1, n_nodes))]),  # type: ignore[arg-type]
            res_a=np.concatenate(a_parts),
            res_b=np.concatenate(b_parts),
            res_ohm=np.concatenate(ohm_parts),
            res_block=np.concatenate(blk_parts),
            res_names=LazyNames(n_res, lambda: [f"R{i}" for i in range(n_res)]),  # type: ignore[arg-type]
            src_names=LazyNames(len(all_src), lambda: [f"V{i}" for i in range(len(all_src))]),  # type: ignore[arg-type]
            src_node=all_src,
            src_volts=np.concatenate(src_volts),
            sense_src=sense,
            cell_res={p: np.concatenate(v) for p, v in cell_res.items()},
        )
        # map each tile column to its position among the network's sense currents
        pos = np.full(len(all_src), -1)
        pos[sense] = np.arange(sense.size)
        return net, [np.where(s >= 0, pos[np.maximum(s, 0)], -1) for s in sense_of]

    def _subgroup(self, g: _Group, r: F64, c0_keep: int) -> tuple[_Group, F64, tuple[int, ...], I64]:
        """The tiles of `g` in one column block as a group of their own (same topology, fewer copies).
        The topology is built once per (group, column block): a batch of reads only re-indexes `r`."""
        key = (id(g), c0_keep)
        if key not in self._subgroups:
            self._subgroups[key] = self._make_subgroup(g, c0_keep)
        sub, res_idx, shape, sel = self._subgroups[key]
        return sub, np.asarray(r)[res_idx], shape, sel

    def _make_subgroup(self, g: _Group, c0_keep: int) -> tuple[_Group, I64, tuple[int, ...], I64]:
        sel = np.array([t for t, (_, _, c0) in enumerate(g.tiles) if c0 == c0_keep], dtype=np.int64)
        topo = array_topology(self.tech, scheme=self.scheme, parasitics="mesh", rows=g.r, cols=g.c, ref_cols=self.n_ref)
        n_res, n_src = len(topo.res_a), len(topo.src_node)
        net, cells = stack_network(topo, sel.size)
        res_idx = (sel[:, None] * n_res + np.arange(n_res)[None, :]).ravel()
        src_idx = (sel[:, None] * n_src + np.arange(n_src)[None, :]).ravel()
        k = np.arange(sel.size)
        sub = _Group(
            g.r,
            g.c,
            [g.tiles[t] for t in sel],
            net,
            cells,
            g.volts_read[src_idx],
            {p: idx[None, :] + (k * n_src)[:, None] for p, idx in topo.driver_src.items()},
            topo.sense_src[None, :] + (k * n_src)[:, None],
            g.last_bl[sel] - (sel * n_res)[:, None] + (k * n_res)[:, None],
        )
        return sub, res_idx, g.sense_src.shape, sel

    def decide(
        self, x: npt.NDArray[np.int8], sense_a: F64 | list[F64], where: list[I64] | list[list[I64]]
    ) -> tuple[npt.NDArray[np.int8], F64]:
        """Activations (h,) and column currents from the sense currents of `spice_network`'s netlist
        (or of several of them, one per column block: lists of sense currents and of `where`)."""
        parts: list[tuple[F64, list[I64]]]
        if isinstance(sense_a, list):
            parts = list(zip(sense_a, where, strict=True))  # type: ignore[arg-type]
        else:
            parts = [(sense_a, where)]  # type: ignore[list-item]
        currents = [np.zeros(w.shape) for w in parts[0][1]]
        for s_a, wh in parts:
            for cur, w in zip(currents, wh, strict=True):
                cur += np.where(w >= 0, s_a[np.maximum(w, 0)], 0.0)
        return self._decide_one(currents)

    def fast_decide(self, x: npt.NDArray[np.int8], res: list[F64]) -> tuple[npt.NDArray[np.int8], F64]:
        """Activations and column currents of one read from given resistances (the fast path)."""
        currents, _ = self._read_all(res, x if self.scheme is Scheme.CONVENTIONAL else None, [])
        return self._decide_one(currents)

    def _decide_one(self, currents: list[F64]) -> tuple[npt.NDArray[np.int8], F64]:
        """Activations and column currents of one read from its sub-array currents."""
        h = self.weights.shape[1]
        adc = self.mapping.mapping is Mapping.ADC
        nb, n_cb = len(self.row_blocks), len(self.col_blocks)
        cur_out = np.zeros((1, nb, h)) if adc else np.zeros((1, h))
        ref_out = np.zeros((1, nb, n_cb, 2)) if adc else np.zeros((1, n_cb))
        act = np.empty((1, h), dtype=np.int8)
        codes = np.zeros((1, nb, h)) if adc else None
        self._decide(0, currents, cur_out, ref_out, act, codes)
        return act[0], cur_out[0]

    def _decide(
        self, i: int, currents: list[F64], cur_out: F64, ref_out: F64, act: npt.NDArray[np.int8], codes: F64 | None
    ) -> None:
        d, h = self.weights.shape
        cb_of = {c0: k for k, (c0, _) in enumerate(self.col_blocks)}
        if self.mapping.mapping is Mapping.ADC:
            assert codes is not None
            levels = 2**self.mapping.bits - 1
            for g, cur in zip(self._groups, currents, strict=True):
                for t, (b, _, c0) in enumerate(g.tiles):
                    i_hi, i_lo = cur[t, g.c], cur[t, g.c + 1]  # all-P and all-AP replicas
                    col = cur[t, : g.c] + self.offsets_a[b, c0 : c0 + g.c]
                    code = np.clip(np.round((col - i_lo) / (i_hi - i_lo) * levels), 0, levels)
                    cur_out[i, b, c0 : c0 + g.c] = cur[t, : g.c]
                    ref_out[i, b, cb_of[c0]] = (i_lo, i_hi)
                    k_hat = code * g.r / levels
                    # an ADC with at least R steps resolves every popcount: the back end rounds to it
                    codes[i, b, c0 : c0 + g.c] = np.round(k_hat) if levels >= g.r else k_hat
            act[i] = np.where(codes[i].sum(axis=0) >= self.threshold - 0.5, 1, -1)
            return
        total = np.zeros((len(self.col_blocks), self.mapping.cols + self.n_ref))
        for g, cur in zip(self._groups, currents, strict=True):
            for t, (_, _, c0) in enumerate(g.tiles):
                total[cb_of[c0], : g.c + self.n_ref] += cur[t]  # every tap current reaches the sense input
        for k, (c0, c) in enumerate(self.col_blocks):
            i_ref = 0.5 * (total[k, c] + total[k, c + 1])
            cur_out[i, c0 : c0 + c] = total[k, :c]
            ref_out[i, k] = i_ref
            act[i, c0 : c0 + c] = np.where(total[k, :c] > i_ref + self.offsets_a[0, c0 : c0 + c], 1, -1)
