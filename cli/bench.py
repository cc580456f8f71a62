"""`mramcim bench ...`: speed benchmarks (ratios measured side by side in one run)."""

from __future__ import annotations

import click
from mramcim.cli.common import json_option, load_tech, say, show, tech_option


@click.group()
def bench() -> None:
    """Speed benchmarks (ratios measured side by side in one run)."""


@bench.command("array")
@click.option("--rows", type=int, default=784, show_default=True)
@click.option("--cols", "cols_text", default="8,64,256", show_default=True, help="Comma-separated column counts.")
@click.option(
    "--flat-max-cols",
    type=int,
    default=64,
    show_default=True,
    help="Run the flat ngspice deck up to this many columns (784 x 64 takes minutes).",
)
@click.option("--block-cols", type=int, default=4, show_default=True, help="Columns per ngspice partition block.")
@click.option("--workers", type=int, default=None, help="Parallel ngspice processes (default: CPU count).")
@click.option("--seed", type=int, default=0, show_default=True)
@tech_option
@json_option
def bench_array_cmd(
    rows: int,
    cols_text: str,
    flat_max_cols: int,
    block_cols: int,
    workers: int | None,
    seed: int,
    tech_file: str | None,
    as_json: bool,
) -> None:
    """Render/ERC/DC-solve times for rows x {cols}: scipy vs ngspice flat vs ngspice partitioned.

    \b
    Examples:
      mramcim bench array
      mramcim bench array --cols 8,64 --flat-max-cols 8 --json
    """
    from mramcim.experiments.bench_array import bench_array
    from mramcim.units import parse_ints

    cols = parse_ints(cols_text, "--cols")
    show(
        bench_array(
            load_tech(tech_file),
            rows,
            cols,
            flat_max_cols=flat_max_cols,
            block_cols=block_cols,
            workers=workers,
            seed=seed,
            progress=say,
        ),
        as_json=as_json,
    )


@bench.command("mtj")
@click.option("--trials", type=int, default=32, show_default=True, help="Trials per measurement.")
@tech_option
@json_option
def bench_mtj_cmd(trials: int, tech_file: str | None, as_json: bool) -> None:
    """LLG transients per second per core, 1 vs 2 workers, and the two-state model's rate.

    \b
    Example: mramcim bench mtj --trials 64
    """
    from mramcim.experiments.bench_mtj import bench_mtj

    show(bench_mtj(load_tech(tech_file), trials), as_json=as_json)


@bench.command("train")
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
    from mramcim.experiments.bench_train import bench_train

    show(bench_train(load_tech(tech_file), n=n, hidden=hidden, batch=batch, seed=seed), as_json=as_json)


@bench.command("engines")
@click.option("--rows", type=int, default=784, show_default=True)
@click.option("--cols", "cols_text", default="2,8", show_default=True, help="Comma-separated column counts N.")
@click.option(
    "--ngspice-max-cols",
    type=int,
    default=32,
    show_default=True,
    help="Widths above this run in VACASK only (784 x 8 takes ngspice ~6 min of CPU).",
)
@click.option(
    "--full-cols",
    type=int,
    default=0,
    show_default=True,
    help="Also run a rows x FULL_COLS array through VACASK in column blocks (e.g. 512; 0: skip).",
)
@click.option("--block-cols", type=int, default=8, show_default=True, help="Columns per VACASK block (--full-cols).")
@click.option("--workers", type=int, default=None, help="Parallel VACASK processes for the blocks (default: CPUs).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--timeout", type=float, default=7200.0, show_default=True, help="Per simulation [s].")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Also write bench-engines.json here.")
@tech_option
@json_option
def bench_engines_cmd(
    rows: int,
    cols_text: str,
    ngspice_max_cols: int,
    full_cols: int,
    block_cols: int,
    workers: int | None,
    seed: int,
    timeout: float,
    out_dir: str | None,
    tech_file: str | None,
    as_json: bool,
) -> None:
    """LLG array transients (half-size, mesh wires, one MAC) in ngspice and VACASK side by side:
    CPU time of each simulator, their ratio, agreement; optionally a full-width array in VACASK.

    \b
    Examples:
      mramcim bench engines --cols 2,8
      mramcim bench engines --cols 2 --full-cols 512 --json
    """
    from mramcim.experiments.bench_engines import run_bench_engines
    from mramcim.units import parse_ints

    result = run_bench_engines(
        load_tech(tech_file),
        rows=rows,
        cols_list=tuple(parse_ints(cols_text, "--cols")),
        ngspice_max_cols=ngspice_max_cols,
        full_cols=full_cols,
        block_cols=block_cols,
        workers=workers,
        seed=seed,
        timeout_s=timeout,
        progress=say,
    )
    show(result, as_json=as_json, out_dir=out_dir)


@bench.command("explore")
@click.option("--points", type=int, default=16, show_default=True, help="Design points (even: both schemes).")
@click.option("--rows", type=int, default=32, show_default=True, help="Rows of each point's array.")
@click.option("--mc", type=int, default=4, show_default=True, help="Monte-Carlo reads per popcount.")
@click.option("--workers", "workers_text", default="1,2", show_default=True, help="Worker counts to compare.")
@click.option("--seed", type=int, default=0, show_default=True)
@tech_option
@json_option
def bench_explore_cmd(
    points: int, rows: int, mc: int, workers_text: str, seed: int, tech_file: str | None, as_json: bool
) -> None:
    """Design points per minute on a dask LocalCluster with 1 and 2 workers (side by side, empty
    caches) and the time of a rerun that finds every point cached.

    \b
    Examples:
      mramcim bench explore
      mramcim bench explore --points 32 --workers 1,2 --json
    """
    from mramcim.experiments.bench_explore import bench_explore
    from mramcim.units import parse_ints

    workers = parse_ints(workers_text, "--workers")
    show(
        bench_explore(load_tech(tech_file), points=points, rows=rows, mc=mc, workers=workers, seed=seed),
        as_json=as_json,
    )
