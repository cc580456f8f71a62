"""Circuit commands: tech show, gen-cell, gen-array, check, sim, verify xnor, mac."""

from __future__ import annotations

import sys
from typing import Any

import click
from mramcim.cli.common import choice, echo_json, json_option, load_tech, show, simulator_option, tech_option

from mramcim.options import Analysis, Bias, Corner, DeckFormat, Engine, Parasitics, Reference, Scheme

DEFAULT_COLS = 2  # 784 x 2 half-size deck runs in plain `ngspice -b` well under a minute on 2 cores


def _write_or_echo(text: str, output: str | None) -> None:
    from mramcim.artifacts import write_text

    if output is None:
        click.echo(text, nl=False)
        return
    write_text(output, text)
    click.echo(f"wrote {output}", err=True)


@click.group()
def tech() -> None:
    """Technology files."""


@tech.command("show")
@tech_option
@json_option
def tech_show(tech_file: str | None, as_json: bool) -> None:
    """Print resolved technology values and derived quantities (R_P, R_AP, Delta, half period).

    \b
    Example: mramcim tech show --json
    """
    from mramcim.tech import tech_summary, tech_summary_lines

    t = load_tech(tech_file)
    if as_json:
        echo_json(tech_summary(t))
        return
    click.echo("\n".join(tech_summary_lines(t)))


@click.command("gen-cell")
@click.argument("cell", type=click.Choice(["xnor", "neuron"]))
@tech_option
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the deck here (default: stdout).")
def gen_cell(cell: str, tech_file: str | None, output: str | None) -> None:
    """Emit a cell testbench deck: the XNOR cell, or the MTJ sigmoid neuron swept over 9 input
    currents (-8..8 mA, T = 0, run long enough to settle).

    \b
    Examples:
      mramcim gen-cell xnor -o xnor.cir && ngspice -b xnor.cir
      mramcim gen-cell neuron -o neuron.cir && ngspice -b neuron.cir
    """
    from mramcim.circuit.netlist import cell_deck

    _write_or_echo(cell_deck(load_tech(tech_file), cell), output)


def _array_options(func: Any) -> Any:
    for option in reversed(
        [
            click.option("--rows", type=int, required=True, help="Rows (fan-in), e.g. 784."),
            click.option("--cols", type=int, default=DEFAULT_COLS, show_default=True, help="Columns (neurons)."),
            click.option(
                "--scheme",
                type=choice(Scheme),
                default="half",
                show_default=True,
                help="passive: 1R MTJ crossbar without access transistors (gen-array only).",
            ),
            click.option(
                "--parasitics",
                type=choice(Parasitics),
                default="mesh",
                show_default=True,
                help="Wire R/C: ideal, one R+C per line, or per cell pitch.",
            ),
            click.option(
                "--corner", type=choice(Corner), default="tt", show_default=True, help="Wire/driver/transistor corner."
            ),
            click.option("--weights", type=click.Path(dir_okay=False), help="(rows, cols) +-1 array, .npy."),
            click.option("--inputs", type=click.Path(dir_okay=False), help="(rows,) +-1 array, .npy."),
            click.option("--seed", type=int, default=0, show_default=True, help="Seed for random weights/inputs."),
            tech_option,
        ]
    ):
        func = option(func)
    return func


@click.command("gen-array")
@_array_options
@click.option(
    "--bias",
    type=choice(Bias),
    default=None,
    help="Passive scheme: unselected lines of the selected-cell read (default half: V/2).",
)
@click.option(
    "--select",
    default=None,
    help="Passive scheme: the read cell ROW,COL (default 0,COLS-1, the farthest from its drivers).",
)
@click.option(
    "--format",
    "format_",
    type=choice(DeckFormat),
    default="spice",
    show_default=True,
    help="spice: ngspice deck (B-source MTJ); vacask: VACASK deck plus the compiled .osdi models it loads; "
    "verilog-a-spice: SPICE deck whose MTJ is the Verilog-A module, plus mtj_llg.va (for OSDI/Verilog-A "
    "simulators). The last two need -o (files are written beside the deck).",
)
@click.option(
    "--bitline",
    type=click.Choice(["hierarchical", "flat"]),
    default="hierarchical",
    show_default=True,
    help="hierarchical: 64-row local segments on a wide global bit line (the design that works at 784 rows); "
    "flat: one bit line per column (warns with its predicted error rates).",
)
@click.option("--segment-rows", type=int, default=64, show_default=True, help="Rows per local bit-line segment.")
@click.option(
    "--global-width", type=float, default=32.0, show_default=True, help="Global bit-line width / technology width."
)
@click.option("--tap-ohm", type=float, default=10.0, show_default=True, help="Segment-to-global-line tap [Ohm].")
@click.option(
    "--replica/--no-replica",
    default=True,
    show_default=True,
    help="Reference from replica columns on the same wires (else the ideal-wire closed form).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the deck here (default: stdout).")
def gen_array(tech_file: str | None, output: str | None, select: str | None, format_: str, **spec: Any) -> None:
    """Emit a runnable sum-of-product array deck (drivers, wires, cells, sensing, testbench).

    Without --weights/--inputs, random +-1 values drawn with --seed are used. MTJ states are
    saved for arrays up to 4096 cells (to check the restore); larger decks save the outputs.

    The default design (mesh wires) cuts each bit line into 64-row segments strapped to a
    global bit line 32x the technology's width and puts two replica reference columns in the
    deck: a 784-row transient toggles, restores and senses correctly. --bitline flat is the
    original single bit line; it warns with its predicted toggle and sense error rates.

    --scheme passive emits the `.op` deck of a passive crossbar reading one cell (--select)
    with the unselected lines biased by --bias; --weights are the cell states (+1 = P), the
    header carries the scipy solve of the same netlist, and without --tech the packaged
    models/passive_stt_tech.yaml is used. Its wires are none or mesh.

    \b
    Examples:
      mramcim gen-array --rows 784 -o sop.cir
      mramcim gen-array --rows 784 --bitline flat -o flat.cir
      mramcim gen-array --rows 784 --cols 512 --parasitics mesh -o big.cir
      mramcim gen-array --rows 784 --cols 8 --scheme conventional --weights w.npy --inputs x.npy
      mramcim gen-array --rows 15 --cols 15 --scheme passive --bias third --select 7,7 -o x.cir
      mramcim gen-array --rows 784 --cols 8 --bitline flat --no-replica --format vacask -o vc/sop.sim
        (then: cd vc && vacask sop.sim)
      mramcim gen-array --rows 784 --cols 8 --format verilog-a-spice -o va/sop.cir   (+ va/mtj_llg.va)
    """
    from mramcim.array.decks import ArrayDeckSpec, array_deck_bundle, parse_cell, write_bundle
    from mramcim.errors import InputError

    spec_ = ArrayDeckSpec(**spec, select=parse_cell(select), format=format_)
    if output is None and spec_.format.needs_folder:
        raise InputError(f"--format {format_} writes files beside the deck; give -o PATH")
    bundle = array_deck_bundle(spec_, tech_file)
    if output is None:
        _write_or_echo(bundle.text, None)
        return
    click.echo("wrote " + ", ".join(str(p) for p in write_bundle(bundle, output)), err=True)


@click.command("check")
@click.argument("deck", type=click.Path(exists=True, dir_okay=False))
def check(deck: str) -> None:
    """Electrical rule check of a deck (floating nodes, single connections, unknown subckts).

    \b
    Example: mramcim check sop.cir
    """
    from mramcim.circuit.flows import check_file

    check_file(deck)
    click.echo(f"{deck}: ERC clean")


@click.command("sim")
@click.argument("deck", type=click.Path(exists=True, dir_okay=False))
@click.option("--timeout", type=float, default=600.0, show_default=True, help="Wall-clock limit [s].")
@json_option
def sim(deck: str, timeout: float, as_json: bool) -> None:
    """Run any deck in ngspice (after the ERC) and print its vectors.

    \b
    Example: mramcim sim xnor.cir --json
    """
    from mramcim.circuit.flows import simulate_file

    result = simulate_file(deck, timeout_s=timeout)
    if as_json:
        echo_json({"analysis": result.analysis, "vectors": result.vectors})
        return
    click.echo("\n".join(result.summary_lines(deck)))


@click.group()
def verify() -> None:
    """Circuit verification runs."""


@verify.command("xnor")
@simulator_option
@tech_option
@json_option
def verify_xnor_cmd(simulator: str, tech_file: str | None, as_json: bool) -> None:
    """Simulate the XNOR cell for all four (X, W) cases; exit 1 if any case fails.

    \b
    Examples:
      mramcim verify xnor --json
      mramcim verify xnor --simulator vacask
    """
    from mramcim.circuit.flows import verify_xnor

    result = verify_xnor(load_tech(tech_file), simulator)
    show(result, as_json=as_json)
    if not result.passed:
        sys.exit(1)


@click.command("mac")
@_array_options
@click.option(
    "--engine",
    type=choice(Engine),
    default="ngspice",
    show_default=True,
    help="ngspice: transient (LLG) or DC; fast: line-preconditioned CG DC solve; scipy: SuperLU DC solve "
    "(reference); vacask: DC operating point (or, with --analysis tran, the transient in VACASK).",
)
@simulator_option
@click.option(
    "--analysis",
    type=choice(Analysis),
    default=None,
    help="tran: toggle/read/restore with LLG MTJs (in --simulator); dc: the resistive read network. "
    "Default: tran for ngspice, dc for scipy and vacask.",
)
@click.option(
    "--reference",
    type=choice(Reference),
    default="replica",
    show_default=True,
    help="Comparator reference (dc): replica columns or the closed form.",
)
@click.option(
    "--block-cols",
    type=int,
    default=4,
    show_default=True,
    help="ngspice dc: columns per partition block (0: one flat deck).",
)
@json_option
def mac(
    rows: int,
    cols: int,
    scheme: str,
    parasitics: str,
    corner: str,
    weights: str | None,
    inputs: str | None,
    seed: int,
    tech_file: str | None,
    engine: str,
    analysis: str | None,
    reference: str,
    block_cols: int,
    simulator: str,
    as_json: bool,
) -> None:
    """One MAC: popcount, bit-line current and sensed output per column.

    \b
    Examples:
      mramcim mac --rows 64 --cols 4
      mramcim mac --rows 784 --cols 64 --engine scipy
      mramcim mac --rows 784 --cols 64 --engine ngspice --analysis dc
      mramcim mac --rows 784 --cols 8 --analysis tran --simulator vacask
    """
    from mramcim.array.mac import mac as run
    from mramcim.array.operands import array_operands
    from mramcim.array.read import ReadSetup

    setup = ReadSetup(
        scheme=scheme, parasitics=parasitics, reference=reference, engine=engine, block_cols=block_cols or None
    )
    w, x = array_operands(rows, cols, weights=weights, inputs=inputs, seed=seed)
    show(run(load_tech(tech_file), w, x, setup, analysis=analysis, corner=corner, simulator=simulator), as_json=as_json)
