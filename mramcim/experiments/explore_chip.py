"""The "chip" evaluator of `mramcim explore`: one design of the 784-512-10 MNIST chip.

An adapter from `experiments/design.evaluate_design` (the chip model: hidden layer read through
its sub-arrays with variation, IR drop solved per image, replica references or ADC quantization,
half-size toggle failures; energy, area and latency per inference with their breakdowns) to the
metrics `explore` ranks:

- accuracy: test accuracy with the hidden layer read through the hardware, on the point's seeded
  subset of `n_images` test images;
- ideal_accuracy: the software accuracy of the same weights on the same images (the 1 % criterion
  compares like with like; the software accuracy on all 10k images is kept as
  `software_all_images`);
- energy_j, area_m2, latency_s: per inference (totals), with `energy_breakdown_j`,
  `area_breakdown_m2` and `latency_breakdown_s`.

The data source names a design context folder (`mramcim chip context --out DIR`: trained weights
of TGBNN and the BNN baseline, the binarized MNIST test set, cell energies from ngspice
transients): `data: {weights: DIR}` in the spec, relative to the spec file. Its identity in the
cache key is the SHA-256 of the folder's context.json and context.npz.

The spec's seed is the chip seed (device sample, sense offsets, image subset, toggle draws) of
every point, so points differ by design only (common random numbers). Points are normalized so a
grid evaluates each distinct design once: a conventional point has no VCMA pulse (v_vcma_v and
t_vcma_s dropped), adc_bits only applies to the adc mapping, the global line (global_width,
tap_ohm) only to the hierarchical one, and a single array holds the whole fan-in (rows = 784).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import model_validator

from mramcim.errors import ConfigError
from mramcim.experiments.design import FAN_IN, DesignContext, DesignPoint, evaluate_design, load_context

__all__ = ["ChipContext", "ChipPoint", "chip_data_identity", "evaluate_chip", "load_chip_context"]

CONTEXT_FILES = ("context.json", "context.npz")
_PULSE = ("v_vcma_v", "t_vcma_s")
_GLOBAL = ("global_width", "tap_ohm")


class ChipPoint(DesignPoint):
    """A `DesignPoint` as a sweep variable set (normalized so equivalent designs coincide)."""

    what = "chip design point"

    @model_validator(mode="before")
    @classmethod
    def _normalize(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = dict(data)
        drop: tuple[str, ...] = ()
        if str(out.get("scheme", "half")) == "conventional":
            drop += _PULSE
        mapping = str(out.get("mapping", "hierarchical"))
        if mapping != "adc":
            drop += ("adc_bits",)
        if mapping != "hierarchical":
            drop += _GLOBAL
        if mapping == "single":
            out["rows"] = FAN_IN
        return {k: v for k, v in out.items() if k not in drop}


@dataclass(frozen=True)
class ChipContext:
    """The design context and the sweep's seed."""

    design: DesignContext
    seed: int


def _context_folder(data: Any) -> Path:
    if data.weights is None:
        raise ConfigError(
            "the chip evaluator needs data.weights: a design context folder (`mramcim chip context --out DIR`)"
        )
    folder = Path(data.weights)
    return folder.parent if folder.is_file() else folder


def chip_data_identity(data: Any) -> dict[str, Any]:
    """The data source with the SHA-256 of the context folder's files (the cache key's data part)."""
    folder = _context_folder(data)
    files = {}
    for name in CONTEXT_FILES:
        try:
            files[name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        except OSError as err:
            raise ConfigError(f"{folder}: not a design context ({name}: {err.strerror})") from None
    return {"source": data.model_dump() | {"weights": None}, "files": files}


def load_chip_context(spec: Any) -> ChipContext:
    """The design context named by the spec's data source, at the spec's technology and seed."""
    return ChipContext(load_context(_context_folder(spec.data), spec.tech), spec.seed)


def evaluate_chip(point: dict[str, Any], context: ChipContext) -> dict[str, Any]:
    """`evaluate_design` at the sweep's seed, flattened to the metrics `explore` ranks."""
    record = evaluate_design({**point, "seed": context.seed}, context.design)
    acc, energy, area, latency = record["accuracy"], record["energy_j"], record["area"], record["latency_s"]
    return {
        "accuracy": acc["hardware"],
        "ideal_accuracy": acc["software_same_images"],
        "software_all_images": acc["software_all_images"],
        "n_images": acc["n_images"],
        "activation_error_rate": acc["activation_error_rate"],
        "energy_j": energy["total"],
        "energy_breakdown_j": {k: v for k, v in energy.items() if k != "total"},
        "area_m2": area["m2"]["total"],
        "area_breakdown_m2": {k: v for k, v in area["m2"].items() if k != "total"},
        "area_f2": area["f2"]["total"],
        "latency_s": latency["total"],
        "latency_breakdown_s": {k: v for k, v in latency.items() if k != "total"},
        "toggle_failure_rate": record["toggle"]["failure_rate"],
        "global_line_iterations_max": record["global_line_iterations_max"],
        "node_nm": record["notes"]["node_nm"],
        "seconds": record["seconds"],
    }
