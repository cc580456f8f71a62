"""`mramcim bench mtj`: LLG transients per second with 1 and 2 ngspice workers, side by side, and
the two-state model's rate (Bernoulli draws) on the same switching point."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, ClassVar

from mramcim.artifacts import RecordResult
from mramcim.characterize.mtj import McOptions, switch_sweep
from mramcim.device.twostate import load_switching_law, sample
from mramcim.errors import InputError
from mramcim.tech import Technology, derive

__all__ = ["MtjBench", "bench_mtj"]

TWOSTATE_DRAWS = 200_000


@dataclass(frozen=True)
class MtjBench(RecordResult):
    """LLG trials per second (1 and 2 workers), their ratio, and the two-state model's rate."""

    name: ClassVar[str] = "bench-mtj"

    def summary_lines(self) -> list[str]:
        r = self.record
        p = r["point"]
        return [
            f"LLG SOT point ({p['current_a'] * 1e6:.0f} uA, {p['width_s'] * 1e9:g} ns, {r['trials']} trials, 300 K "
            "thermal field):",
            f"  1 worker : {r['llg_trials_per_s_1_worker']:8.2f} transients/s",
            f"  2 workers: {r['llg_trials_per_s_2_workers']:8.2f} transients/s  (scaling x{r['scaling_2_vs_1']:.2f})",
            f"  a 1,000-trial P_sw point: {r['seconds_for_1000_trials_2_workers']:.0f} s with 2 workers",
            f"two-state model: {r['twostate_trials_per_s']:.3g} trials/s ({r['twostate_vs_llg']:.3g} x the LLG deck "
            "per core)",
        ]


def bench_mtj(tech: Technology, trials: int) -> MtjBench:
    """Time one SOT switching point at 1.2 x the analytic threshold, 2 ns, on 1 and then 2 workers
    (distinct seeds, no cache), and the two-state model's draws at the same P_sw."""
    if not 2 <= trials <= 100_000:
        raise InputError(f"--trials must be 2 to 100000, got {trials}")
    current, width = 1.2 * derive(tech).i_sot_critical_a, 2e-9
    rates: dict[int, float] = {}
    for workers in (1, 2):
        start = time.perf_counter()
        switch_sweep(tech, "sot", [current], [width], trials, 1, McOptions(seed=workers, workers=workers))
        rates[workers] = trials / (time.perf_counter() - start)
    law, _ = load_switching_law(tech, "sot", None)
    start = time.perf_counter()
    sample(float(law.p_switch(current, width)), TWOSTATE_DRAWS, 0)
    fast = TWOSTATE_DRAWS / (time.perf_counter() - start)
    record: dict[str, Any] = {
        "trials": trials,
        "llg_trials_per_s_1_worker": rates[1],
        "llg_trials_per_s_2_workers": rates[2],
        "scaling_2_vs_1": rates[2] / rates[1],
        "seconds_for_1000_trials_2_workers": 1000 / rates[2],
        "twostate_trials_per_s": fast,
        "twostate_vs_llg": fast / rates[1],
        "point": {"mode": "sot", "current_a": current, "width_s": width},
        "cpu_count": os.cpu_count(),
    }
    return MtjBench(record)
