"""Results and how they reach the disk.

`Result` is what every study and characterization returns: one frozen object that knows its JSON
record (`to_json`), its arrays (`arrays`, written as NPZ), its tables (`tables`, written as CSV) and
its summary (`summary_lines`).
`mramcim.report.publish` writes it with its plot and provenance; nothing else writes results.

Atomic output: every file is written to a temporary sibling and renamed into place, so a failed
command never leaves a half-written file behind."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

__all__ = [
    "RecordResult",
    "Result",
    "json_ready",
    "load_npy",
    "read_json_object",
    "render_png",
    "write_bytes",
    "write_csv",
    "write_json",
    "write_npz",
    "write_png",
    "write_text",
]


class Result(ABC):
    """A study's or characterization's outcome (subclasses are frozen dataclasses).

    `name` is the file stem of its JSON/NPZ/PNG (`transfer` -> transfer.json, ...).
    """

    name: ClassVar[str]

    @abstractmethod
    def to_json(self) -> dict[str, Any]:
        """The JSON record (plain types; arrays as lists)."""

    def arrays(self) -> dict[str, np.ndarray]:
        """Arrays written to `<name>.npz` (none by default)."""
        return {}

    def tables(self) -> dict[str, list[dict[str, Any]]]:
        """Tables written as `<name>_<key>.csv`, one dict per row (none by default)."""
        return {}

    @abstractmethod
    def summary_lines(self) -> list[str]:
        """A few lines a person reads on the terminal."""


@dataclass(frozen=True)
class RecordResult(Result):
    """A result whose JSON record the study assembles itself (nested tables, per-run lists).

    Subclasses add the name, the summary and, where they have them, the arrays and typed views.
    """

    record: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return self.record

    def __getitem__(self, key: str) -> Any:
        return self.record[key]


def json_ready(value: Any) -> Any:
    """`value` with numpy arrays and scalars turned into lists and Python numbers (recursively)."""
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to `path` atomically (temp file in the same folder, then rename)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; results are ordinary files
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike[str], payload: Any) -> Path:
    return write_text(path, json.dumps(payload, indent=2, sort_keys=True) + "\n")


def write_csv(path: str | os.PathLike[str], rows: list[dict[str, Any]]) -> Path:
    """Rows as CSV; the columns are every key, in the order first seen (missing cells empty)."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(json_ready(rows))
    return write_text(path, buffer.getvalue())


def write_npz(path: str | os.PathLike[str], **arrays: np.ndarray) -> Path:
    buffer = io.BytesIO()
    np.savez(buffer, **dict[str, Any](arrays))
    return write_bytes(path, buffer.getvalue())


def write_png(path: str | os.PathLike[str], draw: Callable[[], Any]) -> Path:
    """Render the matplotlib Figure returned by `draw()` to PNG bytes, then write atomically."""
    return write_bytes(path, render_png(draw))


def render_png(draw: Callable[[], Any]) -> bytes:
    """PNG bytes of the matplotlib Figure returned by `draw()` (render before writing anything)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = draw()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def load_npy(path: str | os.PathLike[str], what: str) -> np.ndarray:
    """An array from a .npy file (pickles refused), or one InputError naming `what` and the path."""
    from mramcim.errors import InputError

    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read {what} file {path}: {err}") from None


def read_json_object(path: str | os.PathLike[str], what: str) -> dict[str, Any]:
    """A JSON object from `path`, or one clear InputError naming `what` it should have been."""
    from mramcim.errors import InputError

    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read {what} {path}: {err}") from None
    if not isinstance(payload, dict):
        raise InputError(f"{what} {path} is not a JSON object")
    return payload
