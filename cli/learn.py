"""Learning commands: train, experiment tgbnn, bench train."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
from mramcim.cli.common import _echo_json, _save, _tech, json_option, tech_option

_CURRENT = {"a": 1.0, "ma": 1e-3, "ua": 1e-6}
_TIME = {"s": 1.0, "us": 1e-6, "ns": 1e-9, "ps": 1e-12}


def parse_pulse(text: str) -> Any:
    """'250uA,10ns' -> WritePulse."""
    from mramcim.errors import InputError
    from mramcim.sotwrite import WritePulse

    m = re.fullmatch(r"\s*([0-9.eE+-]+)\s*(uA|mA|A)\s*,\s*([0-9.eE+-]+)\s*(ps|ns|us|s)\s*", text, flags=re.IGNORECASE)
    if m is None:
        raise InputError(f"--write-pulse must look like 250uA,10ns (current with uA/mA/A, width with ps/ns/us/s), got {text!r}")
    try:
        current, width = float(m.group(1)), float(m.group(3))
    except ValueError:
        raise InputError(f"--write-pulse has a malformed number: {text!r}") from None
    return WritePulse(current * _CURRENT[m.group(2).lower()], width * _TIME[m.group(4).lower()])


def _train_options(func: Any) -> Any:
    options = [
        click.option("--hidden", type=int, default=512, show_default=True, help="Hidden neurons."),
        click.option("--epochs", type=int, default=20, show_default=True),
        click.option("--batch", type=int, default=None, help="Mini-batch (default: tgbnn 500, at least 16 per epoch; bnn/float 100)."),
        click.option("--output-code", type=click.Choice(["onehot", "ecoc"]), default="onehot", show_default=True),
        click.option("--code-length", type=int, default=None, help="ECOC bits (default 2^k - 1 >= 2 x classes: 31 for 10)."),
        click.option("--flip-prob", type=float, default=0.03, show_default=True, help="TGBNN flip probability, first epoch."),
        click.option("--flip-prob-final", type=float, default=0.001, show_default=True, help="TGBNN flip probability, last epoch."),
        click.option("--data-dir", type=click.Path(file_okay=False), help="MNIST IDX folder (default: ../shared/datasets/mnist)."),
        tech_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _config(algo: str, **kw: Any) -> Any:
    from mramcim.train import TrainConfig

    return TrainConfig(algo=algo, hidden=kw["hidden"], epochs=kw["epochs"], batch=kw["batch"], seed=kw.get("seed", 0),
                       output_code=kw["output_code"], code_length=kw["code_length"], flip_prob=kw["flip_prob"],
                       flip_prob_final=kw["flip_prob_final"], write_pulse=kw.get("write_pulse"))


@click.command("train")
@click.option("--algo", default="tgbnn", show_default=True, help="tgbnn, bnn (latent weights, Adam) or float.")
@click.option("--dataset", default="digits", show_default=True, help="digits, wine, mnist or fashion-mnist.")
@click.option("--seed", type=int, default=0, show_default=True)
@_train_options
@click.option("--write-pulse", "write_pulse_text", default=None, help="First-epoch SOT pulse, e.g. 250uA,10ns (sets the flip probability).")
@click.option("--hardware", type=click.Path(dir_okay=False), help="transfer.json from `characterize array --rows FAN_IN`: forward through the array.")
@click.option("--write-stats", is_flag=True, help="Flip each cell with its own SOT P_sw (device variation).")
@click.option("--scheme", type=click.Choice(["half", "conventional"]), default="half", show_default=True, help="Array scheme for the counts.")
@click.option("--array-cols", type=int, default=64, show_default=True, help="Columns per array.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Output folder.")
@json_option
def train_cmd(algo: str, dataset: str, seed: int, write_pulse_text: str | None, hardware: str | None, write_stats: bool,
              scheme: str, array_cols: int, out_dir: str, tech_file: str | None, data_dir: str | None, as_json: bool,
              **kw: Any) -> None:
    """Train TGBNN, the regular BNN or the float bound; writes train.json and train.png.

    \b
    Examples:
      mramcim train --dataset digits --epochs 10 --out results/tgbnn
      mramcim train --algo bnn --dataset mnist --out results/bnn
      mramcim train --dataset mnist --output-code ecoc --code-length 31 --out results/ecoc
      mramcim train --dataset mnist --write-pulse 260uA,10ns --write-stats --out results/sot
      mramcim train --dataset digits --hardware results/char64/transfer.json --out results/hw
    """
    from mramcim.datasets import load_dataset
    from mramcim.errors import InputError
    from mramcim.hil import ArrayPlan, TransferCurve
    from mramcim.report.plots import plot_learning_curves
    from mramcim.train import train

    cfg = _config(algo, seed=seed, write_pulse=parse_pulse(write_pulse_text) if write_pulse_text else None, **kw)
    if algo != "tgbnn" and (write_pulse_text or write_stats):
        raise InputError("--write-pulse and --write-stats set the TGBNN's stochastic flips; the other algorithms have none")
    tech = _tech(tech_file)
    curve = TransferCurve.from_file(hardware) if hardware else None
    data = load_dataset(dataset, data_dir)
    if curve is not None:
        curve.check_fan_in(data.x_train.shape[1])

    def progress(epoch: int, res: Any) -> None:
        energy = f"  writes {res.write_energy_j[-1] * 1e6:.3f} uJ" if res.write_energy_j else ""
        click.echo(f"  epoch {epoch:3d}/{cfg.epochs}: train {res.train_acc[-1]:.4f}  test {res.test_acc[-1]:.4f}  "
                   f"flips {res.flips[-1]}{energy}", err=True)

    result = train(data, cfg, tech, curve=curve, write_variation=write_stats, progress=progress)
    plan = ArrayPlan(scheme, ((data.x_train.shape[1], cfg.hidden), (cfg.hidden, result.codebook.length)), array_cols).summary(None)
    metrics = {"dataset": dataset, "data_note": data.note, "n_train": int(data.y_train.size), "n_test": int(data.y_test.size),
               "hardware": hardware, "write_stats": write_stats, "arrays": plan, **result.as_dict()}
    _save(out_dir, "train", metrics, {f"w{i + 1}": w for i, w in enumerate(result.weights)}, plot_learning_curves)
    if as_json:
        _echo_json(metrics)
    else:
        click.echo(f"{algo} on {dataset} ({data.note}): final test accuracy {result.test_acc[-1]:.4f}; "
                   f"{plan['mtj']} MTJs in {plan['arrays']} {scheme} arrays; wrote {Path(out_dir) / 'train.json'}")


@click.group()
def experiment() -> None:
    """Studies that combine circuit and training results (JSON + PNG)."""


@experiment.command("tgbnn")
@click.option("--datasets", default="mnist,fashion-mnist", show_default=True, help="Comma-separated; the first also gets the ECOC study.")
@click.option("--seeds", default=3, show_default=True, type=int, help="Seeds 0..N-1 for every curve.")
@_train_options
@click.option("--hil-dataset", default="mnist", show_default=True, help="Dataset of the hardware-in-the-loop runs ('none' to skip).")
@click.option("--hil-seeds", default=3, show_default=True, type=int)
@click.option("--mc", default=20, show_default=True, type=int, help="Monte-Carlo reads for the transfer characteristic.")
@click.option("--parasitics", type=click.Choice(["none", "lumped", "mesh"]), default="mesh", show_default=True,
              help="Wires of the in-the-loop arrays' transfer characteristic.")
@click.option("--array-cols", type=int, default=64, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True)
@json_option
def experiment_tgbnn(datasets: str, seeds: int, hil_dataset: str, hil_seeds: int, mc: int, parasitics: str, array_cols: int, out_dir: str,
                     tech_file: str | None, data_dir: str | None, as_json: bool, **kw: Any) -> None:
    """TGBNN vs BNN (and float) over seeds, ECOC vs one-hot, ideal vs circuit in the loop.

    Writes tgbnn.json and tgbnn.png. The full default takes about 20 minutes on 2 cores.

    \b
    Examples:
      mramcim experiment tgbnn --out results/tgbnn
      mramcim experiment tgbnn --datasets mnist --parasitics none --out results/tgbnn-ideal-wires
      mramcim experiment tgbnn --datasets digits --seeds 2 --hil-dataset digits --epochs 5 --out results/quick
    """
    from mramcim.errors import InputError
    from mramcim.report.plots import plot_tgbnn_study
    from mramcim.tgbnn_study import run_study

    names = [s.strip() for s in datasets.split(",") if s.strip()]
    if not names:
        raise InputError("--datasets needs at least one dataset")
    if seeds < 1 or hil_seeds < 1:
        raise InputError("--seeds and --hil-seeds must be >= 1")
    if kw["output_code"] != "onehot":
        raise InputError("the study trains one-hot and ECOC itself; leave --output-code at onehot (use --code-length for ECOC)")
    base = _config("tgbnn", **kw)
    result = run_study(_tech(tech_file), datasets=names, seeds=list(range(seeds)), base=base,
                       ecoc_length=kw["code_length"], hil_dataset=None if hil_dataset == "none" else hil_dataset,
                       hil_seeds=list(range(hil_seeds)), mc=mc, array_cols=array_cols, parasitics=parasitics, data_dir=data_dir,
                       progress=lambda msg: click.echo(f"  {msg}", err=True))
    _save(out_dir, "tgbnn", result, {}, plot_tgbnn_study)
    if as_json:
        _echo_json(result)
        return
    for name, entry in result["datasets"].items():
        t, b, f = (entry[a]["summary"] for a in ("tgbnn", "bnn", "float"))
        click.echo(f"{name}: tgbnn {t['final_mean']:.4f}+-{t['final_std']:.4f} (95 % at epoch {t['epochs_to_95pct']}), "
                   f"bnn {b['final_mean']:.4f}+-{b['final_std']:.4f} (epoch {b['epochs_to_95pct']}), float {f['final_mean']:.4f}; "
                   f"gap {entry['gap_bnn_minus_tgbnn'] * 100:.2f} %")
    e = result["ecoc"]
    click.echo(f"ECOC ({e['dataset']}, L={e['tgbnn']['output_code']['length']}): tgbnn {e['tgbnn']['summary']['final_mean']:.4f} "
               f"(one-hot {e['tgbnn']['onehot_final_mean']:.4f}), bnn {e['bnn']['summary']['final_mean']:.4f}")
    for scheme, s in result.get("hardware_in_the_loop", {}).get("schemes", {}).items():
        click.echo(f"in the loop, {scheme}: {s['summary']['final_mean']:.4f} (drop {s['accuracy_drop_vs_ideal'] * 100:.2f} %), "
                   f"{s['inference_energy_per_sample_j'] * 1e12:.1f} pJ/inference, training {s['training_energy_j']['total'] * 1e6:.2f} uJ, "
                   f"{s['plan']['mtj']} MTJs")
    click.echo(f"wrote {Path(out_dir) / 'tgbnn.json'}")


@click.command("train")
@click.option("--n", "n", type=int, default=60000, show_default=True, help="Training samples.")
@click.option("--hidden", type=int, default=512, show_default=True)
@click.option("--batch", type=int, default=500, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@tech_option
@json_option
def bench_train_cmd(n: int, hidden: int, batch: int, seed: int, tech_file: str | None, as_json: bool) -> None:
    """One training epoch (784 inputs, 10 classes): TGBNN, TGBNN in the loop and BNN vs float32 BLAS.

    \b
    Examples:
      mramcim bench train
      mramcim bench train --n 10000 --json
    """
    from mramcim.trainbench import bench_train

    res = bench_train(_tech(tech_file), n=n, hidden=hidden, batch=batch, seed=seed)
    if as_json:
        _echo_json(res)
        return
    s = res["shape"]
    click.echo(f"epoch of {s['n']} x {s['d']} -> {s['hidden']} -> {s['classes']}, batch {s['batch']}, seed {seed}")
    for name, t in res["epoch_s"].items():
        ratio = "" if name == "float32_blas" else f"  {res['over_float32'][name]:.2f}x float32"
        target = f" (target <= {res['targets'][name]:.0f}x)" if name in res["targets"] else ""
        click.echo(f"  {name:13s} {t:7.3f} s{ratio}{target}")
    fp = res["forward_product_per_batch"]
    click.echo(f"  forward product per batch: BLAS {fp['blas_s'] * 1e3:.2f} ms, XNOR-popcount {fp['xnor_popcount_s'] * 1e3:.2f} ms "
               f"({fp['xnor_over_blas']:.1f}x)")
    m = res["memory"]
    click.echo(f"  peak traced memory: {m['peak_traced_bytes'][0] / 2**20:.1f} MiB at {m['dataset_rows'][0]} samples, "
               f"{m['peak_traced_bytes'][1] / 2**20:.1f} MiB at {m['dataset_rows'][1]} (dataset {m['dataset_bytes'][1] / 2**20:.1f} MiB, not traced)")


@click.command("fetch-mnist")
@click.option("--dir", "folder", type=click.Path(file_okay=False), required=True, help="Folder for the four IDX files.")
@click.option("--url", default=None, help="Mirror base URL (default: the CVDF mirror on storage.googleapis.com).")
def fetch_mnist_cmd(folder: str, url: str | None) -> None:
    """Download MNIST (60k/10k IDX files) and verify every file's md5; bad files are not kept.

    \b
    Examples:
      mramcim fetch-mnist --dir data/mnist && mramcim train --dataset mnist --data-dir data/mnist --out results/mnist
    """
    from mramcim.datasets import MNIST_URL, download_mnist

    for path in download_mnist(folder, url or MNIST_URL):
        click.echo(f"verified {path}")


@experiment.command("approx-storage")
@click.option("--dataset", default="mnist", show_default=True, help="digits, wine, mnist or fashion-mnist.")
@click.option("--algo", type=click.Choice(["bnn", "tgbnn"]), default="bnn", show_default=True, help="Network whose weights are programmed.")
@click.option("--epochs", type=int, default=20, show_default=True)
@click.option("--hidden", type=int, default=512, show_default=True)
@click.option("--mode", type=click.Choice(["stt", "sot"]), default="stt", show_default=True, help="Write mechanism (the seed uses spin-transfer torque).")
@click.option("--currents-ua", default=None, help="Pulse currents: list or lo:hi:n (default 0.6..2.5 x Ic0, 40 points).")
@click.option("--widths-ns", default="2,5,10,20", show_default=True, help="Pulse widths: list or lo:hi:n.")
@click.option("--trials", type=int, default=5, show_default=True, help="Error patterns per pulse.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False), help="MNIST IDX folder.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True)
@tech_option
@json_option
def experiment_approx(dataset: str, algo: str, epochs: int, hidden: int, mode: str, currents_ua: str | None, widths_ns: str,
                      trials: int, seed: int, data_dir: str | None, out_dir: str, tech_file: str | None, as_json: bool) -> None:
    """Approximate storage: write BER and programming energy vs pulse, and the accuracy they leave.

    Writes approx-storage.json and .png: BER(I, t) with device variation, the trained network's
    accuracy with that BER in its stored weights, and the energy saved at <= 1 % accuracy loss.

    \b
    Examples:
      mramcim experiment approx-storage --out results/approx
      mramcim experiment approx-storage --dataset digits --mode sot --widths-ns 1,2,5 --out results/approx-sot
    """
    import numpy as np
    from mramcim.cli.mtj import parse_values

    from mramcim.approx import run_approx_storage
    from mramcim.datasets import load_dataset
    from mramcim.errors import InputError
    from mramcim.mtjchar import analytic_law
    from mramcim.report.plots import plot_approx_storage
    from mramcim.train import TrainConfig, train

    if trials < 1:
        raise InputError(f"trials must be >= 1, got {trials}")
    tech = _tech(tech_file)
    ic0 = analytic_law(tech, mode).ic0_a
    currents = (parse_values(currents_ua, "--currents-ua", 1e-6) if currents_ua
                else np.linspace(0.6 * ic0, 2.5 * ic0, 40).tolist())
    widths = parse_values(widths_ns, "--widths-ns", 1e-9)
    data = load_dataset(dataset, data_dir)
    click.echo(f"  training {algo} on {dataset} ({epochs} epochs)", err=True)
    trained = train(data, TrainConfig(algo=algo, epochs=epochs, hidden=hidden, seed=seed), tech)
    result = run_approx_storage(tech, data, trained, mode=mode, currents_a=currents, widths_s=widths, trials=trials,
                                seed=seed, progress=lambda msg: click.echo(f"  {msg}", err=True))
    result.update({"dataset": dataset, "data_note": data.note, "algo": algo, "epochs": epochs, "hidden": hidden})
    _save(out_dir, "approx-storage", result, {}, plot_approx_storage)
    if as_json:
        _echo_json(result)
        return
    ref, best = result["reference"], result["best"]
    click.echo(f"{algo} on {dataset}: software {result['software_accuracy']:.4f}; reliable write ({ref['current_a'] * 1e6:.0f} uA, "
               f"{ref['width_s'] * 1e9:g} ns, BER {ref['ber']:.1e}) {ref['energy_j'] * 1e9:.2f} nJ, accuracy {ref['accuracy']:.4f}")
    click.echo(f"cheapest within 1 %: {best['current_a'] * 1e6:.0f} uA, {best['width_s'] * 1e9:g} ns, BER {best['ber']:.2e}, "
               f"{best['energy_j'] * 1e9:.2f} nJ, accuracy {best['accuracy']:.4f}: {result['energy_saved'] * 100:.1f} % of the "
               f"programming energy saved (reference: 74 %); wrote {Path(out_dir) / 'approx-storage.json'}")
