"""`mramcim experiment ...`: studies that combine circuit and training results (JSON + PNG)."""

from __future__ import annotations

from typing import Any

import click
from mramcim.cli.common import (
    choice,
    json_option,
    load_tech,
    out_option,
    run_info,
    say,
    show,
    simulator_option,
    tech_option,
    train_config,
    with_neuron_options,
    with_train_options,
    workers_default,
)

from mramcim.options import Parasitics, SwitchMode, WriteBias


@click.group()
def experiment() -> None:
    """Studies that combine circuit and training results (JSON + PNG)."""


@experiment.command("tgbnn")
@click.option(
    "--datasets",
    default="mnist,fashion-mnist",
    show_default=True,
    help="Comma-separated; the first also gets the ECOC study.",
)
@click.option("--seeds", default=3, show_default=True, type=int, help="Seeds 0..N-1 for every curve.")
@with_train_options
@click.option(
    "--hil-dataset",
    default="mnist",
    show_default=True,
    help="Dataset of the hardware-in-the-loop runs ('none' to skip).",
)
@click.option("--hil-seeds", default=3, show_default=True, type=int)
@click.option(
    "--mc", default=20, show_default=True, type=int, help="Monte-Carlo reads for the transfer characteristic."
)
@click.option(
    "--parasitics",
    type=choice(Parasitics),
    default="mesh",
    show_default=True,
    help="Wires of the in-the-loop arrays' transfer characteristic.",
)
@click.option("--array-cols", type=int, default=64, show_default=True)
@simulator_option
@click.option("--workers", type=int, default=1, show_default=True, help="Processes for the ideal-training runs.")
@click.option("--ecoc/--no-ecoc", default=True, show_default=True, help="ECOC runs on the first dataset.")
@out_option()
@json_option
def experiment_tgbnn(
    datasets: str,
    seeds: int,
    hil_dataset: str,
    hil_seeds: int,
    mc: int,
    parasitics: str,
    array_cols: int,
    simulator: str,
    workers: int,
    ecoc: bool,
    out_dir: str,
    tech_file: str | None,
    data_dir: str | None,
    as_json: bool,
    **kw: Any,
) -> None:
    """TGBNN (sparse writes, the papers' rule) vs the BNNs and float over seeds, ECOC, circuit in the loop.

    Writes tgbnn.json and tgbnn.png. The full default takes about 20 minutes on 2 cores.

    \b
    Examples:
      mramcim experiment tgbnn --out results/tgbnn
      mramcim experiment tgbnn --datasets mnist --parasitics none --out results/tgbnn-ideal-wires
      mramcim experiment tgbnn --datasets digits --seeds 2 --hil-dataset digits --epochs 5 --out results/quick
    """
    from mramcim.experiments.tgbnn_study import study_from_options

    tech = load_tech(tech_file)
    result = study_from_options(
        tech,
        datasets=datasets,
        seeds=seeds,
        base=train_config("tgbnn", **kw),
        hil_dataset=hil_dataset,
        hil_seeds=hil_seeds,
        mc=mc,
        array_cols=array_cols,
        parasitics=parasitics,
        data_dir=data_dir,
        ecoc=ecoc,
        workers=workers,
        progress=say,
        simulator=simulator,
    )
    show(result, as_json=as_json, out_dir=out_dir, run=run_info(tech))


@experiment.command("approx-storage")
@click.option("--dataset", default="mnist", show_default=True, help="digits, wine, mnist or fashion-mnist.")
@click.option(
    "--algo",
    type=click.Choice(["bnn", "tgbnn"]),
    default="bnn",
    show_default=True,
    help="Network whose weights are programmed.",
)
@click.option("--epochs", type=int, default=20, show_default=True)
@click.option("--hidden", type=int, default=512, show_default=True)
@click.option(
    "--mode",
    type=choice(SwitchMode),
    default="stt",
    show_default=True,
    help="Write mechanism (the seed uses spin-transfer torque).",
)
@click.option(
    "--currents-ua",
    default=None,
    help="Pulse currents: list or lo:hi:n (default, 40 points: STT 0.6..2.5 x Ic0; SOT the calibration's range).",
)
@click.option(
    "--widths-ns",
    default=None,
    help="Pulse widths: list or lo:hi:n (default: STT 2,5,10,20; SOT the calibrated widths, 2,5,10).",
)
@click.option("--trials", type=int, default=5, show_default=True, help="Error patterns per pulse.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False), help="MNIST IDX folder.")
@out_option()
@tech_option
@json_option
def experiment_approx(
    dataset: str,
    algo: str,
    epochs: int,
    hidden: int,
    mode: str,
    currents_ua: str | None,
    widths_ns: str | None,
    trials: int,
    seed: int,
    data_dir: str | None,
    out_dir: str,
    tech_file: str | None,
    as_json: bool,
) -> None:
    """Approximate storage: write BER and programming energy vs pulse, and the accuracy they leave.

    Writes approx-storage.json and .png: BER(I, t) with device variation, the trained network's
    accuracy with that BER in its stored weights, and the energy saved at <= 1 % accuracy loss.

    \b
    Examples:
      mramcim experiment approx-storage --out results/approx
      mramcim experiment approx-storage --mode sot --out results/approx-sot
    """
    from mramcim.experiments.approx_storage import approx_storage_study
    from mramcim.units import parse_values

    tech = load_tech(tech_file)
    currents = parse_values(currents_ua, "--currents-ua", 1e-6) if currents_ua else None
    result = approx_storage_study(
        tech,
        dataset=dataset,
        algo=algo,
        epochs=epochs,
        hidden=hidden,
        mode=mode,
        currents_a=currents,
        widths_s=parse_values(widths_ns, "--widths-ns", 1e-9) if widths_ns else None,
        trials=trials,
        seed=seed,
        data_dir=data_dir,
        progress=say,
    )
    show(result, as_json=as_json, out_dir=out_dir, run=run_info(tech, seed))


@experiment.command("passive-wine")
@click.option(
    "--solutions", type=int, default=300, show_default=True, help="Weight solutions (one BNN training seed each)."
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seeds the training, the chip's device pattern and the writes.",
)
@click.option(
    "--v-write", type=float, default=0.8, show_default=True, help="Full-select write voltage across a cell [V]."
)
@click.option("--t-write-ns", type=float, default=10.0, show_default=True, help="Write pulse width [ns].")
@click.option(
    "--write-bias",
    type=choice(WriteBias),
    default="half",
    show_default=True,
    help="Unselected lines during writes: V/2 or V/3.",
)
@click.option(
    "--parasitics",
    type=click.Choice(["none", "mesh"]),
    default="mesh",
    show_default=True,
    help="Read network: ideal lines, or segment and driver resistances.",
)
@click.option(
    "--tech",
    "tech_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Technology YAML (default: the packaged models/passive_stt_tech.yaml).",
)
@out_option()
@json_option
def passive_wine_cmd(
    solutions: int,
    seed: int,
    v_write: float,
    t_write_ns: float,
    write_bias: str,
    parasitics: str,
    tech_file: str | None,
    out_dir: str,
    as_json: bool,
) -> None:
    """Binary 2-layer perceptron on Wine in two passive 15 x 15 MTJ arrays (Goodwill et al.).

    Trains --solutions weight solutions, programs each into the same chip (device-size spread,
    failed writes, half-select disturb), reads it through the resistive network (line and
    driver resistance, sneak currents) and calibrates its thresholds. Writes passive-wine.json
    and passive-wine.png. The default takes 1 to 1.5 minutes on 2 cores.

    \b
    Examples:
      mramcim experiment passive-wine --out results/passive-wine
      mramcim experiment passive-wine --solutions 50 --write-bias third --out results/passive-third
    """
    from mramcim.array.crossbar_write import WriteConfig
    from mramcim.experiments.passive_wine import run_passive_wine
    from mramcim.tech import load_passive_tech

    tech = load_passive_tech(tech_file)
    write = WriteConfig(v_write_v=v_write, t_write_s=t_write_ns * 1e-9, bias=write_bias)
    result = run_passive_wine(tech, solutions=solutions, seed=seed, write=write, parasitics=parasitics, progress=say)
    show(result, as_json=as_json, out_dir=out_dir, run=run_info(tech, seed))


@experiment.command("sigmoid-neuron")
@click.option("--dataset", default="fashion-mnist", show_default=True, help="fashion-mnist or digits (grey pixels).")
@click.option("--hidden", type=int, default=128, show_default=True)
@click.option("--epochs", type=int, default=10, show_default=True)
@click.option("--lr", type=float, default=1e-3, show_default=True, help="Adam learning rate.")
@click.option("--draws", type=int, default=5, show_default=True, help="Device draws per robustness point.")
@click.option("--net-seed", type=int, default=0, show_default=True, help="Seed of weights, batches and device draws.")
@click.option(
    "--char",
    "char_file",
    type=click.Path(exists=True, dir_okay=False),
    help="A neuron.json from `characterize neuron` (default: characterize now with --trials).",
)
@with_neuron_options
@click.option(
    "--data-dir", type=click.Path(file_okay=False), help="Fashion-MNIST IDX folder (default: the Debian package)."
)
@out_option()
@tech_option
@json_option
def experiment_sigmoid_cmd(
    dataset: str,
    hidden: int,
    epochs: int,
    lr: float,
    draws: int,
    net_seed: int,
    char_file: str | None,
    currents_ma: str,
    trials: int,
    seed: int,
    workers: int | None,
    data_dir: str | None,
    out_dir: str,
    tech_file: str | None,
    as_json: bool,
) -> None:
    """MTJ sigmoid neurons as the hidden layer of a 784-H-10 network, against the software logistic.

    Trains the software network, runs its weights on MTJ neurons (nominal; then with device
    spread and thermal noise), and trains the same network with the MTJ forward and the slope
    read from the in-plane junction. Writes sigmoid-neuron.json/.png (and neuron.json/.png when
    it characterizes). Reference: 0.1 % loss on Fashion-MNIST (seed 003).

    \b
    Examples:
      mramcim experiment sigmoid-neuron --trials 6 --out results/sigmoid
      mramcim experiment sigmoid-neuron --dataset digits --epochs 30 --char results/neuron/neuron.json \
        --out results/sig-digits
    """
    from mramcim.characterize.neuron import NeuronCharacterization
    from mramcim.experiments.sigmoid_neuron import sigmoid_neuron_study
    from mramcim.learn.datasets import load_grey
    from mramcim.learn.sigmoid_net import MlpConfig
    from mramcim.units import parse_values

    tech = load_tech(tech_file)
    cfg = MlpConfig(hidden=hidden, epochs=epochs, lr=lr, seed=net_seed)
    data = load_grey(dataset, data_dir)
    char = NeuronCharacterization.from_file(char_file) if char_file else None
    study, made = sigmoid_neuron_study(
        tech,
        data,
        cfg,
        draws=draws,
        char=char,
        trials=trials,
        seed=seed,
        currents_a=parse_values(currents_ma, "--currents-ma", 1e-3, positive=False),
        workers=workers_default(workers),
        progress=say,
    )
    if char is None:
        show(made, as_json=False, out_dir=out_dir, run=run_info(tech, seed))
    show(
        study, as_json=as_json, out_dir=out_dir, run=run_info(tech, net_seed, characterization=char_file or "this run")
    )
