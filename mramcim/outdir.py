"""Output folders: claimed before the work starts, published whole, never half-written.

A run that writes results into a folder (`--out DIR`) first *claims* it (`OutputFolder.claim`):

- the path must be a folder (or absent), not the current folder or one of its parents, and hold
  only regular files (results replace the whole folder, so it cannot hold other folders);
- a lock file beside it (`.DIR.mramcim-lock`, `flock`) makes a second run on the same folder
  fail at once with a clear message instead of mixing files of two runs;
- creating that lock file is the writability probe: a read-only or missing parent fails here,
  before any simulation or training;
- temporaries a killed run left (`.DIR.mramcim-tmp-*` beside it, `.*.mramcim-tmp-*` inside it)
  are removed.

`publish` then writes every file into a temporary sibling folder (the folder's other result
files are carried over as hard links), syncs it, and swaps it with the old folder in one atomic
`renameat2(RENAME_EXCHANGE)` (Linux; elsewhere two renames), or renames it into place when the
folder did not exist. A reader sees the old folder or the new one, never a mix; a crash leaves
the old folder plus a temporary that the next claim removes; a full disk leaves the old folder
and an `OutputError` naming the file that did not fit. `release` drops the lock and removes
folders the claim created when nothing was published.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import logging
import os
import secrets
import shutil
import stat
import sys
from collections.abc import Sequence
from pathlib import Path

from mramcim.artifacts import TMP_MARK, fsync_dir, write_file_synced
from mramcim.errors import OutputError

__all__ = ["LOCK_SUFFIX", "OutputFolder"]

logger = logging.getLogger(__name__)

LOCK_SUFFIX = ".mramcim-lock"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _publish_step(what: str) -> None:
    """Called after each step of a publish (fault-injection point for the tests; does nothing)."""


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


class OutputFolder:
    """A claimed output folder (see the module docstring). Use `claim`, `publish`, `release`."""

    def __init__(self, path: Path, shown: str, lock_path: Path, lock_fd: int, created: list[Path]) -> None:
        self.path = path
        self.shown = shown
        self._lock_path = lock_path
        self._lock_fd: int | None = lock_fd
        self._created = created
        self.published = False

    @classmethod
    def claim(cls, out_dir: str | os.PathLike[str]) -> OutputFolder:
        """Check, lock and clean `out_dir` for this run.

        Raises:
            OutputError: not a folder, holds folders, is (a parent of) the current folder, not
                writable, or in use by another run.
        """
        shown = str(out_dir)
        if not shown.strip():
            raise OutputError("--out is empty: give an output folder")
        path = Path(os.path.realpath(os.path.abspath(out_dir)))
        cwd = Path(os.path.realpath(os.getcwd()))
        if path == path.parent or path == cwd or path in cwd.parents:
            raise OutputError(
                f"--out {shown} is the current folder or one of its parents: results replace the whole "
                "folder, give them a folder of their own"
            )
        _check_folder(path, shown)
        created = _make_parents(path.parent, shown)
        try:
            lock_path = path.parent / f".{path.name}{LOCK_SUFFIX}"
            fd = _lock(lock_path, shown)
        except BaseException:
            _remove_empty(created)
            raise
        folder = cls(path, shown, lock_path, fd, created)
        try:
            _check_folder(path, shown)  # again, under the lock
            folder._clean_stale()
        except BaseException:
            folder.release()
            raise
        return folder

    def _clean_stale(self) -> None:
        prefix = f".{self.path.name}{TMP_MARK}"
        for entry in self.path.parent.iterdir():
            if entry.name.startswith(prefix):
                logger.warning("removing %s, left by an interrupted run", entry)
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
        if self.path.is_dir():
            for entry in self.path.iterdir():
                if entry.name.startswith(".") and TMP_MARK in entry.name:
                    logger.warning("removing %s, left by an interrupted run", entry)
                    entry.unlink(missing_ok=True)

    def publish(self, files: Sequence[tuple[str, bytes]]) -> list[Path]:
        """Replace the folder by its current result files plus `files` (name, bytes), at once.

        Returns the final paths of `files`, in order.

        Raises:
            OutputError: a write failed (the message names the file; the folder is unchanged).
        """
        if self._lock_fd is None:
            raise OutputError(f"--out {self.shown}: published after release")
        names = [name for name, _ in files]
        stage = self.path.parent / f".{self.path.name}{TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"
        current = stage
        try:
            os.mkdir(stage)
            _publish_step("stage")
            if self.path.is_dir():
                for entry in sorted(self.path.iterdir()):
                    if entry.name in names or TMP_MARK in entry.name:
                        continue
                    current = stage / entry.name
                    _carry(entry, current)
                _publish_step("carried")
            for name, data in files:
                current = stage / name
                write_file_synced(current, data)
                _publish_step(name)
            current = stage
            fsync_dir(stage)
            current = self.path
            if self.path.exists():
                if not _exchange(stage, self.path):
                    old = self.path.parent / f".{self.path.name}{TMP_MARK}old-{secrets.token_hex(4)}"
                    os.rename(self.path, old)
                    os.rename(stage, self.path)
                    stage = old
                _publish_step("swapped")
                shutil.rmtree(stage, ignore_errors=True)
            else:
                os.rename(stage, self.path)
                _publish_step("renamed")
            fsync_dir(self.path.parent)
        except OSError as err:
            shutil.rmtree(stage, ignore_errors=True)
            raise OutputError(
                f"cannot write {current}: {err.strerror or err}; nothing was written ({self.shown} unchanged)"
            ) from None
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        self.published = True
        return [Path(self.shown) / name for name in names]

    def release(self) -> None:
        """Drop the lock (and remove the lock file); remove created folders if nothing was published."""
        if self._lock_fd is None:
            return
        with contextlib.suppress(OSError):
            if os.fstat(self._lock_fd).st_ino == os.stat(self._lock_path).st_ino:
                self._lock_path.unlink()
        with contextlib.suppress(OSError):
            os.close(self._lock_fd)
        self._lock_fd = None
        if not self.published:
            _remove_empty(self._created)

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _check_folder(path: Path, shown: str) -> None:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as err:
        raise OutputError(f"cannot use --out {shown}: {err.strerror or err}") from None
    if not stat.S_ISDIR(mode):
        raise OutputError(f"--out {shown} exists and is not a folder (refused)")
    try:
        entries = list(path.iterdir())
    except OSError as err:
        raise OutputError(f"cannot read --out {shown}: {err.strerror or err}") from None
    others = sorted(e.name for e in entries if TMP_MARK not in e.name and not _is_regular(e))
    if others:
        raise OutputError(
            f"--out {shown} holds {', '.join(others[:5])}{' ...' if len(others) > 5 else ''}, which are not "
            "result files: results replace the whole folder, give them a folder of their own"
        )


def _is_regular(entry: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(entry).st_mode)
    except OSError:
        return False


def _make_parents(folder: Path, shown: str) -> list[Path]:
    """Create `folder` and its missing parents; returns the ones created (deepest last)."""
    missing = []
    probe = folder
    while not probe.exists():
        if probe.is_symlink():
            raise OutputError(f"cannot create --out {shown}: {probe} is a broken symlink")
        missing.append(probe)
        probe = probe.parent
    created: list[Path] = []
    try:
        for p in reversed(missing):
            os.mkdir(p)
            created.append(p)
    except OSError as err:
        _remove_empty(created)
        raise OutputError(f"cannot create --out {shown}: {err.strerror or err}: {err.filename or ''}") from None
    return created


def _remove_empty(created: list[Path]) -> None:
    for p in reversed(created):
        with contextlib.suppress(OSError):
            p.rmdir()


def _lock(lock_path: Path, shown: str) -> int:
    """An exclusive, non-blocking flock on `lock_path` (created); fails at once if held."""
    for _ in range(10):
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise OutputError(f"cannot write to --out {shown}: {err.strerror or err} ({lock_path.parent})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            holder = _read_pid(fd)
            os.close(fd)
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise OutputError(
                    f"--out {shown} is in use by another mramcim run{f' (pid {holder})' if holder else ''}: "
                    f"wait for it to finish or choose another folder (lock {lock_path})"
                ) from None
            raise OutputError(f"cannot lock --out {shown}: {err.strerror or err}") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock_path).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not unlinked by a run that released it between our open and our flock
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)
    raise OutputError(f"cannot lock --out {shown}: the lock file {lock_path} keeps changing")


def _read_pid(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode(errors="replace").strip()
    except OSError:
        return ""


def _carry(src: Path, dst: Path) -> None:
    """Put a result file of the old folder into the new one (hard link; a copy where links fail)."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
