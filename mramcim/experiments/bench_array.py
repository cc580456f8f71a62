"""`mramcim bench array`: render, ERC and DC-solve times of 784 x N arrays, side by side.

For each size: rendering the transient deck (mesh wires) and its ERC; the DC read network
solved by the fast solver (circuit/fastsolve: line-preconditioned CG; its set-up once per
topology, then one read), by scipy (the reference), by ngspice partitioned into column blocks,
and by ngspice as one flat deck (skipped above `flat_max_cols`: it grows ~C^3), with the
agreement of the bit-line currents.

`bench_solvers` times the read-network solvers alone over sizes and wire resistances: the
element-by-element and the vectorized assembly, SuperLU, the line-preconditioned CG and the
sparse Cholesky of `fastsolve` (set-up once per topology, then per read), the Cholesky read
matrix, and ngspice partitioned, with every solver's largest relative difference from ngspice
on the bit-line currents (docs/solvers.md).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

import numpy as np

from mramcim.artifacts import RecordResult
from mramcim.circuit.dcsolve import solve_dc
from mramcim.circuit.erc import check_deck
from mramcim.circuit.fastsolve import CholeskySolver, LinePcgSolver, default_backend
from mramcim.circuit.netlist import check_array_size, render_array
from mramcim.circuit.readnet import assemble_network, build_network, build_network_elementwise, solve_scipy
from mramcim.errors import InputError
from mramcim.tech import Technology, override

__all__ = ["BENCH_SIZES", "ArrayBench", "bench_array", "bench_solvers"]

BENCH_SIZES = [(64, 8), (256, 64), (784, 64), (784, 256), (784, 512)]


def _timed(func: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    value = func()
    return value, time.perf_counter() - start


@dataclass(frozen=True)
class ArrayBench(RecordResult):
    """Times per array size (`record["sizes"]`) and their ratios."""

    name: ClassVar[str] = "bench-array"

    def summary_lines(self) -> list[str]:
        lines = [
            f"{'array':>9s} {'nodes':>7s} {'render':>7s} {'ERC':>6s} {'fast':>8s} {'(set-up)':>8s} {'scipy':>6s} "
            f"{'ng part':>8s} {'ng flat':>8s} "
            f"{'part/scipy':>10s} {'flat/scipy':>10s} {'flat/part':>9s} {'max rel diff':>12s}"
        ]
        for r in self.record["sizes"]:
            flat = r.get("ngspice_flat_s")
            diff = max(
                r["partitioned_vs_scipy_max_rel"],
                r["fast_vs_partitioned_max_rel"],
                r.get("flat_vs_partitioned_max_rel", 0.0),
            )
            flat_cols = (
                (f"{flat:7.1f}s", f"{r['flat_over_scipy']:9.1f}x", f"{r['flat_over_partitioned']:8.1f}x")
                if flat
                else ("skipped", "-", "-")
            )
            lines.append(
                f"{r['rows']:>4d}x{r['cols']:<4d} {r['nodes']:>7d} {r['render_s']:6.2f}s {r['erc_s']:5.2f}s "
                f"{r['fast_read_s']:7.4f}s {r['fast_setup_s']:7.4f}s {r['scipy_s']:5.2f}s "
                f"{r['ngspice_partitioned_s']:7.2f}s {flat_cols[0]:>8s} "
                f"{r['partitioned_over_scipy']:9.1f}x {flat_cols[1]:>10s} {flat_cols[2]:>9s} {diff:12.1e}"
            )
        return lines


def bench_array(
    tech: Technology,
    rows: int,
    cols_list: list[int],
    *,
    flat_max_cols: int,
    block_cols: int,
    workers: int | None,
    seed: int,
    progress: Callable[[str], None] | None = None,
) -> ArrayBench:
    for cols in cols_list:
        check_array_size(rows, cols)
    if workers is not None and workers < 1:
        raise InputError(f"workers must be at least 1, got {workers}")
    if block_cols < 1 or flat_max_cols < 0:
        raise InputError(f"--block-cols must be >= 1 and --flat-max-cols >= 0, got {block_cols} and {flat_max_cols}")
    rng = np.random.default_rng(seed)
    out = []
    for cols in cols_list:
        w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(rows, cols))
        x = rng.choice(np.array([-1, 1], dtype=np.int8), size=rows)
        deck, t_render = _timed(partial(render_array, tech, w, x, "half", parasitics="mesh", save_states=False))
        violations, t_erc = _timed(partial(check_deck, deck.text))
        net, t_build = _timed(
            partial(
                build_network,
                tech,
                {"rl": x[:, None] * w},
                {"rl": np.full(rows, tech.operation.v_read_v)},
                scheme="half",
                parasitics="mesh",
            )
        )
        scipy = solve_dc(net, "scipy")
        pcg, t_fast_setup = _timed(partial(LinePcgSolver, net))
        fast, t_fast_read = _timed(partial(pcg.sense_currents, net.res_ohm, net.src_volts))
        part = solve_dc(net, "ngspice", block_cols=block_cols, workers=workers, timeout_s=tech.simulation.timeout_s)
        row: dict[str, Any] = {
            "rows": rows,
            "cols": cols,
            "nodes": net.n_nodes,
            "resistors": len(net.res_ohm),
            "render_s": t_render,
            "deck_mb": len(deck.text) / 1e6,
            "erc_s": t_erc,
            "erc_violations": len(violations),
            "network_build_s": t_build,
            "scipy_s": scipy.seconds,
            "fast_setup_s": t_fast_setup,
            "fast_read_s": t_fast_read,
            "fast_iterations": pcg.iterations[-1],
            "fast_vs_scipy_max_rel": float(np.max(np.abs(fast[0] / scipy.sense_a - 1))),
            "ngspice_partitioned_s": part.seconds,
            "blocks": part.blocks,
            "kcl_residual_rel": part.kcl_residual_rel,
            "partitioned_vs_scipy_max_rel": float(np.max(np.abs(part.sense_a / scipy.sense_a - 1))),
            "partitioned_over_scipy": part.seconds / scipy.seconds,
            "fast_vs_partitioned_max_rel": float(np.max(np.abs(fast[0] / part.sense_a - 1))),
        }
        if cols <= flat_max_cols:
            if progress:
                progress(f"784 x {cols}: flat ngspice .op (minutes above 32 columns)")
            flat = solve_dc(net, "ngspice", block_cols=None, timeout_s=max(tech.simulation.timeout_s, 3600))
            row |= {
                "ngspice_flat_s": flat.seconds,
                "flat_vs_partitioned_max_rel": float(np.max(np.abs(part.sense_a / flat.sense_a - 1))),
                "flat_over_scipy": flat.seconds / scipy.seconds,
                "flat_over_partitioned": flat.seconds / part.seconds,
            }
        out.append(row)
        if progress:
            progress(f"784 x {cols}: done")
    return ArrayBench({"sizes": out, "seed": seed, "block_cols": block_cols})


def _clocked(func: Callable[[], Any], reps: int = 1) -> tuple[Any, float, float]:
    """Value, best wall time [s] and best CPU time [s] (this process and its children) of reps calls."""
    best_wall = best_cpu = float("inf")
    value = None
    for _ in range(reps):
        t0, p0, c0 = time.perf_counter(), time.process_time(), os.times()
        value = func()
        t1, p1, c1 = time.perf_counter(), time.process_time(), os.times()
        cpu = (p1 - p0) + (c1.children_user + c1.children_system) - (c0.children_user + c0.children_system)
        best_wall, best_cpu = min(best_wall, t1 - t0), min(best_cpu, cpu)
    return value, best_wall, best_cpu


def bench_solvers(
    tech: Technology,
    sizes: list[tuple[int, int]] | None = None,
    wire_ohms: list[float] | None = None,
    *,
    block_cols: int = 4,
    workers: int | None = 1,
    ngspice: bool = True,
    seed: int = 0,
    read_matrix_max_cells: int = 784 * 256,
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Read-network solve times per (rows, cols, wire R per pitch): half-size scheme, mesh wires.

    Each size reads random +-1 operands (seed `seed`) with both wires at `wire_ohms` per pitch.
    Times are wall seconds and CPU seconds (`_cpu_s`: this process plus its ngspice children; on
    a shared machine the steadier measure), the best of a few repeats for small arrays:
        build_s / assemble_s   readnet.build_network / readnet_fast.assemble_network
        scipy_s                readnet.solve_scipy (SuperLU, COLAMD): the reference
        fast_setup_s           LinePcgSolver construction (line structure, once per topology)
        fast_read_s            one read by line-preconditioned CG (fast_iterations steps)
        cholesky_analyze_s     CholeskySolver construction (METIS ordering + symbolic, once)
        cholesky_read_s        numeric factorization + solve of one read
        read_matrix_s          the read matrix of one factorization (one RHS per column; up to
                               `read_matrix_max_cells` cells); matvec_read_s: one read through it
        ngspice_partitioned_s  dcsolve ngspice partitioned into `block_cols` column blocks
    A fresh solve of a new topology costs setup/analyze + read. `<solver>_vs_ngspice` (and
    `_vs_scipy`) is the largest relative difference of the bit-line currents.
    """
    sizes = sizes or BENCH_SIZES
    wire_ohms = wire_ohms or [1.0, 5.0]
    out: list[dict[str, Any]] = []
    for ohm in wire_ohms:
        t = override(tech, wires={"r_wl_ohm": ohm, "r_bl_ohm": ohm})
        for rows, cols in sizes:
            rng = np.random.default_rng(seed)
            w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(rows, cols))
            x = rng.choice(np.array([-1, 1], dtype=np.int8), size=rows)
            args = (t, {"rl": x[:, None] * w}, {"rl": np.full(rows, t.operation.v_read_v)})
            reps = 5 if rows * cols <= 256 * 64 else 1
            if progress:
                progress(f"{rows} x {cols}, {ohm:g} Ohm/pitch: reference and fast solves")
            net, build_wall, build_cpu = _clocked(
                partial(build_network_elementwise, *args, scheme="half", parasitics="mesh")
            )
            fast, asm_wall, asm_cpu = _clocked(partial(assemble_network, *args, scheme="half", parasitics="mesh"), reps)
            ref, scipy_wall, scipy_cpu = _clocked(lambda: solve_scipy(net).sense_currents(net), reps)  # noqa: B023
            pcg, pcg_set_wall, pcg_set_cpu = _clocked(lambda: LinePcgSolver(fast), 1)  # noqa: B023
            cur, pcg_wall, pcg_cpu = _clocked(
                lambda: pcg.sense_currents(fast.res_ohm, fast.src_volts)[0],  # noqa: B023
                max(reps, 3),
            )
            chol_solver, an_wall, an_cpu = _clocked(lambda: CholeskySolver(fast), 1)  # noqa: B023

            def read(solver: CholeskySolver = chol_solver, fast: Any = fast) -> Any:
                return solver.factor(fast.res_ohm).sense_currents(fast.src_volts)[0]

            chol, read_wall, read_cpu = _clocked(read, max(reps, 3))
            row: dict[str, Any] = {
                "rows": rows,
                "cols": cols,
                "wire_ohm_per_pitch": ohm,
                "nodes": net.n_nodes,
                "resistors": len(net.res_ohm),
                "backend": default_backend(),
                "build_s": build_wall,
                "build_cpu_s": build_cpu,
                "assemble_s": asm_wall,
                "assemble_cpu_s": asm_cpu,
                "scipy_s": scipy_wall,
                "scipy_cpu_s": scipy_cpu,
                "fast_setup_s": pcg_set_wall,
                "fast_setup_cpu_s": pcg_set_cpu,
                "fast_read_s": pcg_wall,
                "fast_read_cpu_s": pcg_cpu,
                "fast_iterations": pcg.iterations[-1],
                "cholesky_analyze_s": an_wall,
                "cholesky_analyze_cpu_s": an_cpu,
                "cholesky_read_s": read_wall,
                "cholesky_read_cpu_s": read_cpu,
                "fast_vs_scipy": float(np.max(np.abs(cur / ref - 1))),
                "cholesky_vs_scipy": float(np.max(np.abs(chol / ref - 1))),
            }
            m = None
            if rows * cols <= read_matrix_max_cells:
                m, rm_wall, rm_cpu = _clocked(chol_solver.factor(fast.res_ohm).read_matrix)
                volts = np.tile(fast.src_volts, (1000, 1))
                _, mv_wall, mv_cpu = _clocked(lambda: volts @ m.T, 3)  # noqa: B023
                row |= {
                    "read_matrix_s": rm_wall,
                    "read_matrix_cpu_s": rm_cpu,
                    "matvec_read_s": mv_wall / 1000,
                    "matvec_read_cpu_s": mv_cpu / 1000,
                    "read_matrix_vs_scipy": float(np.max(np.abs(m @ fast.src_volts / ref - 1))),
                }
            if ngspice:
                if progress:
                    progress(f"{rows} x {cols}, {ohm:g} Ohm/pitch: ngspice partitioned")
                part, ng_wall, ng_cpu = _clocked(
                    partial(
                        solve_dc,
                        net,
                        "ngspice",
                        block_cols=block_cols,
                        workers=workers,
                        timeout_s=t.simulation.timeout_s,
                    )
                )
                row |= {
                    "ngspice_partitioned_s": ng_wall,
                    "ngspice_partitioned_cpu_s": ng_cpu,
                    "blocks": part.blocks,
                    "kcl_residual_rel": part.kcl_residual_rel,
                    "scipy_vs_ngspice": float(np.max(np.abs(ref / part.sense_a - 1))),
                    "fast_vs_ngspice": float(np.max(np.abs(cur / part.sense_a - 1))),
                    "cholesky_vs_ngspice": float(np.max(np.abs(chol / part.sense_a - 1))),
                }
                if m is not None:
                    row["read_matrix_vs_ngspice"] = float(np.max(np.abs(m @ fast.src_volts / part.sense_a - 1)))
            out.append(row)
            if progress:
                progress(f"{rows} x {cols}, {ohm:g} Ohm/pitch: done")
    return out
