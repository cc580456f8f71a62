"""The "mac" evaluator of `mramcim explore`: one sub-array design point judged by its MAC read.

A stand-in with the shape of the chip evaluator (issue 17: `evaluate_design(point, context)`),
cheap enough for tests and benchmarks but computed by the project's own models, nothing invented:

- accuracy: 1 - the MAC sign-error rate for random +-1 operands, i.e. sum_k P(k) err(k) with
  P(k) = C(rows, k) / 2^rows and err(k) the Monte-Carlo error rate of the sense output at XNOR
  popcount k from `array.transfer.characterize_transfer` (DC read network with mesh/lumped wires,
  device variation, sense offset, replica reference and, half-size, toggle errors from the
  packaged LLG toggle map at each cell's VCMA voltage after IR drop); err(k) is interpolated
  between the sampled popcounts. Ideal accuracy: 1 (an ideal MAC makes no sign error).
- energy_j: per binary multiply-accumulate (one weight's share of a column MAC), so points of any
  fan-in compare. A column MAC costs read = V_read t_read (I_col + n_ref I_ref / cols), with I_col the
  P(k)-weighted mean simulated column current (the bit lines are the only return path, so the
  row drivers deliver exactly the sensed current) and the replica columns shared by the array;
  half-size adds the VCMA toggle and restore pulses, 2 (rows/2) V_vcma t_vcma I_pulse, with
  I_pulse the closed-form cell current at V_vcma with the free layer in-plane on average
  (`device.cell.pulse_cell_current`, ideal wires; the ramps are not counted).
- area_m2: per stored weight: the array's MTJ cells (data + replica columns, `Scheme.mtjs_per_weight`
  per weight) times a cell of CELL_PITCH_M x CELL_PITCH_M x wire_width (the technology's wire
  figures are per 100 nm of narrow wire; a wider wire widens the cell in one direction), divided by
  rows x cols. Periphery is not counted.
- latency [s]: t_read, plus for half-size two pulses of t_vcma + 2 t_rise + t_settle.

The point's wire_width divides the technology's wire resistance per pitch (capacitance kept);
None in an electrical field means the technology's value. A conventional point has no VCMA pulse:
its v_vcma_v and t_vcma_s are dropped, so a grid over them evaluates each conventional design once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from mramcim.array.read import ReadSetup, default_toggle_map
from mramcim.array.transfer import characterize_transfer
from mramcim.device.cell import pulse_cell_current
from mramcim.device.twostate import ToggleMap
from mramcim.errors import ConfigError, ExtractionError
from mramcim.options import Config, Parasitics, ParasiticsField, Reference, ReferenceField, Scheme, SchemeField
from mramcim.tech import Technology, override

__all__ = ["CELL_PITCH_M", "MacContext", "MacPoint", "evaluate_mac", "load_mac_context"]

CELL_PITCH_M = 100e-9  # the length the technology's per-pitch wire R and C are quoted for (default_tech.yaml)


class MacPoint(Config):
    """One sub-array design point of the "mac" evaluator."""

    what = "mac design point"

    scheme: SchemeField = Field(Scheme.HALF, description="weight storage scheme")
    rows: int = Field(32, ge=2, le=1024, description="rows (fan-in) of the sub-array")
    cols: int = Field(8, ge=1, le=256, description="data columns of the sub-array")
    parasitics: ParasiticsField = Field(Parasitics.MESH, description="wire model")
    reference: ReferenceField = Field(Reference.REPLICA, description="sense reference")
    wire_width: float = Field(1.0, gt=0, le=100, description="wire width / the technology's (divides R per pitch)")
    v_read_v: float | None = Field(None, gt=0, le=1.0, description="read voltage (None: technology)")
    v_vcma_v: float | None = Field(None, gt=0, le=3.0, description="VCMA pulse amplitude (None: technology)")
    t_vcma_s: float | None = Field(None, gt=0, le=10e-9, description="VCMA pulse flat top (None: technology)")
    ra_ohm_m2: float | None = Field(None, gt=0, le=1e-9, description="MTJ resistance-area product (None: technology)")
    sigma_offset_a: float | None = Field(None, ge=0, le=1e-4, description="sense-offset sigma (None: technology)")
    mc: int = Field(4, ge=1, le=1000, description="Monte-Carlo array reads per sampled popcount")
    points: int | None = Field(
        None, ge=2, description="popcounts sampled (None: all up to 64 rows, else 33 + threshold)"
    )

    @model_validator(mode="before")
    @classmethod
    def _no_pulse_without_toggle(cls, data: Any) -> Any:
        if isinstance(data, dict) and str(data.get("scheme")) == Scheme.CONVENTIONAL:
            return {k: v for k, v in data.items() if k not in ("v_vcma_v", "t_vcma_s")}
        return data


@dataclass(frozen=True)
class MacContext:
    """What every point of a sweep shares, built once per worker."""

    tech: Technology
    toggle_map: ToggleMap
    seed: int


def load_mac_context(spec: Any) -> MacContext:
    """The technology, the packaged LLG toggle map (made for this technology's free layer) and the seed.

    `spec` is the sweep's `ContextSpec` (this evaluator uses no data set)."""
    return MacContext(spec.tech, default_toggle_map(spec.tech), spec.seed)


def point_tech(tech: Technology, p: MacPoint) -> Technology:
    """The technology with the point's electrical values and wire width applied."""
    op = {
        k: v for k, v in (("v_read_v", p.v_read_v), ("v_vcma_v", p.v_vcma_v), ("t_vcma_s", p.t_vcma_s)) if v is not None
    }
    changes: dict[str, Any] = {
        "wires": {"r_wl_ohm": tech.wires.r_wl_ohm / p.wire_width, "r_bl_ohm": tech.wires.r_bl_ohm / p.wire_width}
    }
    if op:
        changes["operation"] = op
    if p.ra_ohm_m2 is not None:
        if tech.stt.enabled:  # the toggle map assumes no spin-transfer torque from the read/pulse current
            raise ConfigError("ra_ohm_m2 cannot be swept with stt.enabled: the packaged toggle map has no STT")
        changes["mtj"] = {"ra_ohm_m2": p.ra_ohm_m2}
    if p.sigma_offset_a is not None:
        changes["variation"] = {"sigma_offset_a": p.sigma_offset_a}
    return override(tech, **changes)


def _binomial(rows: int) -> np.ndarray:
    """P(k) of the XNOR popcount for random +-1 operands, k = 0..rows (log-space, no overflow)."""
    k = np.arange(rows + 1)
    log_p = np.array([math.lgamma(rows + 1) - math.lgamma(i + 1) - math.lgamma(rows - i + 1) for i in k])
    return np.exp(log_p - rows * math.log(2))


def evaluate_mac(point: dict[str, Any], context: MacContext) -> dict[str, Any]:
    """Accuracy, energy (with breakdown), area, latency and error figures of one design point."""
    p = MacPoint.model_validate(point)
    tech = point_tech(context.tech, p)
    half = p.scheme is Scheme.HALF
    setup = ReadSetup(scheme=p.scheme, parasitics=p.parasitics, reference=p.reference)
    curve = characterize_transfer(
        tech,
        p.rows,
        p.cols,
        setup,
        mc=p.mc,
        points=p.points,
        seed=context.seed,
        toggle_map=context.toggle_map if half else None,
    )
    s = curve.stats
    if s is None:  # characterize_transfer always fills them; a curve read from a file may not
        raise ExtractionError("the transfer characteristic carries no statistics")
    k_all = np.arange(p.rows + 1)
    weight = _binomial(p.rows)
    err = np.interp(k_all, curve.popcount, s.error_rate)
    i_col = float(np.sum(weight * np.interp(k_all, curve.popcount, s.current_mean_a)))
    op = tech.operation
    refs = p.reference.columns
    e_read = op.v_read_v * op.t_read_s * (i_col + refs * s.i_ref_mean_a / p.cols)
    e_vcma = 0.0
    if half:
        e_vcma = 2 * (p.rows / 2) * op.v_vcma_v * op.t_vcma_s * pulse_cell_current(tech, op.v_vcma_v)
    cells = p.rows * (p.cols + refs) * p.scheme.mtjs_per_weight
    array_area = cells * CELL_PITCH_M**2 * p.wire_width
    pulse_s = op.t_vcma_s + 2 * op.t_rise_s + op.t_settle_s
    return {
        "accuracy": float(1 - np.sum(weight * err)),
        "ideal_accuracy": 1.0,
        "energy_j": (e_read + e_vcma) / p.rows,
        "energy_breakdown_j": {"read": e_read / p.rows, "vcma": e_vcma / p.rows},
        "area_m2": array_area / (p.rows * p.cols),
        "latency_s": op.t_read_s + (2 * pulse_s if half else 0.0),
        "energy_per_column_mac_j": e_read + e_vcma,
        "array_area_m2": array_area,
        "mtjs": cells,
        "mac_error_rate_sampled": s.mac_error_rate,
        "toggle_failure_rate": s.toggle_failure_rate,
        "ir_drop_worst_cell": s.ir_drop_worst_cell,
        "lsb_near_threshold_a": s.lsb_near_threshold_a,
        "i_col_mean_a": i_col,
        "array_reads": s.solves,
    }
