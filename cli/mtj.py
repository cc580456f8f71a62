"""`mramcim mtj ...`: device characterization commands, and `mramcim bench mtj`."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import click
from mramcim.cli.common import _echo_json, _save, _tech, json_option, tech_option

MODELS = ("llg", "twostate")


def parse_values(text: str, name: str, scale: float, *, positive: bool = True) -> list[float]:
    """'1.0' -> [1.0]; '0.5,0.9,1.3' -> list; '0.5:1.3:9' -> 9 evenly spaced values. Times `scale`.
    Values must be finite, and positive unless `positive` is False."""
    import numpy as np

    from mramcim.errors import InputError

    try:
        if ":" in text:
            lo, hi, n = text.split(":")
            if int(n) < 1:
                raise ValueError("count must be >= 1")
            values = np.linspace(float(lo), float(hi), int(n)).tolist()
        else:
            values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError as err:
        raise InputError(f"{name}: cannot read {text!r} as a value, a comma list or lo:hi:count ({err})") from None
    if not values:
        raise InputError(f"{name}: no values given")
    bad = [v for v in values if not np.isfinite(v) or (positive and v <= 0)]
    if bad:
        raise InputError(f"{name} must be {'positive' if positive else 'finite'}, got {bad[0]:g}")
    return [v * scale for v in values]


def _mc_options(func: Any) -> Any:
    func = click.option("--seed", type=int, default=0, show_default=True, help="Master seed (same seed, same result).")(func)
    func = click.option("--workers", type=int, default=None, help="Parallel ngspice processes (default: CPU count).")(func)
    func = click.option("--no-cache", is_flag=True, help="Re-simulate even when a cached result exists.")(func)
    return func


def _out_option(name: str) -> Any:
    return click.option("--out", "out_dir", type=click.Path(file_okay=False), default=f"results/mtj-{name}",
                        show_default=True, help="Output folder for JSON + NPZ + PNG.")


def _model_options(func: Any) -> Any:
    func = click.option("--mtj-model", type=click.Choice(MODELS), default="llg", show_default=True,
                        help="llg: ngspice macrospin; twostate: calibrated statistical model.")(func)
    func = click.option("--calibration", type=click.Path(dir_okay=False),
                        help="twostate: JSON from an LLG sweep (switch.json / toggle.json).")(func)
    return func


def _mc(seed: int, workers: int | None, no_cache: bool) -> Any:
    from mramcim.errors import InputError
    from mramcim.montecarlo import default_cache_dir
    from mramcim.mtjchar import McOptions

    if seed < 0:
        raise InputError(f"seed must be >= 0, got {seed}")
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n < 1:
        raise InputError(f"workers must be at least 1, got {n}")
    err = click.get_text_stream("stderr")
    state = {"shown": -1}

    def progress(done: int, total: int) -> None:
        percent = 100 * done // total
        if err.isatty():
            click.echo(f"\r  trials {done}/{total} ({percent} %)", nl=done >= total, err=True)
        elif percent // 25 > state["shown"]:
            state["shown"] = percent // 25
            click.echo(f"  trials {done}/{total} ({percent} %)", err=True)

    return McOptions(seed=seed, workers=n, cache=None if no_cache else default_cache_dir(), progress=progress)


def _publish(out_dir: str, name: str, payload: dict[str, Any], arrays: dict[str, Any], plot: Any,
             as_json: bool, echo_skip: tuple[str, ...] = ()) -> Path | None:
    """Write JSON + NPZ + PNG; with --json print the record and return None (nothing more to say)."""
    out = _save(out_dir, name, payload, arrays, plot)
    if not as_json:
        return out
    _echo_json({**{k: v for k, v in payload.items() if k not in echo_skip}, "out": str(out)})
    return None


def _provenance(tech: Any, seed: int, model: str, command: str) -> dict[str, Any]:
    from mramcim.flows import provenance

    return {**provenance(tech), "seed": seed, "mtj_model": model, "command": command}


@click.group()
def mtj() -> None:
    """MTJ device characterization (LLG macrospin in ngspice, or the two-state model)."""


@mtj.command("precession")
@click.option("--field-mT", "field_mt", type=float, default=20.0, show_default=True, help="In-plane bias field.")
@_out_option("precession")
@tech_option
@json_option
def precession_cmd(field_mt: float, out_dir: str, tech_file: str | None, as_json: bool) -> None:
    """Precession frequency and half period from a simulated VCMA toggle (anisotropy cancelled).

    \b
    Example: mramcim mtj precession --field-mT 20
    """
    from mramcim.errors import InputError
    from mramcim.mtjchar import precession
    from mramcim.report.plots import plot_precession

    if not field_mt > 0:
        raise InputError(f"field must be positive, got {field_mt:g} mT")
    t = _tech(tech_file)
    res = precession(t, field_mt * 1e-3)
    res["provenance"] = _provenance(t, 0, "llg", "mtj precession")
    out = _publish(out_dir, "precession", res, res["waveform"], plot_precession, as_json, ("waveform",))
    if out is None:
        return
    click.echo(f"precession at {field_mt:g} mT: f = {res['frequency_hz'] / 1e9:.4f} GHz "
               f"(theory {res['frequency_theory_hz'] / 1e9:.4f} GHz, error {res['relative_error'] * 100:+.3f} %)")
    click.echo(f"  half period {res['half_period_s'] * 1e9:.4f} ns (theory {res['half_period_theory_s'] * 1e9:.4f} ns)")
    click.echo(f"  wrote {out}/precession.json, .npz, .png")


@mtj.command("toggle")
@click.option("--vcma-v", "vcma_v", default="1.0", show_default=True, help="Pulse amplitude [V]; list or lo:hi:n sweeps.")
@click.option("--width-ns", default="0.85", show_default=True, help="Flat-top width [ns]; list or lo:hi:n sweeps.")
@click.option("--trials", type=int, default=64, show_default=True, help="Monte-Carlo trials per point.")
@_model_options
@_mc_options
@_out_option("toggle")
@tech_option
@json_option
def toggle_cmd(vcma_v: str, width_ns: str, trials: int, mtj_model: str, calibration: str | None, seed: int,
               workers: int | None, no_cache: bool, out_dir: str, tech_file: str | None, as_json: bool) -> None:
    """VCMA toggle probability with its 95 % interval; a sweep gives the toggle-error map.

    \b
    Examples:
      mramcim mtj toggle --vcma-v 1.0 --width-ns 0.85 --trials 200
      mramcim mtj toggle --vcma-v 0.9,1.0,1.1 --width-ns 0.3:1.5:7 --trials 64 --out results/toggle
    """
    from mramcim import twostate
    from mramcim.mtjchar import toggle_sweep
    from mramcim.report.plots import plot_toggle

    volts = parse_values(vcma_v, "--vcma-v", 1.0)
    widths = parse_values(width_ns, "--width-ns", 1e-9)
    t = _tech(tech_file)
    mc = _mc(seed, workers, no_cache)
    if mtj_model == "llg":
        res = toggle_sweep(t, volts, widths, trials, mc)
    else:
        res = twostate.toggle_sweep(t, calibration, volts, widths, trials, seed)
    res["provenance"] = _provenance(t, seed, mtj_model, "mtj toggle")
    out = _publish(out_dir, "toggle", res, {"voltages_v": volts, "widths_s": widths, "p_toggle": res["p_toggle"]},
                   plot_toggle, as_json)
    if out is None:
        return
    click.echo(f"VCMA toggle ({mtj_model}, {trials} trials/point, seed {seed}); half period "
               f"{res['half_period_s'] * 1e9:.3f} ns, Vc {res['v_critical_v']:.3f} V")
    for i, v in enumerate(volts):
        for j, w in enumerate(widths):
            c = res["points"][i][j]
            click.echo(f"  {v:6.3f} V  {w * 1e9:6.3f} ns : P_toggle {c['p']:.3f}  [{c['ci95'][0]:.3f}, {c['ci95'][1]:.3f}]")
    click.echo(f"  wrote {out}/toggle.json, .npz, .png")


@mtj.command("switch")
@click.option("--mode", type=click.Choice(["sot", "stt"]), default="sot", show_default=True)
@click.option("--current-ua", default="500", show_default=True, help="Current magnitude [uA]; list or lo:hi:n.")
@click.option("--width-ns", default="2", show_default=True, help="Flat-top width [ns]; list or lo:hi:n.")
@click.option("--from", "from_state", type=click.Choice(["p", "ap"]), default="p", show_default=True,
              help="Initial state; the current polarity is the one that switches away from it.")
@click.option("--trials", type=int, default=64, show_default=True, help="Monte-Carlo trials per point.")
@_model_options
@_mc_options
@_out_option("switch")
@tech_option
@json_option
def switch_cmd(mode: str, current_ua: str, width_ns: str, from_state: str, trials: int, mtj_model: str,
               calibration: str | None, seed: int, workers: int | None, no_cache: bool, out_dir: str,
               tech_file: str | None, as_json: bool) -> None:
    """Switching probability P_sw with its interval and write energy; a sweep gives the P_sw(I, t)
    surface and the fitted Delta and Ic0.

    \b
    Examples:
      mramcim mtj switch --mode sot --current-ua 450 --width-ns 2 --trials 200
      mramcim mtj switch --mode sot --current-ua 300:700:5 --width-ns 1,2,4 --out results/sot
      mramcim mtj switch --mtj-model twostate --calibration results/sot/switch.json --current-ua 500
    """
    from mramcim import twostate
    from mramcim.mtjchar import switch_sweep
    from mramcim.report.plots import plot_switch

    currents = parse_values(current_ua, "--current-ua", 1e-6)
    widths = parse_values(width_ns, "--width-ns", 1e-9)
    t = _tech(tech_file)
    m0 = 1 if from_state == "p" else -1
    mc = _mc(seed, workers, no_cache)
    if mtj_model == "llg":
        res = switch_sweep(t, mode, currents, widths, trials, m0, mc)
    else:
        res = twostate.switch_sweep(t, mode, calibration, currents, widths, trials, m0, seed)
    res["provenance"] = _provenance(t, seed, mtj_model, "mtj switch")
    arrays = {"currents_a": currents, "widths_s": widths, "p_switch": res["p_switch"], "energy_j": res["energy_j"]}
    out = _publish(out_dir, "switch", res, arrays, plot_switch, as_json)
    if out is None:
        return
    click.echo(f"{mode.upper()} switching from {res['from_state']} ({mtj_model}, {trials} trials/point, seed {seed})")
    for i, cur in enumerate(currents):
        for j, w in enumerate(widths):
            c = res["points"][i][j]
            click.echo(f"  {cur * 1e6:8.1f} uA  {w * 1e9:6.3f} ns : P_sw {c['p']:.3f}  "
                       f"[{c['ci95'][0]:.3f}, {c['ci95'][1]:.3f}]  energy {c['energy_j'] * 1e15:8.2f} fJ")
    a = res["analytic"]
    click.echo(f"  analytic: Delta {a['delta']:.1f}, Ic0 {a['ic0_a'] * 1e6:.1f} uA")
    if "fit" in res:
        f = res["fit"]
        click.echo(f"  fitted:   Delta {f['delta']:.1f}, Ic0 {f['ic0_a'] * 1e6:.1f} uA")
    click.echo(f"  wrote {out}/switch.json, .npz, .png")


@mtj.command("retention")
@click.option("--temperature", type=float, default=300.0, show_default=True, help="Temperature [K].")
@click.option("--trials", type=int, default=32, show_default=True, help="Trials when the dwell time is simulable.")
@_mc_options
@_out_option("retention")
@tech_option
@json_option
def retention_cmd(temperature: float, trials: int, seed: int, workers: int | None, no_cache: bool, out_dir: str,
                  tech_file: str | None, as_json: bool) -> None:
    """Thermal stability Delta and mean dwell time (simulated where it is short enough to watch).

    \b
    Example: mramcim mtj retention --temperature 350
    """
    from mramcim.errors import InputError
    from mramcim.mtjchar import retention, retention_curve
    from mramcim.report.plots import plot_retention

    if not temperature > 0:
        raise InputError(f"temperature must be positive, got {temperature:g} K")
    t = _tech(tech_file)
    res = retention(t, temperature, trials, _mc(seed, workers, no_cache))
    res["curve"] = retention_curve(t, [max(temperature * f, 1.0) for f in (0.6, 0.8, 1.0, 1.25, 1.6, 2.0)])
    res["provenance"] = _provenance(t, seed, "llg", "mtj retention")
    out = _publish(out_dir, "retention", res, res["curve"], plot_retention, as_json)
    if out is None:
        return
    click.echo(f"retention at {temperature:g} K: Delta {res['delta_bias']:.1f} (under the bias field; "
               f"{res['delta0']:.1f} without), tau0 {res['tau0_s'] * 1e9:.3f} ns")
    click.echo(f"  Neel-Brown mean dwell time {res['tau_theory_s']:.3g} s")
    if res["simulated"]:
        lo, hi = res["tau_sim_ci95_s"]
        click.echo(f"  simulated: {res['tau_sim_s']:.3g} s [{lo:.3g}, {hi:.3g}] from {res['trials']} trials")
    else:
        click.echo("  (too long to simulate; the value is the thermal-activation law)")
    click.echo(f"  wrote {out}/retention.json, .npz, .png")


@click.command("mtj")
@click.option("--trials", type=int, default=32, show_default=True, help="Trials per measurement.")
@tech_option
@json_option
def bench_mtj(trials: int, tech_file: str | None, as_json: bool) -> None:
    """LLG transients per second per core, 1 vs 2 workers, and the two-state model's rate.

    \b
    Example: mramcim bench mtj --trials 64
    """
    from mramcim.errors import InputError
    from mramcim.mtjchar import McOptions, switch_sweep
    from mramcim.tech import derive
    from mramcim.twostate import load_switching_law, sample

    if trials < 2:
        raise InputError(f"--trials must be at least 2, got {trials}")
    t = _tech(tech_file)
    current, width = 1.2 * derive(t).i_sot_critical_a, 2e-9
    rates = {}
    for workers in (1, 2):
        start = time.perf_counter()
        switch_sweep(t, "sot", [current], [width], trials, 1, McOptions(seed=workers, workers=workers))
        rates[workers] = trials / (time.perf_counter() - start)
    law, _ = load_switching_law(t, "sot", None)
    start = time.perf_counter()
    n_fast = 200_000
    sample(float(law.p_switch(current, width)), n_fast, 0)
    fast = n_fast / (time.perf_counter() - start)
    result = {
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
    if as_json:
        _echo_json(result)
        return
    click.echo(f"LLG SOT point ({current * 1e6:.0f} uA, 2 ns, {trials} trials, 300 K thermal field):")
    click.echo(f"  1 worker : {rates[1]:8.2f} transients/s")
    click.echo(f"  2 workers: {rates[2]:8.2f} transients/s  (scaling x{rates[2] / rates[1]:.2f})")
    click.echo(f"  a 1,000-trial P_sw point: {1000 / rates[2]:.0f} s with 2 workers")
    click.echo(f"two-state model: {fast:.3g} trials/s ({fast / rates[1]:.3g} x the LLG deck per core)")
