"""Many operating points of one read network in one VACASK run (reads that differ only in their
sources: the conventional scheme's inputs, the same chip read image after image).

Why: a read network of a 784-row column block has ~0.3 M elements; a simulator spends most of
one `.op` parsing the deck and ordering the matrix (ngspice 39: 174 of 181 s in "Matrix
reorder" for a 64 x 66 sub-array stack). Those are the same for every read, so one deck carries
them all (netlists/vacask/read_batch.sim.j2): every source is a piecewise-linear waveform holding
read n's voltage at t = n, delayed by -read, and VACASK sweeps the control variable `read` over
0 .. reads - 1 with one operating point each (one parse, one matrix ordering; each point costs a
numerical refactorization and two Newton iterations). A transient stepping through the reads
was tried first: VACASK's breakpoint rule puts ~3 time points on every read.

Stage: circuit (beside `dcsolve`). Only `circuit.vacask` starts the simulator.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from mramcim.circuit.readnet import ArrayNetwork
from mramcim.circuit.vacask import run_deck
from mramcim.circuit.vanetlist import render_read_batch_vacask
from mramcim.errors import InputError, SimulationError

__all__ = ["solve_dc_batch"]

logger = logging.getLogger(__name__)


def solve_dc_batch(
    net: ArrayNetwork,
    volts: npt.ArrayLike,
    *,
    sources: Sequence[int] | None = None,
    timeout_s: float = 3600.0,
    title: str = "read batch",
) -> npt.NDArray[np.float64]:
    """Sense-input currents [A] of `net` for every row of `volts` (reads, sources), by VACASK.

    Args:
        net: the read network (its resistors; its own source voltages are ignored).
        volts: (reads, sources) source voltages [V] of each read, in `net.src_node` order.
        sources: indices (into `net.src_node`) of the sources whose currents are returned;
            default: the sense inputs, `net.sense_src`.
        timeout_s: wall-clock limit of the VACASK run.
        title: deck title and name in error messages.

    Returns:
        (reads, len(sources)) currents into those sources, in the order of `sources`.

    Raises:
        InputError: `volts` of the wrong shape.
        SimulationError: VACASK fails, or its sweep did not cover every read.
    """
    v = np.atleast_2d(np.asarray(volts, dtype=np.float64))
    if v.ndim != 2 or v.shape[1] != len(net.src_node):
        raise InputError(f"batch voltages must be (reads, {len(net.src_node)}), got shape {v.shape}")
    reads = v.shape[0]
    if reads == 1:  # a piecewise-linear waveform needs two corners: repeat the read
        v = np.vstack([v, v])
    start = time.perf_counter()
    header = [f"{reads} reads of a {net.scheme} read network, {len(net.res_ohm)} resistors, VACASK op sweep"]
    which = list(net.sense_src if sources is None else sources)
    saves = [f"i({net.src_names[k]})" for k in which]
    deck = render_read_batch_vacask(net, v, title=title, header=header, saves=saves)
    result = run_deck(deck, name=title, timeout_s=timeout_s)
    swept = result["v(read)"]
    if swept.size != v.shape[0] or np.any(np.abs(swept - np.arange(v.shape[0])) > 1e-9):
        raise SimulationError(f"{title}: VACASK swept {swept.size} reads, expected reads 0 .. {v.shape[0] - 1}")
    sense = np.stack([result[f"i({net.src_names[k]})"][:reads] for k in which], axis=1)
    logger.info("%s: %d reads, %d resistors in %.1f s", title, reads, len(net.res_ohm), time.perf_counter() - start)
    return sense
