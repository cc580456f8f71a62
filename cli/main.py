"""The `mramcim` command line. Each command parses options, loads the technology, calls one
library function and prints a summary; library errors become one `error:` line and exit 1."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click
from mramcim.cli.common import _echo_json, _save, _tech, json_option, tech_option
from mramcim.cli.learn import bench_train_cmd, experiment, fetch_mnist_cmd, train_cmd
from mramcim.cli.mtj import bench_mtj, mtj
from mramcim.cli.neuron import characterize_neuron_cmd, experiment_sigmoid_cmd
from mramcim.cli.passive import passive_wine_cmd

DEFAULT_COLS = 2  # 784 x 2 half-size deck runs in plain `ngspice -b` well under a minute on 2 cores


def _load_pm1(path: str | None, name: str) -> Any:
    if path is None:
        return None
    import numpy as np

    from mramcim.errors import InputError

    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read {name} file {path}: {err}") from None


def _array_operands(rows: int, cols: int, weights: str | None, inputs: str | None, seed: int) -> tuple[Any, Any]:
    """Weights/inputs from .npy files, or random +-1 with `seed` (shapes checked downstream)."""
    import numpy as np

    from mramcim.netlist import check_array_size

    rows, cols = check_array_size(rows, cols)
    rng = np.random.default_rng(seed)
    w = _load_pm1(weights, "weights")
    x = _load_pm1(inputs, "inputs")
    if w is None:
        w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(rows, cols))
    elif np.shape(w) != (rows, cols):
        from mramcim.errors import InputError

        raise InputError(f"weights file {weights} has shape {np.shape(w)}, expected ({rows}, {cols})")
    if x is None:
        x = rng.choice(np.array([-1, 1], dtype=np.int8), size=rows)
    return w, x


def _write_or_echo(text: str, output: str | None) -> None:
    from mramcim.artifacts import write_text

    if output is None:
        click.echo(text, nl=False)
    else:
        write_text(output, text)
        click.echo(f"wrote {output}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log progress details.")
def cli(verbose: bool) -> None:
    """mramcim: MRAM computing-in-memory BNN netlists, ngspice co-simulation and TGBNN training.

    \b
    Examples:
      mramcim tech show
      mramcim gen-array --rows 784 -o sop.cir
      mramcim verify xnor
      mramcim characterize array --rows 16 --cols 8 --out results/char16
      mramcim train --algo tgbnn --dataset digits --epochs 10 --out results/train
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@cli.group()
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
    from mramcim.tech import tech_summary

    summary = tech_summary(_tech(tech_file))
    if as_json:
        _echo_json(summary)
        return
    for section, values in summary["technology"].items():
        if isinstance(values, dict):
            click.echo(f"[{section}]")
            for key, val in values.items():
                click.echo(f"  {key:<20} {val:g}")
        else:
            click.echo(f"{section:<22} {values}")
    d = summary["derived"]
    click.echo("[derived]")
    click.echo(f"  R_P                  {d['r_p_ohm'] / 1e3:.2f} kOhm")
    click.echo(f"  R_AP (V -> 0)        {d['r_ap_ohm'] / 1e3:.2f} kOhm")
    click.echo(f"  Keff0                {d['keff0_j_per_m3']:.4g} J/m^3  (Bk0 = {d['bk0_t'] * 1e3:.1f} mT)")
    click.echo(f"  Delta (no field)     {d['delta0']:.1f}")
    click.echo(f"  Delta (bias field)   {d['delta_bias']:.1f}")
    click.echo(f"  VCMA critical V      {d['v_critical_v']:.3f} V")
    click.echo(f"  half precession      {d['half_period_s'] * 1e9:.4f} ns")


@cli.command("gen-cell")
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
    from mramcim.netlist import neuron_params, render_neuron_sweep, render_xnor

    t = _tech(tech_file)
    if cell == "neuron":
        from mramcim.neuron import settle_time_s

        currents = [k * 2e-3 for k in range(-4, 5)]
        deck = render_neuron_sweep(t, currents, t_stop=settle_time_s(t) + neuron_params(t).t_read_s, seed=1, thermal=False)
    else:
        deck = render_xnor(t)
    _write_or_echo(deck.text, output)


def _array_options(func: Any) -> Any:
    for option in reversed([
        click.option("--rows", type=int, required=True, help="Rows (fan-in), e.g. 784."),
        click.option("--cols", type=int, default=DEFAULT_COLS, show_default=True, help="Columns (neurons)."),
        click.option("--scheme", type=click.Choice(["half", "conventional", "passive"]), default="half", show_default=True,
                     help="passive: 1R MTJ crossbar without access transistors (gen-array only)."),
        click.option("--parasitics", type=click.Choice(["none", "lumped", "mesh"]), default="mesh", show_default=True,
                     help="Wire R/C: ideal, one R+C per line, or per cell pitch."),
        click.option("--corner", type=click.Choice(["tt", "ff", "ss"]), default="tt", show_default=True,
                     help="Wire/driver/transistor corner."),
        click.option("--weights", type=click.Path(dir_okay=False), help="(rows, cols) +-1 array, .npy."),
        click.option("--inputs", type=click.Path(dir_okay=False), help="(rows,) +-1 array, .npy."),
        click.option("--seed", type=int, default=0, show_default=True, help="Seed for random weights/inputs."),
        tech_option,
    ]):
        func = option(func)
    return func


@cli.command("gen-array")
@_array_options
@click.option("--bias", type=click.Choice(["half", "third", "ground", "float"]), default=None,
              help="Passive scheme: unselected lines of the selected-cell read (default half: V/2).")
@click.option("--select", default=None, help="Passive scheme: the read cell ROW,COL (default 0,COLS-1, the farthest from its drivers).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the deck here (default: stdout).")
def gen_array(rows: int, cols: int, scheme: str, parasitics: str, corner: str, weights: str | None, inputs: str | None,
              seed: int, tech_file: str | None, bias: str | None, select: str | None, output: str | None) -> None:
    """Emit a runnable sum-of-product array deck (drivers, wires, cells, sensing, testbench).

    Without --weights/--inputs, random +-1 values drawn with --seed are used. MTJ states are
    saved for arrays up to 4096 cells (to check the restore); larger decks save the outputs.

    --scheme passive emits the `.op` deck of a passive crossbar reading one cell (--select)
    with the unselected lines biased by --bias; --weights are the cell states (+1 = P), the
    header carries the scipy solve of the same netlist, and without --tech the packaged
    models/passive_stt_tech.yaml is used. Its wires are none or mesh.

    \b
    Examples:
      mramcim gen-array --rows 784 -o sop.cir
      mramcim gen-array --rows 784 --cols 512 --parasitics mesh -o big.cir
      mramcim gen-array --rows 784 --cols 8 --scheme conventional --weights w.npy --inputs x.npy
      mramcim gen-array --rows 15 --cols 15 --scheme passive --bias third --select 7,7 -o x.cir
    """
    from mramcim.errors import InputError
    from mramcim.readnet import apply_corner, check_memory

    if scheme == "passive":
        from mramcim.crossbar import load_passive_tech, passive_deck

        if inputs is not None:
            raise InputError("--inputs does not apply to --scheme passive: its deck reads one selected cell (--select)")
        if parasitics == "lumped":
            raise InputError("the passive crossbar has none or mesh wires, not lumped")
        t = apply_corner(load_passive_tech(tech_file), corner)
        w, _ = _array_operands(rows, cols, weights, None, seed)
        check_memory(f"the {rows} x {cols} passive deck", rows * cols * 3 * 1100)
        deck, _ = passive_deck(t, w, bias=bias or "half", select=_parse_cell(select), parasitics=parasitics)
        _write_or_echo(deck, output)
        return
    if bias is not None or select is not None:
        raise InputError("--bias and --select apply to --scheme passive only")
    from mramcim.netlist import render_array

    t = apply_corner(_tech(tech_file), corner)
    w, x = _array_operands(rows, cols, weights, inputs, seed)
    check_memory(f"the {rows} x {cols} deck", rows * cols * (2 if scheme == "conventional" else 1) * 600)
    _write_or_echo(render_array(t, w, x, scheme, parasitics=parasitics, save_states=rows * cols <= 4096).text, output)


def _parse_cell(text: str | None) -> tuple[int, int] | None:
    """'ROW,COL' -> (row, col); None keeps the default."""
    if text is None:
        return None
    from mramcim.errors import InputError

    parts = text.split(",")
    if len(parts) != 2 or not all(p.strip().lstrip("-").isdigit() for p in parts):
        raise InputError(f"--select must be ROW,COL (two integers), got {text!r}")
    return int(parts[0]), int(parts[1])


@cli.command("check")
@click.argument("deck", type=click.Path(exists=True, dir_okay=False))
def check(deck: str) -> None:
    """Electrical rule check of a deck (floating nodes, single connections, unknown subckts).

    \b
    Example: mramcim check sop.cir
    """
    from mramcim.erc import require_clean

    require_clean(Path(deck).read_text(encoding="utf-8", errors="replace"), deck)
    click.echo(f"{deck}: ERC clean")


@cli.command("sim")
@click.argument("deck", type=click.Path(exists=True, dir_okay=False))
@click.option("--timeout", type=float, default=600.0, show_default=True, help="Wall-clock limit [s].")
@json_option
def sim(deck: str, timeout: float, as_json: bool) -> None:
    """Run any deck in ngspice (after the ERC) and print its vectors.

    \b
    Example: mramcim sim xnor.cir --json
    """
    from mramcim.erc import require_clean
    from mramcim.sim import run_deck

    text = Path(deck).read_text(encoding="utf-8", errors="replace")
    require_clean(text, deck)
    result = run_deck(text, name=deck, timeout_s=timeout)
    if as_json:
        _echo_json({"analysis": result.analysis, "vectors": result.vectors})
        return
    click.echo(f"{deck}: {result.analysis}, {len(result.vectors)} vectors, {len(next(iter(result.vectors.values())))} points")
    for name, values in sorted(result.vectors.items()):
        click.echo(f"  {name:<28} first {values[0]: .6g}  last {values[-1]: .6g}  min {values.min(): .6g}  max {values.max(): .6g}")


@cli.group()
def verify() -> None:
    """Circuit verification runs."""


@verify.command("xnor")
@tech_option
@json_option
def verify_xnor_cmd(tech_file: str | None, as_json: bool) -> None:
    """Simulate the XNOR cell for all four (X, W) cases; exit 1 if any case fails.

    \b
    Example: mramcim verify xnor --json
    """
    from dataclasses import asdict

    from mramcim.flows import verify_xnor

    cases = verify_xnor(_tech(tech_file))
    if as_json:
        _echo_json([asdict(c) | {"passed": c.passed} for c in cases])
    else:
        click.echo(" X  W | I_read [uA]  R_MTJ [kOhm] | sensed expected | restored W | energy [fJ] | result")
        for c in cases:
            click.echo(
                f"{c.x:+d} {c.w:+d} | {c.read_current_a * 1e6:10.4f}  {c.mtj_resistance_ohm / 1e3:11.2f} |"
                f" {c.sensed:+6d} {c.expected:+8d} | {c.restored_weight:+10d} | {c.energy_j * 1e15:11.2f} |"
                f" {'pass' if c.passed else 'FAIL'}"
            )
    if not all(c.passed for c in cases):
        sys.exit(1)


@cli.command("mac")
@_array_options
@click.option("--engine", type=click.Choice(["ngspice", "scipy"]), default="ngspice", show_default=True,
              help="ngspice: transient (LLG) or DC; scipy: sparse nodal DC solve.")
@click.option("--analysis", type=click.Choice(["tran", "dc"]), default=None,
              help="tran: toggle/read/restore with LLG MTJs (ngspice only); dc: the resistive read network. "
                   "Default: tran for ngspice, dc for scipy.")
@click.option("--reference", type=click.Choice(["replica", "ideal"]), default="replica", show_default=True,
              help="Comparator reference (dc): replica columns or the closed form.")
@click.option("--block-cols", type=int, default=4, show_default=True,
              help="ngspice dc: columns per partition block (0: one flat deck).")
@json_option
def mac(rows: int, cols: int, scheme: str, parasitics: str, corner: str, weights: str | None, inputs: str | None, seed: int,
        tech_file: str | None, engine: str, analysis: str | None, reference: str, block_cols: int, as_json: bool) -> None:
    """One MAC: popcount, bit-line current and sensed output per column.

    \b
    Examples:
      mramcim mac --rows 64 --cols 4
      mramcim mac --rows 784 --cols 64 --engine scipy
      mramcim mac --rows 784 --cols 64 --engine ngspice --analysis dc
    """
    from mramcim.errors import InputError
    from mramcim.readnet import apply_corner

    t = apply_corner(_tech(tech_file), corner)
    w, x = _array_operands(rows, cols, weights, inputs, seed)
    analysis = analysis or ("tran" if engine == "ngspice" else "dc")
    if analysis == "tran" and engine == "scipy":
        raise InputError("the scipy engine solves the DC read network only; use --analysis dc or --engine ngspice")
    if analysis == "dc":
        from mramcim.arrayread import ReadSetup, read_mac

        read = read_mac(t, w, x, ReadSetup(scheme, parasitics, reference, engine, None, block_cols or None))
        if as_json:
            _echo_json(read.as_dict() | {"scheme": scheme, "parasitics": parasitics, "corner": corner, "reference": reference})
            return
        how = f"{read.dc.engine}" + (f", {read.dc.blocks} blocks, KCL residual {read.dc.kcl_residual_rel:.1e}" if read.dc.blocks > 1 else "")
        click.echo(f"{scheme} array {rows} x {cols}, DC read ({how}) in {read.dc.seconds:.2f} s; parasitics {parasitics}, corner {corner}")
        click.echo(f"reference ({reference}): {read.i_ref_a * 1e6:.4f} uA")
        click.echo(" col | popcount | I_col [uA] | sensed expected")
        for j in range(cols):
            click.echo(f"{j:4d} | {read.popcount[j]:8d} | {read.current_a[j] * 1e6:10.4f} | {read.sensed[j]:+6d} {read.expected[j]:+8d}")
        return
    from mramcim.flows import run_mac

    report = run_mac(t, w, x, scheme, parasitics)
    if as_json:
        _echo_json(report.as_dict())
        return
    click.echo(f"{scheme} array {report.rows} x {report.cols}, {report.n_mtj} MTJs, threshold popcount {report.threshold}, parasitics {parasitics}")
    click.echo(f"reference (replica columns, DC): {report.i_ref_a * 1e6:.4f} uA")
    click.echo(" col | popcount | I_col [uA]  Ohm's law [uA] | sensed expected")
    for j, c in enumerate(report.columns):
        click.echo(f"{j:4d} | {c.popcount:8d} | {c.current_a * 1e6:10.4f}  {c.ohm_current_a * 1e6:14.4f} | {c.sensed:+6d} {c.expected:+8d}")
    e = report.energy_j
    click.echo(f"energy per MAC: {e['mac'] * 1e15:.1f} fJ (toggle {e['toggle'] * 1e15:.1f}, read {e['read'] * 1e15:.1f}, restore {e['restore'] * 1e15:.1f})")
    if report.weights_not_restored > 0:
        click.echo(f"warning: {report.weights_not_restored} weights were not restored", err=True)


@cli.group()
def characterize() -> None:
    """Extract transfer characteristics from simulation."""


def _toggle_map(tech: Any, path: str | None, disabled: bool) -> Any:
    if disabled:
        return None
    if path:
        from mramcim.twostate import load_toggle_map

        return load_toggle_map(path)
    from mramcim.arrayread import default_toggle_map

    return default_toggle_map(tech)


def _read_options(func: Any) -> Any:
    for option in reversed([
        click.option("--rows", type=int, required=True, help="Rows (fan-in), e.g. 784."),
        click.option("--cols", type=int, default=8, show_default=True, help="Columns per simulated array."),
        click.option("--parasitics", type=click.Choice(["none", "lumped", "mesh"]), default="mesh", show_default=True),
        click.option("--reference", type=click.Choice(["replica", "ideal"]), default="replica", show_default=True),
        click.option("--corner", type=click.Choice(["tt", "ff", "ss"]), default="tt", show_default=True),
        click.option("--threshold", type=int, default=None, help="Popcount where the output turns +1 (default ceil(rows/2))."),
        click.option("--mc", type=int, default=20, show_default=True, help="Monte-Carlo samples."),
        click.option("--seed", type=int, default=0, show_default=True),
        click.option("--toggle-map", type=click.Path(dir_okay=False), help="toggle.json from `mtj toggle` (default: packaged LLG map)."),
        click.option("--no-toggle-errors", is_flag=True, help="Ideal VCMA toggles."),
        tech_option,
    ]):
        func = option(func)
    return func


@characterize.command("array")
@_read_options
@click.option("--scheme", type=click.Choice(["half", "conventional"]), default="half", show_default=True)
@click.option("--engine", type=click.Choice(["scipy", "ngspice"]), default="scipy", show_default=True,
              help="DC read solver (ngspice: partitioned decks, slower).")
@click.option("--points", type=int, default=None, help="Popcounts to sample (default: all up to 64 rows, else 33 plus threshold +- 8).")
@click.option("--no-variation", is_flag=True, help="Nominal devices and no sense offset.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Output folder.")
@json_option
def characterize_array_cmd(rows: int, cols: int, parasitics: str, reference: str, corner: str, threshold: int | None, mc: int,
                           seed: int, toggle_map: str | None, no_toggle_errors: bool, tech_file: str | None, scheme: str,
                           engine: str, points: int | None, no_variation: bool, out_dir: str, as_json: bool) -> None:
    """Monte-Carlo transfer characteristic: per popcount, the column-current distribution and
    P(sense = +1), with device variation, sense offset, toggle errors and wire IR drop.

    Writes transfer.json (the file `train --hardware` reads), transfer.npz and transfer.png.

    \b
    Examples:
      mramcim characterize array --rows 64 --cols 8 --mc 50 --out results/char64
      mramcim characterize array --rows 784 --cols 16 --mc 20 --out results/char784
    """

    from mramcim.arrayread import ReadSetup
    from mramcim.flows import provenance
    from mramcim.netlist import check_array_size
    from mramcim.readnet import apply_corner
    from mramcim.report.plots import plot_transfer
    from mramcim.transfer import characterize_transfer, ir_drop_map

    t = apply_corner(_tech(tech_file), corner)
    rows, cols = check_array_size(rows, cols)
    setup = ReadSetup(scheme, parasitics, reference, engine, threshold)
    tmap = _toggle_map(t, toggle_map, no_toggle_errors or scheme == "conventional")

    def progress(done: int, total: int) -> None:
        if done == total or done % max(total // 20, 1) == 0:
            click.echo(f"  read {done}/{total}", err=True)

    curve = characterize_transfer(t, rows, cols, setup, mc=mc, points=points, seed=seed, variation=not no_variation,
                                  toggle_map=tmap, progress=progress)
    arrays = curve.pop("_arrays")
    ir = ir_drop_map(t, rows, cols, setup)
    curve |= {"corner": corner, "ir_drop_worst_cell": float(ir.min()), "ir_drop_mean_cell": float(ir.mean()),
              "provenance": provenance(t) | {"command": "characterize array", "mtj_model": "DC read network (closed-form cells)"}}
    out = _save(out_dir, "transfer", curve, {**arrays, "ir_drop_map": ir}, lambda c: plot_transfer(c, ir))
    if as_json:
        _echo_json(curve)
        return
    click.echo(f"{scheme} array {rows} rows x {cols} cols, {parasitics} parasitics, {reference} reference, {mc} Monte-Carlo samples")
    click.echo(f"  LSB near the threshold {curve['lsb_near_threshold_a'] * 1e6:.3f} uA; worst cell read voltage {ir.min() * 100:.1f} % of V_read")
    click.echo(f"  MAC error rate over the sampled popcounts {curve['mac_error_rate']:.4f}; toggle failure rate {curve['toggle_failure_rate']:.2e}")
    click.echo(f"  wrote {out / 'transfer.json'}, transfer.npz, transfer.png")


@cli.command("compare-schemes")
@_read_options
@click.option("--tran-cols", type=int, default=2, show_default=True, help="Columns of the ngspice transient slice (energy, delay).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Also write compare.json here.")
@json_option
def compare_schemes_cmd(rows: int, cols: int, parasitics: str, reference: str, corner: str, threshold: int | None, mc: int,
                        seed: int, toggle_map: str | None, no_toggle_errors: bool, tech_file: str | None, tran_cols: int,
                        out_dir: str | None, as_json: bool) -> None:
    """Half-size vs conventional array on the same weights and inputs: counts, energy per MAC,
    latency, sense margin and MAC error rate, all from simulation.

    \b
    Example: mramcim compare-schemes --rows 64 --cols 8 --mc 10
    """
    from mramcim.arrayread import ReadSetup
    from mramcim.artifacts import write_json
    from mramcim.compare import compare_schemes
    from mramcim.flows import provenance
    from mramcim.readnet import apply_corner

    t = apply_corner(_tech(tech_file), corner)
    setup = ReadSetup("half", parasitics, reference, "scipy", threshold)
    result = compare_schemes(t, rows, cols, setup, mc=mc, seed=seed, tran_cols=tran_cols,
                             toggle_map=_toggle_map(t, toggle_map, no_toggle_errors),
                             progress=lambda msg: click.echo(f"  {msg}", err=True))
    result |= {"corner": corner, "provenance": provenance(t) | {"command": "compare-schemes"}}
    if out_dir:
        write_json(Path(out_dir) / "compare.json", result)
    if as_json:
        _echo_json(result)
        return
    h, c = result["schemes"]["half"], result["schemes"]["conventional"]
    rows_out = [
        ("MTJs", f"{h['mtj']}", f"{c['mtj']}"),
        ("access transistors", f"{h['access_transistors']}", f"{c['access_transistors']}"),
        ("row drivers", f"{h['row_drivers']}", f"{c['row_drivers']}"),
        ("sense amplifiers", f"{h['sense_amplifiers']}", f"{c['sense_amplifiers']}"),
        ("energy / column MAC [fJ]", f"{h['energy_per_column_mac_j'] * 1e15:.1f}", f"{c['energy_per_column_mac_j'] * 1e15:.1f}"),
        ("energy / array MAC [pJ]", f"{h['energy_per_array_mac_j'] * 1e12:.2f}", f"{c['energy_per_array_mac_j'] * 1e12:.2f}"),
        ("result valid after [ns]", f"{h['result_s'] * 1e9:.2f}", f"{c['result_s'] * 1e9:.2f}"),
        ("cycle time [ns]", f"{h['cycle_s'] * 1e9:.2f}", f"{c['cycle_s'] * 1e9:.2f}"),
        ("LSB at threshold [uA]", f"{h['lsb_at_threshold_a'] * 1e6:.3f}", f"{c['lsb_at_threshold_a'] * 1e6:.3f}"),
        ("nominal sense margin [uA]", f"{h['nominal_margin_a'] * 1e6:.3f}", f"{c['nominal_margin_a'] * 1e6:.3f}"),
        ("MAC error rate (MC)", f"{h['mac_error_rate']:.4f}", f"{c['mac_error_rate']:.4f}"),
    ]
    click.echo(f"{rows} x {cols} array, {parasitics} parasitics, {reference} reference, corner {corner}, {mc} MC reads, seed {seed}")
    click.echo(f"{'':28s} {'half-size':>12s} {'conventional':>13s}")
    for name, a, b in rows_out:
        click.echo(f"{name:28s} {a:>12s} {b:>13s}")
    r = result["half_over_conventional"]
    click.echo(f"half / conventional: MTJs {r['mtj']:.2f}, energy per MAC {r['energy_per_mac']:.2f}, cycle time {r['cycle_time']:.2f}")


cli.add_command(mtj)
cli.add_command(train_cmd)
cli.add_command(experiment)
experiment.add_command(passive_wine_cmd)
cli.add_command(fetch_mnist_cmd)
characterize.add_command(characterize_neuron_cmd)
experiment.add_command(experiment_sigmoid_cmd)


@cli.group()
def bench() -> None:
    """Speed benchmarks (ratios measured side by side in one run)."""


bench.add_command(bench_mtj)
bench.add_command(bench_train_cmd)


@bench.command("array")
@click.option("--rows", type=int, default=784, show_default=True)
@click.option("--cols", "cols_text", default="8,64,256", show_default=True, help="Comma-separated column counts.")
@click.option("--flat-max-cols", type=int, default=64, show_default=True,
              help="Run the flat ngspice deck up to this many columns (784 x 64 takes minutes).")
@click.option("--block-cols", type=int, default=4, show_default=True, help="Columns per ngspice partition block.")
@click.option("--workers", type=int, default=None, help="Parallel ngspice processes (default: CPU count).")
@click.option("--seed", type=int, default=0, show_default=True)
@tech_option
@json_option
def bench_array_cmd(rows: int, cols_text: str, flat_max_cols: int, block_cols: int, workers: int | None, seed: int,
                    tech_file: str | None, as_json: bool) -> None:
    """Render/ERC/DC-solve times for rows x {cols}: scipy vs ngspice flat vs ngspice partitioned.

    \b
    Examples:
      mramcim bench array
      mramcim bench array --cols 8,64 --flat-max-cols 8 --json
    """
    from mramcim.arraybench import bench_array
    from mramcim.errors import InputError
    from mramcim.netlist import check_array_size

    try:
        cols_list = [int(c) for c in cols_text.split(",")]
    except ValueError:
        raise InputError(f"--cols must be comma-separated integers, got {cols_text!r}") from None
    for c in cols_list:
        check_array_size(rows, c)
    result = bench_array(_tech(tech_file), rows, cols_list, flat_max_cols=flat_max_cols, block_cols=block_cols,
                         workers=workers, seed=seed, progress=lambda m: click.echo(f"  {m}", err=True))
    if as_json:
        _echo_json(result)
        return
    click.echo(f"{'array':>9s} {'nodes':>7s} {'render':>7s} {'ERC':>6s} {'scipy':>6s} {'ng part':>8s} {'ng flat':>8s} "
               f"{'part/scipy':>10s} {'flat/scipy':>10s} {'flat/part':>9s} {'max rel diff':>12s}")
    for r in result:
        flat = r.get("ngspice_flat_s")
        diff = max(r["partitioned_vs_scipy_max_rel"], r.get("flat_vs_partitioned_max_rel", 0.0))
        flat_cols = (f"{flat:7.1f}s", f"{r['flat_over_scipy']:9.1f}x", f"{r['flat_over_partitioned']:8.1f}x") if flat else ("skipped", "-", "-")
        click.echo(f"{r['rows']:>4d}x{r['cols']:<4d} {r['nodes']:>7d} {r['render_s']:6.2f}s {r['erc_s']:5.2f}s {r['scipy_s']:5.2f}s "
                   f"{r['ngspice_partitioned_s']:7.2f}s {flat_cols[0]:>8s} {r['partitioned_over_scipy']:9.1f}x "
                   f"{flat_cols[1]:>10s} {flat_cols[2]:>9s} {diff:12.1e}")


def main() -> None:
    from mramcim.errors import MramcimError

    try:
        cli(standalone_mode=True)
    except MramcimError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(1)
    except OSError as err:
        click.echo(f"error: {err.strerror or err}: {err.filename or ''}".rstrip(": "), err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
