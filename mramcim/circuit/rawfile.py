"""SPICE binary rawfiles (as written by ngspice `-r` and by VACASK) -> numpy vectors.

A rawfile holds one or more plots. Each plot is an ASCII header (`Title:`, `Plotname:`,
`Flags:`, `No. Variables:`, `No. Points:`, `Variables:` with one `index name type` line per
vector) followed by `Binary:` and `points x variables` little-endian float64 values, point by
point (complex plots: two float64 per value). Pure parsing; nothing here runs a simulator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mramcim.errors import SimulationError

__all__ = ["RawPlot", "read_raw"]


@dataclass(frozen=True)
class RawPlot:
    """One plot of a rawfile: its name and vectors in file order (raw names, unchanged)."""

    plotname: str
    names: list[str]
    data: npt.NDArray[np.float64]  # (points, variables); real part of complex plots

    def vectors(self) -> dict[str, npt.NDArray[np.float64]]:
        return {name: self.data[:, k].copy() for k, name in enumerate(self.names)}


def _header_value(lines: list[str], key: str, name: str) -> str:
    for line in lines:
        head, sep, value = line.partition(":")
        if sep and head.strip().lower() == key:
            return value.strip()
    raise SimulationError(f"{name}: rawfile header has no {key!r} line")


def read_raw(raw: bytes, name: str = "<rawfile>") -> list[RawPlot]:
    """Every plot of a binary rawfile.

    Args:
        raw: the file's bytes.
        name: how the file is called in error messages.

    Raises:
        SimulationError: not a binary rawfile, or truncated.
    """
    plots: list[RawPlot] = []
    rest = raw
    while rest.strip():
        head, sep, body = rest.partition(b"Binary:\n")
        if not sep:
            if b"Values:" in head:
                raise SimulationError(f"{name}: ASCII rawfiles are not supported (write a binary one)")
            raise SimulationError(f"{name}: no binary data section in the rawfile")
        lines = head.decode("utf-8", errors="replace").splitlines()
        try:
            n_vars = int(_header_value(lines, "no. variables", name))
            n_points = int(_header_value(lines, "no. points", name).split()[0])
        except ValueError:
            raise SimulationError(f"{name}: unreadable rawfile header") from None
        flags = _header_value(lines, "flags", name).lower()
        plotname = _header_value(lines, "plotname", name)
        start = next((k for k, ln in enumerate(lines) if ln.strip().lower() == "variables:"), None)
        if start is None or len(lines) < start + 1 + n_vars:
            raise SimulationError(f"{name}: rawfile header lists fewer than {n_vars} variables")
        names = [ln.split()[1] for ln in lines[start + 1 : start + 1 + n_vars]]
        width = 2 if "complex" in flags else 1
        count = n_points * n_vars * width
        if len(body) < 8 * count:
            raise SimulationError(f"{name}: rawfile truncated ({len(body)} of {8 * count} data bytes)")
        values = np.frombuffer(body, dtype="<f8", count=count).reshape(n_points, n_vars, width)[:, :, 0]
        plots.append(RawPlot(plotname, names, np.ascontiguousarray(values)))
        rest = body[8 * count :]
    if not plots:
        raise SimulationError(f"{name}: empty rawfile")
    return plots
