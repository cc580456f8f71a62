"""Options and helpers shared by the command modules: loading the technology, reporting progress,
and showing or publishing a result. Nothing here computes anything."""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Any

import click

tech_option = click.option(
    "--tech",
    "tech_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Technology YAML (default: the packaged models/default_tech.yaml).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


def choice(option: type[StrEnum], members: tuple[StrEnum, ...] | None = None) -> click.Choice:
    """A click.Choice of an option's values (all members, or some)."""
    from mramcim.options import choices

    return click.Choice(choices(option, members))


def out_option(default: str | None = None, help: str = "Output folder.") -> Any:
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False),
        default=default,
        required=default is None,
        show_default=default is not None,
        help=help,
    )


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
    err = click.get_text_stream("stderr")
    shown = {"quarter": -1}

    def progress(done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if err.isatty():
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

        written = publish(result, out_dir, run or run_info())
        record = json.loads(written[-1].read_text(encoding="utf-8")) | {"out": str(Path(out_dir))}
    if as_json:
        echo_json(record if record is not None else result.to_json())
        return
    for line in result.summary_lines():
        click.echo(line)
    if out_dir is not None:
        click.echo(f"wrote {', '.join(str(p) for p in written)}")
