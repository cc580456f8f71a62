"""One design point of the 784-512-10 MNIST chip: accuracy, energy, area and latency per inference.

Stage: experiments. Inputs: a `DesignPoint` (JSON-able dict: scheme, mapping, sub-array size,
ADC bits, wire widths, voltages, pulse width, RA, sense-offset sigma, which weights, how many
test images, seed) and a `DesignContext` (technology, trained weights of both algorithms, the
MNIST test set, cell energies from ngspice transients, the cited periphery table), loaded once
per worker. Output of `evaluate_design`: a JSON-able dict of metrics.

The hidden layer (784 x 512) is read through the hardware (array/layer.py: the actual read
networks of one chip, device variation and sense offsets drawn once from the seed, IR drop
solved per image, replica references or ADC quantization, toggle failures drawn per read);
the output layer (512 x 10) is a digital XNOR-popcount on the hidden activations. Accuracy is
measured on a seeded subset of `n_images` test images (the read networks of every image are
solved: ~0.1-1 s per image for half-size, so the subset keeps a point at seconds to a minute);
the software accuracy of the same weights is given on the same subset and on all 10k images.

Energy per inference (hidden layer on arrays, output layer digital):
    cell_read      V_read^2 G t_read of every read cell, from the transient per-cell read energy
                   scaled to the point (array/periphery.CellEnergies), replica columns included
    vcma_toggle    half-size: toggle + restore pulses of every X = -1 cell (transient energies)
    wordline_cv2   C_wl V^2 of every driven row line (read, and the two VCMA pulses); bit lines
                   sit at the sense inputs' virtual ground (no swing counted)
    sense          single / hierarchical: one current sense amplifier per column and reference
    adc            adc mapping: one b-bit conversion per sub-array column
    accumulate     adc: adding the partial sums (and the threshold) per column; all mappings:
                   the output layer's 10 x 512 popcount adds
    drivers        I^2 R_out in the row drivers during the read (closed-form row currents)
Area: cells (by scheme, with replica columns and widened wires), sense amplifiers or ADCs,
accumulators, row drivers; in um^2 and F^2 at the table's node. Latency: one MAC (toggle,
settle, read, restore for half-size; settle and read for conventional) plus sensing or
conversion plus the accumulation stages.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt
from pydantic import Field, model_validator

from mramcim.array.layer import HardwareLayer, LayerMapping, load_wide_toggle_map
from mramcim.array.periphery import (
    CellEnergies,
    PeripheryTable,
    adder_area_m2,
    adder_energy_j,
    bits_for,
    load_periphery,
)
from mramcim.artifacts import RecordResult
from mramcim.device.cell import read_path_resistances
from mramcim.errors import InputError
from mramcim.options import Config, Mapping, MappingField, Scheme, SchemeField
from mramcim.tech import Technology, override

__all__ = [
    "DesignContext",
    "DesignEvaluation",
    "DesignPoint",
    "build_context",
    "evaluate_design",
    "measure_cell_energies",
    "load_context",
    "point_tech",
]

logger = logging.getLogger(__name__)

HIDDEN = 512
FAN_IN = 784


class DesignPoint(Config):
    """One chip design; every field has a unit suffix or is dimensionless, with its range."""

    scheme: SchemeField = Field(Scheme.HALF, description="half (VCMA-XNOR, 1 MTJ/weight) or conventional")
    mapping: MappingField = Field(Mapping.HIERARCHICAL, description="single, hierarchical or adc")
    rows: int = Field(64, ge=8, le=784, description="sub-array rows R (single: ignored, 784)")
    cols: int = Field(64, ge=8, le=512, description="sub-array data columns C")
    adc_bits: int | None = Field(None, ge=1, le=10, description="adc: bits (None: ceil(log2(R + 1)))")
    wire_width: float = Field(1.0, ge=1.0, le=8.0, description="local wire width / technology wire")
    global_width: float = Field(8.0, ge=1.0, le=200.0, description="hierarchical: global bit-line width multiplier")
    tap_ohm: float = Field(10.0, gt=0.0, le=1000.0, description="hierarchical: segment tap resistance [Ohm]")
    v_read_v: float = Field(0.1, ge=0.02, le=0.3, description="read voltage [V]")
    v_vcma_v: float = Field(1.0, ge=0.6, le=1.5, description="VCMA pulse amplitude [V] (half-size)")
    t_vcma_s: float = Field(0.85e-9, ge=0.7e-9, le=0.9e-9, description="VCMA flat-top width [s] (toggle-map range)")
    ra_ohm_m2: float = Field(1.3e-9, ge=5e-11, le=1e-8, description="MTJ resistance-area product [Ohm m^2]")
    sigma_offset_a: float = Field(0.2e-6, ge=0.0, le=1e-5, description="sense/ADC input offset sigma [A]")
    weights: Literal["tgbnn", "bnn"] = Field("tgbnn", description="trained weights: TGBNN or the BNN baseline")
    n_images: int = Field(200, ge=1, le=10000, description="test images read through the hardware (seeded subset)")
    seed: int = Field(0, ge=0, description="chip (devices, offsets), image subset and toggle-failure seed")
    variation: bool = Field(True, description="device spread and sense offsets (False: nominal chip)")
    toggle_errors: bool = Field(True, description="half-size: toggle failures from the toggle-error map")

    @model_validator(mode="after")
    def _check(self) -> DesignPoint:
        if self.adc_bits is not None and self.mapping is not Mapping.ADC:
            raise InputError(f"adc_bits applies to the adc mapping only, not {self.mapping}")
        if self.mapping is Mapping.ADC and self.adc_bits is not None:
            full = math.ceil(math.log2(self.rows + 1))
            if self.adc_bits > full:
                raise InputError(f"adc_bits {self.adc_bits} exceeds ceil(log2(R + 1)) = {full} for R = {self.rows}")
        return self

    def layer_mapping(self) -> LayerMapping:
        return LayerMapping(
            scheme=self.scheme,
            mapping=self.mapping,
            rows=self.rows,
            cols=self.cols,
            adc_bits=self.adc_bits,
            wire_width=self.wire_width,
            global_width=self.global_width,
            tap_ohm=self.tap_ohm,
        )


@dataclass(frozen=True)
class DesignContext:
    """What every evaluation needs, loaded once per worker (picklable)."""

    tech: Technology
    weights: dict[str, tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]]  # algo -> (w1 (784, 512), w2 (512, 10))
    x_test: npt.NDArray[np.int8]  # (n, 784) +-1
    y_test: npt.NDArray[np.int64]
    cell_energies: CellEnergies
    periphery: PeripheryTable
    data_note: str
    weights_note: dict[str, str]


def point_tech(tech: Technology, p: DesignPoint) -> Technology:
    """The technology at a design point (operation voltages, pulse width, RA, offset sigma)."""
    return override(
        tech,
        operation={"v_read_v": p.v_read_v, "v_vcma_v": p.v_vcma_v, "t_vcma_s": p.t_vcma_s},
        mtj={"ra_ohm_m2": p.ra_ohm_m2},
        variation={"sigma_offset_a": p.sigma_offset_a},
    )


def _classify(a1: npt.NDArray[np.integer], w2: npt.NDArray[np.int8]) -> npt.NDArray[np.int64]:
    return np.asarray(np.argmax(a1.astype(np.float32) @ w2.astype(np.float32), axis=1), dtype=np.int64)


def _software(x: npt.NDArray[np.int8], w1: npt.NDArray[np.int8]) -> npt.NDArray[np.int8]:
    z = x.astype(np.float32) @ w1.astype(np.float32)
    return np.where(z >= 0, 1, -1).astype(np.int8)


def evaluate_design(point: dict[str, Any], context: DesignContext) -> dict[str, Any]:
    """Accuracy, energy, area and latency of one design point (deterministic for its seed).

    Args:
        point: `DesignPoint` fields (JSON-able; unknown or out-of-range fields are refused).
        context: `load_context(...)`.

    Returns:
        A JSON-able dict: the resolved point, accuracy (hardware and software on the same
        images, software on all test images), energy per inference and its breakdown [J], area
        and its breakdown [m^2, um^2, F^2], latency [s], toggle and sense statistics, seconds.

    Raises:
        ConfigError / InputError (MramcimError): an invalid point.
    """
    start = time.perf_counter()
    p = DesignPoint.model_validate(point)
    tech = point_tech(context.tech, p)
    w1, w2 = context.weights[p.weights]
    n_all = context.y_test.size
    pick = np.sort(np.random.default_rng(p.seed).choice(n_all, size=min(p.n_images, n_all), replace=False))
    x, y = context.x_test[pick], context.y_test[pick]
    chip_rng = np.random.default_rng([p.seed, 1]) if p.variation else None
    toggle_map = load_wide_toggle_map() if p.toggle_errors and p.scheme is Scheme.HALF else None
    mapping = p.layer_mapping()
    layer = HardwareLayer(tech, w1, mapping, rng=chip_rng, toggle_map=toggle_map)
    read = layer.read(x, rng=np.random.default_rng([p.seed, 2]))
    a_soft = _software(x, w1)
    hw_pred, sw_pred = _classify(read.activations, w2), _classify(a_soft, w2)
    sw_all = float(np.mean(_classify(_software(context.x_test, w1), w2) == context.y_test))
    acc_hw, acc_sw = float(np.mean(hw_pred == y)), float(np.mean(sw_pred == y))
    energy = _energy(p, tech, layer, x, read.currents_a, context)
    area = _area(p, tech, layer, context.periphery)
    latency = _latency(p, tech, layer, context.periphery)
    return {
        "point": p.model_dump(mode="json"),
        "accuracy": {
            "hardware": acc_hw,
            "software_same_images": acc_sw,
            "software_all_images": sw_all,
            "loss_vs_software": acc_sw - acc_hw,
            "n_images": int(y.size),
            "activation_error_rate": float(np.mean(read.activations != a_soft)),
        },
        "energy_j": energy,
        "area": area,
        "latency_s": latency,
        "toggle": {
            "pulsed_cells": read.pulsed_cells,
            "failures": read.toggle_failures,
            "failure_rate": read.toggle_failures / read.pulsed_cells if read.pulsed_cells else 0.0,
        },
        "global_line_iterations_max": max(read.global_iterations) if read.global_iterations else 0,
        "notes": {
            "data": context.data_note,
            "weights": context.weights_note[p.weights],
            "node_nm": context.periphery.node_nm,
        },
        "seconds": time.perf_counter() - start,
    }


def _energy(
    p: DesignPoint, tech: Technology, layer: HardwareLayer, x: npt.NDArray[np.int8], currents: Any, ctx: DesignContext
) -> dict[str, float]:
    op = tech.operation
    per = ctx.periphery
    cell = ctx.cell_energies.scaled(
        p.scheme,
        v_read_v=op.v_read_v,
        v_vcma_v=op.v_vcma_v,
        t_read_s=op.t_read_s,
        t_vcma_s=op.t_vcma_s,
        ra_ohm_m2=p.ra_ohm_m2,
    )
    d, h = layer.weights.shape
    n_cb = len(layer.col_blocks)
    cols_total = h + n_cb * layer.n_ref  # physical columns per row (data + replicas)
    n_cells = d * cols_total
    pulsed_rows = float(np.mean(np.sum(x < 0, axis=1)))
    e: dict[str, float] = {"cell_read": cell["read_j"] * n_cells}
    e["vcma_toggle"] = (cell["toggle_j"] + cell["restore_j"]) * pulsed_rows * h if p.scheme is Scheme.HALF else 0.0
    c_wl = tech.wires.c_wl_f * cols_total  # one row across every sub-array of its row block
    driven = d  # half: every row line; conventional: one of the pair
    e["wordline_cv2"] = c_wl * driven * op.v_read_v**2
    if p.scheme is Scheme.HALF:
        e["wordline_cv2"] += 2 * c_wl * pulsed_rows * op.v_vcma_v**2
    bits_hidden = bits_for(d)
    if p.mapping is Mapping.ADC:
        conversions = len(layer.row_blocks) * cols_total  # data and replica columns of every sub-array
        e["sense"] = 0.0
        e["adc"] = conversions * per.adc_energy_j(p.adc_bits or layer.mapping.full_bits)
        e["accumulate"] = h * len(layer.row_blocks) * adder_energy_j(per, bits_hidden)
    else:
        e["sense"] = (h + n_cb * layer.n_ref) * per.sa_energy_j()
        e["adc"] = 0.0
        e["accumulate"] = 0.0
    e["accumulate"] += 10 * (h - 1) * adder_energy_j(per, bits_for(h))  # output layer popcounts
    nominal = read_path_resistances(tech)
    g_cell = 2.0 / (nominal.access_p + nominal.mtj_p + nominal.access_ap + nominal.mtj_ap)
    i_row = op.v_read_v * g_cell * (p.cols + layer.n_ref)  # one sub-array's row line
    e["drivers"] = i_row**2 * tech.drivers.r_out_ohm * op.t_read_s * d * n_cb
    e["total"] = float(sum(e.values()))
    return {k: float(v) for k, v in e.items()}


def _area(p: DesignPoint, tech: Technology, layer: HardwareLayer, per: PeripheryTable) -> dict[str, Any]:
    f2 = per.f2_m2
    d, h = layer.weights.shape
    n_cb, n_rb = len(layer.col_blocks), len(layer.row_blocks)
    refs = n_cb * layer.n_ref * (n_rb if p.mapping is Mapping.ADC else 1)
    cell_f2 = per.cell_f2[str(p.scheme)]
    # widened local bit lines beyond the cell width (a cell is (W_acc + 2F) wide; lines are F + F space)
    acc = tech.access
    cell_w = acc.w_m + 2 * per.feature_m
    cell_h = cell_f2 * f2 / cell_w
    extra_w = max(0.0, (p.wire_width + 1) * per.feature_m - cell_w)
    if p.mapping is Mapping.HIERARCHICAL and n_rb > 1:
        extra_w = max(extra_w, (p.global_width + 1) * per.feature_m - cell_w)
    n_cells_cols = h + (refs if p.mapping is not Mapping.ADC else n_cb * layer.n_ref)
    cells = d * n_cells_cols * (cell_w + extra_w) * cell_h
    a: dict[str, float] = {"cells": cells}
    if p.mapping is Mapping.ADC:
        bits = p.adc_bits or layer.mapping.full_bits
        a["sense"] = 0.0
        a["adc"] = n_rb * (h + n_cb * layer.n_ref) * per.adc_area_m2(bits)
        a["accumulate"] = h * (adder_area_m2(per, bits_for(d)))
    else:
        a["sense"] = (h + n_cb * layer.n_ref) * per.sa_area_m2()
        a["adc"] = 0.0
        a["accumulate"] = 0.0
    a["accumulate"] += 10 * adder_area_m2(per, bits_for(h))  # output-layer popcount accumulators
    kp, vov = acc.kp_a_per_v2, acc.v_wordline_v - acc.vth_v
    w_drv = acc.l_m / (tech.drivers.r_out_ohm * kp * vov)
    a["drivers"] = d * n_cb * w_drv * (acc.l_m + 4 * per.feature_m)
    a["total"] = float(sum(a.values()))
    return {
        "m2": {k: float(v) for k, v in a.items()},
        "um2": {k: float(v) * 1e12 for k, v in a.items()},
        "f2": {k: float(v) / f2 for k, v in a.items()},
    }


def _latency(p: DesignPoint, tech: Technology, layer: HardwareLayer, per: PeripheryTable) -> dict[str, float]:
    op = tech.operation
    mac = op.t_settle_s + op.t_read_s + 2 * op.t_rise_s
    if p.scheme is Scheme.HALF:
        mac += 2 * (op.t_vcma_s + 2 * op.t_rise_s) + op.t_settle_s
    out = {"mac": mac}
    if p.mapping is Mapping.ADC:
        out["convert"] = per.adc_latency_s(p.adc_bits or layer.mapping.full_bits)
        out["accumulate"] = math.ceil(math.log2(max(len(layer.row_blocks), 1)) + 1) * per.adder_delay_s
    else:
        out["convert"] = per.sa_latency_s
        out["accumulate"] = 0.0
    out["output_layer"] = math.ceil(math.log2(layer.weights.shape[1])) * per.adder_delay_s
    out["total"] = float(sum(out.values()))
    return out


@dataclass(frozen=True)
class DesignEvaluation(RecordResult):
    """`evaluate_design`'s record as a publishable result."""

    name: ClassVar[str] = "design"

    def summary_lines(self) -> list[str]:
        r = self.record
        p, acc, e = r["point"], r["accuracy"], r["energy_j"]
        parts = ", ".join(f"{k} {v * 1e12:.2f}" for k, v in e.items() if k != "total")
        return [
            f"{p['scheme']} {p['mapping']} R={p['rows']} C={p['cols']} "
            f"({p['weights']} weights, {acc['n_images']} images)",
            f"accuracy {acc['hardware']:.4f} (software, same images {acc['software_same_images']:.4f}; all images "
            f"{acc['software_all_images']:.4f}); toggle failure rate {r['toggle']['failure_rate']:.2e}",
            f"energy per inference {e['total'] * 1e9:.3f} nJ ({parts} pJ)",
            f"area {r['area']['um2']['total'] / 1e6:.4f} mm^2 ({r['area']['f2']['total']:.3g} F^2 at "
            f"{r['notes']['node_nm']:g} nm); latency {r['latency_s']['total'] * 1e9:.2f} ns; {r['seconds']:.1f} s",
        ]


def load_context(folder: str | Path, tech: Technology) -> DesignContext:
    """The context written by `build_context` (weights, test set, cell energies)."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / "context.json").read_text(encoding="utf-8"))
        arrays = np.load(folder / "context.npz")
    except (FileNotFoundError, ValueError) as err:
        raise InputError(f"{folder}: not a design context (run `mramcim chip context --out {folder}`): {err}") from err
    weights = {a: (arrays[f"{a}_w1"], arrays[f"{a}_w2"]) for a in meta["algorithms"]}
    return DesignContext(
        tech=tech,
        weights=weights,
        x_test=arrays["x_test"],
        y_test=arrays["y_test"],
        cell_energies=CellEnergies(**meta["cell_energies"]),
        periphery=load_periphery(),
        data_note=meta["data_note"],
        weights_note=meta["weights_note"],
    )


def measure_cell_energies(tech: Technology, rows: int = 64, seed: int = 0) -> CellEnergies:
    """Per-cell energies of each phase from ngspice LLG transients of a rows x 1 column (ideal
    wires, random operands): half-size toggle, read and restore; conventional read."""
    from mramcim.array.mac import run_mac

    rng = np.random.default_rng(seed)
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(rows, 1))
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=rows)
    half = run_mac(tech, w, x, "half", parasitics="none")
    conv = run_mac(tech, w, x, "conventional", parasitics="none")
    pulsed = int(np.sum(x < 0))
    op = tech.operation
    return CellEnergies(
        scheme_read_j={"half": half.energy_j["read"] / rows, "conventional": conv.energy_j["read"] / rows},
        toggle_j=half.energy_j["toggle"] / max(pulsed, 1),
        restore_j=half.energy_j["restore"] / max(pulsed, 1),
        v_read_v=op.v_read_v,
        v_vcma_v=op.v_vcma_v,
        t_read_s=op.t_read_s,
        t_vcma_s=op.t_vcma_s,
        ra_ohm_m2=tech.mtj.ra_ohm_m2,
        how=f"ngspice LLG transients (array/mac.run_mac), {rows} x 1 column, ideal wires, random operands seed {seed}, "
        f"{pulsed} pulsed cells; energies per cell and phase",
    )


def build_context(
    out: str | Path,
    tech: Technology,
    weight_files: dict[str, str | Path],
    *,
    data_dir: str | None = None,
) -> Path:
    """Write `out`/context.json + context.npz: trained weights (train.npz of `mramcim train`, one per
    algorithm), the binarized MNIST test set, and the cell energies measured in ngspice."""
    from mramcim.learn.datasets import load_dataset

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = load_dataset("mnist", data_dir)
    arrays: dict[str, np.ndarray] = {"x_test": data.x_test.astype(np.int8), "y_test": data.y_test.astype(np.int64)}
    notes = {}
    for algo, path in weight_files.items():
        try:
            npz = np.load(path)
            w1, w2 = npz["w1"], npz["w2"]
        except (FileNotFoundError, KeyError, ValueError) as err:
            raise InputError(f"{path}: not the train.npz of `mramcim train` ({err})") from err
        if w1.shape != (FAN_IN, HIDDEN) or w2.shape[0] != HIDDEN:
            raise InputError(f"{path}: expected 784 x 512 and 512 x outputs weights, got {w1.shape}, {w2.shape}")
        arrays[f"{algo}_w1"], arrays[f"{algo}_w2"] = w1.astype(np.int8), w2.astype(np.int8)
        meta_path = Path(path).with_name("train.json")
        notes[algo] = str(path)
        if meta_path.is_file():
            tj = json.loads(meta_path.read_text(encoding="utf-8"))
            notes[algo] += f" (test accuracy {tj['test_acc'][-1]:.4f}, {tj.get('data_note', '')})"
    energies = measure_cell_energies(tech)
    np.savez_compressed(out / "context.npz", **arrays)  # type: ignore[arg-type]
    meta = {
        "algorithms": sorted(weight_files),
        "data_note": data.note,
        "weights_note": notes,
        "cell_energies": energies.to_json(),
    }
    (out / "context.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return out
