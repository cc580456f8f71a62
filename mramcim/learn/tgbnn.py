"""TGBNN: a binarized network trained with ternary gradients and stochastic binary updates.

Our reading of Fujiwara & Kawahara (TENCON 2023; IEEE Access 12:150962, 2024), in numpy, for a
network x (d, +-1) -> hidden a1 (h, +-1) -> output scores z2 (L), binary weights in both layers.
Every quantity below is an integer; the ternary ones take only -1, 0, +1.

    forward    z1 = x W1,  a1 = sign(z1)   (the array's sense amplifiers; popcount k = (z1 + d)/2)
               z2 = a1 W2                  (output scores; decoded by the output code)
    output     e2 = t  where t z2 < margin, else 0          ternary: t is the +-1 target code bit
    backward   e1 = e2 W2^T  where |z1| <= window, else 0   integer in [-L, L] (the improved STE:
               the window scales with the fan-in, window = round(ste_scale sqrt(d)))
               d1 = T(e1, error_k)                          ternary hidden error
    gradients  g2 = T(a1^T e2, grad_k),  g1 = T(x^T d1, grad_k)   ternary weight gradients
    update     a weight with w = -g (the descent direction disagrees) flips with probability p;
               p is the SOT switching probability of the write pulse (mramcim.sotwrite)

T(v, k) = sign(v) where |v| >= max(1, ceil(k mean|v| over its non-zero entries)), else 0: an
adaptive per-layer threshold, so the number of non-zero gradients follows the error signal.
Real-valued numbers appear only outside the weight path: the flip probability p (a device
property), the ternarization threshold factors k and the random draws that realize the flips.
The model's only persistent state is the two +-1 weight arrays (int8).

Matrix products run in float32 BLAS: +-1 and small-integer operands are exact in float32 up to
2^24, and BLAS beats bit-packed XNOR-popcount in numpy at these sizes (`mramcim bench train`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mramcim.errors import InputError

__all__ = ["Gradients", "Tgbnn", "sign_f32", "ternarize"]

Probability = float | npt.NDArray[np.float32]


def sign_f32(x: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
    """+1 where x >= 0, else -1 (the encoding's sign), as float32 for the next product."""
    return np.where(x >= 0, np.float32(1), np.float32(-1))


def ternarize(values: npt.NDArray[np.floating] | npt.NDArray[np.integer], k: float) -> npt.NDArray[np.int8]:
    """T(v, k): sign(v) where |v| >= max(1, ceil(k * mean |v| over non-zeros)), else 0."""
    mag = np.abs(values)
    nonzero = np.count_nonzero(mag)
    theta = max(1, math.ceil(k * float(mag.sum()) / nonzero - 1e-9)) if nonzero else 1
    out = (values >= theta).view(np.int8)
    out -= (values <= -theta).view(np.int8)
    return out


@dataclass(frozen=True)
class Gradients:
    """The signals of one TGBNN step (all integer or ternary)."""

    e2: npt.NDArray[np.int8]  # ternary output error (batch, L)
    d1: npt.NDArray[np.int8]  # ternary hidden error (batch, h)
    g1: npt.NDArray[np.int8]  # ternary gradient of W1 (d, h)
    g2: npt.NDArray[np.int8]  # ternary gradient of W2 (h, L)


class Tgbnn:
    """Binary weights W1 (d, h) and W2 (h, L) as int8 +-1; nothing else persists."""

    def __init__(
        self,
        d: int,
        h: int,
        outputs: int,
        *,
        ste_scale: float,
        margin_scale: float,
        error_k: float,
        grad_k: float,
        rng: np.random.Generator,
    ) -> None:
        if min(ste_scale, margin_scale, error_k, grad_k) <= 0:
            raise InputError("TGBNN scales (ste, margin, error_k, grad_k) must be positive")
        pm1 = np.array([-1, 1], dtype=np.int8)
        self.w1 = rng.choice(pm1, size=(d, h))
        self.w2 = rng.choice(pm1, size=(h, outputs))
        self.window = max(1, round(ste_scale * math.sqrt(d)))
        self.margin = max(1, round(margin_scale * math.sqrt(h)))
        self.error_k = error_k
        self.grad_k = grad_k

    def weights(self) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]:
        return self.w1, self.w2

    def gradients(
        self,
        x: npt.NDArray[np.float32],
        t: npt.NDArray[np.int8],
        z1: npt.NDArray[np.float32],
        a1: npt.NDArray[np.float32],
    ) -> Gradients:
        """Ternary errors and gradients for a batch whose forward pass gave z1 and a1."""
        w2 = self.w2.astype(np.float32)
        z2 = a1 @ w2
        e2 = np.where(t * z2 < self.margin, t, 0).astype(np.int8)
        e2f = e2.astype(np.float32)
        e1 = (e2f @ w2.T) * (np.abs(z1) <= self.window)
        d1 = ternarize(e1, self.error_k)
        g2 = ternarize(a1.T @ e2f, self.grad_k)
        g1 = ternarize(x.T @ d1.astype(np.float32), self.grad_k)
        return Gradients(e2, d1, g1, g2)

    def update(self, grads: Gradients, p: tuple[Probability, Probability], rng: np.random.Generator) -> tuple[int, int]:
        """Stochastic flips toward the ternary gradients; returns (write pulses, flips)."""
        pulses = flips = 0
        for w, g, prob in ((self.w1, grads.g1, p[0]), (self.w2, grads.g2, p[1])):
            flat, gflat = w.reshape(-1), g.reshape(-1)
            pulses += int(np.count_nonzero(gflat))
            candidates = np.flatnonzero(flat == -gflat)
            p_cells = np.asarray(prob).reshape(-1)[candidates] if np.ndim(prob) else float(prob)
            hit = candidates[rng.random(candidates.size) < p_cells]
            flat[hit] = -flat[hit]
            flips += int(hit.size)
        return pulses, flips
