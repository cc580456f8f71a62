"""Render, for VACASK: the same testbenches as `mramcim.circuit.netlist`, in VACASK's syntax,
with the MTJ as the Verilog-A model `models/mtj/mtj_llg.va`.

Every deck here is the twin of an ngspice deck: it is rendered from the very same validated
context (`netlist.xnor_context`, `array_context`, `trials_context`, and the `ArrayNetwork` of the
read network), with the same node, instance and source names and the same schedule, and the
Verilog-A model card is filled from `context.device_context`, the numbers the B-source model
uses. So both engines simulate one circuit, `mramcim.circuit.extract` reads either result, and a change
of technology reaches both models at once. Templates live in `netlists/vacask/` and the model
cards in `models/**/*.vc.j2`; as everywhere, numbers pass `num`, names `ident`, saved vectors
`vc_save`.

Differences from the ngspice decks, by design:
- an array cell (MTJ, access NMOS and, with mesh wires, its row- and bit-line pitch) is one
  Verilog-A device (`models/array/sop_tiles.va`) instead of a subcircuit of six elements: the
  same circuit, a third of the simulation time. Its MTJ state is `v(xc_r<i>_c<j>.mz)` (conventional
  `.mza`, `.mzb`) instead of `v(xc_r<i>_c<j>.xmtj.mz)`; the deck's metadata names them;
- the initial state: the Verilog-A model holds m at its initial value in the transient's
  operating point (ngspice decks start from `uic` capacitor initial conditions);
- the thermal field of trial device k comes from the model's counter-based generator seeded
  with `device_seeds(seed, trials)[k]` instead of ngspice's TRRANDOM stream;
- no `.meas` lines (extraction samples the saved vectors, as it does for ngspice).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mramcim.circuit.netlist import (
    RenderedNetlist,
    _values,
    array_context,
    make_schedule,
    render_template,
    trials_context,
    xnor_context,
)
from mramcim.circuit.readnet import ArrayNetwork
from mramcim.errors import InputError
from mramcim.tech import Technology

__all__ = [
    "device_seeds",
    "render_array_block_vacask",
    "render_array_vacask",
    "render_mtj_trials_vacask",
    "render_read_batch_vacask",
    "render_read_dc_vacask",
    "render_xnor_vacask",
]

MAX_SEED = 2**31 - 1  # Verilog-A integers are signed 32-bit


def render_xnor_vacask(tech: Technology) -> RenderedNetlist:
    """The XNOR cell testbench (four cases) for VACASK; see `netlist.render_xnor`."""
    context, schedule, meta = xnor_context(tech)
    return RenderedNetlist(render_template("netlists/vacask/xnor_cell.sim.j2", **context), "xnor", schedule, meta)


def render_array_vacask(
    tech: Technology,
    weights: npt.ArrayLike,
    inputs: npt.ArrayLike,
    scheme: str = "half",
    threshold: int | None = None,
    save_states: bool = True,
    parasitics: str = "mesh",
    i_ref: float | None = None,
) -> RenderedNetlist:
    """The sum-of-product array deck for VACASK; arguments and metadata as `netlist.render_array`."""
    context, schedule, meta = array_context(tech, weights, inputs, scheme, threshold, save_states, parasitics, i_ref)
    context["saves"] = [_tile_state(s) for s in context["saves"]]
    meta["state_vectors"] = [_tile_state(s) for s in meta["state_vectors"]]
    text = render_template("netlists/vacask/sop_array.sim.j2", block=None, **context)
    return RenderedNetlist(text, "array", schedule, meta)


def render_array_block_vacask(
    tech: Technology,
    weights: npt.ArrayLike,
    inputs: npt.ArrayLike,
    j0: int,
    j1: int,
    cut_sources: list[tuple[str, str, list[tuple[float, float]]]],
    *,
    i_ref: float | None = None,
    save_states: bool = False,
) -> RenderedNetlist:
    """Columns j0..j1-1 of a half-size mesh array as a deck of its own, for a partitioned run.

    The block keeps the full array's names; the row drivers are in it only when j0 = 0, and every
    row-line node it shares with a neighbour block is held by a voltage source from `cut_sources`
    (name, node, PWL points). The block saves its sense currents, comparator outputs and the cut
    sources' currents (for the Kirchhoff check at the cuts).
    """
    w = np.asarray(weights)
    rows, cols = w.shape
    if not 0 <= j0 < j1 <= cols:
        raise InputError(f"column block {j0}..{j1 - 1} is outside the array's {cols} columns")
    context, schedule, meta = array_context(tech, w, inputs, "half", None, save_states, "mesh", i_ref)
    saves = [f"i(vsense{j})" for j in range(j0, j1)] + [f"v(sa{j})" for j in range(j0, j1)]
    saves += [f"i({name})" for name, _, _ in cut_sources]
    if j0 == 0:
        saves += [f"i(vrow{i})" for i in range(rows)]
    if save_states:
        saves += [f"v(xc_r{i}_c{j}.mz)" for i in range(rows) for j in range(j0, j1)]
    context["saves"] = saves
    block = {"j0": j0, "j1": j1, "sources": cut_sources}
    meta = meta | {"block": (j0, j1), "state_vectors": [_tile_state(s) for s in meta["state_vectors"]]}
    text = render_template("netlists/vacask/sop_array.sim.j2", block=block, **context)
    return RenderedNetlist(text, "array_block", schedule, meta)


_TILE_STATES = {".xmtj.mz)": ".mz)", ".xmtja.mz)": ".mza)", ".xmtjb.mz)": ".mzb)"}


def _tile_state(vector: str) -> str:
    """A tile subcircuit's MTJ state vector (ngspice) as the folded tile's state node (VACASK)."""
    for sub, tile in _TILE_STATES.items():
        if vector.endswith(sub):
            return vector[: -len(sub)] + tile
    return vector


def device_seeds(seed: int, trials: int) -> list[int]:
    """Thermal-field seeds (1 .. 2**31 - 1) of the devices of one trials deck, derived from the
    deck's seed by numpy's SeedSequence (independent streams, reproducible)."""
    states = np.random.SeedSequence(seed).generate_state(trials, dtype=np.uint32)
    return [int(s % (MAX_SEED - 1)) + 1 for s in states]


def render_mtj_trials_vacask(
    tech: Technology,
    *,
    kind: str,
    drive: list[tuple[float, float]],
    trials: int,
    m0: int,
    t_stop: float,
    seed: int,
    thermal: bool = True,
    save_transverse: bool = False,
    thermal_start: bool | None = None,
) -> RenderedNetlist:
    """`trials` independent MTJs under one drive waveform, for VACASK; see
    `netlist.render_mtj_trials`. `seed` seeds the devices' thermal-field generators and, as in
    ngspice, their Boltzmann starts (the same draws in both simulators)."""
    context, meta = trials_context(
        tech,
        kind=kind,
        drive=drive,
        trials=trials,
        m0=m0,
        t_stop=t_stop,
        seed=seed,
        thermal=thermal,
        save_transverse=save_transverse,
        thermal_start=thermal_start,
    )
    text = render_template("netlists/vacask/mtj_trials.sim.j2", device_seeds=device_seeds(seed, trials), **context)
    return RenderedNetlist(text, "mtj_trials", make_schedule(tech), meta)


def render_read_dc_vacask(
    net: ArrayNetwork,
    *,
    title: str,
    header: list[str],
    resistors: npt.NDArray[np.int64] | None = None,
    sources: list[tuple[str, int, float]] | None = None,
    saves: list[str] | None = None,
) -> str:
    """The operating-point deck of a read network (or part of it) for VACASK; see
    `netlist.render_read_dc`. `saves` are ngspice-style names with the network's own spelling
    (default: every sense-input current, `i(Vsense<j>)`)."""
    names = net.node_names
    if sources is None:
        sources = list(zip(net.src_names, net.src_node.tolist(), net.src_volts.tolist(), strict=True))
    src = [(n, names[node], v) for (n, node, _), v in zip(sources, _values([s[2] for s in sources]), strict=True)]
    return render_template(
        "netlists/vacask/read_dc.sim.j2",
        title=title,
        header=header,
        resistors=_resistor_cards(net, resistors),
        sources=src,
        saves=_sense_saves(net) if saves is None else saves,
    )


def _resistor_cards(net: ArrayNetwork, resistors: npt.NDArray[np.int64] | None) -> list[tuple[str, str, str, str]]:
    """(name, node a, node b, formatted ohms) of the network's resistors (all, or those indexed)."""
    idx = np.arange(len(net.res_ohm)) if resistors is None else np.asarray(resistors)
    names = net.node_names
    return [
        (net.res_names[k], names[a], names[b], v)
        for k, a, b, v in zip(
            idx.tolist(), net.res_a[idx].tolist(), net.res_b[idx].tolist(), _values(net.res_ohm[idx]), strict=True
        )
    ]


def _sense_saves(net: ArrayNetwork) -> list[str]:
    """The default saves of a read deck: every sense-input current, ngspice-style `i(Vsense<j>)`."""
    return [f"i({net.src_names[k]})" for k in net.sense_src]


def render_read_batch_vacask(
    net: ArrayNetwork,
    volts: npt.ArrayLike,
    *,
    title: str,
    header: list[str],
    saves: list[str] | None = None,
) -> str:
    """Many reads of one read network in one VACASK deck: source k holds `volts[n, k]` at the
    operating point of sweep step n (netlists/vacask/read_batch.sim.j2). The resistors are the network's; only the
    sources change between reads. `saves` as `render_read_dc_vacask` (default: every sense current).

    Raises:
        InputError: `volts` is not (reads >= 2, sources) or holds a non-finite number.
    """
    v = np.asarray(volts, dtype=np.float64)
    if v.ndim != 2 or v.shape[1] != len(net.src_node) or v.shape[0] < 2:
        raise InputError(f"batch voltages must be (reads >= 2, {len(net.src_node)}) , got shape {v.shape}")
    names = net.node_names
    same = np.all(v == v[:1], axis=0)
    steady, stepped = [], []
    for k, node in enumerate(net.src_node.tolist()):
        if same[k]:
            steady.append((net.src_names[k], names[node], _values([v[0, k]])[0]))
        else:
            stepped.append((net.src_names[k], names[node], _values(v[:, k])))
    return render_template(
        "netlists/vacask/read_batch.sim.j2",
        title=title,
        header=header,
        resistors=_resistor_cards(net, None),
        steady=steady,
        stepped=stepped,
        reads=v.shape[0],
        saves=_sense_saves(net) if saves is None else saves,
    )
