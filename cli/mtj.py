"""`mramcim mtj ...`: device characterization commands (LLG macrospin in ngspice, or the two-state model)."""

from __future__ import annotations

from typing import Any

import click
from mramcim.cli.common import (
    choice,
    count_progress,
    json_option,
    load_tech,
    out_option,
    run_info,
    scheduler_option,
    show,
    simulator_option,
    tech_option,
)

from mramcim.options import MtjModel, SwitchMode


def _mc_options(func: Any) -> Any:
    func = click.option("--seed", type=int, default=0, show_default=True, help="Master seed (same seed, same result).")(
        func
    )
    func = click.option("--workers", type=int, default=None, help="Parallel ngspice processes (default: CPU count).")(
        func
    )
    func = click.option("--no-cache", is_flag=True, help="Re-simulate even when a cached result exists.")(func)
    return scheduler_option(simulator_option(func))


def _model_options(func: Any) -> Any:
    func = click.option(
        "--mtj-model",
        type=choice(MtjModel),
        default="llg",
        show_default=True,
        help="llg: ngspice macrospin; twostate: calibrated statistical model.",
    )(func)
    func = click.option(
        "--calibration",
        type=click.Path(dir_okay=False),
        help="twostate: SOT switching: a calibration from `mtj calibrate-sot` (default: the packaged one); "
        "STT: switch.json of an LLG sweep with a fitted law (default: the analytic law); toggle: toggle.json.",
    )(func)
    return func


def _mc(seed: int, workers: int | None, no_cache: bool, simulator: str, scheduler: str | None) -> Any:
    from mramcim.characterize.mtj import mc_options

    return mc_options(
        seed=seed,
        workers=workers,
        cache=not no_cache,
        progress=count_progress("trials"),
        simulator=simulator,
        scheduler=scheduler,
    )


@click.group()
def mtj() -> None:
    """MTJ device characterization (LLG macrospin in ngspice, or the two-state model)."""


@mtj.command("precession")
@click.option("--field-mT", "field_mt", type=float, default=20.0, show_default=True, help="In-plane bias field.")
@click.option(
    "--t-step-ps",
    type=float,
    default=None,
    help="Maximum time step [ps] (default: the technology's, refined to 1/20 of the half period at the field).",
)
@simulator_option
@out_option("results/mtj-precession", "Output folder for JSON + NPZ + PNG.")
@tech_option
@json_option
def precession_cmd(
    field_mt: float, t_step_ps: float | None, simulator: str, out_dir: str, tech_file: str | None, as_json: bool
) -> None:
    """Precession frequency and half period from a simulated VCMA toggle (anisotropy cancelled).

    \b
    Examples:
      mramcim mtj precession --field-mT 20
      mramcim mtj precession --field-mT 50 --t-step-ps 2
      mramcim mtj precession --simulator vacask
    """
    from mramcim.characterize.mtj import precession

    t = load_tech(tech_file)
    step = None if t_step_ps is None else t_step_ps * 1e-12
    show(precession(t, field_mt * 1e-3, step, simulator), as_json=as_json, out_dir=out_dir, run=run_info(t, 0))


@mtj.command("toggle")
@click.option(
    "--vcma-v", "vcma_v", default="1.0", show_default=True, help="Pulse amplitude [V]; list or lo:hi:n sweeps."
)
@click.option("--width-ns", default="0.85", show_default=True, help="Flat-top width [ns]; list or lo:hi:n sweeps.")
@click.option("--trials", type=int, default=64, show_default=True, help="Monte-Carlo trials per point.")
@_model_options
@_mc_options
@out_option("results/mtj-toggle", "Output folder for JSON + NPZ + PNG.")
@tech_option
@json_option
def toggle_cmd(
    vcma_v: str,
    width_ns: str,
    trials: int,
    mtj_model: str,
    calibration: str | None,
    seed: int,
    workers: int | None,
    no_cache: bool,
    simulator: str,
    scheduler: str | None,
    out_dir: str,
    tech_file: str | None,
    as_json: bool,
) -> None:
    """VCMA toggle probability with its 95 % interval; a sweep gives the toggle-error map.

    \b
    Examples:
      mramcim mtj toggle --vcma-v 1.0 --width-ns 0.85 --trials 200
      mramcim mtj toggle --vcma-v 0.9,1.0,1.1 --width-ns 0.3:1.5:7 --trials 64 --out results/toggle
    """
    from mramcim.characterize.mtj import toggle_study
    from mramcim.units import parse_values

    t = load_tech(tech_file)
    volts, widths = parse_values(vcma_v, "--vcma-v", 1.0), parse_values(width_ns, "--width-ns", 1e-9)
    res = toggle_study(
        t,
        model=mtj_model,
        calibration=calibration,
        voltages=volts,
        widths=widths,
        trials=trials,
        mc=_mc(seed, workers, no_cache, simulator, scheduler),
    )
    show(res, as_json=as_json, out_dir=out_dir, run=run_info(t, seed))


@mtj.command("switch")
@click.option("--mode", type=choice(SwitchMode), default="sot", show_default=True)
@click.option(
    "--current-ua",
    default="200",
    show_default=True,
    help="Current magnitude [uA], >= 0 (0: thermal only); list or lo:hi:n.",
)
@click.option("--width-ns", default="2", show_default=True, help="Flat-top width [ns]; list or lo:hi:n.")
@click.option(
    "--from",
    "from_state",
    type=click.Choice(["p", "ap"]),
    default="p",
    show_default=True,
    help="Initial state; the current polarity is the one that switches away from it.",
)
@click.option("--trials", type=int, default=64, show_default=True, help="Monte-Carlo trials per point.")
@click.option(
    "--zero-temperature",
    is_flag=True,
    help="LLG at T = 0: no thermal field, devices start at the tilted equilibrium (one device per point).",
)
@_model_options
@_mc_options
@out_option("results/mtj-switch", "Output folder for JSON + NPZ + PNG.")
@tech_option
@json_option
def switch_cmd(
    mode: str,
    current_ua: str,
    width_ns: str,
    from_state: str,
    trials: int,
    zero_temperature: bool,
    mtj_model: str,
    calibration: str | None,
    seed: int,
    workers: int | None,
    no_cache: bool,
    simulator: str,
    scheduler: str | None,
    out_dir: str,
    tech_file: str | None,
    as_json: bool,
) -> None:
    """Switching probability P_sw with its interval and write energy; a sweep gives the P_sw(I, t)
    surface (STT: and the fitted Neel-Brown Delta and Ic0). SOT pulses rise as the technology's
    write path sets (docs/physics.md sec. 4); the two-state SOT model is the calibrated table.

    \b
    Examples:
      mramcim mtj switch --mode sot --current-ua 180 --width-ns 2 --trials 200
      mramcim mtj switch --mode sot --current-ua 120:500:39 --width-ns 1,2 --zero-temperature
      mramcim mtj switch --mode sot --current-ua 0 --width-ns 10 --trials 32
      mramcim mtj switch --mtj-model twostate --current-ua 150:200:6 --width-ns 10
    """
    from mramcim.characterize.mtj import switch_study
    from mramcim.units import parse_values

    t = load_tech(tech_file)
    currents = parse_values(current_ua, "--current-ua", 1e-6, positive=False)
    widths = parse_values(width_ns, "--width-ns", 1e-9)
    res = switch_study(
        t,
        model=mtj_model,
        calibration=calibration,
        mode=mode,
        currents=currents,
        widths=widths,
        trials=trials,
        m0=1 if from_state == "p" else -1,
        mc=_mc(seed, workers, no_cache, simulator, scheduler),
        zero_temperature=zero_temperature,
    )
    show(res, as_json=as_json, out_dir=out_dir, run=run_info(t, seed))


@mtj.command("retention")
@click.option("--temperature", type=float, default=300.0, show_default=True, help="Temperature [K].")
@click.option("--trials", type=int, default=32, show_default=True, help="Trials when the dwell time is simulable.")
@_mc_options
@out_option("results/mtj-retention", "Output folder for JSON + NPZ + PNG.")
@tech_option
@json_option
def retention_cmd(
    temperature: float,
    trials: int,
    seed: int,
    workers: int | None,
    no_cache: bool,
    simulator: str,
    scheduler: str | None,
    out_dir: str,
    tech_file: str | None,
    as_json: bool,
) -> None:
    """Thermal stability Delta and mean dwell time (simulated where it is short enough to watch).

    \b
    Example: mramcim mtj retention --temperature 350
    """
    from mramcim.characterize.mtj import retention

    t = load_tech(tech_file)
    show(
        retention(t, temperature, trials, _mc(seed, workers, no_cache, simulator, scheduler)),
        as_json=as_json,
        out_dir=out_dir,
        run=run_info(t, seed),
    )


@mtj.command("calibrate-sot")
@click.option(
    "--currents-ua", default="110:250:11", show_default=True, help="Strip currents [uA]: list or lo:hi:n (>= 3)."
)
@click.option("--widths-ns", default="2,5,10", show_default=True, help="Flat-top widths [ns]: list or lo:hi:n.")
@click.option("--rises-ps", default="40,100,200", show_default=True, help="Current rise times [ps]: list or lo:hi:n.")
@click.option("--trials", type=int, default=32, show_default=True, help="Thermalised LLG trials per grid point.")
@click.option(
    "--merge",
    "merge",
    type=click.Path(dir_okay=False),
    multiple=True,
    help="Pool with an earlier calibration of the same grid and device (another seed); repeatable.",
)
@click.option(
    "--variation-trials",
    type=int,
    default=0,
    show_default=True,
    help="Also measure the area shift (device variation): paired trials per point at diameters 1 +- 2 sigma.",
)
@click.option("--variation-width-ns", type=float, default=10.0, show_default=True, help="Width of those pulses.")
@click.option("--variation-seed", type=int, default=2016, show_default=True, help="Master seed of that measurement.")
@_mc_options
@out_option("results/sot-calibration", "Output folder: sot-calibration.json (the calibration file), .npz, .png.")
@tech_option
@json_option
def calibrate_sot_cmd(
    currents_ua: str,
    widths_ns: str,
    rises_ps: str,
    trials: int,
    merge: tuple[str, ...],
    variation_trials: int,
    variation_width_ns: float,
    variation_seed: int,
    seed: int,
    workers: int | None,
    no_cache: bool,
    simulator: str,
    scheduler: str | None,
    out_dir: str,
    tech_file: str | None,
    as_json: bool,
) -> None:
    """SOT switching calibration P_sw(I, width, rise) from thermalised LLG Monte-Carlo: counts, 95 %
    intervals and per-(width, rise) cloglog fits; the JSON is what --calibration, training and
    approximate storage load (the packaged default: models/calibration/sot_default.json).

    \b
    Examples:
      mramcim mtj calibrate-sot --trials 32 --seed 1616 --out results/cal1616
      mramcim mtj calibrate-sot --trials 32 --seed 1617 --merge results/cal1616/sot-calibration.json \\
          --variation-trials 64 --out results/sot-calibration
    """
    from mramcim.characterize.sot_calibration import VariationPlan, calibrate_sot
    from mramcim.units import parse_values

    t = load_tech(tech_file)
    run = run_info(t, seed)
    mc = _mc(seed, workers, no_cache, simulator, scheduler)
    plan = None
    if variation_trials:
        plan = VariationPlan(trials=variation_trials, width_s=variation_width_ns * 1e-9, seed=variation_seed)
    res = calibrate_sot(
        t,
        currents_a=parse_values(currents_ua, "--currents-ua", 1e-6),
        widths_s=parse_values(widths_ns, "--widths-ns", 1e-9),
        rises_s=parse_values(rises_ps, "--rises-ps", 1e-12),
        trials=trials,
        seed=seed,
        workers=mc.workers,
        cache=mc.cache,
        merge=merge,
        variation=plan,
        simulator=mc.simulator,
        scheduler=mc.scheduler,
        progress=mc.progress,
        command=" ".join(run.argv),
    )
    show(res, as_json=as_json, out_dir=out_dir, run=run)
