"""Training loop for TGBNN, the regular BNN baseline and the float upper bound (numpy).

The network is d -> h -> L with L the output-code length (one-hot: the classes). All algorithms
see the same binary inputs, data order (seeded) and output code. With hardware in the loop:
- `curve` (a TransferCurve of d rows): the hidden sense outputs are drawn from the measured
  P(+1 | popcount), in training and in evaluation;
- `writer` (a SotWriter): the TGBNN flip probability of every cell comes from its own P_sw for the
  epoch's write pulse (device variation); without it every cell flips with the nominal p.
The TGBNN flip probability follows a geometric schedule from `flip_prob` to `flip_prob_final`
over the epochs; each epoch's p maps to an SOT pulse current (fixed width), so the write energy
of every epoch is counted from the pulses actually sent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from pydantic import Field, model_validator

from mramcim.artifacts import Result
from mramcim.device.switching import SwitchingLaw, analytic_law
from mramcim.encoding import TransferCurve
from mramcim.errors import InputError
from mramcim.learn.bnn import Bnn, FloatNet
from mramcim.learn.codes import Codebook, make_codebook
from mramcim.learn.datasets import Dataset
from mramcim.learn.mapping import ArrayPlan
from mramcim.learn.sotwrite import SotWriter, WritePulse, check_probability, pulse_for_probability
from mramcim.learn.tgbnn import Tgbnn, sign_f32
from mramcim.options import Algorithm, AlgorithmField, Config, OutputCode, OutputCodeField, Scheme
from mramcim.tech import Technology

__all__ = ["TrainConfig", "TrainResult", "TrainingRun", "train", "train_model"]

logger = logging.getLogger(__name__)

DEFAULT_BATCH = {"tgbnn": 500, "bnn": 100, "float": 100}
MIN_PULSE_P = 1e-6  # a pulse that (almost) never switches would train nothing
MIN_STEPS_PER_EPOCH = 16  # small data sets: TGBNN batches shrink so an epoch still makes this many updates
EVAL_CHUNK = 2000


class TrainConfig(Config):
    """One training run: the network, the schedule and the algorithm's own parameters."""

    algo: AlgorithmField = Field(Algorithm.TGBNN, description="tgbnn, bnn (latent weights, Adam) or float")
    hidden: int = Field(512, description="hidden neurons")
    epochs: int = Field(20, description="passes over the training set")
    batch: int | None = Field(None, description="mini-batch size (None: the algorithm's default, DEFAULT_BATCH)")
    seed: int = Field(0, description="seed of weights, data order and flips")
    output_code: OutputCodeField = Field(OutputCode.ONEHOT, description="onehot or ecoc output layer")
    code_length: int | None = Field(None, description="ECOC bits (None: 2^k - 1 >= 2 x classes)")
    # TGBNN
    flip_prob: float = Field(0.03, description="TGBNN flip probability in the first epoch")
    flip_prob_final: float = Field(0.001, description="TGBNN flip probability in the last epoch (geometric schedule)")
    write_width_s: float = Field(10e-9, description="SOT write pulse width [s]")
    write_pulse: WritePulse | None = Field(None, description="first epoch's pulse (sets flip_prob from P_sw)")
    ste_scale: float = Field(0.5, description="STE window / sqrt(fan-in)")
    margin_scale: float = Field(2.0, description="output margin / sqrt(hidden)")
    error_k: float = Field(0.5, description="hidden-error ternarization threshold factor")
    grad_k: float = Field(1.0, description="gradient ternarization threshold factor")
    # BNN / float (Adam, geometric learning-rate schedule)
    lr: float = Field(0.003, description="Adam learning rate, first epoch")
    lr_final: float = Field(0.0003, description="Adam learning rate, last epoch")

    @model_validator(mode="after")
    def _check(self) -> TrainConfig:
        for name in ("flip_prob", "flip_prob_final"):
            p = check_probability(getattr(self, name), name.replace("_", " "))
            if not 0 < p < 1:
                raise InputError(
                    f"{name.replace('_', ' ')} must be strictly between 0 and 1 (a write pulse's P_sw), got {p}"
                )
        for name, top in (("hidden", 100_000), ("epochs", 100_000)):
            if not 1 <= getattr(self, name) <= top:
                raise InputError(f"{name} must be 1 to {top}, got {getattr(self, name)}")
        if self.batch is not None and not 1 <= self.batch <= 10_000_000:
            raise InputError(f"batch must be 1 to 10000000, got {self.batch}")
        if not (self.lr > 0 and self.lr_final > 0):
            raise InputError(f"learning rates must be positive, got {self.lr}, {self.lr_final}")
        if self.write_width_s <= 0:
            raise InputError(f"write pulse width must be positive, got {self.write_width_s}")
        return self

    def batch_size(self, n_train: int) -> int:
        if self.batch is not None:
            return self.batch
        if self.algo == "tgbnn":
            return max(min(DEFAULT_BATCH["tgbnn"], n_train // MIN_STEPS_PER_EPOCH), DEFAULT_BATCH["bnn"] // 2)
        return DEFAULT_BATCH[self.algo]

    def schedule(self, start: float, end: float, epoch: int) -> float:
        """Geometric interpolation from start (first epoch) to end (last epoch)."""
        if self.epochs == 1:
            return start
        return start * (end / start) ** (epoch / (self.epochs - 1))

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


@dataclass
class TrainResult:
    config: TrainConfig
    codebook: Codebook
    batch: int
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    flips: list[int] = field(default_factory=list)
    pulses: list[int] = field(default_factory=list)
    flip_prob: list[float] = field(default_factory=list)
    write_pulse: list[dict[str, float]] = field(default_factory=list)
    write_energy_j: list[float] = field(default_factory=list)
    epoch_s: list[float] = field(default_factory=list)
    weights: list[npt.NDArray[np.int8]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "config": self.config.as_dict(),
            "batch": self.batch,
            "output_code": self.codebook.as_dict(),
            "train_acc": self.train_acc,
            "test_acc": self.test_acc,
            "final_test_acc": self.test_acc[-1],
            "flips": self.flips,
            "write_pulses": self.pulses,
            "flip_prob": self.flip_prob,
            "write_pulse": self.write_pulse,
            "write_energy_j": self.write_energy_j,
            "write_energy_total_j": float(sum(self.write_energy_j)),
            "epoch_s": self.epoch_s,
        }


class _Runner:
    """One model behind a common forward/learn interface."""

    def __init__(self, cfg: TrainConfig, d: int, outputs: int, rng: np.random.Generator) -> None:
        self.cfg = cfg
        if cfg.algo == "tgbnn":
            self.model: Tgbnn | Bnn | FloatNet = Tgbnn(
                d,
                cfg.hidden,
                outputs,
                ste_scale=cfg.ste_scale,
                margin_scale=cfg.margin_scale,
                error_k=cfg.error_k,
                grad_k=cfg.grad_k,
                rng=rng,
            )
        elif cfg.algo == "bnn":
            self.model = Bnn(d, cfg.hidden, outputs, rng)
        else:
            self.model = FloatNet(d, cfg.hidden, outputs, rng)

    def forward(
        self, x: npt.NDArray[np.float32], curve: TransferCurve | None, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if isinstance(self.model, FloatNet):
            return self.model.forward(x)
        if isinstance(self.model, Tgbnn):
            w1, w2 = (w.astype(np.float32) for w in self.model.weights())
        else:
            w1, w2 = self.model.forward_weights()
        z1 = x @ w1
        a1 = curve.activate(z1, rng) if curve is not None else sign_f32(z1)
        return z1, a1, a1 @ w2


def _accuracy(
    runner: _Runner,
    book: Codebook,
    x: npt.NDArray[np.int8],
    y: npt.NDArray[np.int64],
    curve: TransferCurve | None,
    rng: np.random.Generator,
) -> float:
    correct = 0
    for i in range(0, x.shape[0], EVAL_CHUNK):
        scores = runner.forward(x[i : i + EVAL_CHUNK].astype(np.float32), curve, rng)[2]
        correct += int(np.sum(book.decode(scores) == y[i : i + EVAL_CHUNK]))
    return correct / x.shape[0]


def train(
    data: Dataset,
    cfg: TrainConfig,
    tech: Technology | None = None,
    *,
    curve: TransferCurve | None = None,
    write_variation: bool = False,
    law: SwitchingLaw | None = None,
    progress: Callable[[int, TrainResult], None] | None = None,
) -> TrainResult:
    """Train `cfg.algo` on `data`; accuracy on train and test sets after every epoch.

    `tech` (needed for the SOT pulses of a TGBNN) gives the switching law unless `law` is given;
    `write_variation` draws per-cell barriers (device variation) for the flips.

    Raises:
        InputError: a transfer curve for another fan-in, an unusable code length or pulse.
    """
    d = data.x_train.shape[1]
    if curve is not None:
        if cfg.algo == "float":
            raise InputError("the float network has no binary hidden layer to read through an array; use tgbnn or bnn")
        curve.check_fan_in(d)
    book = make_codebook(cfg.output_code, data.n_classes, cfg.code_length, seed=cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    hw_rng = np.random.default_rng(
        [cfg.seed, 1]
    )  # hardware noise apart: ideal and in-the-loop runs share data order and flips
    runner = _Runner(cfg, d, book.length, rng)
    codewords = book.words.astype(np.float32)
    targets = book.targets(data.y_train)
    writer = None
    if isinstance(runner.model, Tgbnn):
        if tech is None:
            raise InputError("TGBNN training needs a technology for its SOT write pulses")
        law = law or analytic_law(tech, "sot")
        writer = SotWriter(
            tech, law, [runner.model.w1.shape, runner.model.w2.shape], variation=write_variation, rng=hw_rng
        )
        p_start, width = cfg.flip_prob, cfg.write_width_s
        if cfg.write_pulse is not None:
            p_start, width = writer.nominal_probability(cfg.write_pulse), cfg.write_pulse.width_s
            if not MIN_PULSE_P <= p_start < 1:
                raise InputError(
                    f"the write pulse {cfg.write_pulse.current_a * 1e6:g} uA, {width * 1e9:g} ns switches "
                    f"with P_sw = {p_start:.3g}; choose a pulse with {MIN_PULSE_P:g} <= P_sw < 1"
                )
    batch = cfg.batch_size(data.x_train.shape[0])
    result = TrainResult(cfg, book, batch)
    for epoch in range(cfg.epochs):
        start = time.perf_counter()
        order = rng.permutation(data.x_train.shape[0])
        flips = pulses = 0
        if writer is not None:
            p_nominal = cfg.schedule(p_start, cfg.flip_prob_final, epoch)
            pulse = (
                cfg.write_pulse
                if epoch == 0 and cfg.write_pulse
                else pulse_for_probability(writer.law, p_nominal, width)
            )
            probs = writer.probabilities(pulse)
            p_layers = (probs[0], probs[1])
        lr = cfg.schedule(cfg.lr, cfg.lr_final, epoch)
        for i in range(0, order.size, batch):
            idx = order[i : i + batch]
            x = data.x_train[idx].astype(np.float32)
            z1, a1, _ = runner.forward(x, curve, hw_rng)
            if isinstance(runner.model, Tgbnn):
                grads = runner.model.gradients(x, targets[idx], z1, a1)
                n_pulses, n_flips = runner.model.update(grads, p_layers, rng)
                pulses += n_pulses
                flips += n_flips
            else:
                flips += runner.model.learn(x, z1, a1, codewords, data.y_train[idx], lr)
        result.epoch_s.append(time.perf_counter() - start)
        result.flips.append(flips)
        if writer is not None:
            result.pulses.append(pulses)
            result.flip_prob.append(p_nominal)
            result.write_pulse.append(pulse.as_dict())
            result.write_energy_j.append(pulses * writer.energy_per_pulse_j(pulse))
        result.train_acc.append(_accuracy(runner, book, data.x_train, data.y_train, curve, hw_rng))
        result.test_acc.append(_accuracy(runner, book, data.x_test, data.y_test, curve, hw_rng))
        logger.info(
            "%s epoch %d/%d: test %.4f, %d flips, %.2f s",
            cfg.algo,
            epoch + 1,
            cfg.epochs,
            result.test_acc[-1],
            flips,
            result.epoch_s[-1],
        )
        if progress:
            progress(epoch + 1, result)
    if not isinstance(runner.model, FloatNet):
        result.weights = [np.array(w) for w in runner.model.weights()]
    return result


@dataclass(frozen=True)
class TrainingRun(Result):
    """One training run on a dataset, with the array counts of its network: what `train` writes."""

    name: ClassVar[str] = "train"

    result: TrainResult
    dataset: str
    data_note: str
    n_train: int
    n_test: int
    hardware: str | None
    write_stats: bool
    plan: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "data_note": self.data_note,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "hardware": self.hardware,
            "write_stats": self.write_stats,
            "arrays": self.plan,
            **self.result.as_dict(),
        }

    def arrays(self) -> dict[str, np.ndarray]:
        return {f"w{i + 1}": w for i, w in enumerate(self.result.weights)}

    def summary_lines(self) -> list[str]:
        cfg = self.result.config
        return [
            f"{cfg.algo} on {self.dataset} ({self.data_note}): final test accuracy {self.result.test_acc[-1]:.4f}; "
            f"{self.plan['mtj']} MTJs in {self.plan['arrays']} {self.plan['scheme']} arrays"
        ]


def train_model(
    data: Dataset,
    cfg: TrainConfig,
    tech: Technology,
    *,
    hardware: str | Path | None = None,
    write_stats: bool = False,
    scheme: Scheme = Scheme.HALF,
    array_cols: int = 64,
    progress: Callable[[int, TrainResult], None] | None = None,
) -> TrainingRun:
    """Train on `data` (through the array's transfer characteristic at `hardware`, flips from
    per-cell SOT statistics with `write_stats`) and count its arrays. Every input is checked
    before the first epoch."""
    if cfg.algo is not Algorithm.TGBNN and (write_stats or cfg.write_pulse is not None):
        raise InputError(
            "--write-pulse and --write-stats set the TGBNN's stochastic flips; the other algorithms have none"
        )
    curve = TransferCurve.from_file(hardware) if hardware is not None else None
    d = data.x_train.shape[1]
    if curve is not None:
        curve.check_fan_in(d)
    outputs = make_codebook(cfg.output_code, data.n_classes, cfg.code_length, seed=cfg.seed).length
    plan = ArrayPlan(scheme=scheme, layers=((d, cfg.hidden), (cfg.hidden, outputs)), array_cols=array_cols)
    result = train(data, cfg, tech, curve=curve, write_variation=write_stats, progress=progress)
    return TrainingRun(
        result,
        data.name,
        data.note,
        int(data.y_train.size),
        int(data.y_test.size),
        None if hardware is None else str(hardware),
        write_stats,
        plan.summary(None),
    )
