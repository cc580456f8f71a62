"""Mapping a network onto arrays: a layer of fan-in n and fan-out m occupies arrays of n rows and
`array_cols` columns (the first MNIST layer: 784 rows) plus replica reference columns; the
conventional scheme stores each weight in two MTJs. With the energy of one column MAC per layer
(measured by `mramcim.array.mac.mac_energy_per_column`) the plan gives the inference energy.

In the training loop the hidden layer reads through the array's `mramcim.encoding.TransferCurve`.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field

from mramcim.options import Config, SchemeField

__all__ = [
    "ArrayPlan",
]


class ArrayPlan(Config):
    """How the layers (fan-in, fan-out) of a network map onto arrays of one scheme."""

    scheme: SchemeField = Field(description="weight storage scheme")
    layers: tuple[tuple[int, int], ...] = Field(description="(fan-in, fan-out) of each layer")
    array_cols: int = Field(64, ge=1, description="columns per array")
    reference_cols: int = Field(2, ge=0, description="replica reference columns per array")

    @property
    def mtj_per_weight(self) -> int:
        return self.scheme.mtjs_per_weight

    def counts(self) -> list[dict[str, int]]:
        rows = []
        for fan_in, fan_out in self.layers:
            arrays = math.ceil(fan_out / self.array_cols)
            weights = fan_in * fan_out
            references = arrays * self.reference_cols * fan_in
            rows.append(
                {
                    "rows": fan_in,
                    "cols": fan_out,
                    "arrays": arrays,
                    "weights": weights,
                    "mtj": (weights + references) * self.mtj_per_weight,
                }
            )
        return rows

    def summary(self, energy_per_column_j: list[float] | None) -> dict[str, Any]:
        """Counts per layer and, with the energy of one column MAC per layer, the inference energy."""
        layers = self.counts()
        out: dict[str, Any] = {
            "scheme": self.scheme,
            "array_cols": self.array_cols,
            "layers": layers,
            "arrays": sum(r["arrays"] for r in layers),
            "mtj": sum(r["mtj"] for r in layers),
        }
        if energy_per_column_j is not None:
            out["energy_per_column_mac_j"] = list(energy_per_column_j)
            out["inference_energy_j"] = sum(r["cols"] * e for r, e in zip(layers, energy_per_column_j, strict=True))
        return out
