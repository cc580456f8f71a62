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

from mramcim.cellmodel import reference_current
from mramcim.encoding import as_pm1, threshold_popcount
from mramcim.errors import ConfigError, InputError, TemplateError
from mramcim.paths import model_file, template_dir
from mramcim.readnet import PARASITICS, ArrayNetwork, row_line_sets
from mramcim.tech import GAMMA, MU0, NeuronParams, Technology, derive, tech_run_id, thermal_sigma_t
from mramcim.units import spice_ident, spice_num

__all__ = [
    "MAX_CELLS",
    "MAX_COLS",
    "MAX_ROWS",
    "SCHEMES",
    "RenderedNetlist",
    "Schedule",
    "make_schedule",
    "neuron_context",
    "render_array",
    "render_neuron_sweep",
    "render_passive_array",
    "render_read_dc",
    "render_xnor",
]

SCHEMES = ("half", "conventional")
MAX_ROWS = 8192
MAX_COLS = 4096
MAX_CELLS = 784 * 1024
T_START_S = 0.1e-9
STATE_CAP_F = 1e-9  # LLG state capacitors: I = 1 nF * dm/dt keeps currents O(10 A)


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


def _render(template: str, **context: Any) -> str:
    try:
        text = _ENV.get_template(template).render(**context)
    except jinja2.TemplateError as err:
        raise TemplateError(f"cannot render {template}: {err}") from err
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip()) + "\n"


def device_context(
    tech: Technology, *, thermal: bool = False, sot: bool = False, stt: bool | None = None
) -> dict[str, Any]:
    """Numbers the model templates need (SI).

    Args:
        thermal: add the Brown thermal field (TRRANDOM sources) at the technology temperature.
        sot: also define the three-terminal `mtj_sot` subcircuit.
        stt: add the STT torque (default: the technology's `stt.enabled`).
    """
    stt = tech.stt.enabled if stt is None else stt
    d = derive(tech)
    m, a, s = tech.mtj, tech.access, tech.sense
    gp = -GAMMA / (1 + m.alpha**2)
    dt = tech.thermal.noise_step_s
    return {
        "mtj": {
            "cs": STATE_CAP_F,
            "cs_gp": STATE_CAP_F * gp,
            "alpha": m.alpha,
            "bk0": d.bk0_t,
            "bx": m.bias_field_t,
            "inv_vc": 1 / d.v_critical_v,
            "inv_vh2": 1 / m.v_half_v**2,
            "tmr0": m.tmr0,
            "g_p": 1 / d.r_p_ohm,
            "tilt_sin": d.tilt_sin,
            "tilt_cos": math.sqrt(1 - d.tilt_sin**2),
            "th_sigma": thermal_sigma_t(tech, dt) if thermal else 0.0,
            "th_step": dt,
            "stt_per_a": d.stt_t_per_a if stt else 0.0,
            "sot": {
                "dl_per_a": d.sot_dl_t_per_a,
                "fl_ratio": tech.sot.field_like_ratio,
                "r_strip": d.r_strip_ohm,
            }
            if sot
            else None,
        },
        "access": {"vth": a.vth_v, "kp": a.kp_a_per_v2, "w": a.w_m, "l": a.l_m, "v_wl": a.v_wordline_v},
        "sense": {"v_dd": s.v_dd_v, "i_width": s.i_width_a, "offset": s.offset_a},
    }


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
    for name, value, top in (("rows", rows, MAX_ROWS), ("cols", cols, MAX_COLS)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise InputError(f"{name} must be an integer, got {value!r}")
        if not 1 <= value <= top:
            raise InputError(f"{name} must be between 1 and {top}, got {value}")
    if rows * cols > MAX_CELLS:  # type: ignore[operator]
        raise InputError(f"array {rows} x {cols} has more than {MAX_CELLS} cells")
    return int(rows), int(cols)  # type: ignore[arg-type]


def render_xnor(tech: Technology) -> RenderedNetlist:
    """The XNOR cell testbench: four cells, one per (X, W) case, simulated together."""
    schedule = make_schedule(tech)
    cases = [{"x": x, "w": w} for x in (1, -1) for w in (1, -1)]
    n = len(cases)
    saves = [f"v(sa{j})" for j in range(n)] + [f"i(vsense{j})" for j in range(n)]
    saves += [f"v(n{j})" for j in range(n)] + [f"v(rl{j})" for j in range(n)]
    saves += [f"i(vrow{j})" for j in range(n)] + [f"v(xmtj_c{j}.mz)" for j in range(n)]
    measures = [(f"icell{j}", f"i(vsense{j})", schedule.t_read1) for j in range(n)]
    text = _render(
        "netlists/xnor_cell.sp.j2",
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
    return RenderedNetlist(text, "xnor", schedule, {"cases": cases})


def render_array(
    tech: Technology,
    weights: npt.ArrayLike,
    inputs: npt.ArrayLike,
    scheme: str = "half",
    threshold: int | None = None,
    save_states: bool = True,
    parasitics: str = "mesh",
    i_ref: float | None = None,
) -> RenderedNetlist:
    """The sum-of-product array deck with drivers, wires, sensing and a testbench.

    Args:
        weights: (rows, cols) of +-1.
        inputs: (rows,) of +-1.
        scheme: "half" (1 MTJ per weight, VCMA toggle) or "conventional" (complementary pair).
        threshold: popcount at which the sense output turns +1 (default ceil(rows/2)).
        save_states: also save every MTJ's mz (needed to verify the restore).
        parasitics: "none", "lumped" or "mesh" wires (node names as in mramcim.readnet).
        i_ref: comparator reference current (default: the closed form with ideal wires).
    """
    if scheme not in SCHEMES:
        raise ConfigError(f"unknown scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")
    if parasitics not in PARASITICS:
        raise ConfigError(f"unknown parasitics {parasitics!r}; choose one of {', '.join(PARASITICS)}")
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
    mtjs = ["xmtj"] if scheme == "half" else ["xmtja", "xmtjb"]
    saves = [f"i(vsense{j})" for j in range(cols)] + [f"v(sa{j})" for j in range(cols)]
    saves += [f"i(v{drv}{i})" for _, drv in sets for i in range(rows)]
    if save_states:
        saves += [f"v(xc_r{i}_c{j}.{m}.mz)" for m in mtjs for i in range(rows) for j in range(cols)]
    measures = [(f"icol{j}", f"i(vsense{j})", schedule.t_read1) for j in range(cols)]
    pitch = 2 if scheme == "conventional" else 1
    wires = {"r_wl": tech.wires.r_wl_ohm, "c_wl": tech.wires.c_wl_f,
             "r_bl": tech.wires.r_bl_ohm * pitch, "c_bl": tech.wires.c_bl_f * pitch}
    text = _render(
        "netlists/sop_array.sp.j2",
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
    }
    return RenderedNetlist(text, "array", schedule, meta)


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
    res = [(net.res_names[k], names[a], names[b], v) for k, a, b, v in
           zip(idx.tolist(), net.res_a[idx].tolist(), net.res_b[idx].tolist(), _values(net.res_ohm[idx]), strict=True)]
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
    elements = [(net.res_names[k], names[a], names[b], ohms[k])
                for k, (a, b) in enumerate(zip(net.res_a.tolist(), net.res_b.tolist(), strict=True))]
    header = [f"generated by mramcim {_package_version()}; technology {tech.name} (id {tech_run_id(tech)})", *lines]
    sources = [(n, names[node], v) for n, node, v in zip(net.src_names, net.src_node.tolist(), _values(net.src_volts), strict=True)]
    return _render("netlists/passive_array.sp.j2", title=title, header=header,
                   cells=[e for e, is_cell in zip(elements, cells, strict=True) if is_cell],
                   wires=[e for e, is_cell in zip(elements, cells, strict=True) if not is_cell],
                   sources=sources, saves=[f"i({net.src_names[k].lower()})" for k in net.sense_src])

TRIAL_KINDS = ("sot", "stt", "vcma", "idle")
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
) -> RenderedNetlist:
    """`trials` independent MTJs under one drive waveform (a Monte-Carlo batch).

    Args:
        kind: "sot" (strip current, A), "stt" (junction current t -> b, A), "vcma" (top-electrode
            voltage, V) or "idle" (no drive).
        drive: PWL points (time s, value) of the drive; ignored for "idle".
        m0: initial state, +1 parallel or -1 antiparallel.
        save_transverse: also save mx and my of every device.
        seed: ngspice `setseed` value for the thermal field (1 .. 2**31 - 1).
    """
    if kind not in TRIAL_KINDS:
        raise ConfigError(f"unknown drive kind {kind!r}; choose one of {', '.join(TRIAL_KINDS)}")
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
    saves = [f"v(xd{k}.mz)" for k in range(trials)]
    if save_transverse:
        saves += [f"v(xd{k}.{c})" for k in range(trials) for c in ("mx", "my")]
    if kind == "sot":
        saves += [f"v(sa{k})" for k in range(trials)]
    elif kind == "stt":
        saves += [f"v(t{k})" for k in range(trials)]
    elif kind == "vcma":
        saves += ["v(top)", "i(vdrive)"]
    text = _render(
        "netlists/mtj_trials.sp.j2",
        header=_trial_header(tech, kind, thermal),
        kind=kind,
        trials=trials,
        m0=m0,
        drive=drive,
        t_step=t_step,
        t_stop=t_stop,
        seed=seed,
        saves=saves,
        **device_context(tech, thermal=thermal, sot=kind == "sot", stt=True if kind == "stt" else None),
    )
    meta = {"kind": kind, "trials": trials, "m0": m0, "seed": seed, "t_stop": t_stop}
    return RenderedNetlist(text, "mtj_trials", make_schedule(tech), meta)


def _trial_header(tech: Technology, kind: str, thermal: bool) -> list[str]:
    return [
        f"generated by mramcim {_package_version()}; technology {tech.name} (id {tech_run_id(tech)})",
        f"drive: {kind}; temperature {tech.temperature_k:g} K; thermal field {'on' if thermal else 'off'}",
    ]


MAX_NEURONS_PER_DECK = 256


def neuron_params(tech: Technology) -> NeuronParams:
    """The technology's neuron section, or a clear error when it has none."""
    if tech.neuron is None:
        raise ConfigError(f"technology {tech.name} has no `neuron:` section (see models/default_tech.yaml)")
    return tech.neuron


def neuron_context(tech: Technology, *, thermal: bool) -> dict[str, Any]:
    """Numbers the neuron model template needs (SI); kappa = mu0/(2 r_loop) [T/A]."""
    n = neuron_params(tech)
    free_layer = device_context(tech, thermal=thermal)["mtj"]  # same free layer and junction as the MTJ model
    shared = ("cs", "cs_gp", "alpha", "tmr0", "inv_vh2", "g_p", "th_sigma", "th_step")
    return {
        "neuron": {k: free_layer[k] for k in shared}
        | {"bx": n.bias_field_t, "bk": n.anisotropy_field_t, "kappa": MU0 / (2 * n.loop_radius_m), "r_line": n.line_resistance_ohm}
    }


def render_neuron_sweep(tech: Technology, currents_a: Sequence[float], *, t_stop: float, seed: int,
                        thermal: bool) -> RenderedNetlist:
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
    text = _render("netlists/neuron_sweep.sp.j2", header=header, currents=currents, v_read=neuron_params(tech).v_read_v,
                   t_rise=tech.operation.t_rise_s, t_step=t_step, t_stop=t_stop, seed=seed, saves=saves, **ctx)
    meta = {"currents_a": currents, "seed": seed, "t_stop": t_stop, "thermal": thermal}
    return RenderedNetlist(text, "neuron_sweep", make_schedule(tech), meta)
