"""A real-valued MLP whose hidden layer is built from MTJ sigmoid neurons, against the same network
with the software logistic (docs/neuron.md).

Hidden activation of neuron j at pre-activation z: the device is driven with I = z i_unit (i_unit
from `neuron.logistic_current_scale`); its forward value is the perpendicular readout and its
backward slope comes from the in-plane readout mapped through the *nominal* fitted model, as a
peripheral circuit that does not know each device would do. Per-device spreads of bias,
anisotropy and loop field (tech.neuron.sigma_field_rel) and the thermal readout noise measured by
`characterize neuron --trials` make the hardware variant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from pydantic import Field, model_validator

from mramcim.device.neuron import NeuronModel, steady_mz
from mramcim.errors import InputError
from mramcim.learn.datasets import Dataset
from mramcim.options import Config

__all__ = [
    "DeviceNeurons",
    "Logistic",
    "MlpConfig",
    "accuracy",
    "train_mlp",
]

F32 = npt.NDArray[np.float32]
Z_MAX = 32.0  # table range of pre-activations; the device is saturated well before
Z_POINTS = 4097


class Activation(Protocol):
    def __call__(self, z: F32, rng: np.random.Generator) -> tuple[F32, F32]: ...


class Logistic:
    """Software reference: 1/(1 + e^-z) and its exact derivative."""

    def __call__(self, z: F32, rng: np.random.Generator) -> tuple[F32, F32]:
        h = (1 / (1 + np.exp(-np.clip(z, -60, 60)))).astype(np.float32)
        return h, h * (1 - h)


@dataclass(frozen=True)
class DeviceNeurons:
    """One MTJ neuron per hidden unit, tabulated over the pre-activation grid.

    sigma (units, points): perpendicular readout; mx: in-plane readout; noise_* (points): the
    thermal spread of each readout in normalized-conductance units; offset_*: the thermal shift of
    the mean readout from the T = 0 curve.
    """

    sigma: F32
    mx: F32
    noise_z: F32
    noise_x: F32
    offset_z: F32
    offset_x: F32
    nominal: NeuronModel
    i_unit_a: float

    @classmethod
    def build(
        cls, char: dict[str, Any], units: int, *, sigma_rel: float, noise: bool, rng: np.random.Generator
    ) -> DeviceNeurons:
        fit = char["fit"]
        nominal = NeuronModel(fit["bx_t"], fit["bk_t"], fit["kappa_t_per_a"])
        i_unit = float(char["logistic_current_scale_a"])
        spread = 1 + sigma_rel * rng.standard_normal((3, units, 1))
        z = np.linspace(-Z_MAX, Z_MAX, Z_POINTS)
        mz = steady_mz(
            nominal.kappa_t_per_a * spread[2] * z * i_unit, nominal.bx_t * spread[0], nominal.bk_t * spread[1]
        )
        zero = np.zeros(Z_POINTS, dtype=np.float32)
        noise_z = noise_x = offset_z = offset_x = zero
        if noise:
            if "noise" not in char:
                raise InputError(
                    "the neuron characterization has no thermal noise; rerun `characterize neuron` with --trials"
                )
            grid, nz = np.asarray(char["currents_a"]), char["noise"]
            i = z * i_unit
            t0_z, t0_x = np.asarray(char["activation"]), 0.5 * (1 + np.asarray(char["mx"]))

            def at(values: Any) -> F32:
                return np.interp(i, grid, np.asarray(values)).astype(np.float32)

            noise_z, noise_x = at(nz["sigma_z_std"]), at(nz["sigma_x_std"])
            offset_z, offset_x = at(np.asarray(nz["sigma_z_mean"]) - t0_z), at(np.asarray(nz["sigma_x_mean"]) - t0_x)
        return cls(
            sigma=(0.5 * (1 + mz)).astype(np.float32),
            mx=np.sqrt(np.clip(1 - mz * mz, 0, 1)).astype(np.float32),
            noise_z=noise_z,
            noise_x=noise_x,
            offset_z=offset_z,
            offset_x=offset_x,
            nominal=nominal,
            i_unit_a=i_unit,
        )

    def __call__(self, z: F32, rng: np.random.Generator) -> tuple[F32, F32]:
        units = self.sigma.shape[0]
        if z.shape[1] != units:
            raise InputError(f"{z.shape[1]} hidden units but {units} tabulated neurons")
        pos = (np.clip(z, -Z_MAX, Z_MAX) + Z_MAX) * ((Z_POINTS - 1) / (2 * Z_MAX))
        lo = np.minimum(pos.astype(np.int64), Z_POINTS - 2)
        frac = (pos - lo).astype(np.float32)
        flat = lo + np.arange(units) * Z_POINTS  # row j of each table

        def lookup(table: F32) -> F32:
            t = table.ravel()
            return t[flat] * (1 - frac) + t[flat + 1] * frac

        h, mx = lookup(self.sigma), lookup(self.mx)
        if self.noise_z.any():
            h = h + self.offset_z[lo] + self.noise_z[lo] * rng.standard_normal(h.shape, dtype=np.float32)
            sx = 0.5 * (1 + mx) + self.offset_x[lo] + self.noise_x[lo] * rng.standard_normal(h.shape, dtype=np.float32)
            mx = 2 * sx - 1
        slope = self.nominal.slope_from_mx(mx) * self.i_unit_a  # d sigma/d z from the in-plane readout
        return np.clip(h, 0, 1).astype(np.float32), slope.astype(np.float32)


class MlpConfig(Config):
    """The real-valued 784-H-10 network of the sigmoid-neuron study (Adam, softmax cross-entropy)."""

    hidden: int = Field(128, description="hidden units")
    epochs: int = Field(10, description="passes over the training set")
    batch: int = Field(100, description="mini-batch size")
    lr: float = Field(1e-3, description="Adam learning rate")
    seed: int = Field(0, description="seed of weights, batches and device draws")

    @model_validator(mode="after")
    def _check(self) -> MlpConfig:
        if not 1 <= self.hidden <= 4096:
            raise InputError(f"hidden units must be between 1 and 4096, got {self.hidden}")
        if not 1 <= self.epochs <= 1000:
            raise InputError(f"epochs must be between 1 and 1000, got {self.epochs}")
        if self.batch < 1:
            raise InputError(f"batch size must be at least 1, got {self.batch}")
        if not 0 < self.lr < 1:
            raise InputError(f"learning rate must be in (0, 1), got {self.lr}")
        return self


@dataclass
class Mlp:
    w1: F32
    b1: F32
    w2: F32
    b2: F32

    def hidden(self, x: F32, act: Activation, rng: np.random.Generator) -> tuple[F32, F32, F32]:
        z = x @ self.w1 + self.b1
        h, slope = act(z, rng)
        return z, h, slope

    def logits(self, x: F32, act: Activation, rng: np.random.Generator) -> F32:
        return self.hidden(x, act, rng)[1] @ self.w2 + self.b2


def accuracy(net: Mlp, x: F32, y: npt.NDArray[np.int64], act: Activation, rng: np.random.Generator) -> float:
    correct = sum(
        int(np.sum(net.logits(x[k : k + 2000], act, rng).argmax(1) == y[k : k + 2000])) for k in range(0, len(y), 2000)
    )
    return correct / len(y)


def train_mlp(
    data: Dataset, cfg: MlpConfig, act: Activation, progress: Callable[[int, float], None] | None = None
) -> tuple[Mlp, list[float]]:
    """Softmax cross-entropy, Adam, Glorot-uniform init; the backward pass multiplies by the
    activation's own slope (the device's in-plane readout for `DeviceNeurons`)."""
    rng = np.random.default_rng(cfg.seed)
    d, c = data.x_train.shape[1], data.n_classes

    def glorot(fan_in: int, fan_out: int) -> F32:
        lim = np.sqrt(6 / (fan_in + fan_out))
        return rng.uniform(-lim, lim, (fan_in, fan_out)).astype(np.float32)

    net = Mlp(glorot(d, cfg.hidden), np.zeros(cfg.hidden, np.float32), glorot(cfg.hidden, c), np.zeros(c, np.float32))
    params = [net.w1, net.b1, net.w2, net.b2]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    step, history = 0, []
    for epoch in range(cfg.epochs):
        order = rng.permutation(len(data.y_train))
        for k in range(0, order.size, cfg.batch):
            idx = order[k : k + cfg.batch]
            x, y = data.x_train[idx], data.y_train[idx]
            _, h, slope = net.hidden(x, act, rng)
            logits = h @ net.w2 + net.b2
            p = np.exp(logits - logits.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            p[np.arange(len(y)), y] -= 1
            e2 = p / len(y)
            e1 = (e2 @ net.w2.T) * slope
            grads = [x.T @ e1, e1.sum(0), h.T @ e2, e2.sum(0)]
            step += 1
            for q, g in enumerate(grads):  # Adam (beta 0.9, 0.999)
                m[q] = 0.9 * m[q] + 0.1 * g
                v[q] = 0.999 * v[q] + 0.001 * g * g
                params[q] -= (cfg.lr * (m[q] / (1 - 0.9**step)) / (np.sqrt(v[q] / (1 - 0.999**step)) + 1e-8)).astype(
                    np.float32
                )
        history.append(accuracy(net, data.x_test, data.y_test, act, rng))
        if progress:
            progress(epoch + 1, history[-1])
    return net, history
