"""TGBNN: a binarized network trained with ternary gradients and stochastic binary updates.

Our reading of Fujiwara & Kawahara (TENCON 2023; IEEE Access 12:150962, 2024), in numpy, for a
network x (d, +-1) -> hidden a1 (h, +-1) -> output scores z2 (L), binary weights in both layers,
with one addition of ours, sparse evidence-ranked writes (`top_m`, issue 19). Every quantity
below is an integer; the ternary ones take only -1, 0, +1.

    forward    z1 = x W1,  a1 = sign(z1)   (the array's sense amplifiers; popcount k = (z1 + d)/2)
               z2 = a1 W2                  (output scores; decoded by the output code)
    output     e2 = t  where t z2 < margin, else 0          ternary: t is the +-1 target code bit
    backward   e1 = e2 W2^T  where |z1| <= window, else 0   integer in [-L, L] (the improved STE:
               the window scales with the fan-in, window = round(ste_scale sqrt(d)))
               d1 = T(e1, error_k)                          ternary hidden error
    counts     C1 = x^T d1,  C2 = a1^T e2   the batch sums of the per-sample ternary gradients
    gradients  g1 = T(C1, grad_k),  g2 = T(C2, grad_k)     ternary weight gradients
    writes     top_m = 0 (the papers' rule): every cell with g != 0 gets one SOT pulse.
               top_m = m > 0: in every column (neuron), only the m cells with the largest |C|
               among those whose gradient disagrees with the weight (g = -w) get a pulse
               (top_m_out for the output layer).
    update     a pulsed cell with w = -g flips with probability p, the SOT switching probability of
               the write pulse (mramcim.sotwrite); a pulse on a cell already equal to g does nothing.

T(v, k) = sign(v) where |v| >= max(1, ceil(k mean|v| over its non-zero entries)), else 0: an
adaptive per-layer threshold, so the number of non-zero gradients follows the error signal.

Why the sparse writes: without a latent weight, a weight is its own memory. With the papers'
rule about a third of all cells receive a pulse at every step, so a weight whose gradient is
mostly noise is re-drawn again and again and the network forgets; a large batch of flips also
moves a neuron's pre-activation far beyond the STE window at once (half the hidden neurons end
up constant). Writing only the m cells per neuron with the strongest batch evidence bounds the
change of every neuron per step (|dz1| <= 2 m for every input) and leaves weakly driven weights
alone, so they keep what was learned; the flip probability can then be high.

Real-valued numbers appear only outside the weight path: the flip probability p (a device
property), the threshold factors k and the random draws that realize the flips. The model's only
persistent state is the two +-1 weight arrays (int8); the counts C live for one batch.

Matrix products run in float32 BLAS: +-1 and small-integer operands are exact in float32 up to
2^24, and BLAS beats bit-packed XNOR-popcount in numpy at these sizes (`mramcim bench train`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mramcim.errors import InputError

__all__ = ["Gradients", "Tgbnn", "sign_f32", "strongest_disagreeing", "ternarize"]

Probability = float | npt.NDArray[np.float32]


def sign_f32(x: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
    """+1 where x >= 0, else -1 (the encoding's sign), as float32 for the next product."""
    return np.where(x >= 0, np.float32(1), np.float32(-1))


def _threshold(values: npt.NDArray[np.floating] | npt.NDArray[np.integer], k: float) -> int:
    """max(1, ceil(k mean |v| over the non-zero entries)); 1 when all are zero."""
    mag = np.abs(values)
    nonzero = np.count_nonzero(mag)
    return max(1, math.ceil(k * float(mag.sum()) / nonzero - 1e-9)) if nonzero else 1


def ternarize(values: npt.NDArray[np.floating] | npt.NDArray[np.integer], k: float) -> npt.NDArray[np.int8]:
    """T(v, k): sign(v) where |v| >= max(1, ceil(k * mean |v| over non-zeros)), else 0."""
    theta = _threshold(values, k)
    out = (values >= theta).view(np.int8)
    out -= (values <= -theta).view(np.int8)
    return out


def strongest_disagreeing(
    counts_t: npt.NDArray[np.float32], w: npt.NDArray[np.int8], theta: int, m: int
) -> npt.NDArray[np.intp]:
    """Flat indices into w (rows, cols) of the cells to write: per column, the m cells with the
    largest |count| among those whose count has the opposite sign of the weight and |count| >= theta.

    Args:
        counts_t: the counts transposed, (cols, rows), so every column is a contiguous row here.
        w: the weights (rows, cols), +-1.
        theta: the ternarization threshold (a cell below it has gradient 0 and is never written).
        m: cells per column.
    """
    # < 0 where the count disagrees; float32 x float32 (3x faster than x int8), and the transposed
    # weights made C-contiguous first: an F-ordered operand makes the product ~40x slower
    score = counts_t * w.T.astype(np.float32, order="C")
    np.negative(score, out=score)
    cols = np.arange(score.shape[0])
    picked = []
    for _ in range(min(m, score.shape[1])):
        rows = np.argmax(score, axis=1)
        ok = score[cols, rows] >= theta
        picked.append(rows[ok] * w.shape[1] + cols[ok])
        score[cols, rows] = 0
    return np.concatenate(picked) if picked else np.zeros(0, dtype=np.intp)


@dataclass(frozen=True)
class Gradients:
    """The signals of one TGBNN step (all integer or ternary)."""

    e2: npt.NDArray[np.int8]  # ternary output error (batch, L)
    d1: npt.NDArray[np.int8]  # ternary hidden error (batch, h)
    g1: npt.NDArray[np.int8]  # ternary gradient of W1 (d, h)
    g2: npt.NDArray[np.int8]  # ternary gradient of W2 (h, L)
    write1: npt.NDArray[np.intp] | None = None  # flat indices of the W1 cells that get a pulse (None: all g1 != 0)
    write2: npt.NDArray[np.intp] | None = None


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
        top_m: int = 0,
        top_m_out: int = 0,
    ) -> None:
        if min(ste_scale, margin_scale, error_k, grad_k) <= 0:
            raise InputError("TGBNN scales (ste, margin, error_k, grad_k) must be positive")
        if min(top_m, top_m_out) < 0:
            raise InputError(f"top_m and top_m_out must be >= 0 (0: the papers' rule), got {top_m}, {top_m_out}")
        pm1 = np.array([-1, 1], dtype=np.int8)
        self.w1 = rng.choice(pm1, size=(d, h))
        self.w2 = rng.choice(pm1, size=(h, outputs))
        self.window = max(1, round(ste_scale * math.sqrt(d)))
        self.margin = max(1, round(margin_scale * math.sqrt(h)))
        self.error_k = error_k
        self.grad_k = grad_k
        self.top_m = top_m
        self.top_m_out = top_m_out

    def weights(self) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]:
        return self.w1, self.w2

    def gradients(
        self,
        x: npt.NDArray[np.float32],
        t: npt.NDArray[np.int8],
        z1: npt.NDArray[np.float32],
        a1: npt.NDArray[np.float32],
    ) -> Gradients:
        """Ternary errors and gradients (and the cells to write) for a batch whose forward pass gave z1 and a1."""
        w2 = self.w2.astype(np.float32)
        z2 = a1 @ w2
        e2 = np.where(t * z2 < self.margin, t, 0).astype(np.int8)
        e2f = e2.astype(np.float32)
        e1 = (e2f @ w2.T) * (np.abs(z1) <= self.window)
        d1 = ternarize(e1, self.error_k)
        g1, write1 = self._layer(x, d1.astype(np.float32), self.w1, self.top_m)
        g2, write2 = self._layer(a1, e2f, self.w2, self.top_m_out)
        return Gradients(e2, d1, g1, g2, write1, write2)

    def _layer(
        self, inputs: npt.NDArray[np.float32], errors: npt.NDArray[np.float32], w: npt.NDArray[np.int8], m: int
    ) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.intp] | None]:
        if m == 0:
            return ternarize(inputs.T @ errors, self.grad_k), None
        counts_t = errors.T @ inputs  # (cols, rows): C^T, each neuron's counts contiguous
        theta = _threshold(counts_t, self.grad_k)
        g_t = (counts_t >= theta).view(np.int8)
        g_t -= (counts_t <= -theta).view(np.int8)
        return g_t.T, strongest_disagreeing(counts_t, w, theta, m)  # g as a (rows, cols) view: no copy

    def update(
        self, grads: Gradients, p: tuple[Probability, Probability], rng: np.random.Generator
    ) -> tuple[list[int], int]:
        """Stochastic flips toward the ternary gradients; returns (write pulses per layer, flips)."""
        pulses, flips = [], 0
        for w, g, write, prob in ((self.w1, grads.g1, grads.write1, p[0]), (self.w2, grads.g2, grads.write2, p[1])):
            flat = w.reshape(-1)
            if write is None:
                gflat = g.reshape(-1)
                pulses.append(int(np.count_nonzero(gflat)))
                candidates = np.flatnonzero(flat == -gflat)
            else:
                pulses.append(int(write.size))
                candidates = write  # chosen among the cells whose gradient disagrees with the weight
            p_cells = np.asarray(prob).reshape(-1)[candidates] if np.ndim(prob) else float(prob)
            hit = candidates[rng.random(candidates.size) < p_cells]
            flat[hit] = -flat[hit]
            flips += int(hit.size)
        return pulses, flips
