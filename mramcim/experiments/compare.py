"""Half-size vs conventional array on the same weights and inputs.

Counts come from the netlists' structure; energy per MAC and the sense delay from the ngspice
transient of a column slice (LLG MTJs, the full row count, `tran_cols` columns); sense margin
and MAC error rate from Monte-Carlo reads of the whole array through the DC read network with
random +-1 operands (the popcounts of a real BNN layer, concentrated near rows/2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from mramcim.array.mac import run_mac
from mramcim.array.read import ReadSetup, read_mac
from mramcim.artifacts import RecordResult
from mramcim.circuit.netlist import check_array_size, make_schedule
from mramcim.device.twostate import ToggleMap
from mramcim.device.variation import DeviceSample
from mramcim.encoding import threshold_popcount
from mramcim.errors import InputError
from mramcim.options import Corner, Reference, Scheme
from mramcim.tech import Technology, apply_corner

__all__ = ["SchemeComparison", "compare_schemes"]


@dataclass(frozen=True)
class SchemeComparison(RecordResult):
    """Half-size vs conventional: counts, energy, latency, margins and error rates per scheme."""

    name: ClassVar[str] = "compare"

    def summary_lines(self) -> list[str]:
        r = self.record
        h, c = r["schemes"]["half"], r["schemes"]["conventional"]
        table = [
            ("MTJs", f"{h['mtj']}", f"{c['mtj']}"),
            ("access transistors", f"{h['access_transistors']}", f"{c['access_transistors']}"),
            ("row drivers", f"{h['row_drivers']}", f"{c['row_drivers']}"),
            ("sense amplifiers", f"{h['sense_amplifiers']}", f"{c['sense_amplifiers']}"),
            (
                "energy / column MAC [fJ]",
                f"{h['energy_per_column_mac_j'] * 1e15:.1f}",
                f"{c['energy_per_column_mac_j'] * 1e15:.1f}",
            ),
            (
                "energy / array MAC [pJ]",
                f"{h['energy_per_array_mac_j'] * 1e12:.2f}",
                f"{c['energy_per_array_mac_j'] * 1e12:.2f}",
            ),
            ("result valid after [ns]", f"{h['result_s'] * 1e9:.2f}", f"{c['result_s'] * 1e9:.2f}"),
            ("cycle time [ns]", f"{h['cycle_s'] * 1e9:.2f}", f"{c['cycle_s'] * 1e9:.2f}"),
            ("LSB at threshold [uA]", f"{h['lsb_at_threshold_a'] * 1e6:.3f}", f"{c['lsb_at_threshold_a'] * 1e6:.3f}"),
            ("nominal sense margin [uA]", f"{h['nominal_margin_a'] * 1e6:.3f}", f"{c['nominal_margin_a'] * 1e6:.3f}"),
            ("MAC error rate (MC)", f"{h['mac_error_rate']:.4f}", f"{c['mac_error_rate']:.4f}"),
        ]
        ratio = r["half_over_conventional"]
        return [
            f"{r['rows']} x {r['cols']} array, {r['parasitics']} parasitics, {r['reference']} reference, corner "
            f"{r['corner']}, "
            f"{r['mc']} MC reads, seed {r['seed']}",
            f"{'':28s} {'half-size':>12s} {'conventional':>13s}",
            *(f"{name:28s} {a:>12s} {b:>13s}" for name, a, b in table),
            f"half / conventional: MTJs {ratio['mtj']:.2f}, energy per MAC {ratio['energy_per_mac']:.2f}, "
            f"cycle time {ratio['cycle_time']:.2f}",
        ]


def _counts(scheme: Scheme, rows: int, cols: int, reference: Reference) -> dict[str, int]:
    per_weight, refs = scheme.mtjs_per_weight, reference.columns
    return {
        "mtj": rows * cols * per_weight,
        "access_transistors": rows * cols * per_weight,
        "reference_cells": rows * refs * per_weight,
        "row_drivers": rows * per_weight,
        "sense_amplifiers": cols,
    }


def _latency(tech: Technology, scheme: str) -> dict[str, float]:
    """Read-valid time and cycle time from the schedule (toggle/restore only for half-size)."""
    op = tech.operation
    read = op.t_rise_s + op.t_read_s
    if scheme is Scheme.CONVENTIONAL:
        return {"result_s": read, "cycle_s": read + op.t_rise_s + op.t_settle_s}
    toggle = 2 * op.t_rise_s + op.t_vcma_s + op.t_settle_s
    return {"result_s": toggle + read, "cycle_s": 2 * toggle + read + op.t_rise_s}


def compare_schemes(
    tech: Technology,
    rows: int,
    cols: int,
    setup: ReadSetup,
    *,
    mc: int,
    seed: int,
    tran_cols: int,
    toggle_map: ToggleMap | None,
    corner: Corner = Corner.TT,
    progress: Callable[[str], None] | None = None,
) -> SchemeComparison:
    """Both schemes on the same operands and device draws, at `corner`."""
    tech = apply_corner(tech, corner)
    rows, cols = check_array_size(rows, cols)
    if mc < 1:
        raise InputError(f"Monte-Carlo count must be >= 1, got {mc}")
    if seed < 0:
        raise InputError(f"seed must be >= 0, got {seed}")
    if not 1 <= tran_cols <= cols:
        raise InputError(f"transient columns must be between 1 and cols = {cols}, got {tran_cols}")
    threshold = threshold_popcount(rows) if setup.threshold is None else setup.threshold
    table: dict[str, dict[str, Any]] = {}
    for scheme in Scheme.active():
        rng = np.random.default_rng(seed)  # same operands and device draws for both schemes
        s_setup = setup.with_(scheme=scheme, threshold=threshold)
        errors = columns = failures = 0
        gaps = []
        for n in range(mc):
            w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(rows, cols))
            x = rng.choice(np.array([-1, 1], dtype=np.int8), size=rows)
            devices = DeviceSample.sample(tech, (len(scheme.row_line_sets), rows, cols + setup.reference.columns), rng)
            offsets = tech.variation.sigma_offset_a * rng.standard_normal(cols)
            read = read_mac(
                tech,
                w,
                x,
                s_setup,
                devices=devices,
                offsets_a=offsets,
                toggle_map=toggle_map if scheme is Scheme.HALF else None,
                rng=rng,
            )
            errors += int(np.sum(read.sensed != read.expected))
            columns += cols
            failures += read.toggle_failures
            gaps += list(np.abs(read.current_a - read.i_ref_a)[np.abs(read.popcount - threshold + 0.5) <= 0.5])
            if progress:
                progress(f"{scheme}: Monte-Carlo read {n + 1}/{mc}")
        # nominal devices: one column at popcount threshold, one at threshold - 1
        pair_w = -np.ones((rows, 2), dtype=np.int8)
        pair_w[:threshold, 0] = 1
        pair_w[: threshold - 1, 1] = 1
        pair = read_mac(tech, pair_w, np.ones(rows, dtype=np.int8), s_setup)
        lsb = float(pair.current_a[0] - pair.current_a[1])
        nominal_margin = float(min(pair.current_a[0] - pair.i_ref_a, pair.i_ref_a - pair.current_a[1]))
        if progress:
            progress(f"{scheme}: ngspice transient of a {rows} x {tran_cols} slice")
        rng_t = np.random.default_rng(seed)
        w_t = rng_t.choice(np.array([-1, 1], dtype=np.int8), size=(rows, tran_cols))
        x_t = rng_t.choice(np.array([-1, 1], dtype=np.int8), size=rows)
        tran = run_mac(tech, w_t, x_t, scheme, parasitics=setup.parasitics)
        per_column = tran.energy_j["mac"] / tran_cols
        table[scheme] = {
            **_counts(scheme, rows, cols, setup.reference),
            "energy_per_column_mac_j": per_column,
            "energy_per_array_mac_j": per_column * cols,
            "energy_breakdown_per_column_j": {k: v / tran_cols for k, v in tran.energy_j.items()},
            **_latency(tech, scheme),
            "sense_delay_s": tran.sense_delay_s,
            "lsb_at_threshold_a": lsb,
            "nominal_margin_a": nominal_margin,
            "min_gap_at_threshold_a": float(min(gaps)) if gaps else None,
            "mac_error_rate": errors / columns,
            "toggle_failures": failures,
            "transient_weights_not_restored": tran.weights_not_restored,
        }
    half, conv = table["half"], table["conventional"]
    ratios = {
        "mtj": half["mtj"] / conv["mtj"],
        "energy_per_mac": half["energy_per_column_mac_j"] / conv["energy_per_column_mac_j"],
        "cycle_time": half["cycle_s"] / conv["cycle_s"],
    }
    return SchemeComparison(
        {
            "rows": rows,
            "cols": cols,
            "threshold": threshold,
            "parasitics": setup.parasitics,
            "reference": setup.reference,
            "engine": setup.engine,
            "mc": mc,
            "seed": seed,
            "tran_cols": tran_cols,
            "toggle_errors": toggle_map is not None,
            "schemes": table,
            "half_over_conventional": ratios,
            "schedule_phases_s": make_schedule(tech).phases,
            "corner": corner,
        }
    )
