"""The `mramcim` command line. Each command parses its options, calls one library function and
prints or publishes the result; library errors become one `error:` line and exit 1."""

from __future__ import annotations

import contextlib
import logging
import sys
import warnings
from typing import Any

import click
from mramcim.cli.bench import bench
from mramcim.cli.characterize import characterize, compare_schemes_cmd
from mramcim.cli.circuit import check, gen_array, gen_cell, mac, sim, tech, verify
from mramcim.cli.experiments import experiment
from mramcim.cli.learn import fetch_mnist_cmd, train_cmd
from mramcim.cli.mtj import mtj


def _version_text() -> str:
    from mramcim.report.publish import versions

    v = versions()
    return (
        f"mramcim {v['mramcim']} (Python {v['python']}, numpy {v['numpy']}, scipy {v['scipy']}, "
        f"PySpice {v['PySpice']}, {v['ngspice']})"
    )


def _print_version(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(_version_text())
        ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="-v: log progress (INFO); -vv: details (DEBUG), on stderr.")
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Print the versions of mramcim, Python, numpy, scipy, PySpice and ngspice.",
)
def cli(verbose: int) -> None:
    """mramcim: MRAM computing-in-memory BNN netlists, ngspice co-simulation and TGBNN training.

    \b
    Examples:
      mramcim tech show
      mramcim gen-array --rows 784 -o sop.cir
      mramcim verify xnor
      mramcim characterize array --rows 16 --cols 8 --out results/char16
      mramcim train --algo tgbnn --dataset digits --epochs 10 --out results/train
    """
    level = logging.DEBUG if verbose >= 2 else logging.INFO if verbose == 1 else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("mramcim").setLevel(level)


for command in (
    tech,
    gen_cell,
    gen_array,
    check,
    sim,
    verify,
    mac,
    characterize,
    compare_schemes_cmd,
    mtj,
    train_cmd,
    experiment,
    fetch_mnist_cmd,
    bench,
):
    cli.add_command(command)


def _show_warning(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    """mramcim's own warnings as one `warning:` line; others the usual way."""
    from mramcim.errors import MramcimWarning

    if issubclass(category, MramcimWarning):
        click.echo(f"warning: {message}", err=True)
    else:
        _default_showwarning(message, category, *args, **kwargs)


_default_showwarning = warnings.showwarning


def run(args: list[str] | None = None) -> int:
    """Run the command line on `args` (default: sys.argv) and return the exit status: a library
    error or a failed write is one `error:` line and 1, a usage error click's own message and 2,
    Ctrl-C `error: interrupted` and 130."""
    from mramcim.errors import MramcimError

    warnings.showwarning = _show_warning
    try:
        code = cli.main(args=args, prog_name="mramcim", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
        return _interrupted()
    except click.exceptions.Exit as err:
        return err.exit_code
    except click.ClickException as err:
        err.show()
        return err.exit_code
    except MramcimError as err:
        click.echo(f"error: {err}", err=True)
        return 1
    except OSError as err:
        click.echo(f"error: {err.strerror or err}: {err.filename or ''}".rstrip(": "), err=True)
        return 1
    return code if isinstance(code, int) else 0


def main() -> None:
    sys.exit(run())


def _interrupted() -> int:
    """Ctrl-C: end every ngspice worker at once (they ignore the terminal's SIGINT); one line,
    the shell's 128 + SIGINT."""
    with contextlib.suppress(Exception):
        from mramcim.circuit.sim import terminate_workers

        terminate_workers()
    click.echo("error: interrupted", err=True)
    return 130


if __name__ == "__main__":
    main()
