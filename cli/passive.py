"""Passive MTJ crossbar command: experiment passive-wine (seed 004)."""

from __future__ import annotations

from pathlib import Path

import click
from mramcim.cli.common import _echo_json, _save, json_option


@click.command("passive-wine")
@click.option("--solutions", type=int, default=300, show_default=True, help="Weight solutions (one BNN training seed each).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seeds the training, the chip's device pattern and the writes.")
@click.option("--v-write", type=float, default=0.8, show_default=True, help="Full-select write voltage across a cell [V].")
@click.option("--t-write-ns", type=float, default=10.0, show_default=True, help="Write pulse width [ns].")
@click.option("--write-bias", type=click.Choice(["half", "third"]), default="half", show_default=True,
              help="Unselected lines during writes: V/2 or V/3.")
@click.option("--parasitics", type=click.Choice(["none", "mesh"]), default="mesh", show_default=True,
              help="Read network: ideal lines, or segment and driver resistances.")
@click.option("--tech", "tech_file", type=click.Path(dir_okay=False), default=None,
              help="Technology YAML (default: the packaged models/passive_stt_tech.yaml).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Output folder.")
@json_option
def passive_wine_cmd(solutions: int, seed: int, v_write: float, t_write_ns: float, write_bias: str, parasitics: str,
                     tech_file: str | None, out_dir: str, as_json: bool) -> None:
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
    from mramcim.crossbar import load_passive_tech
    from mramcim.crossbar_write import write_config
    from mramcim.flows import provenance
    from mramcim.passive_wine import run_passive_wine
    from mramcim.report.passive_plots import plot_passive_wine

    tech = load_passive_tech(tech_file)
    write = write_config(v_write_v=v_write, t_write_s=t_write_ns * 1e-9, bias=write_bias)
    result = run_passive_wine(tech, solutions=solutions, seed=seed, write=write, parasitics=parasitics,
                              progress=lambda msg: click.echo(f"  {msg}", err=True))
    result["provenance"] = provenance(tech) | {"command": "experiment passive-wine", "seed": seed,
                                               "mtj_model": "linear cells at the read bias; analytic STT switching law"}
    _save(out_dir, "passive-wine", result, {}, plot_passive_wine)
    if as_json:
        _echo_json(result)
        return
    s, best, ref = result["summary"], result["best"], result["reference"]["accuracy"]
    click.echo(f"{solutions} solutions, test accuracy median (mean; best-worst): software {s['software']['median']:.4f} "
               f"({s['software']['mean']:.4f}; {s['software']['max']:.4f}-{s['software']['min']:.4f})")
    for key, label in (("hardware", "hardware as programmed"), ("hardware_tuned", "hardware tuned"),
                       ("write_errors_only", "write errors only"), ("variation_only", "device variation only"),
                       ("wires_only", "wires and drivers only")):
        click.echo(f"  {label:24s} {s[key]['median']:.4f} ({s[key]['mean']:.4f}; {s[key]['max']:.4f}-{s[key]['min']:.4f})")
    f = s["write_fidelity"]
    click.echo(f"write fidelity mean {f['mean']:.5f}, median {f['median']:.5f}, worst {f['min']:.5f}")
    click.echo(f"best solution {best['solution']}: tuned {best['hardware_tuned']:.4f}, as programmed {best['hardware']:.4f}, "
               f"software {best['software']:.4f} (reference: up to {ref:.3f}); wrote {Path(out_dir) / 'passive-wine.json'}")
