"""Baselines with real-valued latent weights, same structure as the TGBNN (d -> h -> L).

- Bnn: a regular binarized network (Courbariaux et al. 2016; Hubara et al. 2016): latent real
  weights clipped to [-1, 1], sign() weights and activations in the forward pass, the standard
  straight-through estimator 1{|z1| / sqrt(d) <= 1}, softmax cross-entropy over the codeword
  correlations z2 C^T / (2 sqrt(h)), Adam.
- BnnSgd: our reading of the papers' "regular BNN of the same structure" (TENCON 2023; IEEE
  Access 2024): the same latent weights, sign() forward and standard STE, but TGBNN's output
  error instead of cross-entropy, e2 = t where t z2 < margin (t the +-1 target code bit; the
  gradient of the hinge loss sum max(0, margin - t z2)), back-propagated in real numbers,
  e1 = (e2 W2^T) 1{|z1| / sqrt(d) <= 1}, and plain SGD with a fixed learning rate lr:
  H2 += lr a1^T e2 / B, H1 += lr x^T e1 / B, then clipped to [-1, 1] (B the batch size).
- FloatNet: the upper bound: real weights, tanh hidden units, the same loss and optimizer.
Both see the same binary inputs, data order and output code as the TGBNN.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from mramcim.learn.tgbnn import sign_f32

__all__ = ["Bnn", "BnnSgd", "FloatNet"]

F32 = npt.NDArray[np.float32]


class _Adam:
    def __init__(self, params: list[F32]) -> None:
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, params: list[F32], grads: list[F32], lr: float) -> None:
        self.t += 1
        c1, c2 = 1 - 0.9**self.t, 1 - 0.999**self.t
        for p, g, m, v in zip(params, grads, self.m, self.v, strict=True):
            m *= 0.9
            m += 0.1 * g
            v *= 0.999
            v += 0.001 * g * g
            p -= lr * (m / c1) / (np.sqrt(v / c2) + 1e-8)


def _softmax_error(scores: F32, codewords: F32, labels: npt.NDArray[np.int64], temperature: float) -> F32:
    """d(cross-entropy)/d(scores) for logits = scores C^T / temperature, averaged over the batch."""
    logits = scores @ codewords.T / temperature
    prob = np.exp(logits - logits.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    prob[np.arange(labels.size), labels] -= 1
    return (prob @ codewords / (temperature * labels.size)).astype(np.float32)


class _LatentBnn:
    """Latent real weights (uniform +-0.1 at start) whose signs are the binary weights."""

    def __init__(self, d: int, h: int, outputs: int, rng: np.random.Generator) -> None:
        self.latent = [rng.uniform(-0.1, 0.1, size=s).astype(np.float32) for s in ((d, h), (h, outputs))]
        self.d, self.h = d, h

    def forward_weights(self) -> tuple[F32, F32]:
        return sign_f32(self.latent[0]), sign_f32(self.latent[1])

    def weights(self) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]:
        w1, w2 = self.forward_weights()
        return w1.astype(np.int8), w2.astype(np.int8)

    def _clip_and_count(self, before: tuple[F32, F32]) -> int:
        for p in self.latent:
            np.clip(p, -1, 1, out=p)
        return int(sum(np.count_nonzero(sign_f32(p) != w) for p, w in zip(self.latent, before, strict=True)))


class Bnn(_LatentBnn):
    def __init__(self, d: int, h: int, outputs: int, rng: np.random.Generator) -> None:
        super().__init__(d, h, outputs, rng)
        self.adam = _Adam(self.latent)

    def learn(self, x: F32, z1: F32, a1: F32, codewords: F32, labels: npt.NDArray[np.int64], lr: float) -> int:
        """One Adam step; returns how many binary weights changed sign."""
        w1, w2 = self.forward_weights()
        dz2 = _softmax_error(a1 @ w2, codewords, labels, 2 * math.sqrt(self.h))
        da1 = (dz2 @ w2.T) * (np.abs(z1) <= math.sqrt(self.d))
        self.adam.step(self.latent, [x.T @ da1, a1.T @ dz2], lr)
        return self._clip_and_count((w1, w2))


class BnnSgd(_LatentBnn):
    """Latent-weight BNN with TGBNN's margin error and plain fixed-rate SGD (no optimizer state)."""

    def __init__(self, d: int, h: int, outputs: int, margin: int, rng: np.random.Generator) -> None:
        super().__init__(d, h, outputs, rng)
        self.margin = margin

    def learn(self, x: F32, z1: F32, a1: F32, codewords: F32, labels: npt.NDArray[np.int64], lr: float) -> int:
        """One SGD step on the hinge loss of the output scores; returns how many binary weights changed sign."""
        w1, w2 = self.forward_weights()
        t = codewords[labels]
        e2 = t * (t * (a1 @ w2) < self.margin)
        e1 = (e2 @ w2.T) * (np.abs(z1) <= math.sqrt(self.d))
        step = np.float32(lr / labels.size)
        self.latent[1] += step * (a1.T @ e2)
        self.latent[0] += step * (x.T @ e1)
        return self._clip_and_count((w1, w2))


class FloatNet:
    def __init__(self, d: int, h: int, outputs: int, rng: np.random.Generator) -> None:
        self.params = [(rng.standard_normal(s) / math.sqrt(s[0])).astype(np.float32) for s in ((d, h), (h, outputs))]
        self.adam = _Adam(self.params)

    def forward(self, x: F32) -> tuple[F32, F32, F32]:
        z1 = x @ self.params[0]
        a1 = np.tanh(z1)
        return z1, a1, a1 @ self.params[1]

    def learn(self, x: F32, z1: F32, a1: F32, codewords: F32, labels: npt.NDArray[np.int64], lr: float) -> int:
        dz2 = _softmax_error(a1 @ self.params[1], codewords, labels, 1.0)
        da1 = (dz2 @ self.params[1].T) * (1 - a1 * a1)
        self.adam.step(self.params, [x.T @ da1, a1.T @ dz2], lr)
        return 0
