"""Results and how they reach the disk.

`Result` is what every study and characterization returns: one frozen object that knows its JSON
record (`to_json`), its arrays (`arrays`, written as NPZ) and its summary (`summary_lines`).
`mramcim.report.publish` writes it with its plot and provenance; nothing else writes results.

Atomic output: every file is written to a temporary sibling (`.<name>.mramcim-tmp-*`), synced and
renamed into place, so a failed command never leaves a half-written file behind; only a regular
file (or a symlink, which is replaced, never followed) is ever replaced, never a device, folder,
fifo or socket. A failed write raises `OutputError` naming the path.

Loaders (`load_npy`, `read_json_object`) turn every way a file can be bad (missing, binary,
truncated, deeply nested, a header claiming more data than the file holds) into one `InputError`."""

from __future__ import annotations

import io
import json
import math
import os
import stat
import tempfile
import tokenize
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

__all__ = [
    "MAX_ARRAY_ELEMENTS",
    "TMP_MARK",
    "RecordResult",
    "check_replaceable",
    "Result",
    "json_ready",
    "load_npy",
    "read_json_object",
    "read_small_text",
    "render_png",
    "write_bytes",
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


TMP_MARK = ".mramcim-tmp-"  # in the name of every temporary mramcim writes (stale ones are removed)
MAX_ARRAY_ELEMENTS = 2**31  # a .npy claiming more is refused before anything is allocated


def check_replaceable(path: str | os.PathLike[str], what: str = "output") -> Path:
    """`path` if mramcim may write a file there: absent, a regular file or a symlink (replaced).

    Raises:
        OutputError: a folder, device node, fifo or socket is there.
    """
    from mramcim.errors import OutputError

    target = Path(path)
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return target
    except OSError as err:
        raise OutputError(f"cannot write {what} {target}: {err.strerror or err}") from None
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        kind = "a folder" if stat.S_ISDIR(mode) else "a device, fifo or socket"
        raise OutputError(f"cannot write {what} {target}: it is {kind}, not a regular file (refused)")
    return target


def write_file_synced(path: Path, data: bytes) -> None:
    """Create `path` (which must not exist) holding `data`, flushed to the disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new entry in `folder` durable (no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to `path` atomically (synced temp file in the same folder, then rename).

    Raises:
        OutputError: the target is not a regular file, or the write failed (disk full,
            read-only); the message names the path and nothing is left behind.
    """
    from mramcim.errors import OutputError

    target = check_replaceable(path)
    tmp: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}{TMP_MARK}", dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; results are ordinary files
        check_replaceable(target)  # again, right before the rename
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except OSError as err:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {target}: {err.strerror or err} (nothing written)") from None
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike[str], payload: Any) -> Path:
    return write_text(path, json.dumps(payload, indent=2, sort_keys=True) + "\n")


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
    """An array from a .npy file, or one InputError naming `what` and the path.

    The header is read first: pickles (object dtypes), structured dtypes and headers that claim
    more elements than `MAX_ARRAY_ELEMENTS` or more bytes than the file holds are refused before
    anything is allocated.
    """
    from mramcim.errors import InputError

    fmt = np.lib.format
    try:
        with open(path, "rb") as handle:
            if not os.path.isfile(path):
                raise InputError(f"cannot read {what} file {path}: not a regular file")
            version = fmt.read_magic(handle)
            if version == (1, 0):
                shape, fortran, dtype = fmt.read_array_header_1_0(handle, max_header_size=10_000)
            else:
                shape, fortran, dtype = fmt.read_array_header_2_0(handle, max_header_size=10_000)
            if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
                raise InputError(f"cannot read {what} file {path}: dtype {dtype} is not a plain number type")
            count = math.prod(shape)
            if count > MAX_ARRAY_ELEMENTS:
                raise InputError(f"cannot read {what} file {path}: its header claims {count} elements")
            left = os.fstat(handle.fileno()).st_size - handle.tell()
            if count * dtype.itemsize > left:
                raise InputError(
                    f"cannot read {what} file {path}: truncated (header claims {count * dtype.itemsize} "
                    f"bytes, {left} present)"
                )
            handle.seek(0)
            return np.load(handle, allow_pickle=False)
    except (OSError, ValueError, EOFError, SyntaxError, TypeError, tokenize.TokenError, RecursionError) as err:
        # a header is a Python literal: numpy's parser raises any of these on a malformed one
        reason = err.strerror if isinstance(err, OSError) and err.strerror else err
        raise InputError(f"cannot read {what} file {path}: {reason}") from None


MAX_TEXT_BYTES = 256 * 1024 * 1024


def read_small_text(path: str | os.PathLike[str], what: str) -> str:
    """The UTF-8 text of a regular file of at most `MAX_TEXT_BYTES` (never a device or fifo).

    Raises:
        InputError: not a regular file, too large, or not UTF-8; OSError: unreadable.
    """
    from mramcim.errors import InputError

    p = Path(path)
    if not p.exists():
        raise InputError(f"cannot read {what} {path}: no such file")
    if not p.is_file():
        raise InputError(f"cannot read {what} {path}: not a regular file")
    if p.stat().st_size > MAX_TEXT_BYTES:
        raise InputError(f"cannot read {what} {path}: larger than {MAX_TEXT_BYTES} bytes")
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"cannot read {what} {path}: not UTF-8 text (a binary file?)") from None


def read_json_object(path: str | os.PathLike[str], what: str) -> dict[str, Any]:
    """A JSON object from `path`, or one clear InputError naming `what` it should have been."""
    from mramcim.errors import InputError

    try:
        payload = json.loads(read_small_text(path, what))
    except OSError as err:
        raise InputError(f"cannot read {what} {path}: {err.strerror or err}") from None
    except ValueError as err:  # also UnicodeDecodeError
        raise InputError(f"cannot read {what} {path}: not JSON ({err})") from None
    except RecursionError:
        raise InputError(f"cannot read {what} {path}: nested too deeply") from None
    if not isinstance(payload, dict):
        raise InputError(f"{what} {path} is not a JSON object")
    return payload
