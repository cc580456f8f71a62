"""Where independent tasks run: a local thread pool, a local process pool, or a dask.distributed
cluster (a local one started here, or any running one at a scheduler address), behind one interface.

Shared basic: no physics and no simulator. Everything that fans work out (Monte-Carlo decks, thermal
neuron decks, design-space points) goes through `open_executor`, so a study scales the same way
whatever runs it: `--workers N` on this machine, `--scheduler ADDRESS` on a cluster.

`Executor.run(fn, items)` yields one `Done(index, value, error)` per item, in the order the tasks
finish; `map_ordered` collects them in item order and re-raises a task's exception. Results never
depend on the number of workers as long as every task carries its own seed (the callers derive
seeds from their item, never from a shared generator).

Pools:
    thread  - `concurrent.futures.ThreadPoolExecutor`: for tasks that wait on a child process
              (every ngspice run is one), the callers' behaviour before this module existed;
    process - `concurrent.futures.ProcessPoolExecutor` (spawned interpreters): Python/numpy work;
    dask    - `distributed.LocalCluster(n_workers=N, threads_per_worker=1, processes=True)`, or a
              `distributed.Client` on `scheduler` (then the cluster's own workers are used).

Tasks that start child processes (ngspice) need non-daemonic dask workers: the local cluster is
started that way; workers of an external cluster must be started with the environment variable
`DASK_DISTRIBUTED__WORKER__DAEMON=False` (or `dask worker --no-nanny`), which is checked when
`children=True`.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing as mp
import os
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from concurrent import futures as cf
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, TypeVar

from mramcim.errors import ConfigError, InputError
from mramcim.options import Pool, parse_option

__all__ = [
    "DaskExecutor",
    "Done",
    "Executor",
    "PoolExecutor",
    "map_ordered",
    "open_executor",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

CONNECT_TIMEOUT_S = 60.0  # waiting for a scheduler, and for its first worker


@dataclass(frozen=True)
class Done(Generic[R]):
    """One finished task: its item's index and either its value or the exception it raised."""

    index: int
    value: R | None
    error: BaseException | None = None


class Executor(ABC):
    """Runs a function over items on some workers. Use as a context manager (`close` on exit)."""

    workers: int  # tasks running at once
    description: str  # for logs and provenance, e.g. "dask LocalCluster, 2 workers"

    @abstractmethod
    def run(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[Done[R]]:
        """`fn(item)` for every item; yields as tasks finish. Closing the iterator early cancels
        the tasks that have not started. `fn` must be importable by name (module level) for the
        process and dask pools."""

    def preload(self, modules: Sequence[str]) -> None:  # noqa: B027 - optional hook, nothing to do by default
        """Import `modules` on every worker now, so start-up time is not charged to the first tasks."""

    @abstractmethod
    def close(self) -> None:
        """Release the workers (a local cluster is shut down; an external one is only disconnected)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class PoolExecutor(Executor):
    """A local thread or process pool (`concurrent.futures`)."""

    def __init__(self, workers: int, pool: Pool = Pool.THREAD) -> None:
        self.workers = workers
        self.pool = pool
        if pool is Pool.PROCESS:
            self._pool: cf.Executor = cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"))
        else:
            self._pool = cf.ThreadPoolExecutor(max_workers=workers)
        self.description = f"local {pool} pool, {workers} worker{'s' if workers != 1 else ''}"

    def run(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[Done[R]]:
        index = {self._pool.submit(fn, item): i for i, item in enumerate(items)}
        try:
            for fut in cf.as_completed(index):
                err = fut.exception()
                yield Done(index[fut], None if err else fut.result(), err)
        finally:
            for fut in index:
                fut.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _import_modules(modules: Sequence[str]) -> None:
    for name in modules:
        importlib.import_module(name)


def _quiet_shutdown() -> None:
    logging.getLogger("distributed").setLevel(logging.CRITICAL)


def _is_daemon() -> bool:
    return bool(mp.current_process().daemon)


class DaskExecutor(Executor):
    """Tasks on dask.distributed: a local cluster of `workers` single-threaded processes, or the
    workers of the running cluster at `scheduler` (e.g. tcp://10.0.0.5:8786)."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None, *, children: bool = False) -> None:
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError as err:
            raise ConfigError(f"dask.distributed is not installed ({err}); pip install 'dask[distributed]'") from None
        if not logger.isEnabledFor(logging.DEBUG):  # distributed logs every worker start and stop at INFO
            logging.getLogger("distributed").setLevel(logging.WARNING)
        start = time.perf_counter()
        self._cluster: Any = None
        if scheduler is not None:
            try:
                self.client: Any = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S:g}s")
            except (OSError, TimeoutError, ValueError) as err:
                raise ConfigError(f"cannot reach the dask scheduler at {scheduler!r}: {err}") from None
            try:
                self.client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
            except TimeoutError:
                self.client.close()
                raise ConfigError(
                    f"the dask scheduler at {scheduler} has no worker (waited {CONNECT_TIMEOUT_S:g} s); "
                    f"start one with: dask worker {scheduler}"
                ) from None
            self.workers = sum(self.client.nthreads().values())
            where = f"dask scheduler {scheduler}"
        else:
            n = workers or 1
            # Workers must be allowed children: every ngspice run is a child process.
            with dask.config.set({"distributed.worker.daemon": False}):
                self._cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None)
            self.client = Client(self._cluster)
            self.workers = n
            where = "dask LocalCluster"
        self.start_s = time.perf_counter() - start
        self.description = f"{where}, {self.workers} worker{'s' if self.workers != 1 else ''}"
        logger.info("%s ready in %.1f s", self.description, self.start_s)
        if children and scheduler is not None and any(self.client.run(_is_daemon).values()):
            self.close()
            raise ConfigError(
                f"the workers of {scheduler} are daemonic processes, which cannot start ngspice; restart them with "
                "DASK_DISTRIBUTED__WORKER__DAEMON=False in their environment (or dask worker --no-nanny)"
            )

    def run(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[Done[R]]:
        from distributed import as_completed

        submitted = self.client.map(fn, list(items), pure=False)
        index = {fut.key: i for i, fut in enumerate(submitted)}
        try:
            for fut in as_completed(submitted):
                i = index[fut.key]
                try:
                    value = fut.result()
                # A task's own exception is re-raised here on the client; a lost worker raises
                # distributed's KilledWorker. Either way the caller decides what a failure means.
                except Exception as err:
                    yield Done(i, None, err)
                else:
                    yield Done(i, value, None)
                fut.release()
        finally:
            self.client.cancel([f for f in submitted if not f.done()])

    def preload(self, modules: Sequence[str]) -> None:
        self.client.run(_import_modules, list(modules))

    def close(self) -> None:
        if self._cluster is None:
            self.client.close()
            return
        # On a loaded machine a worker can outlive the nanny's 4 s grace: the nanny kills it and the
        # worker's last heartbeat finds the scheduler gone; both log it. Nothing is lost then (every
        # task has finished or been cancelled), so our own cluster shuts down quietly.
        self.client.run(_quiet_shutdown)
        self.client.close()
        nanny = logging.getLogger("distributed.nanny")
        level = nanny.level
        nanny.setLevel(logging.CRITICAL)
        try:
            self._cluster.close()
        finally:
            nanny.setLevel(level)
        self._cluster = None


def open_executor(
    workers: int | None = None,
    scheduler: str | None = None,
    *,
    local: Pool | str = Pool.THREAD,
    children: bool = False,
) -> Executor:
    """The executor for `--workers N` / `--scheduler ADDRESS`.

    Args:
        workers: local workers (default: the CPU count); ignored with `scheduler`.
        scheduler: address of a running dask scheduler; the tasks then run on its workers.
        local: the pool used without a scheduler (thread, process or dask).
        children: the tasks start child processes (ngspice): refuse daemonic dask workers.
    """
    pool = parse_option(Pool, local, "pool")
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise InputError(f"workers must be at least 1, got {workers}")
    if scheduler is not None:
        return DaskExecutor(scheduler=scheduler, children=children)
    n = workers if workers is not None else (os.cpu_count() or 1)
    if pool is Pool.DASK:
        return DaskExecutor(workers=n, children=children)
    return PoolExecutor(n, pool)


def map_ordered(
    executor: Executor,
    fn: Callable[[T], R],
    items: Sequence[T],
    on_done: Callable[[int], None] | None = None,
) -> list[R]:
    """`[fn(item) for item in items]` on `executor`; the first task exception is re-raised (the
    remaining tasks are cancelled). `on_done(index)` is called as each task finishes."""
    out: list[Any] = [None] * len(items)
    for done in executor.run(fn, items):
        if done.error is not None:
            raise done.error
        out[done.index] = done.value
        if on_done is not None:
            on_done(done.index)
    return out
