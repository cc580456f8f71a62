"""MAC operands: +-1 weights (rows, cols) and inputs (rows,) from .npy files, or random with a seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from mramcim.artifacts import load_npy
from mramcim.circuit.netlist import check_array_size
from mramcim.errors import InputError

__all__ = ["array_operands"]


def array_operands(
    rows: int, cols: int, *, weights: str | Path | None = None, inputs: str | Path | None = None, seed: int = 0
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]:
    """Weights and inputs for a rows x cols array: loaded where a file is given, else random +-1.

    The values are checked (+-1 only) where they are used; shapes are checked here.

    Raises:
        InputError: bad size, unreadable file, or a weights file of another shape.
    """
    rows, cols = check_array_size(rows, cols)
    if seed < 0:
        raise InputError(f"seed must be >= 0, got {seed}")
    rng = np.random.default_rng(seed)
    pm1 = np.array([-1, 1], dtype=np.int8)
    w = load_npy(weights, "weights") if weights is not None else None
    x = load_npy(inputs, "inputs") if inputs is not None else None
    if w is None:
        w = rng.choice(pm1, size=(rows, cols))
    elif w.shape != (rows, cols):
        raise InputError(f"weights file {weights} has shape {w.shape}, expected ({rows}, {cols})")
    if x is None:
        x = rng.choice(pm1, size=rows)
    return w, x
