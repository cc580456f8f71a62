"""Characterization commands: characterize array, characterize neuron, compare-schemes."""

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
    say,
    show,
    tech_option,
    with_neuron_options,
    workers_default,
)

from mramcim.options import Corner, Engine, Parasitics, Reference, Scheme


def _read_options(func: Any) -> Any:
    for option in reversed(
        [
            click.option("--rows", type=int, required=True, help="Rows (fan-in), e.g. 784."),
            click.option("--cols", type=int, default=8, show_default=True, help="Columns per simulated array."),
            click.option("--parasitics", type=choice(Parasitics), default="mesh", show_default=True),
            click.option("--reference", type=choice(Reference), default="replica", show_default=True),
            click.option("--corner", type=choice(Corner), default="tt", show_default=True),
            click.option(
                "--threshold", type=int, default=None, help="Popcount where the output turns +1 (default ceil(rows/2))."
            ),
            click.option("--mc", type=int, default=20, show_default=True, help="Monte-Carlo samples."),
            click.option("--seed", type=int, default=0, show_default=True),
            click.option(
                "--toggle-map",
                type=click.Path(dir_okay=False),
                help="toggle.json from `mtj toggle` (default: packaged LLG map).",
            ),
            click.option("--no-toggle-errors", is_flag=True, help="Ideal VCMA toggles."),
            tech_option,
        ]
    ):
        func = option(func)
    return func


@click.group()
def characterize() -> None:
    """Extract transfer characteristics from simulation."""


@characterize.command("array")
@_read_options
@click.option("--scheme", type=choice(Scheme, Scheme.active()), default="half", show_default=True)
@click.option(
    "--engine",
    type=choice(Engine),
    default="scipy",
    show_default=True,
    help="DC read solver (ngspice: partitioned decks, slower).",
)
@click.option(
    "--points",
    type=int,
    default=None,
    help="Popcounts to sample (default: all up to 64 rows, else 33 plus threshold +- 8).",
)
@click.option("--no-variation", is_flag=True, help="Nominal devices and no sense offset.")
@out_option()
@json_option
def characterize_array_cmd(
    rows: int,
    cols: int,
    parasitics: str,
    reference: str,
    corner: str,
    threshold: int | None,
    mc: int,
    seed: int,
    toggle_map: str | None,
    no_toggle_errors: bool,
    tech_file: str | None,
    scheme: str,
    engine: str,
    points: int | None,
    no_variation: bool,
    out_dir: str,
    as_json: bool,
) -> None:
    """Monte-Carlo transfer characteristic: per popcount, the column-current distribution and
    P(sense = +1), with device variation, sense offset, toggle errors and wire IR drop.

    Writes transfer.json (the file `train --hardware` reads), transfer.npz and transfer.png.

    \b
    Examples:
      mramcim characterize array --rows 64 --cols 8 --mc 50 --out results/char64
      mramcim characterize array --rows 784 --cols 16 --mc 20 --out results/char784
    """
    from mramcim.array.read import ReadSetup, resolve_toggle_map
    from mramcim.array.transfer import characterize_transfer

    t = load_tech(tech_file)
    setup = ReadSetup(scheme=scheme, parasitics=parasitics, reference=reference, engine=engine, threshold=threshold)
    tmap = resolve_toggle_map(t, toggle_map, disabled=no_toggle_errors or scheme == Scheme.CONVENTIONAL)
    curve = characterize_transfer(
        t,
        rows,
        cols,
        setup,
        corner=corner,
        mc=mc,
        points=points,
        seed=seed,
        variation=not no_variation,
        toggle_map=tmap,
        progress=count_progress("read"),
    )
    show(curve, as_json=as_json, out_dir=out_dir, run=run_info(t, seed))


@characterize.command("neuron")
@with_neuron_options
@out_option()
@tech_option
@json_option
def characterize_neuron_cmd(
    currents_ma: str, trials: int, seed: int, workers: int | None, out_dir: str, tech_file: str | None, as_json: bool
) -> None:
    """MTJ sigmoid neuron: junction resistances vs input current, simulated in ngspice.

    Writes neuron.json and neuron.png: the perpendicular readout (activation) against the closed
    form, the slope from the in-plane readout against the numerical derivative, the fitted model
    and the energy per activation; with --trials, the 300 K readout noise.

    \b
    Examples:
      mramcim characterize neuron --out results/neuron
      mramcim characterize neuron --currents-ma -8:8:17 --trials 8 --out results/neuron-noise
    """
    from mramcim.characterize.neuron import characterize_neuron
    from mramcim.units import parse_values

    t = load_tech(tech_file)
    currents = parse_values(currents_ma, "--currents-ma", 1e-3, positive=False)
    res = characterize_neuron(t, currents, trials=trials, seed=seed, workers=workers_default(workers), progress=say)
    show(res, as_json=as_json, out_dir=out_dir, run=run_info(t, seed))


@click.command("compare-schemes")
@_read_options
@click.option(
    "--tran-cols",
    type=int,
    default=2,
    show_default=True,
    help="Columns of the ngspice transient slice (energy, delay).",
)
@out_option(help="Also write compare.json here.", required=False)
@json_option
def compare_schemes_cmd(
    rows: int,
    cols: int,
    parasitics: str,
    reference: str,
    corner: str,
    threshold: int | None,
    mc: int,
    seed: int,
    toggle_map: str | None,
    no_toggle_errors: bool,
    tech_file: str | None,
    tran_cols: int,
    out_dir: str | None,
    as_json: bool,
) -> None:
    """Half-size vs conventional array on the same weights and inputs: counts, energy per MAC,
    latency, sense margin and MAC error rate, all from simulation.

    \b
    Example: mramcim compare-schemes --rows 64 --cols 8 --mc 10
    """
    from mramcim.array.read import ReadSetup, resolve_toggle_map
    from mramcim.experiments.compare import compare_schemes

    t = load_tech(tech_file)
    setup = ReadSetup(scheme="half", parasitics=parasitics, reference=reference, engine="scipy", threshold=threshold)
    result = compare_schemes(
        t,
        rows,
        cols,
        setup,
        mc=mc,
        seed=seed,
        tran_cols=tran_cols,
        corner=corner,
        toggle_map=resolve_toggle_map(t, toggle_map, disabled=no_toggle_errors),
        progress=say,
    )
    show(result, as_json=as_json, out_dir=out_dir, run=run_info(t, seed))


characterize.add_command(characterize_neuron_cmd)
