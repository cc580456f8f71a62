"""`characterize neuron` and `experiment sigmoid-neuron`: the MTJ sigmoid neuron (docs/neuron.md)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from mramcim.cli.common import _echo_json, _save, _tech, json_option, tech_option

DEFAULT_CURRENTS_MA = "-16:16:33"


def _characterize(tech: Any, currents_ma: str, trials: int, seed: int, workers: int | None) -> dict[str, Any]:
    from mramcim.cli.mtj import parse_values

    from mramcim.flows import provenance
    from mramcim.neuron import characterize_neuron

    currents = parse_values(currents_ma, "--currents-ma", 1e-3, positive=False)
    res = characterize_neuron(tech, currents, trials=trials, seed=seed, workers=workers or os.cpu_count() or 1,
                              progress=lambda msg: click.echo(f"  {msg}", err=True))
    return res | {"provenance": provenance(tech) | {"command": "characterize neuron"}}


def _summary(res: dict[str, Any]) -> str:
    f, d = res["fit"], res["design"]
    return (f"neuron over {res['currents_a'][0] * 1e3:g}..{res['currents_a'][-1] * 1e3:g} mA: max |mz - closed form| "
            f"{res['max_abs_mz_error']:.1e}; fit bx {f['bx_t'] * 1e3:.3f} mT (design {d['bx_t'] * 1e3:g}), bk "
            f"{f['bk_t'] * 1e3:.3f} mT (design {d['bk_t'] * 1e3:g}); settles in {max(res['settle_time_s']) * 1e9:.1f} ns; "
            f"logistic scale {res['logistic_current_scale_a'] * 1e3:.3f} mA per unit")


_options = [
    click.option("--currents-ma", default=DEFAULT_CURRENTS_MA, show_default=True, help="Input currents [mA]: list or lo:hi:n."),
    click.option("--trials", type=int, default=0, show_default=True,
                 help="Thermal (300 K) neurons per input for the readout noise; 0 = T = 0 only."),
    click.option("--seed", type=int, default=1, show_default=True, help="ngspice seed of the thermal field."),
    click.option("--workers", type=int, default=None, help="Parallel ngspice processes (default: CPU count)."),
]


def _neuron_options(func: Any) -> Any:
    for option in reversed(_options):
        func = option(func)
    return func


@click.command("neuron")
@_neuron_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Output folder.")
@tech_option
@json_option
def characterize_neuron_cmd(currents_ma: str, trials: int, seed: int, workers: int | None, out_dir: str,
                            tech_file: str | None, as_json: bool) -> None:
    """MTJ sigmoid neuron: junction resistances vs input current, simulated in ngspice.

    Writes neuron.json and neuron.png: the perpendicular readout (activation) against the closed
    form, the slope from the in-plane readout against the numerical derivative, the fitted model
    and the energy per activation; with --trials, the 300 K readout noise.

    \b
    Examples:
      mramcim characterize neuron --out results/neuron
      mramcim characterize neuron --currents-ma -8:8:17 --trials 8 --out results/neuron-noise
    """
    from mramcim.report.neuron_plots import plot_neuron

    res = _characterize(_tech(tech_file), currents_ma, trials, seed, workers)
    _save(out_dir, "neuron", res, {}, plot_neuron)
    if as_json:
        _echo_json(res)
        return
    click.echo(_summary(res) + f"; wrote {Path(out_dir) / 'neuron.json'}")


@click.command("sigmoid-neuron")
@click.option("--dataset", default="fashion-mnist", show_default=True, help="fashion-mnist or digits (grey pixels).")
@click.option("--hidden", type=int, default=128, show_default=True)
@click.option("--epochs", type=int, default=10, show_default=True)
@click.option("--lr", type=float, default=1e-3, show_default=True, help="Adam learning rate.")
@click.option("--draws", type=int, default=5, show_default=True, help="Device draws per robustness point.")
@click.option("--net-seed", type=int, default=0, show_default=True, help="Seed of weights, batches and device draws.")
@click.option("--char", "char_file", type=click.Path(exists=True, dir_okay=False),
              help="A neuron.json from `characterize neuron` (default: characterize now with --trials).")
@_neuron_options
@click.option("--data-dir", type=click.Path(file_okay=False), help="Fashion-MNIST IDX folder (default: the Debian package).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True)
@tech_option
@json_option
def experiment_sigmoid_cmd(dataset: str, hidden: int, epochs: int, lr: float, draws: int, net_seed: int, char_file: str | None,
                           currents_ma: str, trials: int, seed: int, workers: int | None, data_dir: str | None, out_dir: str,
                           tech_file: str | None, as_json: bool) -> None:
    """MTJ sigmoid neurons as the hidden layer of a 784-H-10 network, against the software logistic.

    Trains the software network, runs its weights on MTJ neurons (nominal; then with device
    spread and thermal noise), and trains the same network with the MTJ forward and the slope
    read from the in-plane junction. Writes sigmoid-neuron.json/.png (and neuron.json/.png when
    it characterizes). Reference: 0.1 % loss on Fashion-MNIST (seed 003).

    \b
    Examples:
      mramcim experiment sigmoid-neuron --trials 6 --out results/sigmoid
      mramcim experiment sigmoid-neuron --dataset digits --epochs 30 --char results/neuron/neuron.json --out results/sig-digits
    """
    from mramcim.artifacts import read_json_object
    from mramcim.datasets import load_grey
    from mramcim.flows import provenance
    from mramcim.netlist import neuron_params
    from mramcim.neuron import check_characterization
    from mramcim.report.neuron_plots import plot_neuron, plot_sigmoid_experiment
    from mramcim.sigmoid_net import MlpConfig, run_sigmoid_experiment

    tech = _tech(tech_file)
    cfg = MlpConfig(hidden=hidden, epochs=epochs, lr=lr, seed=net_seed).check()
    data = load_grey(dataset, data_dir)
    if char_file:
        char = check_characterization(read_json_object(char_file, "neuron characterization"), char_file)
    else:
        char = _characterize(tech, currents_ma, trials, seed, workers)
    res = run_sigmoid_experiment(char, data, cfg, sigma_rel=neuron_params(tech).sigma_field_rel, draws=draws,
                                 progress=lambda msg: click.echo(f"  {msg}", err=True))
    res["provenance"] = provenance(tech) | {"command": "experiment sigmoid-neuron", "characterization": char_file or "this run"}
    if not char_file:
        _save(out_dir, "neuron", char, {}, plot_neuron)
    _save(out_dir, "sigmoid-neuron", res, {}, plot_sigmoid_experiment)
    if as_json:
        _echo_json(res)
        return
    hw = res["transfer_hardware_accuracy"]
    click.echo(f"{dataset}: software logistic {res['software_accuracy']:.2%}; its weights on MTJ neurons {res['transfer_nominal_accuracy']:.2%} "
               f"(loss {res['transfer_nominal_loss'] * 100:+.2f} %; reference 0.1 %)"
               + (f", with {res['sigma_rel'] * 100:g} % spread" + (" and noise" if res["thermal_noise"] else "") + f" {hw:.2%}" if hw is not None else ""))
    click.echo(f"trained on MTJ neurons (forward + in-plane slope): {res['device_trained_accuracy']:.2%} "
               f"(loss {res['device_trained_loss'] * 100:+.2f} %); {res['energy_per_activation_j'] * 1e12:.2f} pJ per activation; "
               f"wrote {Path(out_dir) / 'sigmoid-neuron.json'}")
