"""Monte-Carlo execution of MTJ testbenches: batching, parallel workers, result cache.

A point (one drive waveform, N trials) is split into decks of at most `chunk` independent
devices; every deck gets its own ngspice seed derived from the master seed, so a fixed seed
gives identical results whatever the number of workers. Each deck runs in its own ngspice
process (`mramcim.sim.run_deck`); a thread pool keeps `workers` of them busy. Per-device
results (final state, first equator crossing, drive energy) are cached on disk, keyed by the
SHA-256 of the deck text, which contains the technology, the drive and the seed.

A cache entry is trusted only after it is verified (`read_cache_entry`): its own schema name and
version, the deck key it was made for, the device count, dtype and shape of each array, a SHA-256
over the arrays, and physical ranges (|mz| <= 1, finite energy, crossing times in the
transient). A bad entry (truncated, garbage, NaN, sign-flipped, wrong length, older schema)
is reported with a `MramcimWarning`, deleted and re-simulated.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.integrate import trapezoid

from mramcim.artifacts import write_npz
from mramcim.circuit.extract import zero_crossings
from mramcim.circuit.netlist import render_mtj_trials
from mramcim.circuit.sim import SimResult, run_deck, stop_on_error
from mramcim.device.switching import point_summary
from mramcim.errors import InputError, MramcimWarning, OutputError
from mramcim.tech import Technology

__all__ = [
    "DEFAULT_CHUNK",
    "Point",
    "PointResult",
    "CACHE_SCHEMA",
    "CACHE_VERSION",
    "default_cache_dir",
    "read_cache_entry",
    "run_points",
    "write_cache_entry",
]

logger = logging.getLogger(__name__)

DEFAULT_CHUNK = 16  # devices per deck: ngspice's cost per device grows beyond ~16-32
Progress = Callable[[int, int], None]
CACHE_SCHEMA = "mramcim.mc-cache"
CACHE_VERSION = 2  # 1: bare arrays, no checksum (entries of version 1 are recomputed)
_CACHE_ARRAYS = ("final", "cross", "energy")
Arrays3 = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Point:
    """One Monte-Carlo point: a drive waveform applied to `trials` fresh devices."""

    kind: str  # sot | stt | vcma | idle
    drive: tuple[tuple[float, float], ...]
    t_stop: float
    trials: int
    m0: int = 1
    thermal: bool = True
    settle_from: float | None = None  # average mz from here to t_stop for the final state


@dataclass(frozen=True)
class PointResult:
    point: Point
    final_mz: npt.NDArray[np.float64]  # mean mz over the settle window, per device
    t_cross: npt.NDArray[np.float64]  # first time m0 * mz < 0 (nan: never)
    energy_j: npt.NDArray[np.float64]  # energy delivered by the drive, per device

    @property
    def switched(self) -> npt.NDArray[np.bool_]:
        return self.point.m0 * self.final_mz < 0

    @property
    def p_switch(self) -> float:
        return float(np.mean(self.switched))

    def summary(self) -> dict[str, Any]:
        return point_summary(int(np.sum(self.switched)), len(self.final_mz), float(np.mean(self.energy_j)))


def default_cache_dir() -> Path:
    base = os.environ.get("MRAMCIM_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mramcim"
    )
    return Path(base)


def _chunk_seeds(seed: int, n: int) -> list[int]:
    """Independent ngspice seeds (1 .. 2**31-1) for the chunks of one point."""
    states = np.random.SeedSequence(seed).generate_state(n, dtype=np.uint32)
    return [int(s % (2**31 - 2)) + 1 for s in states]


def _extract(result: SimResult, point: Point, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = result["time"]
    start = point.settle_from if point.settle_from is not None else t[-1] - 0.05 * t[-1]
    window = t >= min(start, t[-1])
    final, cross, energy = np.empty(n), np.full(n, np.nan), np.zeros(n)
    if point.kind in ("sot", "stt"):
        node = "sa" if point.kind == "sot" else "t"
        times, levels = (np.asarray(v) for v in zip(*point.drive, strict=True))
        drive = np.interp(t, times, levels)
    for k in range(n):
        mz = result[f"v(xd{k}.mz)"]
        final[k] = float(np.mean(mz[window]))
        flips = zero_crossings(t, point.m0 * mz)  # m0 * mz starts positive: the first is the switch
        if flips.size:
            cross[k] = flips[0]
        if point.kind in ("sot", "stt"):
            energy[k] = float(trapezoid(result[f"v({node}{k})"] * drive, t))
    if point.kind == "vcma":
        energy[:] = float(trapezoid(result["v(top)"] * -result["i(vdrive)"], t)) / n
    return final, cross, energy


class _BadEntry(Exception):
    """A cache entry that failed verification (never leaves this module)."""


def _digest(key: str, arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256(key.encode())
    for name in _CACHE_ARRAYS:
        a = np.ascontiguousarray(arrays[name], dtype="<f8")
        h.update(name.encode() + str(a.shape).encode() + a.tobytes())
    return h.hexdigest()


def write_cache_entry(path: Path, key: str, t_stop: float, arrays: Arrays3) -> None:
    """Write one entry (arrays + a JSON header with schema, version, key, count and checksum)."""
    named = dict(zip(_CACHE_ARRAYS, (np.asarray(a, dtype="<f8") for a in arrays), strict=True))
    header = {
        "schema": CACHE_SCHEMA,
        "version": CACHE_VERSION,
        "key": key,
        "devices": int(named["final"].size),
        "t_stop_s": float(t_stop),
        "sha256": _digest(key, named),
    }
    write_npz(path, header=np.array(json.dumps(header, sort_keys=True)), **named)


def _verify(path: Path, key: str, n: int, t_stop: float) -> Arrays3:
    try:
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as data:
            header = json.loads(str(data["header"][()]))
            arrays = {name: np.array(data[name]) for name in _CACHE_ARRAYS}
    except (
        OSError,
        ValueError,
        KeyError,
        EOFError,
        AttributeError,
        TypeError,  # a .npy, not an .npz
        zipfile.BadZipFile,
        RecursionError,
        MemoryError,
    ) as err:
        raise _BadEntry(f"unreadable ({type(err).__name__}: {err})") from None
    if not isinstance(header, dict) or header.get("schema") != CACHE_SCHEMA:
        raise _BadEntry("not a mramcim cache entry")
    if header.get("version") != CACHE_VERSION:
        raise _BadEntry(f"schema version {header.get('version')!r}, expected {CACHE_VERSION}")
    if header.get("key") != key or header.get("devices") != n:
        raise _BadEntry(f"made for another deck or device count ({header.get('devices')!r} devices, expected {n})")
    for name, a in arrays.items():
        if a.dtype != np.dtype("<f8") or a.shape != (n,):
            raise _BadEntry(f"{name} has dtype {a.dtype} and shape {a.shape}, expected float64 ({n},)")
    if header.get("sha256") != _digest(key, arrays):
        raise _BadEntry("checksum mismatch")
    final, cross, energy = arrays["final"], arrays["cross"], arrays["energy"]
    if not np.all(np.isfinite(final)) or np.any(np.abs(final) > 1 + 1e-6):
        raise _BadEntry("final mz outside [-1, 1] or not finite")
    if not np.all(np.isfinite(energy)):
        raise _BadEntry("energy not finite")
    crossed = cross[~np.isnan(cross)]
    if np.any(~np.isfinite(crossed)) or np.any((crossed < 0) | (crossed > t_stop * (1 + 1e-9))):
        raise _BadEntry("crossing times outside the transient")
    return final, cross, energy


def read_cache_entry(path: Path, key: str, n: int, t_stop: float) -> Arrays3 | None:
    """The verified entry at `path`, or None (absent; or bad: warned about and deleted)."""
    if not path.exists():
        return None
    try:
        return _verify(path, key, n, t_stop)
    except _BadEntry as bad:
        warnings.warn(
            MramcimWarning(f"cache entry {path} is bad ({bad}); deleted, re-simulating"),
            stacklevel=2,
        )
        path.unlink(missing_ok=True)
        return None


def _run_chunk(
    tech: Technology, point: Point, n: int, seed: int, cache: Path | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    deck = render_mtj_trials(
        tech,
        kind=point.kind,
        drive=list(point.drive),
        trials=n,
        m0=point.m0,
        t_stop=point.t_stop,
        seed=seed,
        thermal=point.thermal,
    )
    key = hashlib.sha256(deck.text.encode()).hexdigest()
    path = cache / f"{key}.npz" if cache else None
    if path:
        hit = read_cache_entry(path, key, n, point.t_stop)
        if hit is not None:
            logger.debug("cache hit %s (%s, %d devices)", path.name, point.kind, n)
            return hit
    result = run_deck(deck.text, name=f"{point.kind} trials (seed {seed})", timeout_s=tech.simulation.timeout_s)
    final, cross, energy = _extract(result, point, n)
    if path:
        try:
            write_cache_entry(path, key, point.t_stop, (final, cross, energy))
        except OutputError as err:  # the cache only saves time: a full or read-only cache is no failure
            warnings.warn(MramcimWarning(f"result not cached: {err}"), stacklevel=2)
    return final, cross, energy


def run_points(
    tech: Technology,
    points: Sequence[Point],
    *,
    seed: int,
    workers: int = 1,
    chunk: int = DEFAULT_CHUNK,
    cache: Path | None = None,
    progress: Progress | None = None,
) -> list[PointResult]:
    """Simulate every point's trials; results in the order of `points`.

    Args:
        seed: master seed; point i, chunk j gets a seed derived from (seed, i).
        workers: ngspice processes running at once.
        cache: folder for per-deck results (None: no cache).
        progress: called with (devices done, devices total).
    """
    if workers < 1:
        raise InputError(f"workers must be at least 1, got {workers}")
    for p in points:
        if p.trials < 1:
            raise InputError(f"trials must be at least 1, got {p.trials}")
    jobs, n_chunks = [], []
    for i, p in enumerate(points):
        sizes = [min(chunk, p.trials - s) for s in range(0, p.trials, chunk)]
        n_chunks.append(len(sizes))
        for j, s in enumerate(_chunk_seeds(seed * 1_000_003 + i, len(sizes))):
            jobs.append((i, j, sizes[j], s))
    total, done = sum(p.trials for p in points), 0
    if cache:
        cache.mkdir(parents=True, exist_ok=True)
    out: dict[tuple[int, int], tuple[np.ndarray, ...]] = {}
    logger.info(
        "%d points, %d decks of up to %d devices, %d workers, cache %s",
        len(points),
        len(jobs),
        chunk,
        workers,
        cache or "off",
    )
    with ThreadPoolExecutor(max_workers=workers) as pool, stop_on_error(pool):
        futures = {pool.submit(_run_chunk, tech, points[i], n, s, cache): (i, j, n) for i, j, n, s in jobs}
        for fut, (i, j, n) in futures.items():
            out[(i, j)] = fut.result()
            done += n
            if progress:
                progress(done, total)
    results = []
    for i, p in enumerate(points):
        parts = [out[(i, j)] for j in range(n_chunks[i])]
        final, cross, energy = (np.concatenate([part[c] for part in parts]) for c in range(3))
        results.append(PointResult(p, final, cross, energy))
    return results
