"""`mramcim bench train`: one training epoch of TGBNN (ideal, with the papers' write rule, and with
the circuit in the loop) and of the BNNs, next to the BLAS limit: a plain float32 forward +
backward epoch of the same shapes.

Data are random +-1 inputs of the requested shape (epoch time does not depend on the pixels).
Also timed: the hidden layer's forward product as float32 BLAS vs bit-packed XNOR-popcount
(np.bitwise_count), the two ways to compute it; and the peak memory traced during a TGBNN epoch
at two dataset sizes, which stays flat when memory is bounded by the batch.
"""

from __future__ import annotations

import time
import tracemalloc
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from mramcim.artifacts import RecordResult
from mramcim.encoding import TransferCurve
from mramcim.errors import InputError
from mramcim.learn.datasets import Dataset
from mramcim.learn.train import PAPER_RULE, TrainConfig, train
from mramcim.tech import Technology

__all__ = ["TrainBench", "bench_train"]


def _data(n: int, d: int, classes: int, rng: np.random.Generator) -> Dataset:
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=(n, d))
    y = rng.integers(0, classes, size=n)
    return Dataset("random", x, y, x[:1000], y[:1000], classes, f"random +-1, {n} x {d}")


def _float_epoch(
    x: npt.NDArray[np.int8], y: npt.NDArray[np.int64], h: int, classes: int, batch: int, rng: np.random.Generator
) -> float:
    w1 = (rng.standard_normal((x.shape[1], h)) / np.sqrt(x.shape[1])).astype(np.float32)
    w2 = (rng.standard_normal((h, classes)) / np.sqrt(h)).astype(np.float32)
    onehot = np.eye(classes, dtype=np.float32)
    start = time.perf_counter()
    for i in range(0, x.shape[0], batch):
        xb = x[i : i + batch].astype(np.float32)
        a1 = np.tanh(xb @ w1)
        err = a1 @ w2 - onehot[y[i : i + batch]]
        da1 = (err @ w2.T) * (1 - a1 * a1)
        w1 -= 1e-4 * (xb.T @ da1)
        w2 -= 1e-4 * (a1.T @ err)
    return time.perf_counter() - start


def _forward_products(x: npt.NDArray[np.int8], w: npt.NDArray[np.int8], repeats: int) -> dict[str, float]:
    """Seconds per batch forward product: float32 BLAS vs packed XNOR + bitwise_count."""
    xf, wf = x.astype(np.float32), w.astype(np.float32)
    xp, wp = np.packbits(x > 0, axis=1), np.packbits(w.T > 0, axis=1)
    d = x.shape[1]
    start = time.perf_counter()
    for _ in range(repeats):
        blas = xf @ wf
    t_blas = (time.perf_counter() - start) / repeats
    start = time.perf_counter()
    for _ in range(repeats):
        mismatches = np.bitwise_count(xp[:, None, :] ^ wp[None, :, :]).sum(axis=2, dtype=np.int32)
        packed = d - 2 * mismatches
    t_packed = (time.perf_counter() - start) / repeats
    if not np.array_equal(blas.astype(np.int32), packed):
        raise RuntimeError("bit-packed XNOR-popcount disagrees with the BLAS product")
    return {"blas_s": t_blas, "xnor_popcount_s": t_packed, "xnor_over_blas": t_packed / t_blas}


def _sigmoid_curve(rows: int) -> TransferCurve:
    k = np.arange(rows + 1, dtype=float)
    return TransferCurve(rows, k, 1 / (1 + np.exp(-(k - rows / 2) / 2)))


def _peak_bytes(data: Dataset, cfg: TrainConfig, tech: Technology) -> int:
    tracemalloc.start()
    try:
        train(data, cfg, tech)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@dataclass(frozen=True)
class TrainBench(RecordResult):
    """Epoch times against a float32 BLAS epoch, the forward product, peak memory."""

    name: ClassVar[str] = "bench-train"

    def summary_lines(self) -> list[str]:
        res = self.record
        s = res["shape"]
        lines = [
            f"epoch of {s['n']} x {s['d']} -> {s['hidden']} -> {s['classes']}, batch {s['batch']}, seed {res['seed']}"
        ]
        for name, t in res["epoch_s"].items():
            ratio = "" if name == "float32_blas" else f"  {res['over_float32'][name]:.2f}x float32"
            target = f" (target <= {res['targets'][name]:g}x)" if name in res["targets"] else ""
            lines.append(f"  {name:17s} {t:7.3f} s{ratio}{target}")
        fp = res["forward_product_per_batch"]
        lines.append(
            f"  forward product per batch: BLAS {fp['blas_s'] * 1e3:.2f} ms, XNOR-popcount "
            f"{fp['xnor_popcount_s'] * 1e3:.2f} ms ({fp['xnor_over_blas']:.1f}x)"
        )
        m = res["memory"]
        lines.append(
            f"  peak traced memory: {m['peak_traced_bytes'][0] / 2**20:.1f} MiB at {m['dataset_rows'][0]} samples, "
            f"{m['peak_traced_bytes'][1] / 2**20:.1f} MiB at {m['dataset_rows'][1]} (dataset "
            f"{m['dataset_bytes'][1] / 2**20:.1f} MiB, not traced)"
        )
        return lines


def bench_train(
    tech: Technology,
    *,
    n: int = 60000,
    d: int = 784,
    hidden: int = 512,
    classes: int = 10,
    batch: int = 500,
    seed: int = 0,
) -> TrainBench:
    if min(n, d, hidden, classes, batch) < 1 or classes < 2:
        raise InputError("bench sizes must be positive (and at least 2 classes)")
    if n > 1_000_000 or hidden > 100_000 or d > 100_000:
        raise InputError(f"bench sizes too large: n {n} (at most 1000000), hidden {hidden} (at most 100000)")
    rng = np.random.default_rng(seed)
    data = _data(n, d, classes, rng)
    base = TrainConfig(hidden=hidden, epochs=1, batch=batch, seed=seed)
    rows: dict[str, float] = {"float32_blas": _float_epoch(data.x_train, data.y_train, hidden, classes, batch, rng)}
    rows["tgbnn"] = train(data, base, tech).epoch_s[0]
    rows["tgbnn_hil"] = train(data, base, tech, curve=_sigmoid_curve(d), write_variation=True).epoch_s[0]
    rows["tgbnn_paper_rule"] = train(data, base.with_(**PAPER_RULE), tech).epoch_s[0]
    rows["bnn_sgd"] = train(data, base.with_(algo="bnn-sgd"), tech).epoch_s[0]
    rows["bnn"] = train(data, base.with_(algo="bnn"), tech).epoch_s[0]
    small = _data(max(batch, n // 6), d, classes, rng)
    memory = {
        "dataset_rows": [small.y_train.size, n],
        "peak_traced_bytes": [_peak_bytes(small, base, tech), _peak_bytes(data, base, tech)],
        "dataset_bytes": [small.x_train.nbytes, data.x_train.nbytes],
    }
    return TrainBench(
        {
            "shape": {"n": n, "d": d, "hidden": hidden, "classes": classes, "batch": batch},
            "seed": seed,
            "epoch_s": rows,
            "over_float32": {k: v / rows["float32_blas"] for k, v in rows.items() if k != "float32_blas"},
            "targets": {"tgbnn": 1.5, "tgbnn_hil": 3.0},
            "forward_product_per_batch": _forward_products(
                data.x_train[:batch], rng.choice(np.array([-1, 1], dtype=np.int8), size=(d, hidden)), 5
            ),
            "memory": memory,
        }
    )
