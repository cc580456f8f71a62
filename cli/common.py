"""Options and helpers shared by the command modules."""

from __future__ import annotations

import json
from typing import Any

import click

tech_option = click.option(
    "--tech", "tech_file", type=click.Path(dir_okay=False), default=None,
    help="Technology YAML (default: the packaged models/default_tech.yaml).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


def _tech(path: str | None) -> Any:
    from mramcim.tech import load_tech

    return load_tech(path)


def _echo_json(payload: Any) -> None:
    click.echo(json.dumps(payload, indent=2, sort_keys=True, default=_jsonable))


def _jsonable(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot serialise {type(value).__name__}")
