"""SPICE verification of a design point: MNIST images through its hidden-layer sub-arrays in ngspice or VACASK.

Stage: experiments. Inputs: a `DesignPoint` (dict or JSON file), a `DesignContext`, the number of
test images (seeded subset, as `evaluate_design`) and ngspice workers. Output: a `DesignVerification`
result: the accuracy from the ngspice currents and from the behavioural (fast-solver) currents on
the same images and the same chip, their agreement per activation, the largest current
difference, and images per minute.

For every image the read of the chip is fixed first (device sample, offsets and, half-size, the
toggle failures drawn for that read: the toggle phase itself is not re-simulated here; the
flagship transient and tests/circuit check toggling). That read is then solved twice: by the
fast path of array/layer.py, and by ngspice as `.op` netlists, one per column block (the
column blocks share no wire), each holding every sub-array of the block and, hierarchical, the
global bit lines joining their taps - `HardwareLayer.spice_network` - partitioned further into
decks of `block_cols` tile columns whose interface voltages ngspice's own Kirchhoff residual checks. The
sense and ADC decisions are taken from each set of currents by the same comparator / ADC model.
Images are spread over `workers` parallel ngspice processes.

What limits the rate: ngspice parses and factors ~3 elements per cell (cell, two wire
segments), about 1.2 M elements per image for the 784 x 512 layer; its time per element, not
the Python around it, sets the images per minute (measured in docs/chip.md).

With `simulator="vacask"` the partition is not needed (KLU orders a whole column block): the
conventional scheme's reads of one chip differ only in their sources, so each column block is
one deck sweeping every image (`circuit.dcbatch`), parsed and ordered once; what is left per
image is VACASK's numerical refactorization and two Newton iterations per column block.

`method="transfer"` (VACASK, conventional): the read network is linear and the same for every
image, so each column block's sense currents are a linear map of its source voltages. VACASK
solves one operating point per sense input with that input at 1 V and every other source at 0 V
and reports the current of every source: by reciprocity (a resistive network's short-circuit
admittance matrix is symmetric) these are the rows of the map from all source voltages to the
sense currents. Every image's currents are then that map applied to its sources; the first
`check_images` images are also solved directly in the same deck, and a difference above 1e-8
(relative) between the two is an error. The simulator cost no longer grows with the images.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from mramcim.array.layer import HardwareLayer, load_wide_toggle_map
from mramcim.artifacts import RecordResult
from mramcim.circuit.dcbatch import solve_dc_batch
from mramcim.circuit.dcsolve import solve_dc
from mramcim.circuit.readnet import ArrayNetwork
from mramcim.circuit.vacask import check_simulator
from mramcim.errors import InputError, SimulationError
from mramcim.experiments.design import DesignContext, DesignPoint, point_tech
from mramcim.options import Scheme, Simulator, VerifyMethod, parse_option

__all__ = ["DesignVerification", "verify_design"]

NOT_LINEAR_IN_SOURCES = (
    "the transfer method needs reads that differ only in their sources (the conventional scheme); "
    "half-size cells change with the input: use --method direct"
)
TRANSFER_CHECK_REL = 1e-8  # superposition vs direct points of one deck (observed <= 5.8e-10 at 784 rows)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DesignVerification(RecordResult):
    """ngspice vs behavioural accuracy of one design on the same images."""

    name: ClassVar[str] = "verify-design"

    def summary_lines(self) -> list[str]:
        r = self.record
        sim = r.get("simulator", "ngspice")
        return [
            f"{r['n_images']} MNIST test images through the {r['point']['scheme']} {r['point']['mapping']} "
            f"hidden layer (R = {r['point']['rows']}, C = {r['point']['cols']}) in {sim}",
            f"accuracy: {sim} {r['accuracy_spice']:.4f}, behavioural {r['accuracy_behavioural']:.4f} "
            f"(difference {r['accuracy_difference']:+.4f}); activations that differ: {r['activation_mismatches']}",
            f"largest relative column-current difference {r['max_current_rel_diff']:.2e}",
            *(
                [
                    f"transfer method: {r['unit_excitations']} unit excitations in all (one per sense input); "
                    f"superposition vs direct operating points on {r['transfer_check_images']} images per block: "
                    f"{r['transfer_check_rel_diff']:.1e} (relative)"
                ]
                if r.get("method") == "transfer"
                else []
            ),
            f"{r['images_per_minute']:.2f} images/min with {r['workers']} {sim} worker(s) "
            f"({r['spice_seconds_per_image']:.1f} s of simulator time per image, {r['elements_per_image']} elements)",
        ]


def verify_design(
    point: dict[str, Any],
    context: DesignContext,
    *,
    n_images: int = 200,
    workers: int = 1,
    block_cols: int | None = 4,
    simulator: str = "ngspice",
    method: str = "direct",
    check_images: int = 4,
    progress: Any = None,
) -> DesignVerification:
    """Push `n_images` test images through the design's hidden layer in ngspice and compare.

    Args:
        block_cols: ngspice partition width within a column-block deck (circuit/dcsolve: cut nodes
            at the fast solution's voltages, accepted only when ngspice's own currents close
            Kirchhoff's law there to 1e-6); None: one flat deck per column block (ngspice orders a
            ~150 k-element mesh badly: > 5 min and 2 GB for one block on this machine).
        simulator: "ngspice" (one image at a time, as above) or "vacask": one deck per column
            block carrying every image (`circuit.dcbatch`: the conventional scheme's reads differ
            only in their sources; VACASK sweeps them as operating points of one parsed, once-
            ordered circuit); `workers` then runs column blocks in parallel. Half-size reads change
            the cells with the input, so VACASK solves them one operating point per image and block.
        method: "direct" (every image its own operating point) or "transfer" (VACASK, conventional
            scheme: per column block, one operating point per sense input gives the map from
            source voltages to sense currents; see the module doc).
        check_images: with "transfer", images also solved directly in each block's deck.

    Raises:
        MramcimError: an invalid point or method, or a simulator failure.
    """
    how = parse_option(VerifyMethod, method, "verification method")
    sim = check_simulator(simulator)
    if how is VerifyMethod.TRANSFER and sim is not Simulator.VACASK:
        raise InputError("--method transfer needs --simulator vacask (it sweeps unit excitations in one deck)")
    if check_images < 1:
        raise InputError(f"check images must be >= 1, got {check_images}")
    p = DesignPoint.model_validate({**point, "n_images": n_images})
    if how is VerifyMethod.TRANSFER and p.scheme is Scheme.HALF:
        raise InputError(NOT_LINEAR_IN_SOURCES)  # known before any network is built
    tech = point_tech(context.tech, p)
    w1, w2 = context.weights[p.weights]
    n_all = context.y_test.size
    pick = np.sort(np.random.default_rng(p.seed).choice(n_all, size=min(n_images, n_all), replace=False))
    x_all, y = context.x_test[pick], context.y_test[pick]
    chip_rng = np.random.default_rng([p.seed, 1]) if p.variation else None
    toggle_map = load_wide_toggle_map() if p.toggle_errors and p.scheme is Scheme.HALF else None
    layer = HardwareLayer(tech, w1, p.layer_mapping(), rng=chip_rng, toggle_map=toggle_map)
    rng = np.random.default_rng([p.seed, 2])
    reads = [layer.read_resistances(x, rng)[0] for x in x_all]  # the chip's reads, fixed before solving

    def solve(i: int) -> tuple[np.ndarray, np.ndarray, float, int]:
        t0 = time.perf_counter()
        senses, wheres, elements = [], [], 0
        for k in range(len(layer.col_blocks)):  # column blocks share no wire: one netlist each
            net, where = layer.spice_network(reads[i], x_all[i], col_block=k)
            dc = solve_dc(
                net,
                "ngspice",
                block_cols=block_cols,
                workers=1,
                timeout_s=max(tech.simulation.timeout_s, 3600),
                title=f"image {i} column block {k}",
            )
            senses.append(dc.sense_a)
            wheres.append(where)
            elements += len(net.res_ohm) + len(net.src_node)
        act, cur = layer.decide(x_all[i], senses, wheres)
        if progress:
            progress(f"image {i + 1}/{len(x_all)}: ngspice {time.perf_counter() - t0:.1f} s")
        return act, cur, time.perf_counter() - t0, elements

    start = time.perf_counter()
    timeout = max(tech.simulation.timeout_s, 3600)
    check: dict[str, Any] = {}
    if how is VerifyMethod.TRANSFER:
        spice, check = _vacask_transfer(layer, reads, x_all, workers, timeout, min(check_images, len(x_all)), progress)
    elif sim is Simulator.VACASK:
        spice = _vacask_batches(layer, reads, x_all, workers, timeout, progress)
    else:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            spice = list(pool.map(solve, range(len(x_all))))
    wall = time.perf_counter() - start
    fast = [layer.fast_decide(x, r) for x, r in zip(x_all, reads, strict=True)]
    a_spice = np.stack([s[0] for s in spice])
    a_fast = np.stack([f[0] for f in fast])
    c_spice = np.stack([s[1] for s in spice])
    c_fast = np.stack([f[1] for f in fast])

    def accuracy(a: np.ndarray) -> float:
        pred = np.argmax(a.astype(np.float32) @ w2.astype(np.float32), axis=1)
        return float(np.mean(pred == y))

    acc_s, acc_f = accuracy(a_spice), accuracy(a_fast)
    scale = np.maximum(np.abs(c_fast), 1e-12)
    record = {
        "point": p.model_dump(mode="json"),
        "n_images": int(y.size),
        "images": pick.tolist(),
        "accuracy_spice": acc_s,
        "accuracy_behavioural": acc_f,
        "accuracy_difference": acc_s - acc_f,
        "activation_mismatches": int(np.sum(a_spice != a_fast)),
        "max_current_rel_diff": float(np.max(np.abs(c_spice - c_fast) / scale)),
        "simulator": str(sim),
        "method": str(how),
        **check,
        "workers": workers,
        "block_cols": block_cols if sim is Simulator.NGSPICE else None,
        "kcl_note": (
            "partitioned decks are accepted only when ngspice's currents close KCL at the cuts to 1e-6"
            if sim is Simulator.NGSPICE
            else "one flat VACASK deck per column block (no partition), all images swept in it"
            if how is VerifyMethod.DIRECT
            else "one flat VACASK deck per column block (no partition): unit excitations of the sense "
            "inputs, then superposition (reciprocity), checked against direct operating points"
        ),
        "wall_s": wall,
        "images_per_minute": 60.0 * y.size / wall,
        "spice_seconds_per_image": float(np.mean([s[2] for s in spice])),
        "elements_per_image": int(spice[0][3]),
        "toggle_phase": "failures drawn per read from the toggle-phase DC network (not re-simulated here)",
    }
    return DesignVerification(record)


def _vacask_batches(
    layer: HardwareLayer,
    reads: list[list[np.ndarray]],
    x_all: np.ndarray,
    workers: int,
    timeout_s: float,
    progress: Any,
) -> list[tuple[np.ndarray, np.ndarray, float, int]]:
    """Per image (activations, column currents, simulator seconds per image, elements) from VACASK:
    per column block one deck sweeping every image when the images share the resistors (their
    reads differ only in the sources), else one operating point per image."""
    n = len(x_all)

    def block(k: int) -> tuple[list[np.ndarray], list[list[np.ndarray]], float, int]:
        t0 = time.perf_counter()
        net, wheres, volts, shared = _block_reads(layer, reads, x_all, k)
        if shared:
            sense = list(solve_dc_batch(net, volts, timeout_s=timeout_s, title=f"column block {k}"))
        else:  # rebuilt one at a time: keeping every image's network would hold ~0.3 M resistors each
            sense = [
                solve_dc(
                    layer.spice_network(reads[i], x_all[i], col_block=k)[0],
                    "vacask",
                    timeout_s=timeout_s,
                    title=f"image {i} column block {k}",
                ).sense_a
                for i in range(n)
            ]
        seconds = time.perf_counter() - t0
        if progress:
            progress(f"column block {k + 1}/{len(layer.col_blocks)}: VACASK {seconds:.1f} s for {n} images")
        return sense, wheres, seconds, len(net.res_ohm) + len(net.src_node)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        blocks = list(pool.map(block, range(len(layer.col_blocks))))
    return _decide_images(layer, x_all, blocks)


def _vacask_transfer(
    layer: HardwareLayer,
    reads: list[list[np.ndarray]],
    x_all: np.ndarray,
    workers: int,
    timeout_s: float,
    check: int,
    progress: Any,
) -> tuple[list[tuple[np.ndarray, np.ndarray, float, int]], dict[str, Any]]:
    """Per image (activations, column currents, simulator seconds per image, elements) from each
    column block's VACASK transfer map (module doc), and the record of its direct check."""

    def block(k: int) -> tuple[np.ndarray, list[list[np.ndarray]], float, int, float, int]:
        t0 = time.perf_counter()
        net, wheres, v, shared = _block_reads(layer, reads, x_all, k)
        if not shared:
            raise InputError(NOT_LINEAR_IN_SOURCES)
        sense = np.asarray(net.sense_src)
        unit = np.zeros((sense.size, v.shape[1]))
        unit[np.arange(sense.size), sense] = 1.0
        currents = solve_dc_batch(
            net,
            np.vstack([unit, v[:check]]),
            sources=range(v.shape[1]),
            timeout_s=timeout_s,
            title=f"column block {k} transfer",
        )
        # row j: every source's current with sense input j at 1 V = row j of the symmetric
        # short-circuit admittance matrix, i.e. the sense current j per volt of each source
        admittance = currents[: sense.size]
        mapped = v @ admittance.T
        direct = currents[sense.size :][:, sense]
        scale = max(float(np.max(np.abs(direct))), 1e-15)
        rel = float(np.max(np.abs(mapped[:check] - direct))) / scale
        if rel > TRANSFER_CHECK_REL:
            raise SimulationError(
                f"column block {k}: superposition differs from VACASK's direct operating points by {rel:.1e} "
                f"(relative, > {TRANSFER_CHECK_REL:.0e}): the read network is not linear as solved"
            )
        seconds = time.perf_counter() - t0
        if progress:
            progress(
                f"column block {k + 1}/{len(layer.col_blocks)}: VACASK {seconds:.1f} s "
                f"({sense.size} unit excitations + {check} direct images; check {rel:.1e})"
            )
        return mapped, wheres, seconds, len(net.res_ohm) + len(net.src_node), rel, sense.size

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        blocks = list(pool.map(block, range(len(layer.col_blocks))))
    out = _decide_images(layer, x_all, [b[:4] for b in blocks])
    record = {
        "unit_excitations": int(sum(b[5] for b in blocks)),
        "transfer_check_images": check,
        "transfer_check_rel_diff": max(b[4] for b in blocks),
    }
    return out, record


def _block_reads(
    layer: HardwareLayer, reads: list[list[np.ndarray]], x_all: np.ndarray, k: int
) -> tuple[ArrayNetwork, list[list[np.ndarray]], np.ndarray, bool]:
    """Column block k's network for the first image, every image's `where` and (images, sources)
    source voltages, and whether every image's network has the first one's resistors. Networks
    are built one at a time: a 784-row block holds ~0.3 M resistors."""
    net, where = layer.spice_network(reads[0], x_all[0], col_block=k)
    wheres, volts, shared = [where], [net.src_volts], True
    for i in range(1, len(x_all)):
        other, w = layer.spice_network(reads[i], x_all[i], col_block=k)
        shared = shared and np.array_equal(other.res_ohm, net.res_ohm)
        wheres.append(w)
        volts.append(other.src_volts)
    return net, wheres, np.stack(volts), shared


def _decide_images(
    layer: HardwareLayer, x_all: np.ndarray, blocks: list[tuple[Any, list[list[np.ndarray]], float, int]]
) -> list[tuple[np.ndarray, np.ndarray, float, int]]:
    """Per image (activations, column currents, simulator seconds per image, elements) from the
    column blocks' (sense currents per image, `where` per image, seconds, elements)."""
    seconds = sum(b[2] for b in blocks) / len(x_all)
    elements = sum(b[3] for b in blocks)
    out = []
    for i, x in enumerate(x_all):
        act, cur = layer.decide(x, [b[0][i] for b in blocks], [b[1][i] for b in blocks])
        out.append((act, cur, seconds, elements))
    return out
