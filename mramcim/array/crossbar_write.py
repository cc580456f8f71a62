"""Programming a passive MTJ crossbar with STT pulses: failed writes and half-select disturb.

Without access transistors a write pulse reaches every cell that shares a line with the selected
one. The array is programmed in two phases (both with the same bias scheme, `half` = V/2 or
`third` = V/3, see `crossbar.line_voltages`):

1. reset: each row in turn is selected with every column at 0 V, pulse polarity AP-ward (top
   electrode positive: STT current top -> bottom switches P -> AP). Every cell of the row gets the
   full pulse; the other rows' cells see V/2 (V/3) in the same, harmless, AP-ward direction.
2. set: the cells whose target is P (+1) are selected one at a time, row-major, with the pulse
   reversed (P-ward). Half-selected cells (same row or column) see V/2 (V/3) P-ward and may
   switch AP -> P: the half-select disturb. Under V/3 the unselected cells see V/3 AP-ward and
   may switch P -> AP.

A pulse of amplitude |v| across a cell in state s switches it (when it pushes toward the other
state) with probability P_sw(I = |v| / R_cell(s, v), t_write) of `mtjchar.SwitchingLaw`, with
the cell's own barrier and critical current (both proportional to its area: Delta_cell = Delta a,
Ic0_cell = Ic0 a) and its resistance at that bias (`crossbar.cell_resistances`). Assumptions:
the cells see the ideal bias voltages (line and driver IR drops are neglected here; `write_bias_check`
measures them with the nodal solve), the law is the technology's analytic STT law (symmetric
P -> AP / AP -> P, no VCMA change of the barrier under bias), pulses are independent events.
The array's content before programming is random (unknown prior state).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from pydantic import Field

from mramcim.array.crossbar import build_crossbar, cell_resistances, line_voltages
from mramcim.circuit.readnet import solve_scipy
from mramcim.device.switching import SwitchingLaw, analytic_law
from mramcim.device.variation import DeviceSample
from mramcim.options import Config, WriteBias
from mramcim.tech import Technology

__all__ = ["CellSwitching", "WriteConfig", "cell_switching", "program", "write_bias_check", "write_config"]

I8 = npt.NDArray[np.int8]


class WriteConfig(Config):
    """One write pulse of the passive array (the same for reset and set)."""

    what: ClassVar[str] = "write pulse"

    v_write_v: float = Field(0.8, gt=0, lt=2, description="full-select cell voltage [V]")
    t_write_s: float = Field(10e-9, gt=0, le=1e-3, description="pulse width [s]")
    bias: WriteBias = Field(WriteBias.HALF, description="unselected-line bias: V/2 or V/3")

    @property
    def partial_v(self) -> float:
        """|voltage| across half-selected (and, under V/3, unselected) cells [V]."""
        return self.v_write_v / (2 if self.bias is WriteBias.HALF else 3)


def write_config(**values: Any) -> WriteConfig:
    """A validated WriteConfig; bad values raise one ConfigError naming each field."""
    return WriteConfig(**values)


@dataclass(frozen=True)
class CellSwitching:
    """Per-cell switching probabilities of one pulse, each (rows, cols).

    to_ap_full / to_ap_partial: P -> AP under an AP-ward pulse of V_write / the partial voltage;
    to_p_full / to_p_partial: AP -> P under a P-ward pulse.
    """

    to_ap_full: npt.NDArray[np.float64]
    to_ap_partial: npt.NDArray[np.float64]
    to_p_full: npt.NDArray[np.float64]
    to_p_partial: npt.NDArray[np.float64]

    def summary(self) -> dict[str, float]:
        return {
            name: float(np.mean(getattr(self, name)))
            for name in ("to_ap_full", "to_ap_partial", "to_p_full", "to_p_partial")
        }


def cell_switching(
    tech: Technology, devices: DeviceSample, cfg: WriteConfig, law: SwitchingLaw | None = None
) -> CellSwitching:
    """P_sw of every cell for the full and the partial (V/2 or V/3) pulse, both polarities."""
    law = law or analytic_law(tech, "stt")
    shape = devices.area_scale.shape
    # AP-ward pulses act on P cells (top electrode positive); P-ward pulses on AP cells
    currents = {}
    for name, state, v in (
        ("to_ap_full", 1, cfg.v_write_v),
        ("to_ap_partial", 1, cfg.partial_v),
        ("to_p_full", -1, -cfg.v_write_v),
        ("to_p_partial", -1, -cfg.partial_v),
    ):
        currents[name] = abs(v) / cell_resistances(tech, devices, np.full(shape, state), v)
    probs = {name: np.empty(shape) for name in currents}
    for idx in np.ndindex(shape):
        a = float(devices.area_scale[idx])
        cell = SwitchingLaw(law.delta * a, law.ic0_a * a, law.t_damping_s)
        p = cell.p_switch(np.array([currents[name][idx] for name in probs]), cfg.t_write_s)
        for name, value in zip(probs, p, strict=True):
            probs[name][idx] = value
    return CellSwitching(**probs)


def _pulse(
    states: I8,
    cell_v: npt.NDArray[np.float64],
    p: CellSwitching,
    full_v: float,
    on: npt.NDArray[np.bool_],
    rng: np.random.Generator,
) -> None:
    """Apply one pulse pattern (cell voltages, + = AP-ward) to the arrays selected by `on`, in place."""
    full = np.isclose(np.abs(cell_v), full_v)
    to_ap = np.where(full, p.to_ap_full, p.to_ap_partial)
    to_p = np.where(full, p.to_p_full, p.to_p_partial)
    flip_prob = np.where(states > 0, np.where(cell_v > 0, to_ap, 0.0), np.where(cell_v < 0, to_p, 0.0))
    flips = (rng.random(states.shape) < flip_prob) & on[:, None, None]
    states[flips] *= -1


def program(targets: I8, switching: CellSwitching, cfg: WriteConfig, rng: np.random.Generator) -> I8:
    """Program arrays of target states (+1 = P), the reset then the row-major set.

    Args:
        targets: (n, rows, cols) target states of n independent programmings of one array.
        switching: per-cell probabilities of that array (`cell_switching`).

    Returns:
        (n, rows, cols) stored states.
    """
    n, rows, cols = targets.shape
    states = rng.choice(np.array([-1, 1], dtype=np.int8), size=targets.shape)
    everyone = np.ones(n, dtype=bool)
    for i in range(rows):
        row_v, col_v = line_voltages(cfg.bias, rows, cols, [i], list(range(cols)), cfg.v_write_v)
        _pulse(states, row_v[:, None] - col_v[None, :], switching, cfg.v_write_v, everyone, rng)
    for i in range(rows):
        for j in range(cols):
            row_v, col_v = line_voltages(cfg.bias, rows, cols, [i], [j], cfg.v_write_v)
            _pulse(states, col_v[None, :] - row_v[:, None], switching, cfg.v_write_v, targets[:, i, j] > 0, rng)
    return states


def write_bias_check(tech: Technology, devices: DeviceSample, states: I8, cfg: WriteConfig) -> dict[str, Any]:
    """Cell voltages of one set pulse in the full nodal solve (wires, drivers, every cell).

    The pulse selects the cell farthest from its drivers, (0, cols - 1). Cells are linearized at
    the bias they see ideally (V_write selected, the partial voltage half-selected, the read
    voltage otherwise). Returns the voltages relative to their ideal values.
    """
    rows, cols = states.shape
    row_v, col_v = line_voltages(cfg.bias, rows, cols, [0], [cols - 1], cfg.v_write_v)
    ideal = row_v[:, None] - col_v[None, :]
    level = np.where(
        np.isclose(np.abs(ideal), cfg.v_write_v),
        cfg.v_write_v,
        np.where(np.abs(ideal) > 0, cfg.partial_v, tech.operation.v_read_v),
    )
    r_cell = np.empty(states.shape)
    for v in np.unique(level):
        at = level == v
        r_cell[at] = cell_resistances(tech, devices, states, float(v))[at]
    net = build_crossbar(tech, r_cell, row_v, col_v, parasitics="mesh")
    volts = solve_scipy(net).volts
    idx = net.cell_res["wl"]
    cell_v = volts[net.res_a[idx]] - volts[net.res_b[idx]]
    half = np.isclose(np.abs(ideal), cfg.partial_v) & ~np.isclose(np.abs(ideal), cfg.v_write_v)
    return {
        "selected_cell": [0, cols - 1],
        "selected_v_over_ideal": float(cell_v[0, cols - 1] / ideal[0, cols - 1]),
        "half_selected_v_over_ideal_min": float(np.min(cell_v[half] / ideal[half])),
        "half_selected_v_over_ideal_max": float(np.max(cell_v[half] / ideal[half])),
        "other_cells_max_abs_v": float(
            np.max(np.abs(cell_v[~half & ~np.isclose(np.abs(ideal), cfg.v_write_v)]), initial=0.0)
        ),
    }
