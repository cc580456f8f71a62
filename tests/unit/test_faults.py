"""Faults: a publish killed at every step, a full disk, two runs on one folder, corrupted cache
entries. The output folder is always complete (old or new results) or absent, and a bad cache
entry is reported, deleted and never used."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from mramcim.artifacts import TMP_MARK
from mramcim.characterize.montecarlo import CACHE_VERSION, read_cache_entry, write_cache_entry
from mramcim.errors import MramcimWarning, OutputError
from mramcim.outdir import LOCK_SUFFIX, OutputFolder

# A child process that publishes a small result (npz + json) into sys.argv[1], tagged sys.argv[2],
# and SIGKILLs itself right after publish step sys.argv[3] ("" : never).
PUBLISHER = textwrap.dedent(
    """
    import os, signal, sys
    from dataclasses import dataclass
    from typing import ClassVar
    import numpy as np
    import mramcim.outdir as outdir
    from mramcim.artifacts import RecordResult
    from mramcim.report.publish import Run, publish

    @dataclass(frozen=True)
    class Probe(RecordResult):
        name: ClassVar[str] = "probe"
        def arrays(self):
            return {"tag": np.array([self.record["tag"]] * 1000)}
        def summary_lines(self):
            return []

    out, tag, kill_at = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    def step(what):
        print("step", what, flush=True)
        if what == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
    outdir._publish_step = step
    publish(Probe({"tag": tag}), out, Run(command="probe", argv=("probe",)))
    """
)


def _publish(tmp_path: Path, out: Path, tag: int, kill_at: str = "") -> subprocess.CompletedProcess[str]:
    script = tmp_path / "publisher.py"
    script.write_text(PUBLISHER)
    return subprocess.run(
        [sys.executable, str(script), str(out), str(tag), kill_at],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def _state(out: Path) -> str:
    """'absent', or the tag both files agree on, or 'MIXED'/'PARTIAL'."""
    if not out.exists():
        return "absent"
    names = sorted(p.name for p in out.iterdir())
    if names != ["probe.json", "probe.npz"]:
        return f"PARTIAL {names}"
    tag_json = json.loads((out / "probe.json").read_text())["tag"]
    with np.load(out / "probe.npz") as data:
        tags = set(data["tag"].tolist())
    return str(tag_json) if tags == {tag_json} else "MIXED"


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.rglob("*") if TMP_MARK in p.name or p.name.endswith(LOCK_SUFFIX))


@pytest.mark.parametrize("existing", [False, True], ids=["fresh", "replacing"])
def test_kill_at_every_publish_step(tmp_path, existing):
    out = tmp_path / "res" / "out"
    steps = ["stage", "probe.npz", "probe.json", "renamed"]
    old = "absent"
    if existing:
        assert _publish(tmp_path, out, 1).returncode == 0
        old = _state(out)
        assert old == "1"
        steps = ["stage", "carried", "probe.npz", "probe.json", "swapped"]
    for k, step in enumerate(steps):
        proc = _publish(tmp_path, out, 100 + k, kill_at=step)
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        assert f"step {step}" in proc.stdout
        state = _state(out)
        last = step in ("renamed", "swapped")
        assert state == (str(100 + k) if last else old), (step, state)
        # the next run cleans what the killed one left, then publishes whole
        assert _publish(tmp_path, out, 200 + k).returncode == 0
        assert _state(out) == str(200 + k)
        assert _leftovers(tmp_path / "res") == []
        if existing:
            old = str(200 + k)
        else:
            import shutil

            shutil.rmtree(out)


def test_concurrent_runs_on_one_folder(tmp_path):
    """A second run on a claimed folder fails at once; after the first, one run's files only."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from mramcim.outdir import OutputFolder\n"
            "f = OutputFolder.claim(sys.argv[1]); print('claimed', flush=True); sys.stdin.readline(); f.release()",
            str(tmp_path / "out"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "claimed"
        start = time.monotonic()
        second = subprocess.run(
            [sys.executable, "-m", "mramcim.cli.main", "train", "--epochs", "1", "--out", "out"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
        )
        assert second.returncode == 1
        assert "in use by another mramcim run" in second.stderr and f"pid {holder.pid}" in second.stderr
        assert second.stderr.count("error:") == 1
        assert time.monotonic() - start < 60  # failed at once (import time only), did not train
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)
        assert holder.stdout is not None
        holder.stdout.close()
    # two publishers racing: each either wins whole or is refused; the folder is one run's
    procs = [
        subprocess.Popen(
            [sys.executable, str(tmp_path / "publisher.py"), str(tmp_path / "race"), str(tag), ""],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in (7, 8)
        if (tmp_path / "publisher.py").write_text(PUBLISHER) or True
    ]
    for p in procs:
        p.communicate(timeout=120)
    codes = [p.returncode for p in procs]
    assert 0 in codes
    assert _state(tmp_path / "race") in {"7", "8"}
    assert _leftovers(tmp_path) == []


@pytest.fixture
def tiny_fs(tmp_path):
    """A 256 KiB tmpfs (root only)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a tiny filesystem needs root to mount a tmpfs")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)]).returncode != 0:
        pytest.skip("this machine does not let root mount a tmpfs")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_full_disk_leaves_nothing_and_names_the_path(tmp_path, tiny_fs):
    from mramcim.artifacts import write_bytes

    script = tmp_path / "publisher.py"
    script.write_text(PUBLISHER.replace("* 1000", "* 100_000"))  # 800 kB of npz: does not fit
    out = tiny_fs / "out"
    proc = subprocess.run([sys.executable, str(script), str(out), "5", ""], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "OutputError" in proc.stderr
    assert "probe.npz" in proc.stderr and "No space left on device" in proc.stderr
    assert not out.exists() and list(tiny_fs.iterdir()) == []
    # an existing folder stays as it was
    small = tmp_path / "small.py"
    small.write_text(PUBLISHER)
    assert subprocess.run([sys.executable, str(small), str(out), "1", ""], timeout=120).returncode == 0
    proc = subprocess.run([sys.executable, str(script), str(out), "6", ""], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "No space left on device" in proc.stderr
    assert _state(out) == "1" and _leftovers(tiny_fs) == []
    # a single file (gen-array -o) too
    with pytest.raises(OutputError, match="big.cir.*No space left"):
        write_bytes(tiny_fs / "big.cir", b"x" * 1_000_000)
    assert sorted(p.name for p in tiny_fs.iterdir()) == ["out"]


def test_cli_full_disk_is_one_line(tmp_path, tiny_fs, invoke, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("gen-array", "--rows", "784", "--cols", "8", "-o", str(tiny_fs / "sop.cir"))
    assert result.code == 1 and len(result.error_lines) == 1, result
    assert "sop.cir" in result.error_lines[0] and "No space left" in result.error_lines[0]
    assert list(tiny_fs.iterdir()) == []


def test_release_removes_what_the_claim_created(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with OutputFolder.claim("a/b/c") as folder:
        assert (tmp_path / "a" / "b" / f".c{LOCK_SUFFIX}").exists()
        assert folder.path == tmp_path / "a" / "b" / "c"
    assert list(tmp_path.iterdir()) == []


# ---- the Monte-Carlo cache -------------------------------------------------------------------

KEY = "ab" * 32
N = 4
T_STOP = 5e-9


def _entry(tmp_path: Path) -> tuple[Path, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    arrays = (np.array([0.9, -0.8, 0.95, -0.99]), np.array([np.nan, 1e-9, np.nan, 2e-9]), np.full(N, 1e-13))
    path = tmp_path / f"{KEY}.npz"
    write_cache_entry(path, KEY, T_STOP, arrays)
    return path, arrays


def _rewrite(path: Path, **changes: np.ndarray) -> None:
    """Change arrays but keep the old header (and its checksum)."""
    with np.load(path) as data:
        parts = {k: data[k] for k in data.files}
    parts.update(changes)
    np.savez(path, **parts)


def _header(path: Path, **changes: object) -> None:
    with np.load(path) as data:
        parts = {k: data[k] for k in data.files}
    header = json.loads(str(parts["header"][()])) | changes
    parts["header"] = np.array(json.dumps(header))
    np.savez(path, **parts)


def _npy_bytes() -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.zeros(N))
    return buffer.getvalue()


def test_a_good_entry_is_read_back(tmp_path):
    path, arrays = _entry(tmp_path)
    got = read_cache_entry(path, KEY, N, T_STOP)
    assert got is not None
    for a, b in zip(got, arrays, strict=True):
        np.testing.assert_array_equal(a, b)


CORRUPTIONS = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
    "garbage": lambda p: p.write_bytes(os.urandom(2000)),
    "empty": lambda p: p.write_bytes(b""),
    "nan": lambda p: _rewrite(p, final=np.array([np.nan, -0.8, 0.95, -0.99])),
    "sign-flipped": lambda p: _rewrite(p, final=-np.array([0.9, -0.8, 0.95, -0.99])),
    "half-the-devices": lambda p: _rewrite(p, final=np.array([0.9, -0.8])),
    "wrong-dtype": lambda p: _rewrite(p, final=np.array([1, -1, 1, -1], dtype=np.int64)),
    "no-header (schema 1)": lambda p: np.savez(p, final=np.zeros(N), cross=np.zeros(N), energy=np.zeros(N)),
    "old-version": lambda p: _header(p, version=CACHE_VERSION - 1),
    "other-deck": lambda p: _header(p, key="cd" * 32),
    "other-count": lambda p: _header(p, devices=N + 1),
    "nan-with-valid-checksum": lambda p: write_cache_entry(
        p, KEY, T_STOP, (np.array([np.nan, 0.1, 0.1, 0.1]), np.full(N, np.nan), np.zeros(N))
    ),
    "mz-beyond-1-valid-checksum": lambda p: write_cache_entry(
        p, KEY, T_STOP, (np.array([7.0, 0.1, 0.1, 0.1]), np.full(N, np.nan), np.zeros(N))
    ),
    "crossing-after-the-end": lambda p: write_cache_entry(
        p, KEY, T_STOP, (np.full(N, 0.5), np.full(N, 1.0), np.zeros(N))
    ),
    "pickle": lambda p: p.write_bytes(__import__("pickle").dumps({"final": [1.0] * N})),
    "npy-not-npz": lambda p: p.write_bytes(_npy_bytes()),
}


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_bad_entry_is_warned_deleted_and_not_used(tmp_path, kind):
    path, _ = _entry(tmp_path)
    CORRUPTIONS[kind](path)
    with pytest.warns(MramcimWarning, match="cache entry .* is bad"):
        assert read_cache_entry(path, KEY, N, T_STOP) is None
    assert not path.exists()


def test_stale_publish_temporaries_are_removed_by_the_next_claim(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.json").write_text("{}")
    (tmp_path / f".out{TMP_MARK}123-abcd").mkdir()
    (tmp_path / f".out{TMP_MARK}123-abcd" / "a.json").write_text("{")
    (tmp_path / "out" / f".a.json{TMP_MARK}xyz").write_text("{")
    with OutputFolder.claim("out"):
        pass
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.json", "out"]
