"""Hardware in the training loop: the array's transfer characteristic, the mapping of layers onto
arrays, and the energy of inference and training.

- Forward: the hidden layer's sense outputs are drawn from P(sense = +1 | popcount), the transfer
  characteristic measured by `mramcim characterize array` (Monte-Carlo over device variation,
  wire IR drop, sense offset and, for the half-size scheme, VCMA toggle failures). The output
  layer's scores are taken as exact popcounts (they are decoded, not sensed against a threshold).
- Mapping: a layer of fan-in n and fan-out m occupies arrays of n rows and `array_cols` columns
  (the first MNIST layer: 784 rows); the conventional scheme stores each weight in two MTJs.
- Energy: inference = column MACs x energy per column MAC, measured by the ngspice LLG transient
  of an n-row column (`mac_energy_per_column`); training = forward MACs of every training sample
  plus the SOT write pulses (mramcim.sotwrite). The backward pass is digital and not counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from mramcim.artifacts import read_json_object
from mramcim.errors import InputError
from mramcim.netlist import SCHEMES
from mramcim.tech import Technology

__all__ = ["ArrayPlan", "TransferCurve", "mac_energy_per_column"]


@dataclass(frozen=True)
class TransferCurve:
    """P(sense = +1) vs popcount for an array of `rows` rows."""

    rows: int
    popcount: npt.NDArray[np.float64]
    p_plus: npt.NDArray[np.float64]
    scheme: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str) -> TransferCurve:
        try:
            rows = int(data["rows"])
            k = np.asarray(data["popcount"], dtype=np.float64)
            p = np.asarray(data["p_plus"], dtype=np.float64)
        except (KeyError, TypeError, ValueError) as err:
            raise InputError(f"{source} is not a transfer characteristic (needs rows, popcount, p_plus): {err}") from None
        if k.ndim != 1 or k.shape != p.shape or k.size < 2 or np.any(np.diff(k) <= 0):
            raise InputError(f"{source}: popcount must be increasing and match p_plus in length")
        if not np.all(np.isfinite(p)) or np.any((p < 0) | (p > 1)):
            raise InputError(f"{source}: p_plus values must be probabilities in [0, 1]")
        scheme = data.get("scheme")
        return cls(rows, k, p, scheme if isinstance(scheme, str) else None)

    @classmethod
    def from_file(cls, path: str | Path) -> TransferCurve:
        return cls.from_json(read_json_object(path, "transfer characteristic"), str(path))

    def check_fan_in(self, fan_in: int) -> None:
        if self.rows != fan_in:
            raise InputError(f"the transfer characteristic is for {self.rows} rows but the first layer has fan-in "
                             f"{fan_in}; characterize an array with --rows {fan_in}")

    @cached_property
    def _table(self) -> npt.NDArray[np.float32]:
        """P(+1) at every popcount 0..rows (linear between the characterized points)."""
        return np.interp(np.arange(self.rows + 1), self.popcount, self.p_plus).astype(np.float32)

    def activate(self, z: npt.NDArray[np.floating], rng: np.random.Generator) -> npt.NDArray[np.float32]:
        """Sensed +-1 outputs for integer pre-activations z = 2k - rows."""
        k = ((z + self.rows) * 0.5).astype(np.int16 if self.rows < 2**15 else np.int32)
        p = self._table[np.clip(k, 0, self.rows, out=k)]
        sensed = (rng.random(z.shape, dtype=np.float32) < p).astype(np.float32)
        return sensed * 2 - 1


@dataclass(frozen=True)
class ArrayPlan:
    """How the layers (fan-in, fan-out) of a network map onto arrays of one scheme."""

    scheme: str
    layers: tuple[tuple[int, int], ...]
    array_cols: int = 64
    reference_cols: int = 2

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise InputError(f"unknown scheme {self.scheme!r}; choose one of {', '.join(SCHEMES)}")
        if self.array_cols < 1:
            raise InputError(f"array columns must be >= 1, got {self.array_cols}")

    @property
    def mtj_per_weight(self) -> int:
        return 2 if self.scheme == "conventional" else 1

    def counts(self) -> list[dict[str, int]]:
        rows = []
        for fan_in, fan_out in self.layers:
            arrays = math.ceil(fan_out / self.array_cols)
            weights = fan_in * fan_out
            references = arrays * self.reference_cols * fan_in
            rows.append({"rows": fan_in, "cols": fan_out, "arrays": arrays, "weights": weights,
                         "mtj": (weights + references) * self.mtj_per_weight})
        return rows

    def summary(self, energy_per_column_j: list[float] | None) -> dict[str, Any]:
        """Counts per layer and, with the energy of one column MAC per layer, the inference energy."""
        layers = self.counts()
        out: dict[str, Any] = {"scheme": self.scheme, "array_cols": self.array_cols, "layers": layers,
                               "arrays": sum(r["arrays"] for r in layers), "mtj": sum(r["mtj"] for r in layers)}
        if energy_per_column_j is not None:
            out["energy_per_column_mac_j"] = list(energy_per_column_j)
            out["inference_energy_j"] = sum(r["cols"] * e for r, e in zip(layers, energy_per_column_j, strict=True))
        return out


def mac_energy_per_column(tech: Technology, scheme: str, rows: int, seed: int = 0) -> float:
    """Energy of one column MAC (toggle, read, restore for half-size; read for conventional) from
    the ngspice LLG transient of a `rows` x 1 column with random operands and ideal wires."""
    from mramcim.flows import run_mac

    rng = np.random.default_rng(seed)
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(rows, 1))
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=rows)
    return float(run_mac(tech, w, x, scheme, parasitics="none").energy_j["mac"])
