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
    return scheduler_option(func)


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
        help="twostate: JSON from an LLG sweep (switch.json / toggle.json).",
    )(func)
    return func


def _mc(seed: int, workers: int | None, no_cache: bool, scheduler: str | None) -> Any:
    from mramcim.characterize.mtj import mc_options

    return mc_options(
        seed=seed, workers=workers, cache=not no_cache, scheduler=scheduler, progress=count_progress("trials")
    )


@click.group()
def mtj() -> None:
    """MTJ device characterization (LLG macrospin in ngspice, or the two-state model)."""


@mtj.command("precession")
@click.option("--field-mT", "field_mt", type=float, default=20.0, show_default=True, help="In-plane bias field.")
@out_option("results/mtj-precession", "Output folder for JSON + NPZ + PNG.")
@tech_option
@json_option
def precession_cmd(field_mt: float, out_dir: str, tech_file: str | None, as_json: bool) -> None:
    """Precession frequency and half period from a simulated VCMA toggle (anisotropy cancelled).

    \b
    Example: mramcim mtj precession --field-mT 20
    """
    from mramcim.characterize.mtj import precession

    t = load_tech(tech_file)
    show(precession(t, field_mt * 1e-3), as_json=as_json, out_dir=out_dir, run=run_info(t, 0))


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
        mc=_mc(seed, workers, no_cache, scheduler),
    )
    show(res, as_json=as_json, out_dir=out_dir, run=run_info(t, seed))


@mtj.command("switch")
@click.option("--mode", type=choice(SwitchMode), default="sot", show_default=True)
@click.option("--current-ua", default="500", show_default=True, help="Current magnitude [uA]; list or lo:hi:n.")
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
    mtj_model: str,
    calibration: str | None,
    seed: int,
    workers: int | None,
    no_cache: bool,
    scheduler: str | None,
    out_dir: str,
    tech_file: str | None,
    as_json: bool,
) -> None:
    """Switching probability P_sw with its interval and write energy; a sweep gives the P_sw(I, t)
    surface and the fitted Delta and Ic0.

    \b
    Examples:
      mramcim mtj switch --mode sot --current-ua 450 --width-ns 2 --trials 200
      mramcim mtj switch --mode sot --current-ua 300:700:5 --width-ns 1,2,4 --out results/sot
      mramcim mtj switch --mtj-model twostate --calibration results/sot/switch.json --current-ua 500
    """
    from mramcim.characterize.mtj import switch_study
    from mramcim.units import parse_values

    t = load_tech(tech_file)
    currents, widths = parse_values(current_ua, "--current-ua", 1e-6), parse_values(width_ns, "--width-ns", 1e-9)
    res = switch_study(
        t,
        model=mtj_model,
        calibration=calibration,
        mode=mode,
        currents=currents,
        widths=widths,
        trials=trials,
        m0=1 if from_state == "p" else -1,
        mc=_mc(seed, workers, no_cache, scheduler),
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
        retention(t, temperature, trials, _mc(seed, workers, no_cache, scheduler)),
        as_json=as_json,
        out_dir=out_dir,
        run=run_info(t, seed),
    )
