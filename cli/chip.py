"""Chip design commands: build the design context, evaluate a design point, verify it in ngspice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from mramcim.cli.common import json_option, load_tech, out_option, run_info, show, tech_option


def _point(path: str) -> dict[str, Any]:
    from mramcim.errors import InputError

    try:
        point = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(f"{path}: not a JSON design point ({err})") from err
    if not isinstance(point, dict):
        raise InputError(f"{path}: a design point is a JSON object of DesignPoint fields")
    return point.get("point", point)


@click.group("chip")
def chip() -> None:
    """The 784-512-10 MNIST chip: design context, design-point evaluation."""


@chip.command("context")
@click.option(
    "--tgbnn",
    "tgbnn_npz",
    type=click.Path(exists=True, dir_okay=False),
    required=True,
    help="train.npz of `mramcim train --algo tgbnn --dataset mnist`.",
)
@click.option(
    "--bnn",
    "bnn_npz",
    type=click.Path(exists=True, dir_okay=False),
    required=True,
    help="train.npz of `mramcim train --algo bnn --dataset mnist`.",
)
@click.option("--data-dir", type=click.Path(file_okay=False), help="MNIST folder (default: the shared one).")
@out_option()
@tech_option
def chip_context(tgbnn_npz: str, bnn_npz: str, data_dir: str | None, out_dir: str, tech_file: str | None) -> None:
    """Write the design context: trained weights, the binarized MNIST test set, and per-cell energies
    measured in ngspice transients (a 64 x 1 column per scheme).

    \b
    Example: mramcim chip context --tgbnn runs/tgbnn/train.npz --bnn runs/bnn/train.npz --out runs/context
    """
    from mramcim.experiments.design import build_context

    click.echo(
        f"wrote {build_context(out_dir, load_tech(tech_file), {'tgbnn': tgbnn_npz, 'bnn': bnn_npz}, data_dir=data_dir)}"
    )


@chip.command("evaluate")
@click.argument("point_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--context", "context_dir", type=click.Path(file_okay=False), required=True, help="`chip context` folder."
)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, help="Publish JSON here.")
@tech_option
@json_option
def chip_evaluate(point_file: str, context_dir: str, out_dir: str | None, tech_file: str | None, as_json: bool) -> None:
    """Accuracy, energy, area and latency of one design point (JSON object of DesignPoint fields).

    \b
    Example: echo '{"scheme": "half", "mapping": "adc", "rows": 64}' > p.json
             mramcim chip evaluate p.json --context runs/context
    """
    from mramcim.experiments.design import DesignEvaluation, evaluate_design, load_context

    tech = load_tech(tech_file)
    result = DesignEvaluation(evaluate_design(_point(point_file), load_context(context_dir, tech)))
    show(result, as_json=as_json, out_dir=out_dir, run=run_info(tech))


@click.command("design")
@click.argument("point_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--context", "context_dir", type=click.Path(file_okay=False), required=True, help="`chip context` folder."
)
@click.option("--images", type=int, default=200, show_default=True, help="MNIST test images (seeded subset).")
@click.option(
    "--workers", type=int, default=1, show_default=True, help="Parallel simulator processes (VACASK: column blocks)."
)
@click.option(
    "--simulator",
    default="ngspice",
    show_default=True,
    help="ngspice (one image per deck) or vacask (every image swept in one deck per column block).",
)
@click.option(
    "--method",
    type=click.Choice(["direct", "transfer"]),
    default="direct",
    show_default=True,
    help="direct: every image its own operating point; transfer (vacask, conventional): per column block one "
    "operating point per sense input, then every image by superposition, checked against direct points.",
)
@click.option(
    "--check-images",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="With --method transfer: images also solved directly in every block's deck (superposition must match).",
)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, help="Publish JSON here.")
@tech_option
@json_option
def verify_design_cmd(
    point_file: str,
    context_dir: str,
    images: int,
    workers: int,
    simulator: str,
    method: str,
    check_images: int,
    out_dir: str | None,
    tech_file: str | None,
    as_json: bool,
) -> None:
    """Push MNIST images through a design's hidden-layer sub-arrays in ngspice and compare its
    accuracy with the behavioural model's on the same images and chip.

    \b
    Examples:
      mramcim verify design p.json --context runs/context --images 200 --simulator vacask
      mramcim verify design p.json --context runs/context --images 1000 --simulator vacask --method transfer
    """
    from mramcim.experiments.design import load_context
    from mramcim.experiments.verify_design import verify_design

    tech = load_tech(tech_file)
    result = verify_design(
        _point(point_file),
        load_context(context_dir, tech),
        n_images=images,
        workers=workers,
        simulator=simulator,
        method=method,
        check_images=check_images,
        progress=lambda msg: click.echo(msg, err=True),
    )
    show(result, as_json=as_json, out_dir=out_dir, run=run_info(tech))
