"""Solve a read network with ngspice (flat, or partitioned by columns) or with scipy.

Why partition: ngspice 39's sparse LU orders this mesh badly; a flat 784 x 64 mesh `.op` takes
minutes while 784 x 4 takes ~0.1 s. The partitioned solve cuts the network into column blocks.
Every node shared by two blocks (a row-line node at a block edge, or a lumped row line) becomes
an ideal voltage source in each block it touches, at the voltage of the scipy solve; ngspice
then solves the blocks independently (parallel `ngspice -b` processes). The union of the block
solutions is the solution of the whole network exactly when Kirchhoff's current law closes at
every cut node, i.e. the currents ngspice reports for that node's sources sum to zero (the
solution is then a solution of the full network, which is unique). That residual, relative to
the largest driver current, is measured from ngspice's own currents and reported; above
`KCL_TOLERANCE` the solve is refused. A wrong interface voltage cannot go unnoticed, and the
bit-line currents are ngspice's.
"""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mramcim.circuit.netlist import render_read_dc
from mramcim.circuit.readnet import ArrayNetwork, solve_scipy
from mramcim.circuit.sim import run_batch, stop_on_error
from mramcim.errors import InputError, SimulationError
from mramcim.options import Engine, parse_option

__all__ = ["KCL_TOLERANCE", "DcResult", "solve_dc"]

logger = logging.getLogger(__name__)

KCL_TOLERANCE = 1e-6  # relative to the largest driver current
DEFAULT_BLOCK_COLS = 4


@dataclass(frozen=True)
class DcResult:
    """Sense-input currents [A] (data columns, then reference columns) and how they were got."""

    sense_a: npt.NDArray[np.float64]
    engine: str
    blocks: int
    kcl_residual_rel: float | None
    seconds: float


def solve_dc(
    net: ArrayNetwork,
    engine: str = "scipy",
    *,
    block_cols: int | None = DEFAULT_BLOCK_COLS,
    workers: int | None = None,
    timeout_s: float = 600.0,
    title: str = "read network",
) -> DcResult:
    """Solve the read network.

    Args:
        engine: "scipy" or "ngspice".
        block_cols: ngspice only; columns per partition block (None: one flat deck).
        workers: parallel ngspice processes (default: CPU count).
    """
    engine = parse_option(Engine, engine, "engine")
    start = time.perf_counter()
    if engine == "scipy":
        sol = solve_scipy(net)
        return DcResult(sol.sense_currents(net), "scipy", 1, None, time.perf_counter() - start)
    if block_cols is not None and block_cols < 1:
        raise InputError(f"block columns must be >= 1, got {block_cols}")
    total_cols = net.cols + net.ref_cols
    if block_cols is None or block_cols >= total_cols:
        values = run_batch(
            render_read_dc(net, title=title, header=_header(net, "flat")), name=title, timeout_s=timeout_s
        )
        sense = np.array([values[f"i({net.src_names[k].lower()})"] for k in net.sense_src])
        return DcResult(sense, "ngspice", 1, None, time.perf_counter() - start)
    return _partitioned(net, block_cols, workers or os.cpu_count() or 1, timeout_s, title, start)


def _header(net: ArrayNetwork, how: str) -> list[str]:
    return [
        f"{net.scheme} array {net.rows} x {net.cols} (+{net.ref_cols} reference columns), parasitics {net.parasitics}",
        f"solve: {how}",
    ]


def _partitioned(
    net: ArrayNetwork, block_cols: int, workers: int, timeout_s: float, title: str, start: float
) -> DcResult:
    block_of_res = np.maximum(net.res_block, 0) // block_cols
    n_blocks = int(block_of_res.max()) + 1
    touches = np.zeros((net.n_nodes, n_blocks), dtype=bool)
    touches[net.res_a, block_of_res] = True
    touches[net.res_b, block_of_res] = True
    fixed = np.zeros(net.n_nodes, dtype=bool)
    fixed[0] = True
    fixed[net.src_node] = True
    cut = np.flatnonzero((touches.sum(axis=1) > 1) & ~fixed)
    reference = solve_scipy(net)  # interface voltages; ngspice's KCL below verifies them
    src_of_node = {int(n): k for k, n in enumerate(net.src_node)}

    def run(blk: int) -> tuple[list[tuple[str, int, float]], dict[str, float]]:
        res = np.flatnonzero(block_of_res == blk)
        nodes = np.unique(np.concatenate([net.res_a[res], net.res_b[res]]))
        sources = [
            (net.src_names[src_of_node[n]], n, float(net.src_volts[src_of_node[n]]))
            for n in nodes.tolist()
            if n in src_of_node
        ]
        sources += [(f"Vcut{n}", n, float(reference.volts[n])) for n in cut[touches[cut, blk]].tolist()]
        name = f"{title}, block {blk + 1}/{n_blocks}"
        text = render_read_dc(
            net,
            title=name,
            header=_header(net, f"partition block {blk + 1} of {n_blocks}"),
            resistors=res,
            sources=sources,
            saves=[],
        )  # .save lines cost ngspice more than the solve
        return sources, run_batch(text, name=name, timeout_s=timeout_s)

    delivered = np.zeros(net.n_nodes)  # current the sources of each node deliver, all blocks
    with ThreadPoolExecutor(max_workers=workers) as pool, stop_on_error(pool):  # rendering overlaps ngspice
        for sources, values in pool.map(run, range(n_blocks)):
            for name, node, _ in sources:
                delivered[node] -= values[f"i({name.lower()})"]  # ngspice: + into the + node
    drivers = np.setdiff1d(net.src_node, net.src_node[net.sense_src])
    scale = max(float(np.max(np.abs(delivered[drivers]))), 1e-15) if drivers.size else 1e-15
    residual = float(np.max(np.abs(delivered[cut])) / scale) if cut.size else 0.0
    if residual > KCL_TOLERANCE:
        raise SimulationError(
            f"{title}: the partitioned solve does not close Kirchhoff's current law at the cuts "
            f"(relative residual {residual:.2e} > {KCL_TOLERANCE:g}); use a flat solve"
        )
    seconds = time.perf_counter() - start
    logger.info("%s: %d ngspice blocks, KCL residual %.1e, %.2f s", title, n_blocks, residual, seconds)
    return DcResult(-delivered[net.src_node[net.sense_src]], "ngspice", n_blocks, residual, seconds)
