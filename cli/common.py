"""Options and helpers shared by the command modules."""

from __future__ import annotations

import json
from pathlib import Path
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


def _save(out_dir: str, name: str, payload: dict[str, Any], arrays: dict[str, Any], plot: Any) -> Path:
    import numpy as np

    from mramcim.artifacts import render_png, write_bytes, write_json, write_npz

    png = render_png(lambda: plot(payload))  # a plotting failure must leave no partial output
    out = Path(out_dir)
    if arrays:
        write_npz(out / f"{name}.npz", **{k: np.asarray(v) for k, v in arrays.items()})
    write_bytes(out / f"{name}.png", png)
    write_json(out / f"{name}.json", payload)
    return out
