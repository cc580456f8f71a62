"""Stage 6 — train: behavioural TGBNN and a regular BNN baseline in numpy (no ngspice).

Network: binary inputs x (d) -> binary hidden layer (h) -> output scores (o), both layers
binary-weighted; the hidden layer is one sum-of-product array of d rows.

TGBNN (our reading of Fujiwara & Kawahara, TENCON 2023 / IEEE Access 2024; see docs):
    forward   z1 = x W1 (integer), a1 = sign(z1), z2 = a1 W2 (integer)
    output    e2 = t where t z2 < margin else 0          (ternary hinge error, t = +-1 targets)
    backward  e1 = e2 W2^T (integer), passed only where |z1| <= window (improved STE: the window
              scales with the fan-in, window = ste_scale * sqrt(d)), then ternarized:
              d1 = sign(e1) where |e1| >= ceil(mean |e1| over non-zeros) else 0
    gradient  G = x^T d1 (integer); ternary g = sign(G) where |G| >= ceil(mean |G| over non-zeros)
    update    a weight with w = -g flips with probability p (the SOT switching probability);
              the only persistent state is the +-1 weight arrays.
Real-valued quantities: only the scalar thresholds/probabilities and the reported accuracy.

BNN baseline (Courbariaux/Hubara): latent real weights clipped to [-1, 1], sign() forward,
straight-through estimator 1{|z| <= 1}, softmax cross-entropy, Adam.

Hardware-in-the-loop: with a transfer characteristic (from `characterize array`, rows = d),
the hidden activation is +1 with probability P(+1 | popcount k = (z1 + d)/2).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from mramcim.datasets import Dataset
from mramcim.encoding import sign
from mramcim.errors import InputError, suggest

__all__ = ["ALGOS", "HardwareCurve", "TrainConfig", "TrainResult", "train"]

ALGOS = ("tgbnn", "bnn")


@dataclass(frozen=True)
class HardwareCurve:
    """P(sense = +1) vs popcount for an array of `rows` rows."""

    rows: int
    popcount: npt.NDArray[np.float64]
    p_plus: npt.NDArray[np.float64]

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str) -> HardwareCurve:
        try:
            rows = int(data["rows"])
            k = np.asarray(data["popcount"], dtype=np.float64)
            p = np.asarray(data["p_plus"], dtype=np.float64)
        except (KeyError, TypeError, ValueError) as err:
            raise InputError(f"{source} is not a transfer characteristic (needs rows, popcount, p_plus): {err}") from None
        if k.shape != p.shape or k.size < 2 or np.any(np.diff(k) <= 0):
            raise InputError(f"{source}: popcount must be increasing and match p_plus in length")
        if np.any((p < 0) | (p > 1)) or not np.all(np.isfinite(p)):
            raise InputError(f"{source}: p_plus values must be probabilities in [0, 1]")
        return cls(rows, k, p)

    def activate(self, z: npt.NDArray[np.int32], rng: np.random.Generator) -> npt.NDArray[np.int8]:
        p = np.interp((z + self.rows) / 2, self.popcount, self.p_plus)
        return np.where(rng.random(z.shape) < p, 1, -1).astype(np.int8)


@dataclass(frozen=True)
class TrainConfig:
    algo: str = "tgbnn"
    hidden: int = 256
    epochs: int = 10
    batch: int = 128
    seed: int = 0
    flip_prob: float = 0.02
    ste_scale: float = 0.5
    margin_scale: float = 2.0
    lr: float = 0.01

    def __post_init__(self) -> None:
        if self.algo not in ALGOS:
            raise InputError(f"unknown algorithm {self.algo!r}{suggest(self.algo, ALGOS)}; choose one of {', '.join(ALGOS)}")
        if not 0 <= self.flip_prob <= 1:
            raise InputError(f"flip probability must be in [0, 1], got {self.flip_prob}")
        for name in ("hidden", "epochs", "batch"):
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be >= 1, got {getattr(self, name)}")


@dataclass
class TrainResult:
    config: TrainConfig
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    weights: list[npt.NDArray[np.int8]] = field(default_factory=list)
    flips: list[int] = field(default_factory=list)


def _targets(y: npt.NDArray[np.int64], n: int) -> npt.NDArray[np.int8]:
    t = -np.ones((y.size, n), dtype=np.int8)
    t[np.arange(y.size), y] = 1
    return t


def _ternarize(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int8]:
    """sign(v) where |v| reaches the mean magnitude of the non-zero entries (rounded up), else 0."""
    mag = np.abs(values)
    nz = mag[mag > 0]
    if nz.size == 0:
        return np.zeros(values.shape, dtype=np.int8)
    theta = math.ceil(float(nz.mean()))
    return (np.sign(values) * (mag >= theta)).astype(np.int8)


class _Tgbnn:
    def __init__(self, d: int, h: int, o: int, cfg: TrainConfig, rng: np.random.Generator) -> None:
        self.w1 = rng.choice(np.array([-1, 1], dtype=np.int8), size=(d, h))
        self.w2 = rng.choice(np.array([-1, 1], dtype=np.int8), size=(h, o))
        self.window = max(1, round(cfg.ste_scale * math.sqrt(d)))
        self.margin = max(1, round(cfg.margin_scale * math.sqrt(h)))
        self.cfg = cfg

    def hidden(self, x: np.ndarray, hw: HardwareCurve | None, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        z1 = x.astype(np.int32) @ self.w1.astype(np.int32)
        return z1, (hw.activate(z1, rng) if hw else sign(z1))

    def scores(self, x: np.ndarray, hw: HardwareCurve | None, rng: np.random.Generator) -> np.ndarray:
        return self.hidden(x, hw, rng)[1].astype(np.int32) @ self.w2.astype(np.int32)

    def step(self, x: np.ndarray, t: np.ndarray, hw: HardwareCurve | None, rng: np.random.Generator) -> int:
        z1, a1 = self.hidden(x, hw, rng)
        z2 = a1.astype(np.int32) @ self.w2.astype(np.int32)
        e2 = np.where(t * z2 < self.margin, t, 0).astype(np.int32)
        e1 = (e2 @ self.w2.T.astype(np.int32)) * (np.abs(z1) <= self.window)
        d1 = _ternarize(e1).astype(np.int32)
        flips = 0
        for w, g_int in ((self.w2, a1.T.astype(np.int32) @ e2), (self.w1, x.T.astype(np.int32) @ d1)):
            g = _ternarize(g_int)
            flip = (w == -g) & (g != 0) & (rng.random(w.shape) < self.cfg.flip_prob)
            w[flip] *= -1
            flips += int(flip.sum())
        return flips


class _Bnn:
    def __init__(self, d: int, h: int, o: int, cfg: TrainConfig, rng: np.random.Generator) -> None:
        self.params = [rng.uniform(-0.1, 0.1, size=s).astype(np.float32) for s in ((d, h), (h, o))]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0
        self.d, self.h, self.cfg = d, h, cfg

    def hidden(self, x: np.ndarray, hw: HardwareCurve | None, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        z1 = x.astype(np.float32) @ sign(self.params[0]).astype(np.float32)
        return z1, (hw.activate(z1.astype(np.int32), rng) if hw else sign(z1))

    def scores(self, x: np.ndarray, hw: HardwareCurve | None, rng: np.random.Generator) -> np.ndarray:
        return self.hidden(x, hw, rng)[1].astype(np.float32) @ sign(self.params[1]).astype(np.float32)

    def step(self, x: np.ndarray, t: np.ndarray, hw: HardwareCurve | None, rng: np.random.Generator) -> int:
        xf = x.astype(np.float32)
        wb1, wb2 = (sign(p).astype(np.float32) for p in self.params)
        z1, a1 = self.hidden(x, hw, rng)
        logits = (a1.astype(np.float32) @ wb2) / math.sqrt(self.h)
        prob = np.exp(logits - logits.max(axis=1, keepdims=True))
        prob /= prob.sum(axis=1, keepdims=True)
        dlogits = (prob - (t > 0)) / x.shape[0] / math.sqrt(self.h)
        g2 = a1.T.astype(np.float32) @ dlogits
        da1 = (dlogits @ wb2.T) * (np.abs(z1 / math.sqrt(self.d)) <= 1)
        g1 = xf.T @ da1
        before = [sign(p) for p in self.params]
        self.t += 1
        for i, g in enumerate((g1, g2)):
            self.m[i] = 0.9 * self.m[i] + 0.1 * g
            self.v[i] = 0.999 * self.v[i] + 0.001 * g * g
            mhat = self.m[i] / (1 - 0.9**self.t)
            vhat = self.v[i] / (1 - 0.999**self.t)
            self.params[i] = np.clip(self.params[i] - self.cfg.lr * mhat / (np.sqrt(vhat) + 1e-8), -1, 1)
        return int(sum(np.sum(sign(p) != b) for p, b in zip(self.params, before, strict=True)))

    @property
    def w1(self) -> np.ndarray:
        return sign(self.params[0])

    @property
    def w2(self) -> np.ndarray:
        return sign(self.params[1])


def _accuracy(model: _Tgbnn | _Bnn, x: np.ndarray, y: np.ndarray, hw: HardwareCurve | None, rng: np.random.Generator) -> float:
    correct = 0
    for i in range(0, x.shape[0], 1000):
        correct += int(np.sum(np.argmax(model.scores(x[i : i + 1000], hw, rng), axis=1) == y[i : i + 1000]))
    return correct / x.shape[0]


def train(
    data: Dataset,
    cfg: TrainConfig,
    hardware: HardwareCurve | None = None,
    progress: Callable[[int, float, float], None] | None = None,
) -> TrainResult:
    """Train `cfg.algo` on `data`; accuracy on train and test sets after every epoch.

    Raises:
        InputError: the hardware curve's row count differs from the input fan-in.
    """
    d = data.x_train.shape[1]
    if hardware is not None and hardware.rows != d:
        raise InputError(f"hardware characteristic has {hardware.rows} rows but the first layer has fan-in {d}; characterize an array with --rows {d}")
    rng = np.random.default_rng(cfg.seed)
    model = (_Tgbnn if cfg.algo == "tgbnn" else _Bnn)(d, cfg.hidden, data.n_classes, cfg, rng)
    targets = _targets(data.y_train, data.n_classes)
    result = TrainResult(cfg)
    for epoch in range(cfg.epochs):
        order = rng.permutation(data.x_train.shape[0])
        flips = 0
        for i in range(0, order.size, cfg.batch):
            idx = order[i : i + cfg.batch]
            flips += model.step(data.x_train[idx], targets[idx], hardware, rng)
        result.flips.append(flips)
        result.train_acc.append(_accuracy(model, data.x_train, data.y_train, hardware, rng))
        result.test_acc.append(_accuracy(model, data.x_test, data.y_test, hardware, rng))
        if progress:
            progress(epoch + 1, result.train_acc[-1], result.test_acc[-1])
    result.weights = [np.asarray(model.w1), np.asarray(model.w2)]
    return result
