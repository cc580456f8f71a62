"""One MAC read of an array through its DC read network: cell states, VCMA toggle errors,
reference generation and sensing, for both schemes.

Half-size: rows with X = -1 are toggled by a VCMA pulse (cell state X*W); a cell whose toggle
fails keeps W. All rows are then read at V_read. Conventional: the pair (W, -W) per weight on
row lines a and b; X = +1 drives line a, X = -1 drives line b (no toggling, no toggle errors).
Either way a column's current grows with the XNOR popcount.

Reference (`reference`):
    ideal   - the closed-form current halfway between popcounts threshold - 1 and threshold,
              ideal wires (what a fixed trimmed reference would give);
    replica - two extra columns of cells fixed at popcount threshold and threshold - 1 (states
              spread evenly over the rows), read through the same row lines and bit-line
              parasitics; the comparator reference is their mean current. Their word line is
              off during VCMA pulses, so they are never toggled.
Sense output: +1 when I_col > I_ref + offset (offset = sense.offset_a + a Gaussian sample of
sigma variation.sigma_offset_a per column in Monte-Carlo runs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from pydantic import Field

from mramcim.artifacts import Result
from mramcim.circuit.dcsolve import DcResult, solve_dc
from mramcim.circuit.fastsolve import solve_fast
from mramcim.circuit.readnet import (
    ArrayNetwork,
    NetworkSolution,
    build_network,
    check_memory,
    memory_estimate_bytes,
    row_line_sets,
    solve_scipy,
)
from mramcim.device.cell import read_path_resistances, reference_current
from mramcim.device.twostate import ToggleMap, load_toggle_map
from mramcim.device.variation import DeviceSample
from mramcim.encoding import as_pm1, popcount, threshold_popcount
from mramcim.errors import InputError
from mramcim.options import (
    Config,
    Engine,
    EngineField,
    Parasitics,
    ParasiticsField,
    Reference,
    ReferenceField,
    Scheme,
    SchemeField,
)
from mramcim.paths import model_file
from mramcim.tech import Technology

__all__ = ["MacRead", "ReadSetup", "default_toggle_map", "read_mac", "resolve_toggle_map", "toggle_probabilities"]


class ReadSetup(Config):
    """Everything about a MAC read that is not the operands."""

    scheme: SchemeField = Field(Scheme.HALF, description="weight storage scheme")
    parasitics: ParasiticsField = Field(Parasitics.MESH, description="wire model")
    reference: ReferenceField = Field(Reference.REPLICA, description="sense reference")
    engine: EngineField = Field(
        Engine.FAST, description="DC read-network solver (fast: same currents as the scipy reference to ~1e-11)"
    )
    threshold: int | None = Field(None, ge=1, description="popcount where the output turns +1 (None: ceil(rows/2))")
    block_cols: int | None = Field(4, ge=1, description="ngspice partition width in columns (None: one flat deck)")


@dataclass(frozen=True)
class MacRead(Result):
    """Result of one MAC: per data column popcount, current, sensed and ideal outputs."""

    name: ClassVar[str] = "mac"

    popcount: npt.NDArray[np.int64]
    current_a: npt.NDArray[np.float64]
    i_ref_a: float
    sensed: npt.NDArray[np.int8]
    expected: npt.NDArray[np.int8]
    toggle_failures: int
    dc: DcResult
    rows: int
    setup: ReadSetup
    corner: str = "tt"

    def to_json(self) -> dict[str, Any]:
        s = self.setup
        return {
            "scheme": s.scheme,
            "parasitics": s.parasitics,
            "corner": self.corner,
            "reference": s.reference,
            "popcount": self.popcount.tolist(),
            "current_a": self.current_a.tolist(),
            "i_ref_a": self.i_ref_a,
            "sensed": self.sensed.tolist(),
            "expected": self.expected.tolist(),
            "errors": int(np.sum(self.sensed != self.expected)),
            "toggle_failures": self.toggle_failures,
            "engine": self.dc.engine,
            "blocks": self.dc.blocks,
            "kcl_residual_rel": self.dc.kcl_residual_rel,
            "solve_s": self.dc.seconds,
        }

    def summary_lines(self) -> list[str]:
        s, dc = self.setup, self.dc
        how = dc.engine + (f", {dc.blocks} blocks, KCL residual {dc.kcl_residual_rel:.1e}" if dc.blocks > 1 else "")
        cols = int(self.popcount.size)
        lines = [
            f"{s.scheme} array {self.rows} x {cols}, DC read ({how}) in {dc.seconds:.2f} s; parasitics {s.parasitics}, "
            f"corner {self.corner}",
            f"reference ({s.reference}): {self.i_ref_a * 1e6:.4f} uA",
            " col | popcount | I_col [uA] | sensed expected",
        ]
        for j in range(cols):
            lines.append(
                f"{j:4d} | {self.popcount[j]:8d} | {self.current_a[j] * 1e6:10.4f} | {self.sensed[j]:+6d} "
                f"{self.expected[j]:+8d}"
            )
        return lines


def default_toggle_map(tech: Technology) -> ToggleMap:
    """The packaged LLG toggle map (models/calibration), if it was made for this free layer."""
    import json

    node = model_file("calibration/toggle_default.json")
    payload = json.loads(node.read_text(encoding="utf-8"))
    made_for = payload["provenance"]["technology"]
    current = tech.model_dump(mode="json")
    for key in ("mtj", "operation"):
        if made_for[key] != current[key]:
            raise InputError(
                f"the packaged toggle map was simulated for another {key} section; make one with "
                "`mramcim mtj toggle --out DIR` and pass --toggle-map DIR/toggle.json (or --no-toggle-errors)"
            )
    if made_for["temperature_k"] != current["temperature_k"]:
        raise InputError("the packaged toggle map was simulated at another temperature; pass --toggle-map")
    return load_toggle_map(Path(str(node)))


def resolve_toggle_map(tech: Technology, path: str | Path | None, *, disabled: bool = False) -> ToggleMap | None:
    """The toggle map a half-size read uses: none when `disabled`, the file at `path`, else the packaged one."""
    if disabled:
        return None
    if path is not None:
        return load_toggle_map(path)
    return default_toggle_map(tech)


def _replica_states(rows: int, threshold: int) -> npt.NDArray[np.int8]:
    """(rows, 2): columns at popcount `threshold` and `threshold - 1`, P cells spread evenly."""
    ref = np.full((rows, 2), -1, dtype=np.int8)
    for c, k in enumerate((threshold, threshold - 1)):
        if k > 0:
            ref[np.round(np.linspace(0, rows - 1, k)).astype(int), c] = 1
    return ref


def toggle_probabilities(
    tech: Technology,
    net_toggle: ArrayNetwork,
    devices: DeviceSample,
    toggle_map: ToggleMap,
    *,
    solve: Callable[[ArrayNetwork], NetworkSolution] = solve_fast,
) -> npt.NDArray[np.float64]:
    """P(toggle) per cell from the MTJ voltage during the toggle pulse (IR drop included).

    The cell voltage comes from the toggle-phase network (cells linearized at read bias, a
    first-order estimate at VCMA bias); the VCMA coefficient spread scales the effective voltage
    (the anisotropy drop is xi V). Voltages outside the map are clamped to its edge.
    """
    nominal = read_path_resistances(tech)
    sol = solve(net_toggle)
    idx = net_toggle.cell_res["rl"]
    v_cell = sol.volts[net_toggle.res_a[idx]] - sol.volts[net_toggle.res_b[idx]]
    share = nominal.mtj_p / (nominal.mtj_p + nominal.access_p)
    v_eff = v_cell * share * devices.vcma_scale[0]
    lo, hi = toggle_map.voltages_v[0], toggle_map.voltages_v[-1]
    width = tech.operation.t_vcma_s
    grid = np.linspace(lo, hi, 61)
    table = np.array([toggle_map(v, width) for v in grid])
    return np.interp(np.clip(v_eff, lo, hi), grid, table)


def read_mac(
    tech: Technology,
    weights: npt.ArrayLike,
    inputs: npt.ArrayLike,
    setup: ReadSetup,
    *,
    devices: DeviceSample | None = None,
    offsets_a: npt.NDArray[np.float64] | None = None,
    toggle_map: ToggleMap | None = None,
    rng: np.random.Generator | None = None,
) -> MacRead:
    """One MAC through the read network.

    Args:
        devices: device sample of shape (sets, rows, cols + refs) (nominal when None).
        offsets_a: per-column sense offset (added to sense.offset_a).
        toggle_map: half-size only; samples toggle failures with `rng` (ideal toggles if None).
    """
    w = np.asarray(weights)
    if w.ndim != 2:
        raise InputError(f"weights must be a 2-D (rows, cols) array, got shape {w.shape}")
    w = as_pm1(w, "weights")
    rows, cols = w.shape
    x = as_pm1(inputs, "inputs", shape=(rows,))
    threshold = threshold_popcount(rows) if setup.threshold is None else setup.threshold
    if not 1 <= threshold <= rows:
        raise InputError(f"threshold {threshold} is outside the popcount range 1..{rows}")
    refs = setup.reference.columns
    sets = row_line_sets(setup.scheme)
    total = cols + refs
    check_memory(
        f"the {rows} x {total} read network", memory_estimate_bytes(rows, total, setup.scheme, setup.parasitics)
    )
    devices = devices or DeviceSample.nominal((len(sets), rows, total))
    v_read = tech.operation.v_read_v
    replica = _replica_states(rows, threshold)[:, :refs]
    failures = 0
    if setup.scheme == "half":
        xnor = x[:, None] * w
        if toggle_map is not None and np.any(x < 0):
            rng = rng or np.random.default_rng(0)
            pulse = np.where(x < 0, tech.operation.v_vcma_v, 0.0)
            data_devices = devices.first_columns(cols)  # reference word line is off while toggling
            net_toggle = build_network(
                tech, {"rl": w}, {"rl": pulse}, scheme="half", parasitics=setup.parasitics, devices=data_devices
            )
            solve = solve_scipy if setup.engine == Engine.SCIPY else solve_fast
            p = toggle_probabilities(tech, net_toggle, data_devices, toggle_map, solve=solve)
            failed = (x[:, None] < 0) & (rng.random((rows, cols)) >= p)
            failures = int(failed.sum())
            xnor = np.where(failed, w, xnor)  # the toggle did not happen: the cell still holds W
        states = {"rl": np.hstack([xnor, replica]).astype(np.int8)}
        volts = {"rl": np.full(rows, v_read)}
    else:
        states = {"rla": np.hstack([w, replica]).astype(np.int8), "rlb": np.hstack([-w, replica]).astype(np.int8)}
        volts = {"rla": np.where(x > 0, v_read, 0.0), "rlb": np.where(x < 0, v_read, 0.0)}
    net = build_network(
        tech, states, volts, scheme=setup.scheme, parasitics=setup.parasitics, devices=devices, ref_cols=refs
    )
    dc = solve_dc(
        net,
        setup.engine,
        block_cols=setup.block_cols,
        timeout_s=tech.simulation.timeout_s,
        title=f"{setup.scheme} array {rows}x{cols} read",
    )
    current = dc.sense_a[:cols]
    i_ref = float(np.mean(dc.sense_a[cols:])) if refs else reference_current(tech, rows, threshold)
    offset = tech.sense.offset_a + (np.zeros(cols) if offsets_a is None else np.asarray(offsets_a))
    k = popcount(x, w)
    sensed = np.where(current > i_ref + offset, 1, -1).astype(np.int8)
    expected = np.where(k >= threshold, 1, -1).astype(np.int8)
    return MacRead(k, current, i_ref, sensed, expected, failures, dc, rows, setup)
