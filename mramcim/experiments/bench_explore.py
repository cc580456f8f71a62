"""`mramcim bench explore`: design points per minute on a dask LocalCluster with 1 and 2 workers,
measured side by side in one run on the same sweep (each run with an empty cache), and the time of
a repeated sweep that finds every point in the cache."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from mramcim.artifacts import RecordResult
from mramcim.errors import InputError
from mramcim.experiments.explore import SweepSpec, run_explore
from mramcim.tech import Technology

__all__ = ["ExploreBench", "bench_explore"]


@dataclass(frozen=True)
class ExploreBench(RecordResult):
    """Points per minute per worker count, the scaling ratio, and the cached rerun time."""

    name: ClassVar[str] = "bench-explore"

    def summary_lines(self) -> list[str]:
        r = self.record
        lines = [
            f"explore bench: {r['points']} points of the 'mac' evaluator ({r['rows']} x {r['cols']} arrays, "
            f"mc {r['mc']}, seed {r['seed']}), dask LocalCluster, {r['cpu_count']} CPUs, load average "
            f"{r['load_average'][0]:.1f} at the start"
        ]
        for run in r["runs"]:
            lines.append(
                f"  {run['workers']} worker{'s' if run['workers'] > 1 else ' '}: {run['points_per_minute']:7.1f} "
                f"points/min ({run['compute_s']:.1f} s computing, cluster start {run['cluster_start_s']:.1f} s, "
                f"wall {run['wall_s']:.1f} s)"
            )
        lines.append(
            f"  scaling {r['scaling_label']}: x{r['scaling']:.2f}; same table at every worker count: "
            f"{'yes' if r['identical'] else 'NO'}"
        )
        lines.append(f"  rerun with every point cached: {r['cached_rerun_s']:.2f} s ({r['points']} cache hits)")
        return lines


def bench_explore(
    tech: Technology,
    *,
    points: int = 16,
    rows: int = 32,
    cols: int = 8,
    mc: int = 4,
    workers: Sequence[int] = (1, 2),
    seed: int = 0,
) -> ExploreBench:
    """Run the same sweep (`points` designs: both schemes x read voltages) on a LocalCluster of each
    worker count with a fresh cache, then once more on the last cache."""
    if points < 2 or points % 2:
        raise InputError(f"--points must be an even number >= 2 (two schemes), got {points}")
    if not workers or min(workers) < 1:
        raise InputError(f"worker counts must be >= 1, got {list(workers)}")
    spec = SweepSpec(
        seed=seed,
        sweep={"scheme": ["half", "conventional"], "v_read_v": f"0.05:0.15:{points // 2}"},
        fixed={"rows": rows, "cols": cols, "mc": mc},
    )
    load = list(os.getloadavg())  # other processes on the machine bound what a second worker can add
    runs, tables = [], []
    with tempfile.TemporaryDirectory(prefix="mramcim-bench-explore-") as tmp:
        for n in workers:
            cache = Path(tmp) / f"workers{n}"
            res = run_explore(spec, tech, workers=n, cache_dir=cache).record
            run = res["run"]
            runs.append(
                {
                    "workers": n,
                    "points_per_minute": run["points_per_minute"],
                    "compute_s": run["compute_s"],
                    "cluster_start_s": run["cluster_start_s"],
                    "wall_s": run["wall_s"],
                    "failed": res["counts"]["failed"],
                }
            )
            tables.append([(r["point"], r["status"], r["metrics"]) for r in res["points"]])
        start = time.perf_counter()
        rerun = run_explore(spec, tech, workers=workers[-1], cache_dir=cache).record
        rerun_s = time.perf_counter() - start
    if rerun["counts"]["cached"] != len(tables[-1]):
        raise InputError(f"the rerun found {rerun['counts']['cached']} of {len(tables[-1])} points in the cache")
    first, last = runs[0], runs[-1]
    record: dict[str, Any] = {
        "points": len(tables[0]),
        "rows": rows,
        "cols": cols,
        "mc": mc,
        "seed": seed,
        "runs": runs,
        "scaling": last["points_per_minute"] / first["points_per_minute"],
        "scaling_label": f"{last['workers']} vs {first['workers']} workers",
        "identical": all(t == tables[0] for t in tables),
        "cached_rerun_s": rerun_s,
        "cpu_count": os.cpu_count(),
        "load_average": load,
    }
    return ExploreBench(record)
