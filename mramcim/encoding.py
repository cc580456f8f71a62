"""The binary encoding, fixed once.

    weight W = +1  <->  parallel MTJ (low resistance, m0 = +1, magnetization along the
                        reference layer +z);  W = -1  <->  antiparallel (high resistance)
    sign(0) = +1 (never returns 0)
    XNOR(X, W) = X * W;  popcount k = #{i : X_i W_i = +1};  pre-activation z = 2k - N
    column current I(k) = k I_1 + (N - k) I_0 with I_1 > I_0 (more parallel cells, more current)
    sense output +1  <->  k >= ceil(N / 2)  <->  z >= 0  (the binary activation sign(z))
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mramcim.errors import InputError

__all__ = ["as_pm1", "popcount", "sign", "threshold_popcount"]


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
