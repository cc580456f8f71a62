"""`mramcim bench array`: render, ERC and DC-solve times of 784 x N arrays, side by side.

For each size: rendering the transient deck (mesh wires) and its ERC; the DC read network
solved by scipy, by ngspice partitioned into column blocks, and by ngspice as one flat deck
(skipped above `flat_max_cols`: it grows ~C^3), with the agreement of the bit-line currents.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

import numpy as np

from mramcim.artifacts import RecordResult
from mramcim.circuit.dcsolve import solve_dc
from mramcim.circuit.erc import check_deck
from mramcim.circuit.netlist import check_array_size, render_array
from mramcim.circuit.readnet import build_network
from mramcim.errors import InputError
from mramcim.tech import Technology

__all__ = ["ArrayBench", "bench_array"]


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
            f"{'array':>9s} {'nodes':>7s} {'render':>7s} {'ERC':>6s} {'scipy':>6s} {'ng part':>8s} {'ng flat':>8s} "
            f"{'part/scipy':>10s} {'flat/scipy':>10s} {'flat/part':>9s} {'max rel diff':>12s}"
        ]
        for r in self.record["sizes"]:
            flat = r.get("ngspice_flat_s")
            diff = max(r["partitioned_vs_scipy_max_rel"], r.get("flat_vs_partitioned_max_rel", 0.0))
            flat_cols = (
                (f"{flat:7.1f}s", f"{r['flat_over_scipy']:9.1f}x", f"{r['flat_over_partitioned']:8.1f}x")
                if flat
                else ("skipped", "-", "-")
            )
            lines.append(
                f"{r['rows']:>4d}x{r['cols']:<4d} {r['nodes']:>7d} {r['render_s']:6.2f}s {r['erc_s']:5.2f}s "
                f"{r['scipy_s']:5.2f}s {r['ngspice_partitioned_s']:7.2f}s {flat_cols[0]:>8s} "
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
            "ngspice_partitioned_s": part.seconds,
            "blocks": part.blocks,
            "kcl_residual_rel": part.kcl_residual_rel,
            "partitioned_vs_scipy_max_rel": float(np.max(np.abs(part.sense_a / scipy.sense_a - 1))),
            "partitioned_over_scipy": part.seconds / scipy.seconds,
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
