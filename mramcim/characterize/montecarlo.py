"""Monte-Carlo execution of MTJ testbenches: batching, parallel workers, result cache.

A point (one drive waveform, N trials) is split into decks of at most `chunk` independent
devices; every deck gets its own ngspice seed derived from the master seed, so a fixed seed
gives identical results whatever the number of workers. Each deck runs in its own ngspice
process (`mramcim.sim.run_deck`); an executor (`mramcim.executor`: local threads by default, a
dask cluster with `scheduler`) keeps `workers` of them busy. Per-device
results (final state, first equator crossing, drive energy) are cached on disk, keyed by the
SHA-256 of the deck text, which contains the technology, the drive and the seed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.integrate import trapezoid

from mramcim.artifacts import write_npz
from mramcim.circuit.extract import zero_crossings
from mramcim.circuit.netlist import render_mtj_trials
from mramcim.circuit.sim import SimResult, run_deck
from mramcim.device.switching import point_summary
from mramcim.errors import InputError
from mramcim.executor import map_ordered, open_executor
from mramcim.paths import user_cache_dir
from mramcim.tech import Technology

__all__ = [
    "DEFAULT_CHUNK",
    "Point",
    "PointResult",
    "default_cache_dir",
    "run_points",
]

logger = logging.getLogger(__name__)

DEFAULT_CHUNK = 16  # devices per deck: ngspice's cost per device grows beyond ~16-32
Progress = Callable[[int, int], None]


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
    return user_cache_dir()


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
    if path and path.exists():
        logger.debug("cache hit %s (%s, %d devices)", path.name, point.kind, n)
        with np.load(path) as data:
            return data["final"], data["cross"], data["energy"]
    result = run_deck(deck.text, name=f"{point.kind} trials (seed {seed})", timeout_s=tech.simulation.timeout_s)
    final, cross, energy = _extract(result, point, n)
    if path:
        write_npz(path, final=final, cross=cross, energy=energy)
    return final, cross, energy


def _run_job(job: tuple[Technology, Point, int, int, Path | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return _run_chunk(*job)


def run_points(
    tech: Technology,
    points: Sequence[Point],
    *,
    seed: int,
    workers: int = 1,
    chunk: int = DEFAULT_CHUNK,
    cache: Path | None = None,
    progress: Progress | None = None,
    scheduler: str | None = None,
) -> list[PointResult]:
    """Simulate every point's trials; results in the order of `points`.

    Args:
        seed: master seed; point i, chunk j gets a seed derived from (seed, i).
        workers: ngspice processes running at once.
        cache: folder for per-deck results (None: no cache).
        progress: called with (devices done, devices total).
        scheduler: a dask scheduler address: the decks run on its workers instead of local threads.
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
    logger.info(
        "%d points, %d decks of up to %d devices, %d workers, cache %s",
        len(points),
        len(jobs),
        chunk,
        workers,
        cache or "off",
    )

    def finished(index: int) -> None:
        nonlocal done
        done += jobs[index][2]
        if progress:
            progress(done, total)

    with open_executor(workers, scheduler, children=True) as pool:
        tasks = [(tech, points[i], n, s, cache) for i, _, n, s in jobs]
        decks = map_ordered(pool, _run_job, tasks, finished)
    out = {(i, j): deck for (i, j, _, _), deck in zip(jobs, decks, strict=True)}
    results = []
    for i, p in enumerate(points):
        parts = [out[(i, j)] for j in range(n_chunks[i])]
        final, cross, energy = (np.concatenate([part[c] for part in parts]) for c in range(3))
        results.append(PointResult(p, final, cross, energy))
    return results
