"""The binary encoding, fixed once.

    weight W = +1  <->  parallel MTJ (low resistance, m0 = +1, magnetization along the
                        reference layer +z);  W = -1  <->  antiparallel (high resistance)
    sign(0) = +1 (never returns 0)
    XNOR(X, W) = X * W;  popcount k = #{i : X_i W_i = +1};  pre-activation z = 2k - N
    column current I(k) = k I_1 + (N - k) I_0 with I_1 > I_0 (more parallel cells, more current)
    sense output +1  <->  k >= ceil(N / 2)  <->  z >= 0  (the binary activation sign(z))

`TransferCurve` is the contract between the arrays and learning: the measured P(sense = +1 | k).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from mramcim.artifacts import Result, read_json_object
from mramcim.errors import InputError

__all__ = [
    "TransferCurve",
    "TransferStats",
    "as_pm1",
    "popcount",
    "sign",
    "threshold_popcount",
]


def sign(x: npt.ArrayLike) -> npt.NDArray[np.int8]:
    """Binarize: +1 where x >= 0, else -1 (sign(0) = +1)."""
    return np.where(np.asarray(x) >= 0, 1, -1).astype(np.int8)


def popcount(inputs: npt.NDArray[np.integer], weights: npt.NDArray[np.integer]) -> npt.NDArray[np.int64]:
    """XNOR popcount per column: inputs (rows,), weights (rows, cols) -> (cols,)."""
    return np.sum(inputs[:, None] * weights == 1, axis=0).astype(np.int64)


def threshold_popcount(rows: int) -> int:
    """Smallest popcount whose activation is +1: ceil(rows / 2)."""
    return (rows + 1) // 2


def as_pm1(values: object, name: str, shape: tuple[int, ...] | None = None) -> npt.NDArray[np.int8]:
    """Validate a +-1 array (any integer or float dtype holding exactly +-1).

    Raises:
        InputError: wrong shape, NaN, or any value other than +1/-1.
    """
    arr = np.asarray(values)
    if shape is not None and arr.shape != shape:
        raise InputError(f"{name} has shape {arr.shape}, expected {shape}")
    if arr.dtype.kind not in "iuf" or arr.size == 0:
        raise InputError(f"{name} must be a non-empty numeric array of +1/-1, got dtype {arr.dtype}")
    bad = ~np.isin(arr, (-1, 1))
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InputError(f"{name} must hold only +1/-1; found {arr[idx]!r} at index {idx}")
    return arr.astype(np.int8)


STAT_LISTS = ("samples", "current_mean_a", "current_std_a", "current_p05_a", "current_p95_a", "error_rate")


@dataclass(frozen=True)
class TransferStats:
    """How a transfer characteristic was measured, and what else the measurement saw.

    Per-popcount lists (`STAT_LISTS`) align with `TransferCurve.popcount`. Currents in A.
    """

    cols: int
    parasitics: str
    reference: str
    engine: str
    threshold: int
    mc: int
    seed: int
    variation: bool
    toggle_errors: bool
    corner: str
    samples: list[int]
    current_mean_a: list[float]
    current_std_a: list[float]
    current_p05_a: list[float]
    current_p95_a: list[float]
    error_rate: list[float]
    i_ref_mean_a: float
    i_ref_std_a: float
    lsb_near_threshold_a: float
    mac_error_rate: float
    error_rate_by_column: list[float]
    toggle_failures: int
    toggle_failure_rate: float
    solves: int
    ir_drop_worst_cell: float
    ir_drop_mean_cell: float
    ir_drop_map: npt.NDArray[np.float64] = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "ir_drop_map"}
        return out


@dataclass(frozen=True)
class TransferCurve(Result):
    """The contract between arrays and learning: P(sense = +1) vs XNOR popcount for an array of
    `rows` rows (what `characterize array` writes and `train --hardware` reads).

    `popcount` holds increasing popcounts in 0..rows, `p_plus` the probability that the sense
    output is +1 at each; between them P(+1) is linear. `stats` records the Monte-Carlo
    measurement when the curve came from one (None for a curve built by hand).
    """

    name: ClassVar[str] = "transfer"

    rows: int
    popcount: npt.NDArray[np.float64]
    p_plus: npt.NDArray[np.float64]
    scheme: str | None = None
    stats: TransferStats | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str) -> TransferCurve:
        try:
            rows = int(data["rows"])
            k = np.asarray(data["popcount"], dtype=np.float64)
            p = np.asarray(data["p_plus"], dtype=np.float64)
        except (KeyError, TypeError, ValueError, OverflowError) as err:
            raise InputError(
                f"{source} is not a transfer characteristic (needs rows, popcount, p_plus): {err}"
            ) from None
        if not 1 <= rows <= 1_000_000:
            raise InputError(f"{source}: rows must be 1 to 1000000, got {rows}")
        if k.ndim == 1 and (not np.all(np.isfinite(k)) or np.any((k < 0) | (k > rows))):
            raise InputError(f"{source}: popcount values must lie in 0..rows ({rows})")
        if k.ndim != 1 or k.shape != p.shape or k.size < 2 or np.any(np.diff(k) <= 0):
            raise InputError(f"{source}: popcount must be increasing and match p_plus in length")
        if not np.all(np.isfinite(p)) or np.any((p < 0) | (p > 1)):
            raise InputError(f"{source}: p_plus values must be probabilities in [0, 1]")
        scheme = data.get("scheme")
        return cls(rows, k, p, scheme if isinstance(scheme, str) else None)

    @classmethod
    def from_file(cls, path: str | Path) -> TransferCurve:
        return cls.from_json(read_json_object(path, "transfer characteristic"), str(path))

    def to_json(self) -> dict[str, Any]:
        popcount = [int(k) if float(k).is_integer() else float(k) for k in self.popcount.tolist()]
        out: dict[str, Any] = {
            "rows": self.rows,
            "scheme": self.scheme,
            "popcount": popcount,
            "p_plus": self.p_plus.tolist(),
        }
        return out | (self.stats.to_json() if self.stats else {})

    def arrays(self) -> dict[str, np.ndarray]:
        out = {"popcount": self.popcount, "p_plus": self.p_plus}
        if self.stats:
            s = self.stats
            out |= {
                "current_mean_a": np.asarray(s.current_mean_a),
                "current_std_a": np.asarray(s.current_std_a),
                "error_rate": np.asarray(s.error_rate),
                "error_rate_by_column": np.asarray(s.error_rate_by_column),
                "ir_drop_map": s.ir_drop_map,
            }
        return out

    def summary_lines(self) -> list[str]:
        if self.stats is None:
            return [f"transfer characteristic of a {self.rows}-row array ({len(self.popcount)} popcounts)"]
        s = self.stats
        return [
            f"{self.scheme} array {self.rows} rows x {s.cols} cols, {s.parasitics} parasitics, {s.reference} "
            "reference, "
            f"{s.mc} Monte-Carlo samples",
            f"  LSB near the threshold {s.lsb_near_threshold_a * 1e6:.3f} uA; worst cell read voltage "
            f"{s.ir_drop_worst_cell * 100:.1f} % of V_read",
            f"  MAC error rate over the sampled popcounts {s.mac_error_rate:.4f}; toggle failure rate "
            f"{s.toggle_failure_rate:.2e}",
        ]

    def check_fan_in(self, fan_in: int) -> None:
        if self.rows != fan_in:
            raise InputError(
                f"the transfer characteristic is for {self.rows} rows but the first layer has fan-in "
                f"{fan_in}; characterize an array with --rows {fan_in}"
            )

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
