"""Half-size vs conventional array on the same weights and inputs.

Counts come from the netlists' structure; energy per MAC and the sense delay from the ngspice
transient of a column slice (LLG MTJs, the full row count, `tran_cols` columns); sense margin
and MAC error rate from Monte-Carlo reads of the whole array through the DC read network with
random +-1 operands (the popcounts of a real BNN layer, concentrated near rows/2).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mramcim.arrayread import ReadSetup, read_mac
from mramcim.encoding import threshold_popcount
from mramcim.errors import InputError
from mramcim.flows import run_mac
from mramcim.netlist import SCHEMES, check_array_size, make_schedule
from mramcim.readnet import Devices, row_line_sets
from mramcim.tech import Technology
from mramcim.twostate import ToggleMap

__all__ = ["compare_schemes"]


def _counts(scheme: str, rows: int, cols: int, reference: str) -> dict[str, int]:
    per_weight = 2 if scheme == "conventional" else 1
    refs = 2 if reference == "replica" else 0
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
    if scheme == "conventional":
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
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    rows, cols = check_array_size(rows, cols)
    if mc < 1:
        raise InputError(f"Monte-Carlo count must be >= 1, got {mc}")
    if not 1 <= tran_cols <= cols:
        raise InputError(f"transient columns must be between 1 and cols = {cols}, got {tran_cols}")
    threshold = threshold_popcount(rows) if setup.threshold is None else setup.threshold
    table: dict[str, dict[str, Any]] = {}
    for scheme in SCHEMES:
        rng = np.random.default_rng(seed)  # same operands and device draws for both schemes
        s_setup = ReadSetup(scheme, setup.parasitics, setup.reference, setup.engine, threshold, setup.block_cols)
        errors = columns = failures = 0
        gaps = []
        for n in range(mc):
            w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(rows, cols))
            x = rng.choice(np.array([-1, 1], dtype=np.int8), size=rows)
            devices = Devices.sample(tech, (len(row_line_sets(scheme)), rows, cols + (2 if setup.reference == "replica" else 0)), rng)
            offsets = tech.variation.sigma_offset_a * rng.standard_normal(cols)
            read = read_mac(tech, w, x, s_setup, devices=devices, offsets_a=offsets,
                            toggle_map=toggle_map if scheme == "half" else None, rng=rng)
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
    return {
        "rows": rows, "cols": cols, "threshold": threshold, "parasitics": setup.parasitics,
        "reference": setup.reference, "engine": setup.engine, "mc": mc, "seed": seed, "tran_cols": tran_cols,
        "toggle_errors": toggle_map is not None, "schemes": table, "half_over_conventional": ratios,
        "schedule_phases_s": make_schedule(tech).phases,
    }
