"""Learning commands: train, fetch-mnist."""

from __future__ import annotations

from typing import Any

import click
from mramcim.cli.common import (
    choice,
    json_option,
    load_tech,
    out_option,
    run_info,
    show,
    train_config,
    with_train_options,
)

from mramcim.options import Scheme


def _epoch_line(cfg: Any) -> Any:
    def progress(epoch: int, res: Any) -> None:
        energy = f"  writes {res.write_energy_j[-1] * 1e6:.3f} uJ" if res.write_energy_j else ""
        click.echo(
            f"  epoch {epoch:3d}/{cfg.epochs}: train {res.train_acc[-1]:.4f}  test {res.test_acc[-1]:.4f}  "
            f"flips {res.flips[-1]}{energy}",
            err=True,
        )

    return progress


@click.command("train")
@click.option(
    "--algo",
    default="tgbnn",
    show_default=True,
    help="tgbnn, bnn-sgd (latent weights, margin error, fixed-rate SGD: the papers' BNN, our reading), "
    "bnn (latent, Adam, cross-entropy) or float.",
)
@click.option("--dataset", default="digits", show_default=True, help="digits, wine, mnist or fashion-mnist.")
@click.option("--seed", type=int, default=0, show_default=True)
@with_train_options
@click.option(
    "--write-pulse",
    default=None,
    help="First-epoch SOT pulse, e.g. 150uA,10ns or 150uA,10ns,47ps (current, width[, rise; default: the write "
    "path's]); sets the flip probability from the calibrated P_sw.",
)
@click.option(
    "--sot-calibration",
    type=click.Path(dir_okay=False),
    default=None,
    help="SOT calibration JSON from `mtj calibrate-sot` (default: the packaged one).",
)
@click.option(
    "--validation",
    type=int,
    default=0,
    show_default=True,
    help="Hold out N training samples (seed 0) as the evaluation set, for choosing settings; the test set is not used.",
)
@click.option(
    "--input-thresholds",
    default="127",
    show_default=True,
    help="mnist/fashion-mnist: grey levels; one +-1 input per pixel and threshold (pixel > t).",
)
@click.option(
    "--hardware",
    type=click.Path(dir_okay=False),
    help="transfer.json from `characterize array --rows FAN_IN`: forward through the array.",
)
@click.option(
    "--write-stats",
    is_flag=True,
    help="Flip each cell with its own SOT P_sw (device variation: the calibration's measured area shift).",
)
@click.option(
    "--scheme",
    type=choice(Scheme, Scheme.active()),
    default="half",
    show_default=True,
    help="Array scheme for the counts.",
)
@click.option("--array-cols", type=int, default=64, show_default=True, help="Columns per array.")
@out_option()
@json_option
def train_cmd(
    algo: str,
    dataset: str,
    seed: int,
    write_pulse: str | None,
    sot_calibration: str | None,
    validation: int,
    input_thresholds: str,
    hardware: str | None,
    write_stats: bool,
    scheme: str,
    array_cols: int,
    out_dir: str,
    tech_file: str | None,
    data_dir: str | None,
    as_json: bool,
    **kw: Any,
) -> None:
    """Train TGBNN, the regular BNNs or the float bound; writes train.json, train.npz (weights) and train.png.

    \b
    Examples:
      mramcim train --dataset digits --epochs 10 --out results/tgbnn
      mramcim train --algo bnn --dataset mnist --out results/bnn
      mramcim train --dataset mnist --output-code ecoc --code-length 31 --out results/ecoc
      mramcim train --dataset mnist --write-pulse 150uA,10ns --write-stats --out results/sot
      mramcim train --dataset digits --hardware results/char64/transfer.json --out results/hw
      mramcim train --dataset mnist --validation 10000 --set top_m=1 --out results/val
    """
    from mramcim.learn.datasets import load_dataset
    from mramcim.learn.train import train_model
    from mramcim.units import parse_values

    cfg = train_config(algo, write_pulse=write_pulse, seed=seed, sot_calibration=sot_calibration, **kw)
    tech = load_tech(tech_file)
    run = train_model(
        load_dataset(
            dataset,
            data_dir,
            tuple(int(t) for t in parse_values(input_thresholds, "--input-thresholds", positive=False)),
            validation=validation,
        ),
        cfg,
        tech,
        hardware=hardware,
        write_stats=write_stats,
        scheme=scheme,
        array_cols=array_cols,
        progress=_epoch_line(cfg),
    )
    show(run, as_json=as_json, out_dir=out_dir, run=run_info(tech, seed))


@click.command("fetch-mnist")
@click.option("--dir", "folder", type=click.Path(file_okay=False), required=True, help="Folder for the four IDX files.")
@click.option("--url", default=None, help="Mirror base URL (default: the CVDF mirror on storage.googleapis.com).")
def fetch_mnist_cmd(folder: str, url: str | None) -> None:
    """Download MNIST (60k/10k IDX files) and verify every file's md5; bad files are not kept.

    \b
    Examples:
      mramcim fetch-mnist --dir data/mnist && mramcim train --dataset mnist --data-dir data/mnist --out results/mnist
    """
    from mramcim.learn.datasets import MNIST_URL, download_mnist

    for path in download_mnist(folder, url or MNIST_URL):
        click.echo(f"verified {path}")
