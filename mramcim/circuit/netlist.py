"""Stage 2 — render: Jinja2 templates -> ngspice decks.

Inputs: a validated `Technology`, +-1 weights/inputs. Output: a `RenderedNetlist` (deck text plus
the metadata extraction needs: sample times, node names, expected values). Python never
concatenates SPICE: templates in `netlists/` and `models/` do, with StrictUndefined, and every
number goes through `spice_num`, every name through `spice_ident`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import jinja2
import numpy as np
import numpy.typing as npt

from mramcim.circuit.context import device_context, neuron_context
from mramcim.circuit.hiernet import segment_bounds
from mramcim.circuit.readnet import ArrayNetwork, row_line_sets
from mramcim.device.cell import reference_current
from mramcim.device.neuron import neuron_params, settle_time_s
from mramcim.device.thermal_start import boltzmann_start, start_seed
from mramcim.encoding import as_pm1, threshold_popcount
from mramcim.errors import InputError, TemplateError
from mramcim.options import DriveKind, Parasitics, Scheme, parse_option
from mramcim.paths import model_file, template_dir
from mramcim.tech import GAMMA, Technology, derive, tech_run_id
from mramcim.units import spice_ident, spice_num, vacask_save

__all__ = [
    "CELLS",
    "cell_deck",
    "MAX_CELLS",
    "MAX_COLS",
    "MAX_ROWS",
    "RenderedNetlist",
    "Schedule",
    "array_context",
    "make_schedule",
    "render_array",
    "render_array_verilog_a",
    "render_neuron_sweep",
    "render_passive_array",
    "render_read_dc",
    "render_template",
    "render_xnor",
    "trials_context",
    "xnor_context",
]

MAX_ROWS = 8192
MAX_COLS = 4096
MAX_CELLS = 784 * 1024
T_START_S = 0.1e-9


@dataclass(frozen=True)
class Schedule:
    """One MAC: toggle (X = -1 rows), read 1, restore, read 2. Times in s, voltages in V."""

    t_step: float
    t_stop: float
    pwl_read: list[tuple[float, float]]
    pwl_toggle: list[tuple[float, float]]
    t_read1: float
    t_read2: float
    phases: dict[str, tuple[float, float]]


@dataclass(frozen=True)
class RenderedNetlist:
    text: str
    kind: str
    schedule: Schedule
    meta: dict[str, Any] = field(default_factory=dict)


def _trapezoid(start: float, rise: float, flat: float, level: float) -> list[tuple[float, float]]:
    return [(start, 0.0), (start + rise, level), (start + rise + flat, level), (start + 2 * rise + flat, 0.0)]


def make_schedule(tech: Technology) -> Schedule:
    op = tech.operation
    rise, step = op.t_rise_s, tech.simulation.t_step_s
    toggle = _trapezoid(T_START_S, rise, op.t_vcma_s, op.v_vcma_v)
    read1 = _trapezoid(toggle[-1][0] + op.t_settle_s, rise, op.t_read_s, op.v_read_v)
    restore = _trapezoid(read1[-1][0] + rise, rise, op.t_vcma_s, op.v_vcma_v)
    read2 = _trapezoid(restore[-1][0] + op.t_settle_s, rise, op.t_read_s, op.v_read_v)
    origin = [(0.0, 0.0)]
    return Schedule(
        t_step=step,
        t_stop=read2[-1][0] + rise,
        pwl_read=origin + read1 + read2,
        pwl_toggle=origin + toggle + read1 + restore + read2,
        t_read1=read1[2][0] - step,
        t_read2=read2[2][0] - step,
        phases={
            "toggle": (toggle[0][0], toggle[-1][0]),
            "read": (read1[0][0], read1[-1][0]),
            "restore": (restore[0][0], restore[-1][0]),
            "verify_read": (read2[0][0], read2[-1][0]),
        },
    )


def _load_template(name: str) -> str:
    top, _, rest = name.partition("/")
    if top == "netlists":
        node = template_dir().joinpath(rest)
    elif top == "models":
        node = model_file(rest)
    else:
        raise jinja2.TemplateNotFound(name)
    try:
        return node.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise jinja2.TemplateNotFound(name) from None


_ENV = jinja2.Environment(
    loader=jinja2.FunctionLoader(_load_template),
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
    trim_blocks=False,
)
_ENV.filters["num"] = spice_num
_ENV.filters["ident"] = spice_ident
_ENV.filters["vc_save"] = vacask_save


def render_template(template: str, **context: Any) -> str:
    """Render a packaged template (`netlists/...` or `models/...`) with the deck filters."""
    return _render(template, **context)


def _render(template: str, **context: Any) -> str:
    try:
        text = _ENV.get_template(template).render(**context)
    except jinja2.TemplateError as err:
        raise TemplateError(f"cannot render {template}: {err}") from err
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip()) + "\n"


def _package_version() -> str:
    try:
        return version("mramcim")
    except PackageNotFoundError:
        return "unknown"


def _header(tech: Technology, schedule: Schedule) -> list[str]:
    phases = ", ".join(f"{k} {a * 1e9:.3f}-{b * 1e9:.3f} ns" for k, (a, b) in schedule.phases.items())
    return [
        f"generated by mramcim {_package_version()}; technology {tech.name} (id {tech_run_id(tech)})",
        f"schedule: {phases}",
        f"read samples at {schedule.t_read1 * 1e9:.3f} ns (XNOR) and {schedule.t_read2 * 1e9:.3f} ns (restored weight)",
    ]


def check_array_size(rows: object, cols: object) -> tuple[int, int]:
    """Validate the array dimensions (positive integers within the supported range)."""
    sizes = []
    for name, value, top in (("rows", rows, MAX_ROWS), ("cols", cols, MAX_COLS)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise InputError(f"{name} must be an integer, got {value!r}")
        if not 1 <= value <= top:
            raise InputError(f"{name} must be between 1 and {top}, got {value}")
        sizes.append(int(value))
    if sizes[0] * sizes[1] > MAX_CELLS:
        raise InputError(f"array {rows} x {cols} has more than {MAX_CELLS} cells")
    return sizes[0], sizes[1]


CELLS = ("xnor", "neuron")
NEURON_DECK_CURRENTS_A = tuple(k * 2e-3 for k in range(-4, 5))  # -8..8 mA, enough to show the sigmoid


def cell_deck(tech: Technology, cell: str) -> str:
    """A cell testbench: the XNOR cell (all four cases), or the MTJ sigmoid neuron swept over
    -8..8 mA at T = 0, run long enough to settle."""
    if cell == "neuron":
        t_stop = settle_time_s(tech) + neuron_params(tech).t_read_s
        return render_neuron_sweep(tech, NEURON_DECK_CURRENTS_A, t_stop=t_stop, seed=1, thermal=False).text
    if cell == "xnor":
        return render_xnor(tech).text
    raise InputError(f"unknown cell {cell!r}; choose one of {', '.join(CELLS)}")


def xnor_context(tech: Technology) -> tuple[dict[str, Any], Schedule, dict[str, Any]]:
    """Template variables, schedule and metadata of the XNOR cell testbench (any simulator)."""
    schedule = make_schedule(tech)
    cases = [{"x": x, "w": w} for x in (1, -1) for w in (1, -1)]
    n = len(cases)
    saves = [f"v(sa{j})" for j in range(n)] + [f"i(vsense{j})" for j in range(n)]
    saves += [f"v(n{j})" for j in range(n)] + [f"v(rl{j})" for j in range(n)]
    saves += [f"i(vrow{j})" for j in range(n)] + [f"v(xmtj_c{j}.mz)" for j in range(n)]
    measures = [(f"icell{j}", f"i(vsense{j})", schedule.t_read1) for j in range(n)]
    context = dict(
        header=_header(tech, schedule),
        cases=cases,
        pwl_toggle=schedule.pwl_toggle,
        pwl_read=schedule.pwl_read,
        i_ref=reference_current(tech, 1),
        schedule=schedule,
        saves=saves,
        measures=measures,
        **device_context(tech),
    )
    return context, schedule, {"cases": cases}


def render_xnor(tech: Technology) -> RenderedNetlist:
    """The XNOR cell testbench: four cells, one per (X, W) case, simulated together."""
    context, schedule, meta = xnor_context(tech)
    return RenderedNetlist(_render("netlists/xnor_cell.sp.j2", **context), "xnor", schedule, meta)


def render_array(
    tech: Technology,
    weights: npt.ArrayLike,
    inputs: npt.ArrayLike,
    scheme: str = "half",
    threshold: int | None = None,
    save_states: bool = True,
    parasitics: str = "mesh",
    i_ref: float | None = None,
    *,
    segment_rows: int | None = None,
    global_ohm_per_pitch: float | None = None,
    global_f_per_pitch: float | None = None,
    tap_ohm: float | None = None,
    ref_states: npt.ArrayLike | None = None,
) -> RenderedNetlist:
    """The sum-of-product array deck with drivers, wires, sensing and a testbench.

    Args:
        weights: (rows, cols) of +-1.
        inputs: (rows,) of +-1.
        scheme: "half" (1 MTJ per weight, VCMA toggle) or "conventional" (complementary pair).
        threshold: popcount at which the sense output turns +1 (default ceil(rows/2)).
        save_states: also save every MTJ's mz (needed to verify the restore).
        parasitics: "none", "lumped" or "mesh" wires (node names as in mramcim.readnet).
        i_ref: comparator reference current (default: the closed form with ideal wires); unused
            when `ref_states` gives replica columns.
        segment_rows: mesh only; cut every bit line into local segments of this many rows joined
            to a global bit line (circuit/hiernet.py); None: one bit line per column.
        global_ohm_per_pitch, global_f_per_pitch: the global line's R and C per weight pitch.
        tap_ohm: resistance of each segment's tap onto the global line.
        ref_states: mesh only; (rows, n_ref) +-1 states of replica reference columns placed after
            the data columns on the same row lines; every comparator then compares its column with
            the mean of their currents (their word line is on only while reading).
    """
    context, schedule, meta = array_context(
        tech,
        weights,
        inputs,
        scheme,
        threshold,
        save_states,
        parasitics,
        i_ref,
        segment_rows=segment_rows,
        global_ohm_per_pitch=global_ohm_per_pitch,
        global_f_per_pitch=global_f_per_pitch,
        tap_ohm=tap_ohm,
        ref_states=ref_states,
    )
    return RenderedNetlist(_render("netlists/sop_array.sp.j2", **context), "array", schedule, meta)


def render_array_verilog_a(
    tech: Technology,
    weights: npt.ArrayLike,
    inputs: npt.ArrayLike,
    scheme: str = "half",
    threshold: int | None = None,
    parasitics: str = "mesh",
    i_ref: float | None = None,
    **design: Any,
) -> RenderedNetlist:
    """The array deck of `render_array` for a SPICE simulator that loads compiled Verilog-A (OSDI):
    the MTJ subcircuit holds the Verilog-A module `mtj_llg` (models/mtj/mtj_llg.va, card from the
    same numbers) instead of the B-source equations; the deck loads `mtj_llg.osdi` with `pre_osdi`
    and starts its transient from the operating point. It saves the outputs, not the MTJ states
    (their names inside a compiled device depend on the simulator). mramcim does not run it.
    `design`: the segmented bit lines and replica columns of `render_array`."""
    context, schedule, meta = array_context(
        tech, weights, inputs, scheme, threshold, False, parasitics, i_ref, **design
    )
    context |= {"mtj_lib": "models/mtj/mtj_llg_osdi.lib.j2", "osdi": ["mtj_llg.osdi"]}
    meta |= {"verilog_a": ["mtj/mtj_llg.va"]}
    return RenderedNetlist(_render("netlists/sop_array.sp.j2", **context), "array_verilog_a", schedule, meta)


def array_context(
    tech: Technology,
    weights: npt.ArrayLike,
    inputs: npt.ArrayLike,
    scheme: str,
    threshold: int | None,
    save_states: bool,
    parasitics: str,
    i_ref: float | None,
    *,
    segment_rows: int | None = None,
    global_ohm_per_pitch: float | None = None,
    global_f_per_pitch: float | None = None,
    tap_ohm: float | None = None,
    ref_states: npt.ArrayLike | None = None,
) -> tuple[dict[str, Any], Schedule, dict[str, Any]]:
    """Validated template variables, schedule and metadata of an array deck (any simulator);
    arguments as `render_array`."""
    scheme = parse_option(Scheme, scheme, "scheme", Scheme.active())
    parasitics = parse_option(Parasitics, parasitics, "parasitics")
    w = np.asarray(weights)
    if w.ndim != 2:
        raise InputError(f"weights must be a 2-D (rows, cols) array, got shape {w.shape}")
    rows, cols = check_array_size(*w.shape)
    w = as_pm1(w, "weights")
    x = as_pm1(inputs, "inputs", shape=(rows,))
    if threshold is None:
        threshold = threshold_popcount(rows)
    if not 0 <= threshold <= rows:
        raise InputError(f"threshold {threshold} is outside the popcount range 0..{rows}")
    schedule = make_schedule(tech)
    sets = row_line_sets(scheme)
    refs = np.zeros((rows, 0), dtype=np.int8) if ref_states is None else np.asarray(ref_states)
    if refs.ndim != 2 or refs.shape[0] != rows:
        raise InputError(f"replica states must be a (rows, n_ref) array with {rows} rows, got shape {refs.shape}")
    n_ref = refs.shape[1]
    if n_ref:
        refs = as_pm1(refs, "replica states")
    if (segment_rows is not None or n_ref) and parasitics is not Parasitics.MESH:
        raise InputError("hierarchical bit lines and in-deck replica columns need mesh wires (--parasitics mesh)")
    segments = None
    if segment_rows is not None:
        if global_ohm_per_pitch is None or tap_ohm is None or global_f_per_pitch is None:
            raise InputError("a segmented bit line needs the global line's R and C per pitch and the tap resistance")
        segments = segment_bounds(rows, segment_rows)
    mtjs = ["xmtj"] if scheme is Scheme.HALF else ["xmtja", "xmtjb"]
    saves = [f"i(vsense{j})" for j in range(cols + n_ref)] + [f"v(sa{j})" for j in range(cols)]
    saves += [f"i(v{drv}{i})" for _, drv in sets for i in range(rows)]
    if save_states:
        saves += [f"v(xc_r{i}_c{j}.{m}.mz)" for m in mtjs for i in range(rows) for j in range(cols)]
    measures = [(f"icol{j}", f"i(vsense{j})", schedule.t_read1) for j in range(cols)]
    pitch = scheme.bit_line_pitch
    wires = {
        "r_wl": tech.wires.r_wl_ohm,
        "c_wl": tech.wires.c_wl_f,
        "r_bl": tech.wires.r_bl_ohm * pitch,
        "c_bl": tech.wires.c_bl_f * pitch,
    }
    context = dict(
        header=_header(tech, schedule),
        scheme=scheme,
        parasitics=parasitics,
        rows=rows,
        cols=cols,
        weights=w.tolist(),
        inputs=x.tolist(),
        pwl_toggle=schedule.pwl_toggle,
        pwl_read=schedule.pwl_read,
        wires=wires,
        r_drv=tech.drivers.r_out_ohm,
        i_ref=reference_current(tech, rows, threshold) if i_ref is None else i_ref,
        schedule=schedule,
        saves=saves,
        measures=measures,
        mtj_lib="models/mtj/mtj_llg.lib.j2",
        osdi=[],
        segments=segments,
        r_tap=tap_ohm or 0.0,
        r_g=(global_ohm_per_pitch or 0.0) * pitch,
        c_g=(global_f_per_pitch or 0.0) * pitch,
        ref_states=refs.tolist() if n_ref else [],
        pwl_ref_wl=[(t, v / tech.operation.v_read_v * tech.access.v_wordline_v) for t, v in schedule.pwl_read],
        **device_context(tech),
    )
    meta = {
        "scheme": scheme,
        "parasitics": parasitics,
        "rows": rows,
        "cols": cols,
        "threshold": threshold,
        "weights": w,
        "inputs": x,
        "drivers": [drv for _, drv in sets],
        "state_vectors": [f"v(xc_r{{i}}_c{{j}}.{m}.mz)" for m in mtjs],
        "n_mtj": rows * cols * len(mtjs),
        "n_transistors": rows * cols * len(mtjs),
        "ref_cols": n_ref,
        "segment_rows": segment_rows,
    }
    return context, schedule, meta


def _values(values: npt.ArrayLike) -> list[str]:
    """Netlist strings of many numbers at once (the vectorised `spice_num`)."""
    arr = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise TemplateError("non-finite number refused by the netlist")
    return [f"{v:.10g}" for v in arr.tolist()]


def render_read_dc(
    net: ArrayNetwork,
    *,
    title: str,
    header: list[str],
    resistors: npt.NDArray[np.int64] | None = None,
    sources: list[tuple[str, int, float]] | None = None,
    saves: list[str] | None = None,
) -> str:
    """The `.op` deck of a read network, or of part of it.

    Args:
        resistors: indices of the resistors to include (default: all).
        sources: (name, node index, volts) of the sources to include (default: the network's).
        saves: vectors to save and print (default: every sense-input current).
    """
    idx = np.arange(len(net.res_ohm)) if resistors is None else np.asarray(resistors)
    names = net.node_names
    if sources is None:
        sources = list(zip(net.src_names, net.src_node.tolist(), net.src_volts.tolist(), strict=True))
    if saves is None:
        saves = [f"i({net.src_names[k].lower()})" for k in net.sense_src]
    res = [
        (net.res_names[k], names[a], names[b], v)
        for k, a, b, v in zip(
            idx.tolist(), net.res_a[idx].tolist(), net.res_b[idx].tolist(), _values(net.res_ohm[idx]), strict=True
        )
    ]
    src = [(n, names[node], v) for (n, node, _), v in zip(sources, _values([s[2] for s in sources]), strict=True)]
    return _render("netlists/sop_read_dc.sp.j2", title=title, header=header, resistors=res, sources=src, saves=saves)


def render_passive_array(tech: Technology, net: ArrayNetwork, *, title: str, lines: list[str]) -> str:
    """The `.op` deck of a passive crossbar network (`crossbar.build_crossbar`).

    Args:
        lines: header lines that describe the operation (selected cell, bias, expected currents).
    """
    if net.scheme != "passive":
        raise TemplateError(f"render_passive_array needs a passive crossbar network, got scheme {net.scheme!r}")
    cells = np.zeros(len(net.res_ohm), dtype=bool)
    cells[net.cell_res["wl"].ravel()] = True
    names, ohms = net.node_names, _values(net.res_ohm)
    elements = [
        (net.res_names[k], names[a], names[b], ohms[k])
        for k, (a, b) in enumerate(zip(net.res_a.tolist(), net.res_b.tolist(), strict=True))
    ]
    header = [f"generated by mramcim {_package_version()}; technology {tech.name} (id {tech_run_id(tech)})", *lines]
    sources = [
        (n, names[node], v)
        for n, node, v in zip(net.src_names, net.src_node.tolist(), _values(net.src_volts), strict=True)
    ]
    return _render(
        "netlists/passive_array.sp.j2",
        title=title,
        header=header,
        cells=[e for e, is_cell in zip(elements, cells, strict=True) if is_cell],
        wires=[e for e, is_cell in zip(elements, cells, strict=True) if not is_cell],
        sources=sources,
        saves=[f"i({net.src_names[k].lower()})" for k in net.sense_src],
    )


MAX_TRIALS_PER_DECK = 256


def render_mtj_trials(
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
    """`trials` independent MTJs under one drive waveform (a Monte-Carlo batch).

    Args:
        kind: "sot" (strip current, A), "stt" (junction current t -> b, A), "vcma" (top-electrode
            voltage, V) or "idle" (no drive).
        drive: PWL points (time s, value) of the drive; ignored for "idle".
        m0: initial state, +1 parallel or -1 antiparallel.
        save_transverse: also save mx and my of every device.
        seed: ngspice `setseed` value for the thermal field (1 .. 2**31 - 1); it also seeds the
            initial states, so a deck is a function of its seed alone.
        thermal_start: start every device from an exact Boltzmann draw in the well of m0
            (`device.thermal_start.boltzmann_start`); default: with the thermal field on. Off: every
            device starts at the tilted equilibrium.
    """
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
    return RenderedNetlist(_render("netlists/mtj_trials.sp.j2", **context), "mtj_trials", make_schedule(tech), meta)


def trials_context(
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
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validated template variables and metadata of a Monte-Carlo trials deck (any simulator);
    arguments as `render_mtj_trials`."""
    kind = parse_option(DriveKind, kind, "drive kind")
    if not 1 <= trials <= MAX_TRIALS_PER_DECK:
        raise InputError(f"trials per deck must be between 1 and {MAX_TRIALS_PER_DECK}, got {trials}")
    if m0 not in (1, -1):
        raise InputError(f"initial state must be +1 or -1, got {m0!r}")
    if not 1 <= seed < 2**31:
        raise InputError(f"seed must be between 1 and {2**31 - 1}, got {seed}")
    if t_stop <= 0:
        raise InputError(f"simulated time must be positive, got {t_stop} s")
    if kind != "idle" and not drive:
        raise InputError(f"a {kind} testbench needs a drive waveform")
    t_step = min(tech.simulation.t_step_s, derive(tech).larmor_period_s / 20)
    if thermal:  # never step across a change of the held thermal field
        t_step = min(t_step, tech.thermal.noise_step_s)
    if thermal_start is None:
        thermal_start = thermal
    starts = None
    if thermal_start:
        m = boltzmann_start(tech, trials, m0, start_seed(seed))
        starts = [(float(x), float(y), abs(float(z))) for x, y, z in m]
    saves = [f"v(xd{k}.mz)" for k in range(trials)]
    if save_transverse:
        saves += [f"v(xd{k}.{c})" for k in range(trials) for c in ("mx", "my")]
    if kind == "sot":
        saves += [f"v(sa{k})" for k in range(trials)]
    elif kind == "stt":
        saves += [f"v(t{k})" for k in range(trials)]
    elif kind == "vcma":
        saves += ["v(top)", "i(vdrive)"]
    context = dict(
        header=_trial_header(tech, kind, thermal, thermal_start),
        kind=kind,
        trials=trials,
        m0=m0,
        drive=drive,
        t_step=t_step,
        t_stop=t_stop,
        seed=seed,
        saves=saves,
        starts=starts,
        **device_context(
            tech, thermal=thermal, sot=kind == "sot", stt=True if kind == "stt" else None, start_params=True
        ),
    )
    meta = {"kind": kind, "trials": trials, "m0": m0, "seed": seed, "t_stop": t_stop, "thermal_start": thermal_start}
    return context, meta


def _trial_header(tech: Technology, kind: str, thermal: bool, thermal_start: bool) -> list[str]:
    start = "Boltzmann draws in the starting well" if thermal_start else "the tilted equilibrium"
    return [
        f"generated by mramcim {_package_version()}; technology {tech.name} (id {tech_run_id(tech)})",
        f"drive: {kind}; temperature {tech.temperature_k:g} K; thermal field {'on' if thermal else 'off'}; "
        f"start: {start}",
    ]


MAX_NEURONS_PER_DECK = 256


def render_neuron_sweep(
    tech: Technology, currents_a: Sequence[float] | npt.NDArray[np.float64], *, t_stop: float, seed: int, thermal: bool
) -> RenderedNetlist:
    """One independent neuron per input current, each stepped on at t = 0 and left to settle.

    Saves every neuron's magnetization (mx, my, mz) and both junction read currents.
    """
    currents = [float(i) for i in currents_a]
    if not 1 <= len(currents) <= MAX_NEURONS_PER_DECK:
        raise InputError(f"a neuron deck holds 1 to {MAX_NEURONS_PER_DECK} input currents, got {len(currents)}")
    if not all(math.isfinite(i) and abs(i) <= 1.0 for i in currents):
        raise InputError("neuron input currents must be finite and at most 1 A in magnitude")
    if not 1 <= seed < 2**31:
        raise InputError(f"seed must be between 1 and {2**31 - 1}, got {seed}")
    if not (math.isfinite(t_stop) and t_stop > 0):
        raise InputError(f"simulated time must be positive, got {t_stop} s")
    ctx = neuron_context(tech, thermal=thermal)
    # resolve the precession in the strongest total field of the sweep
    b_max = abs(ctx["neuron"]["bx"]) + abs(ctx["neuron"]["bk"]) + ctx["neuron"]["kappa"] * max(map(abs, currents))
    t_step = min(tech.simulation.t_step_s, 2 * math.pi / (GAMMA * b_max) / 40)
    if thermal:  # never step across a change of the held thermal field
        t_step = min(t_step, tech.thermal.noise_step_s)
    saves = [f"v(xn{k}.{c})" for k in range(len(currents)) for c in ("mx", "my", "mz")]
    saves += [f"i(v{j}{k})" for k in range(len(currents)) for j in ("z", "x")]
    header = [
        f"generated by mramcim {_package_version()}; technology {tech.name} (id {tech_run_id(tech)})",
        f"temperature {tech.temperature_k:g} K; thermal field {'on' if thermal else 'off'}",
    ]
    text = _render(
        "netlists/neuron_sweep.sp.j2",
        header=header,
        currents=currents,
        v_read=neuron_params(tech).v_read_v,
        t_rise=tech.operation.t_rise_s,
        t_step=t_step,
        t_stop=t_stop,
        seed=seed,
        saves=saves,
        **ctx,
    )
    meta = {"currents_a": currents, "seed": seed, "t_stop": t_stop, "thermal": thermal}
    return RenderedNetlist(text, "neuron_sweep", make_schedule(tech), meta)
