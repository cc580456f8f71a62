"""`mramcim explore`: a design-space sweep on a dask cluster, cached per point."""

from __future__ import annotations

from typing import Any

import click
from mramcim.cli.common import json_option, load_tech, out_option, run_info, scheduler_option, show, tech_option


def sweep_progress() -> Any:
    """A progress callback for design points: a live line on a terminal, every ~10 % in a log."""
    err = click.get_text_stream("stderr")
    shown = {"step": -1}

    def progress(p: Any) -> None:
        text = f"  points {p.done}/{p.total} done (cached {p.cached}, failed {p.failed})"
        step = 10 * p.done // max(p.total, 1)
        if err.isatty():
            click.echo("\r" + text, nl=p.done >= p.total, err=True)
        elif step > shown["step"] or p.done >= p.total:
            shown["step"] = step
            click.echo(text, err=True)

    return progress


@click.command("explore")
@click.argument("spec_file", required=False, type=click.Path(dir_okay=False))
@out_option("results/explore", "Output folder: explore.json, explore_points.csv, explore.npz, explore.png.")
@click.option("--workers", type=int, default=None, help="Local dask worker processes (default: CPU count).")
@scheduler_option
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Point cache root (default: $MRAMCIM_CACHE_DIR, else ~/.cache/mramcim); points go to <root>/explore/.",
)
@click.option("--no-cache", is_flag=True, help="Evaluate every point; read and write no cache.")
@click.option("--retry-failed", is_flag=True, help="Re-evaluate points cached as failed.")
@click.option("--show-spec", is_flag=True, help="Print the spec (the packaged default without SPEC_FILE) and exit.")
@tech_option
@json_option
def explore(
    spec_file: str | None,
    out_dir: str,
    workers: int | None,
    scheduler: str | None,
    cache_dir: str | None,
    no_cache: bool,
    retry_failed: bool,
    show_spec: bool,
    tech_file: str | None,
    as_json: bool,
) -> None:
    """Evaluate a design-space sweep (SPEC_FILE, YAML; default: the small packaged sweep): every
    point is a task on a local dask cluster (--workers) or a running one (--scheduler), cached
    per point; writes the table of points, the Pareto front per scheme, plots and the
    recommended design per scheme.

    \b
    Examples:
      mramcim explore --out results/explore
      mramcim explore --show-spec > sweep.yaml
      mramcim explore sweep.yaml --workers 2 --out results/sweep
      mramcim explore sweep.yaml --scheduler tcp://127.0.0.1:8786 --out results/sweep
    """
    from pathlib import Path

    from mramcim.experiments.explore import load_sweep_spec, packaged_spec, run_explore
    from mramcim.paths import user_cache_dir

    if workers is not None and scheduler is not None:
        raise click.UsageError("--workers and --scheduler exclude each other (a cluster brings its own workers)")
    if spec_file is None:
        spec, base, source = packaged_spec()
    else:
        (spec, base), source = load_sweep_spec(spec_file), spec_file
    if show_spec:
        click.echo(Path(source).read_text(encoding="utf-8"), nl=False)
        return
    tech_path = tech_file or (str(base / spec.tech) if spec.tech else None)
    t = load_tech(tech_path)
    cache = None if no_cache else Path(cache_dir) if cache_dir else user_cache_dir()
    result = run_explore(
        spec,
        t,
        base_dir=base,
        workers=workers,
        scheduler=scheduler,
        cache_dir=cache,
        retry_failed=retry_failed,
        progress=sweep_progress(),
    )
    show(result, as_json=as_json, out_dir=out_dir, run=run_info(t, spec.seed, spec=source))
