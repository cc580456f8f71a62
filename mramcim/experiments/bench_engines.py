"""`mramcim bench engines`: the LLG array transient in ngspice (B-source MTJ) and VACASK (Verilog-A
MTJ, OSDI) side by side, and a full-width array through VACASK in column blocks.

`bench_engines`: for each 784 x N half-size array (mesh wires, one MAC: toggle, read, restore, read;
the same random weights and inputs for both engines) the CPU time of the simulator processes
(getrusage of the children: the ngspice worker includes its ~1 s PySpice start-up), the wall time,
the agreement (largest relative bit-line current difference at the read instant, restored weights,
sensed bits) and VACASK's own statistics (unknowns, time points, Newton iterations, where its time
goes).

`bench_partitioned`: a 784 x C half-size mesh array as column blocks, each a VACASK deck of its own
(`circuit.vanetlist.render_array_block_vacask`) run in parallel processes. The row-line nodes at the block
edges are held by ideal sources whose waveforms are each row's drive scaled by the quasi-static
(DC read network, scipy) ratio V(cut)/V(drive). Like the partitioned DC solve (`mramcim.circuit.dcsolve`),
the union of the blocks is the array's solution only if Kirchhoff's current law closes at every cut
at every instant: the largest residual, relative to the largest row-driver current, is measured
from the blocks' own source currents and reported. A one-pass estimate does not close it (the
row-line IR drop depends on every cell's state and bias), so this measures the cost of one block
sweep, which is the floor of any exact partitioned transient (that needs the sweep repeated,
waveform relaxation, until the residual is small).
"""

from __future__ import annotations

import logging
import os
import resource
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from mramcim.array.read import ReadSetup, read_mac
from mramcim.artifacts import RecordResult
from mramcim.circuit.extract import extract_mac, sample
from mramcim.circuit.netlist import make_schedule, render_array
from mramcim.circuit.readnet import build_network, solve_scipy
from mramcim.circuit.sim import SimResult
from mramcim.circuit.sim import run_deck as run_ngspice
from mramcim.circuit.vacask import parse_stats
from mramcim.circuit.vacask import run_deck as run_vacask
from mramcim.circuit.vanetlist import render_array_block_vacask, render_array_vacask
from mramcim.errors import InputError
from mramcim.tech import Technology

__all__ = ["EngineBench", "PartitionedBench", "bench_engines", "bench_partitioned", "run_bench_engines"]

logger = logging.getLogger(__name__)
Progress = Callable[[str], None]
STAT_KEYS = (
    "number_of_unknowns",
    "accepted_timepoints",
    "rejected_timepoints",
    "nr_solver_iterations",
    "eval_and_load_time",
    "real_refactorization_time",
    "real_solve_time",
    "nr_solver_time",
)


def _machine() -> dict[str, Any]:
    return {"host_cpus": os.cpu_count(), "loadavg": list(os.getloadavg())}


@dataclass(frozen=True)
class EngineBench(RecordResult):
    """ngspice vs VACASK CPU per array width (`record["runs"]`), with the load average around them."""

    name: ClassVar[str] = "bench-engines"

    def summary_lines(self) -> list[str]:
        r = self.record
        lines = [
            f"half-size {r['rows']} x N arrays, mesh wires, one MAC (toggle, read, restore), seed {r['seed']}",
            f"load average at start {_load(r['machine_start'])}, at end {_load(r['machine_end'])} "
            f"({r['machine_start']['host_cpus']} CPUs)",
            f"{'N':>4s} {'VACASK CPU':>11s} {'ngspice CPU':>12s} {'CPU ratio':>9s} {'wall ratio':>10s} "
            f"{'max rel dI':>10s} {'sensed equal':>12s} {'not restored v/n':>16s}",
        ]
        for run in r["runs"]:
            v, n = run["vacask"], run.get("ngspice")
            if n is None:
                lines.append(f"{run['cols']:4d} {v['cpu_s']:10.1f}s {'-':>12s}")
                continue
            lines.append(
                f"{run['cols']:4d} {v['cpu_s']:10.1f}s {n['cpu_s']:11.1f}s {run['cpu_ratio']:9.1f} "
                f"{run['wall_ratio']:10.1f} {run['max_rel_current_diff']:10.2e} {str(run['sensed_equal']):>12s} "
                f"{v['weights_not_restored']:>8d}/{n['weights_not_restored']}"
            )
        if r.get("full"):
            lines += PartitionedBench(r["full"]).summary_lines()
        return lines


@dataclass(frozen=True)
class PartitionedBench(RecordResult):
    """A full-width array through VACASK in column blocks: time, and the Kirchhoff residual at the cuts."""

    name: ClassVar[str] = "bench-partitioned"

    def summary_lines(self) -> list[str]:
        r = self.record
        return [
            f"half-size {r['rows']} x {r['cols']} mesh array, {r['blocks']} VACASK blocks of {r['block_cols']} "
            f"columns, {r['workers']} workers, seed {r['seed']}",
            f"wall {r['wall_s']:.0f} s (cut estimate {r['prepare_s']:.0f} s), CPU {r['cpu_s']:.0f} s "
            f"({r['block_cpu_mean_s']:.1f} s per block)",
            f"Kirchhoff residual at the cuts: {r['kcl_residual_rel']:.2e} of the largest driver current "
            f"({r['max_driver_current_a'] * 1e3:.3f} mA); at the read instant "
            f"{r.get('kcl_residual_at_read_rel', float('nan')):.2e}",
            f"load average at start {_load(r['machine_start'])}, at end {_load(r['machine_end'])}",
        ]


def _load(machine: dict[str, Any]) -> str:
    return "/".join(f"{v:.1f}" for v in machine["loadavg"])


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _operands(rows: int, cols: int, seed: int) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]:
    rng = np.random.default_rng(seed)
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(rows, cols))
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=rows)
    return w, x


def _run(
    tech: Technology, w: npt.NDArray[np.int8], x: npt.NDArray[np.int8], i_ref: float, simulator: str, timeout_s: float
) -> tuple[SimResult, Any, float, float]:
    """Render, simulate (timed) and extract one MAC."""
    render = render_array_vacask if simulator == "vacask" else render_array
    deck = render(tech, w, x, "half", parasitics="mesh", i_ref=i_ref)
    name = f"{w.shape[0]}-row array, {w.shape[1]} columns ({simulator})"
    cpu, wall = _children_cpu_s(), time.perf_counter()
    if simulator == "vacask":
        result = run_vacask(deck.text, name=name, timeout_s=timeout_s, stats=True)
    else:
        result = run_ngspice(deck.text, name=name, timeout_s=timeout_s)
    cpu, wall = _children_cpu_s() - cpu, time.perf_counter() - wall
    return result, extract_mac(result, deck, tech), cpu, wall


def bench_engines(
    tech: Technology,
    *,
    rows: int = 784,
    cols_list: tuple[int, ...] = (2, 8, 32),
    ngspice_max_cols: int = 32,
    seed: int = 0,
    timeout_s: float = 7200.0,
    progress: Progress | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> EngineBench:
    """ngspice and VACASK on the same half-size mesh arrays (see the module docstring).

    Args:
        cols_list: array widths N (784 x N).
        ngspice_max_cols: widths above it run in VACASK only (ngspice grows superlinearly).
        seed: weights and inputs.
        timeout_s: per simulation.
        on_result: called with each width's result as soon as it is measured (long runs).

    Returns:
        record {"rows", "seed", "runs": [one dict per width], "machine_start", "machine_end"}; CPU
        times in s (simulator processes), "cpu_ratio" = ngspice / VACASK.
    """
    machine = _machine()
    runs = []
    for cols in cols_list:
        w, x = _operands(rows, cols, seed)
        setup = ReadSetup(scheme="half", parasitics="mesh", reference="replica", engine="scipy")
        i_ref = read_mac(tech, w, x, setup).i_ref_a
        row: dict[str, Any] = {"rows": rows, "cols": cols, "cells": rows * cols}
        out = {}
        for simulator in ("vacask", "ngspice"):
            if simulator == "ngspice" and cols > ngspice_max_cols:
                continue
            if progress:
                progress(f"{rows} x {cols}: {simulator}")
            result, (columns, energy, wrong), cpu, wall = _run(tech, w, x, i_ref, simulator, timeout_s)
            out[simulator] = columns
            row[simulator] = {
                "cpu_s": cpu,
                "wall_s": wall,
                "weights_not_restored": wrong,
                "time_points": len(result["time"]),
                "mac_energy_j": energy["mac"],
                "loadavg": list(os.getloadavg()),
            }
            if simulator == "vacask":
                stats = parse_stats(result.stdout)
                row[simulator]["stats"] = {k: stats[k] for k in STAT_KEYS if k in stats}
        if "ngspice" in out:
            a = np.array([c.current_a for c in out["vacask"]])
            b = np.array([c.current_a for c in out["ngspice"]])
            row |= {
                "cpu_ratio": row["ngspice"]["cpu_s"] / row["vacask"]["cpu_s"],
                "wall_ratio": row["ngspice"]["wall_s"] / row["vacask"]["wall_s"],
                "max_rel_current_diff": float(np.max(np.abs(a / b - 1))),
                "sensed_equal": [c.sensed for c in out["vacask"]] == [c.sensed for c in out["ngspice"]],
            }
        runs.append(row)
        logger.info("bench engines %s", row)
        if on_result:
            on_result(row)
    return EngineBench({"rows": rows, "seed": seed, "runs": runs, "machine_start": machine, "machine_end": _machine()})


def _cut_sources(
    tech: Technology, w: npt.NDArray[np.int8], x: npt.NDArray[np.int8], block_cols: int
) -> tuple[list[tuple[int, int]], dict[int, list[tuple[str, str, list[tuple[float, float]]]]]]:
    """Column blocks and, per block, the sources that hold its row-line cut nodes (one-pass
    estimate: each row's drive PWL scaled by the DC read network's V(cut)/V(drive))."""
    rows, cols = w.shape
    v_read = tech.operation.v_read_v
    net = build_network(tech, {"rl": x[:, None] * w}, {"rl": np.full(rows, v_read)}, scheme="half", parasitics="mesh")
    volts = solve_scipy(net).volts
    index = {name: k for k, name in enumerate(net.node_names)}
    sch = make_schedule(tech)
    edges = list(range(0, cols, block_cols)) + [cols]
    blocks = list(zip(edges[:-1], edges[1:], strict=True))
    sources: dict[int, list[tuple[str, str, list[tuple[float, float]]]]] = {b: [] for b in range(len(blocks))}
    for b, (j0, j1) in enumerate(blocks):
        for side, j in (("l", j0), ("r", j1)):
            if j in (0, cols):
                continue
            for i in range(rows):
                ratio = volts[index[f"rl{i}_{j}"]] / v_read
                pwl = sch.pwl_toggle if x[i] < 0 else sch.pwl_read
                sources[b].append((f"vcut{side}{i}", f"rl{i}_{j}", [(t, ratio * v) for t, v in pwl]))
    return blocks, sources


def bench_partitioned(
    tech: Technology,
    *,
    rows: int = 784,
    cols: int = 512,
    block_cols: int = 8,
    workers: int | None = None,
    seed: int = 0,
    timeout_s: float = 7200.0,
    progress: Progress | None = None,
) -> PartitionedBench:
    """One sweep of a half-size mesh array in VACASK column blocks (see the module docstring).

    Returns:
        timing (CPU of all VACASK processes, wall), per-block time points and CPU, the Kirchhoff
        residual at the cuts (relative to the largest driver current) and whether it closes.
    """
    if block_cols < 1 or block_cols >= cols:
        raise InputError(f"block columns must be between 1 and {cols - 1}, got {block_cols}")
    workers = workers or os.cpu_count() or 1
    machine = _machine()
    w, x = _operands(rows, cols, seed)
    start_wall, start_cpu = time.perf_counter(), _children_cpu_s()
    blocks, sources = _cut_sources(tech, w, x, block_cols)
    t_prepare = time.perf_counter() - start_wall
    sch = make_schedule(tech)

    def run(b: int) -> tuple[int, SimResult, float]:
        j0, j1 = blocks[b]
        deck = render_array_block_vacask(tech, w, x, j0, j1, sources[b])
        t0 = time.perf_counter()
        result = run_vacask(deck.text, name=f"block {b + 1}/{len(blocks)}", timeout_s=timeout_s, stats=True)
        if progress:
            progress(f"block {b + 1}/{len(blocks)} (columns {j0}-{j1 - 1}) done")
        return b, result, time.perf_counter() - t0

    # Kirchhoff at each cut: the right source of block b-1 and the left source of block b hold one
    # node. Blocks arrive in order; only the previous one is kept (a full-width run holds hundreds).
    grid = np.linspace(0.0, sch.t_stop, 2001)
    read = np.array([sch.t_read1])
    block_wall: dict[int, float] = {}
    stats: list[dict[str, float]] = []
    currents: list[float] = []
    drivers = residual = residual_read = 0.0
    prev: SimResult | None = None
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for b, result, block_s in pool.map(run, range(len(blocks))):
            block_wall[b] = block_s
            stats.append(parse_stats(result.stdout))
            currents += [sample(result, f"i(vsense{j})", sch.t_read1) for j in range(*blocks[b])]
            if b == 0:
                drivers = float(
                    np.max(np.abs([np.interp(grid, result["time"], result[f"i(vrow{i})"]) for i in range(rows)]))
                )
            if prev is not None:
                for i in range(rows):
                    left = np.interp(grid, prev["time"], prev[f"i(vcutr{i})"])
                    right = np.interp(grid, result["time"], result[f"i(vcutl{i})"])
                    residual = max(residual, float(np.max(np.abs(left + right))))
                    at_read = np.interp(read, prev["time"], prev[f"i(vcutr{i})"]) + np.interp(
                        read, result["time"], result[f"i(vcutl{i})"]
                    )
                    residual_read = max(residual_read, float(np.abs(at_read[0])))
            prev = result
    cpu = _children_cpu_s() - start_cpu
    wall = time.perf_counter() - start_wall
    return PartitionedBench(
        {
            "rows": rows,
            "cols": cols,
            "block_cols": block_cols,
            "blocks": len(blocks),
            "workers": workers,
            "seed": seed,
            "cpu_s": cpu,
            "wall_s": wall,
            "prepare_s": t_prepare,
            "block_cpu_mean_s": cpu / len(blocks),
            "block_wall_s": [block_wall[b] for b in range(len(blocks))],
            "block_time_points": [int(s.get("accepted_timepoints", 0)) for s in stats],
            "block_unknowns": [int(s.get("number_of_unknowns", 0)) for s in stats],
            "kcl_residual_rel": residual / max(drivers, 1e-15),
            "kcl_residual_at_read_rel": residual_read / max(drivers, 1e-15),
            "max_driver_current_a": float(drivers),
            "bitline_current_range_a": [float(min(currents)), float(max(currents))],
            "machine_start": machine,
            "machine_end": _machine(),
        }
    )


def run_bench_engines(
    tech: Technology,
    *,
    rows: int = 784,
    cols_list: tuple[int, ...] = (2, 8),
    ngspice_max_cols: int = 32,
    full_cols: int = 0,
    block_cols: int = 8,
    workers: int | None = None,
    seed: int = 0,
    timeout_s: float = 7200.0,
    progress: Progress | None = None,
) -> EngineBench:
    """`mramcim bench engines`: `bench_engines` on `cols_list`, then (when `full_cols` > 0) a
    rows x full_cols array through VACASK in column blocks (`bench_partitioned`), in one record."""
    if rows < 1 or any(c < 1 for c in cols_list) or full_cols < 0:
        raise InputError("rows and column counts must be positive (full columns >= 0)")
    result = bench_engines(
        tech,
        rows=rows,
        cols_list=cols_list,
        ngspice_max_cols=ngspice_max_cols,
        seed=seed,
        timeout_s=timeout_s,
        progress=progress,
    )
    if full_cols == 0:
        return result
    full = bench_partitioned(
        tech,
        rows=rows,
        cols=full_cols,
        block_cols=block_cols,
        workers=workers,
        seed=seed,
        timeout_s=timeout_s,
        progress=progress,
    )
    return EngineBench(result.record | {"full": full.record, "machine_end": full.record["machine_end"]})
