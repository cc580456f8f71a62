"""The array transfer characteristic for training: per XNOR popcount, the distribution of the
column current and the probability that the sense output is +1.

Each Monte-Carlo sample draws random inputs, a device sample (RA, diameter, TMR, VCMA xi),
sense offsets and (half-size) toggle failures, then reads one array of `cols` columns whose
popcounts are taken from the requested list in a random column order, so every popcount is
seen at many column positions (row-line IR drop) and with its P cells on random rows
(bit-line IR drop). The read goes through the DC read network (`engine` scipy by default: the
fast path; ngspice for a cross-check).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from mramcim.array.read import ReadSetup, read_mac
from mramcim.circuit.netlist import check_array_size
from mramcim.circuit.readnet import row_line_sets
from mramcim.device.twostate import ToggleMap
from mramcim.device.variation import DeviceSample
from mramcim.encoding import TransferCurve, TransferStats, threshold_popcount
from mramcim.errors import InputError
from mramcim.tech import Technology, apply_corner

__all__ = ["characterize_transfer", "ir_drop_map", "popcount_points", "weights_for_popcounts"]

logger = logging.getLogger(__name__)

MAX_MC = 100_000


def weights_for_popcounts(
    inputs: npt.NDArray[np.int8], counts: list[int], rng: np.random.Generator
) -> npt.NDArray[np.int8]:
    """Weights (rows, len(counts)) whose XNOR popcount with `inputs` is counts[j] in column j."""
    rows = inputs.shape[0]
    w = np.empty((rows, len(counts)), dtype=np.int8)
    for j, k in enumerate(counts):
        agree = np.full(rows, -1, dtype=np.int8)
        agree[rng.choice(rows, size=k, replace=False)] = 1
        w[:, j] = inputs * agree
    return w


def popcount_points(rows: int, points: int | None, threshold: int) -> list[int]:
    """All popcounts up to 64 rows; else `points` evenly spaced plus threshold +- 8."""
    if points is None:
        points = rows + 1 if rows <= 64 else 33
    if not 2 <= points <= rows + 1:
        raise InputError(f"points must be between 2 and rows + 1 = {rows + 1}, got {points}")
    ks = {int(round(v)) for v in np.linspace(0, rows, points)}
    if points < rows + 1:
        ks |= {k for k in range(threshold - 8, threshold + 9) if 0 <= k <= rows}
    return sorted(ks)


def characterize_transfer(
    tech: Technology,
    rows: int,
    cols: int,
    setup: ReadSetup,
    *,
    mc: int,
    points: int | None = None,
    seed: int = 0,
    variation: bool = True,
    toggle_map: ToggleMap | None = None,
    corner: str = "tt",
    progress: Callable[[int, int], None] | None = None,
) -> TransferCurve:
    """Monte-Carlo transfer characteristic with its statistics and the worst-case IR-drop map.

    Args:
        corner: the wire/driver/transistor corner, applied to `tech` here.
    """
    rows, cols = check_array_size(rows, cols)
    tech = apply_corner(tech, corner)
    if isinstance(mc, bool) or not isinstance(mc, int) or not 1 <= mc <= MAX_MC:
        raise InputError(f"Monte-Carlo count must be an integer between 1 and {MAX_MC}, got {mc!r}")
    threshold = threshold_popcount(rows) if setup.threshold is None else setup.threshold
    if not 1 <= threshold <= rows:
        raise InputError(f"threshold {threshold} is outside the popcount range 1..{rows}")
    ks = popcount_points(rows, points, threshold)
    rng = np.random.default_rng(seed)
    sets = len(row_line_sets(setup.scheme))
    refs = 2 if setup.reference == "replica" else 0
    per_k: dict[int, list[tuple[float, int, int]]] = {k: [] for k in ks}  # (current, sensed, position)
    i_refs, toggle_failures, toggles, solves = [], 0, 0, 0
    batches_per_sample = -(-len(ks) // cols)
    total = mc * batches_per_sample
    for _ in range(mc):
        order = rng.permutation(ks)  # popcount -> column position, fresh every sample
        for b in range(batches_per_sample):
            batch = [int(k) for k in order[b * cols : (b + 1) * cols]]
            batch += [int(k) for k in rng.choice(ks, size=cols - len(batch))]  # fill the array
            x = rng.choice(np.array([-1, 1], dtype=np.int8), size=rows)
            w = weights_for_popcounts(x, batch, rng)
            shape = (sets, rows, cols + refs)
            devices = DeviceSample.sample(tech, shape, rng) if variation else DeviceSample.nominal(shape)
            offsets = tech.variation.sigma_offset_a * rng.standard_normal(cols) if variation else None
            read = read_mac(tech, w, x, setup, devices=devices, offsets_a=offsets, toggle_map=toggle_map, rng=rng)
            for j, k in enumerate(batch):
                per_k[k].append((float(read.current_a[j]), int(read.sensed[j]), j))
            i_refs.append(read.i_ref_a)
            toggle_failures += read.toggle_failures
            toggles += int(np.sum(x < 0)) * cols if setup.scheme == "half" else 0
            solves += 1
            if progress:
                progress(solves, total)
    logger.info(
        "transfer characteristic: %d reads of a %d x %d %s array (%d popcounts)",
        solves,
        rows,
        cols,
        setup.scheme,
        len(ks),
    )
    k_arr = np.array(ks)
    currents = [np.array([c for c, _, _ in per_k[k]]) for k in ks]
    p_plus = np.array([np.mean([sv > 0 for _, sv, _ in per_k[k]]) for k in ks])
    expected = np.where(k_arr >= threshold, 1.0, 0.0)
    error = np.abs(p_plus - expected)
    n = np.array([len(c) for c in currents])
    position_errors = np.zeros(cols)
    position_counts = np.zeros(cols)
    for k in ks:
        for _, sv, j in per_k[k]:
            position_counts[j] += 1
            position_errors[j] += (sv > 0) != (k >= threshold)
    mean = np.array([c.mean() for c in currents])
    std = np.array([c.std(ddof=1) if c.size > 1 else 0.0 for c in currents])
    lsb = np.abs(np.diff(mean)) / np.maximum(np.diff(k_arr), 1)
    ir = ir_drop_map(tech, rows, cols, setup)
    stats = TransferStats(
        cols=cols,
        parasitics=setup.parasitics,
        reference=setup.reference,
        engine=setup.engine,
        threshold=threshold,
        mc=mc,
        seed=seed,
        variation=variation,
        toggle_errors=toggle_map is not None and setup.scheme == "half",
        corner=corner,
        samples=n.tolist(),
        current_mean_a=mean.tolist(),
        current_std_a=std.tolist(),
        current_p05_a=[float(np.percentile(c, 5)) for c in currents],
        current_p95_a=[float(np.percentile(c, 95)) for c in currents],
        error_rate=error.tolist(),
        i_ref_mean_a=float(np.mean(i_refs)),
        i_ref_std_a=float(np.std(i_refs)),
        lsb_near_threshold_a=float(np.interp(threshold, k_arr[1:], lsb)) if lsb.size else 0.0,
        mac_error_rate=float(np.sum(error * n) / np.sum(n)),
        error_rate_by_column=(position_errors / np.maximum(position_counts, 1)).tolist(),
        toggle_failures=toggle_failures,
        toggle_failure_rate=toggle_failures / toggles if toggles else 0.0,
        solves=solves,
        ir_drop_worst_cell=float(ir.min()),
        ir_drop_mean_cell=float(ir.mean()),
        ir_drop_map=ir,
    )
    return TransferCurve(rows, k_arr, p_plus, setup.scheme, stats)


def ir_drop_map(tech: Technology, rows: int, cols: int, setup: ReadSetup) -> npt.NDArray[np.float64]:
    """Cell read voltage / V_read at every (row, column) in the worst case: every cell parallel.

    Row 0 is the far end of the bit lines (the sense amplifiers sit below the last row);
    column 0 is next to the row drivers.
    """
    from mramcim.circuit.readnet import build_network, solve_scipy

    p = row_line_sets(setup.scheme)[0][0]
    ones = np.ones((rows, cols), dtype=np.int8)
    states = {s: ones for s, _ in row_line_sets(setup.scheme)}
    volts = {s: np.full(rows, tech.operation.v_read_v if s == p else 0.0) for s, _ in row_line_sets(setup.scheme)}
    net = build_network(tech, states, volts, scheme=setup.scheme, parasitics=setup.parasitics)
    sol = solve_scipy(net)
    idx = net.cell_res[p]
    return (sol.volts[net.res_a[idx]] - sol.volts[net.res_b[idx]]) / tech.operation.v_read_v
