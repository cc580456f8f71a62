"""The `mramcim` command line. Each command parses options, loads the technology, calls one
library function and prints a summary; library errors become one `error:` line and exit 1."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click
from mramcim.cli.common import _echo_json, _tech, json_option, tech_option
from mramcim.cli.mtj import bench_mtj, mtj

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
@click.argument("cell", type=click.Choice(["xnor"]))
@tech_option
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the deck here (default: stdout).")
def gen_cell(cell: str, tech_file: str | None, output: str | None) -> None:
    """Emit a cell testbench deck.

    \b
    Example: mramcim gen-cell xnor -o xnor.cir && ngspice -b xnor.cir
    """
    from mramcim.netlist import render_xnor

    _write_or_echo(render_xnor(_tech(tech_file)).text, output)


def _array_options(func: Any) -> Any:
    for option in reversed([
        click.option("--rows", type=int, required=True, help="Rows (fan-in), e.g. 784."),
        click.option("--cols", type=int, default=DEFAULT_COLS, show_default=True, help="Columns (neurons)."),
        click.option("--scheme", type=click.Choice(["half", "conventional"]), default="half", show_default=True),
        click.option("--weights", type=click.Path(dir_okay=False), help="(rows, cols) +-1 array, .npy."),
        click.option("--inputs", type=click.Path(dir_okay=False), help="(rows,) +-1 array, .npy."),
        click.option("--seed", type=int, default=0, show_default=True, help="Seed for random weights/inputs."),
        tech_option,
    ]):
        func = option(func)
    return func


@cli.command("gen-array")
@_array_options
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the deck here (default: stdout).")
def gen_array(rows: int, cols: int, scheme: str, weights: str | None, inputs: str | None, seed: int, tech_file: str | None, output: str | None) -> None:
    """Emit a runnable sum-of-product array deck (drivers, cells, sensing, testbench).

    Without --weights/--inputs, random +-1 values drawn with --seed are used.

    \b
    Examples:
      mramcim gen-array --rows 784 -o sop.cir
      mramcim gen-array --rows 784 --cols 8 --scheme conventional --weights w.npy --inputs x.npy
    """
    from mramcim.netlist import render_array

    t = _tech(tech_file)
    w, x = _array_operands(rows, cols, weights, inputs, seed)
    _write_or_echo(render_array(t, w, x, scheme).text, output)


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
@json_option
def mac(rows: int, cols: int, scheme: str, weights: str | None, inputs: str | None, seed: int, tech_file: str | None, as_json: bool) -> None:
    """One MAC through ngspice: popcount, bit-line current and sensed output per column.

    \b
    Example: mramcim mac --rows 64 --cols 4
    """
    from mramcim.flows import run_mac

    t = _tech(tech_file)
    w, x = _array_operands(rows, cols, weights, inputs, seed)
    report = run_mac(t, w, x, scheme)
    if as_json:
        _echo_json(report.as_dict())
        return
    click.echo(f"{scheme} array {report.rows} x {report.cols}, {report.n_mtj} MTJs, threshold popcount {report.threshold}")
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


@characterize.command("array")
@click.option("--rows", type=int, required=True, help="Rows (fan-in).")
@click.option("--cols", type=int, default=DEFAULT_COLS, show_default=True, help="Columns simulated per deck.")
@click.option("--scheme", type=click.Choice(["half", "conventional"]), default="half", show_default=True)
@click.option("--points", type=int, default=None, help="Popcounts to sample (default: all up to 64 rows, else 17).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Output folder.")
@tech_option
@json_option
def characterize_array_cmd(rows: int, cols: int, scheme: str, points: int | None, seed: int, out_dir: str, tech_file: str | None, as_json: bool) -> None:
    """Popcount -> column current and sense output, as JSON + NPZ + PNG.

    \b
    Example: mramcim characterize array --rows 64 --cols 8 --out results/char64
    """
    import numpy as np

    from mramcim.artifacts import write_json, write_npz, write_png
    from mramcim.flows import characterize_array
    from mramcim.report.plots import plot_transfer

    t = _tech(tech_file)

    def progress(done: int, total: int) -> None:
        click.echo(f"  simulated deck {done}/{total}", err=True)

    curve = characterize_array(t, rows, cols, scheme, points, seed, progress)
    out = Path(out_dir)
    write_json(out / "transfer.json", curve)
    write_npz(out / "transfer.npz", **{k: np.asarray(curve[k]) for k in ("popcount", "current_a", "ohm_current_a", "p_plus")})
    write_png(out / "transfer.png", lambda: plot_transfer(curve))
    if as_json:
        _echo_json(curve)
        return
    fit = curve["linear_fit"]
    click.echo(f"{scheme} array, {rows} rows: {len(curve['popcount'])} popcounts simulated")
    click.echo(f"  slope {fit['slope_a'] * 1e6:.4f} uA/count, max linearity residual {fit['max_residual_rel'] * 100:.4f} % of span")
    click.echo(f"  sense errors: {sum(s != e for s, e in zip(curve['sense'], curve['expected_sense'], strict=True))}")
    click.echo(f"  wrote {out / 'transfer.json'}, transfer.npz, transfer.png")


@cli.command("train")
@click.option("--algo", required=True, help="tgbnn or bnn.")
@click.option("--dataset", required=True, help="digits, wine, mnist or fashion-mnist.")
@click.option("--hardware", type=click.Path(dir_okay=False), help="transfer.json from `characterize array` (rows = fan-in).")
@click.option("--epochs", type=int, default=10, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--hidden", type=int, default=256, show_default=True, help="Hidden neurons.")
@click.option("--flip-prob", type=float, default=0.02, show_default=True, help="TGBNN stochastic flip probability.")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Dataset folder (MNIST / Fashion-MNIST IDX files).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Output folder.")
@json_option
def train_cmd(algo: str, dataset: str, hardware: str | None, epochs: int, seed: int, hidden: int, flip_prob: float, data_dir: str | None, out_dir: str, as_json: bool) -> None:
    """Train TGBNN or the regular BNN baseline; writes metrics.json and learning_curve.png.

    \b
    Examples:
      mramcim train --algo tgbnn --dataset digits --epochs 10 --out results/tgbnn
      mramcim train --algo tgbnn --dataset digits --hardware results/char64/transfer.json --out results/hw
    """
    from dataclasses import asdict

    from mramcim.artifacts import write_json, write_png
    from mramcim.datasets import load_dataset
    from mramcim.errors import InputError
    from mramcim.report.plots import plot_learning_curves
    from mramcim.train import HardwareCurve, TrainConfig, train

    cfg = TrainConfig(algo=algo, hidden=hidden, epochs=epochs, seed=seed, flip_prob=flip_prob)
    curve = None
    if hardware:
        try:
            payload = json.loads(Path(hardware).read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise InputError(f"cannot read hardware characteristic {hardware}: {err}") from None
        curve = HardwareCurve.from_json(payload, hardware)
    data = load_dataset(dataset, data_dir)

    def progress(epoch: int, train_acc: float, test_acc: float) -> None:
        click.echo(f"  epoch {epoch:3d}/{epochs}: train {train_acc:.4f}  test {test_acc:.4f}", err=True)

    result = train(data, cfg, curve, progress)
    metrics = {
        "dataset": dataset,
        "data_note": data.note,
        "hardware": hardware,
        "config": asdict(cfg),
        "train_acc": result.train_acc,
        "test_acc": result.test_acc,
        "weight_flips": result.flips,
        "n_train": int(data.x_train.shape[0]),
        "n_test": int(data.x_test.shape[0]),
    }
    out = Path(out_dir)
    write_json(out / "metrics.json", metrics)
    write_png(out / "learning_curve.png", lambda: plot_learning_curves(metrics))
    if as_json:
        _echo_json(metrics)
    else:
        click.echo(f"{algo} on {dataset} ({data.note}): final test accuracy {result.test_acc[-1]:.4f}; wrote {out / 'metrics.json'}")


cli.add_command(mtj)


@cli.group()
def bench() -> None:
    """Speed benchmarks (ratios measured side by side in one run)."""


bench.add_command(bench_mtj)


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
