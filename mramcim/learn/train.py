"""Training loop for TGBNN, the regular BNN baseline and the float upper bound (numpy).

The network is d -> h -> L with L the output-code length (one-hot: the classes). All algorithms
see the same binary inputs, data order (seeded) and output code. With hardware in the loop:
- `curve` (a TransferCurve of d rows): the hidden sense outputs are drawn from the measured
  P(+1 | popcount), in training and in evaluation;
- `write_variation`: the TGBNN flip probability of every cell comes from its own P_sw for the
  epoch's write pulse (device variation, the calibration's measured area shift); without it every
  cell flips with the nominal p.
The TGBNN flip probability follows a geometric schedule from `flip_prob` to `flip_prob_final`
over the epochs; each epoch's p maps to an SOT pulse current (fixed width, the write path's rise)
through the LLG-calibrated SOT table (`device.sotcal`, default: the packaged calibration), so the
write energy of every epoch is counted from the pulses actually sent.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from pydantic import Field, model_validator

from mramcim.artifacts import Result
from mramcim.device.sotcal import SotSwitching, sot_switching
from mramcim.encoding import TransferCurve
from mramcim.errors import InputError, suggest
from mramcim.learn.bnn import Bnn, BnnSgd, FloatNet
from mramcim.learn.codes import Codebook, make_codebook
from mramcim.learn.datasets import Dataset
from mramcim.learn.mapping import ArrayPlan
from mramcim.learn.sotwrite import SotWriter, WritePulse, check_probability, pulse_for_probability
from mramcim.learn.tgbnn import Tgbnn, sign_f32
from mramcim.options import (
    Algorithm,
    AlgorithmField,
    Config,
    Decoding,
    DecodingField,
    OutputCode,
    OutputCodeField,
    Scheme,
)
from mramcim.tech import Technology

__all__ = ["PAPER_RULE", "TrainConfig", "TrainResult", "TrainingRun", "config_with", "train", "train_model"]

logger = logging.getLogger(__name__)

DEFAULT_BATCH = {"tgbnn": 500, "bnn": 100, "float": 100}  # bnn-sgd: the TGBNN's first batch (the same batches)
# last-epoch batch / first-epoch batch (geometric in between): TGBNN averages its ternary counts
# over more samples as it converges; bnn-sgd keeps its batch (with TGBNN's growth it loses 1.3 %
# on the MNIST validation split at its best rate, docs/tgbnn.md)
DEFAULT_BATCH_GROWTH = {"tgbnn": 4.0}
# (first epoch, last epoch) learning rates: Adam with a geometric decay for bnn/float; bnn-sgd is
# plain SGD with one fixed rate, chosen on a 10k validation split of the MNIST training set
DEFAULT_LR = {"bnn": (0.003, 0.0003), "float": (0.003, 0.0003), "bnn-sgd": (0.005, 0.005)}
# TGBNN as reproduced before issue 19 (the papers' write rule: a pulse on every cell with g != 0,
# p from 0.03 to 0.001, a fixed batch): TrainConfig overrides, for comparison rows
PAPER_RULE: dict[str, Any] = {
    "top_m": 0,
    "top_m_out": 0,
    "flip_prob": 0.03,
    "flip_prob_final": 0.001,
    "batch_growth": 1.0,
}
MIN_PULSE_P = 1e-6  # a pulse that (almost) never switches would train nothing
MIN_STEPS_PER_EPOCH = 16  # small data sets: TGBNN batches shrink so an epoch still makes this many updates
EVAL_CHUNK = 2000


class TrainConfig(Config):
    """One training run: the network, the schedule and the algorithm's own parameters."""

    algo: AlgorithmField = Field(
        Algorithm.TGBNN,
        description="tgbnn, bnn-sgd (latent weights, margin error, fixed-rate SGD), bnn (latent, Adam) or float",
    )
    hidden: int = Field(512, description="hidden neurons")
    epochs: int = Field(20, description="passes over the training set")
    batch: int | None = Field(None, description="first-epoch mini-batch (None: the algorithm's default, DEFAULT_BATCH)")
    batch_final: int | None = Field(
        None, description="last-epoch batch (geometric schedule; None: batch x batch_growth)"
    )
    batch_growth: float | None = Field(None, description="None: the algorithm's default (DEFAULT_BATCH_GROWTH, else 1)")
    seed: int = Field(0, description="seed of weights, data order and flips")
    output_code: OutputCodeField = Field(OutputCode.ONEHOT, description="onehot or ecoc output layer")
    code_length: int | None = Field(None, description="ECOC bits (None: 2^k - 1 >= 2 x classes)")
    decoding: DecodingField = Field(Decoding.HARD, description="ECOC: hard (Hamming) or soft (correlation)")
    # TGBNN
    flip_prob: float = Field(
        0.5, description="TGBNN P_sw of the first epoch's pulse (the papers' rule: 0.03, PAPER_RULE)"
    )
    flip_prob_final: float = Field(0.1, description="TGBNN flip probability in the last epoch (geometric schedule)")
    write_width_s: float = Field(10e-9, description="SOT write pulse width [s] (a calibrated width of the SOT table)")
    write_pulse: WritePulse | None = Field(None, description="first epoch's pulse (sets flip_prob from P_sw)")
    sot_calibration: str | None = Field(None, description="SOT calibration JSON (None: the packaged one)")
    ste_scale: float = Field(0.5, description="STE window / sqrt(fan-in)")
    margin_scale: float = Field(2.0, description="output margin / sqrt(hidden)")
    error_k: float = Field(0.5, description="hidden-error ternarization threshold factor")
    grad_k: float = Field(1.0, description="gradient ternarization threshold factor")
    grad_k_final: float | None = Field(None, description="the last epoch's grad_k (geometric schedule; None: fixed)")
    top_m: int = Field(
        2, description="writes per hidden neuron and step: the top_m disagreeing cells by |count| (0: all)"
    )
    top_m_out: int = Field(1, description="the same for the output neurons")
    # BNN / float (Adam, geometric learning-rate schedule), bnn-sgd (fixed rate); None: DEFAULT_LR
    lr: float | None = Field(None, description="learning rate, first epoch (None: DEFAULT_LR)")
    lr_final: float | None = Field(None, description="learning rate, last epoch (None: DEFAULT_LR)")

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
        for name in ("batch", "batch_final"):
            value = getattr(self, name)
            if value is not None and not 1 <= value <= 10_000_000:
                raise InputError(f"{name} must be 1 to 10000000, got {value}")
        if self.batch_growth is not None and not self.batch_growth >= 1:
            raise InputError(f"batch growth must be >= 1, got {self.batch_growth}")
        if min(self.top_m, self.top_m_out) < 0:
            raise InputError(
                f"top_m and top_m_out must be >= 0 (0: the papers' rule), got {self.top_m}, {self.top_m_out}"
            )
        if any(r is not None and not r > 0 for r in (self.lr, self.lr_final)):
            raise InputError(f"learning rates must be positive, got {self.lr}, {self.lr_final}")
        if self.write_width_s <= 0:
            raise InputError(f"write pulse width must be positive, got {self.write_width_s}")
        return self

    def batch_size(self, n_train: int) -> int:
        if self.batch is not None:
            return self.batch
        if self.algo in (Algorithm.TGBNN, Algorithm.BNN_SGD):
            return max(min(DEFAULT_BATCH["tgbnn"], n_train // MIN_STEPS_PER_EPOCH), DEFAULT_BATCH["bnn"] // 2)
        return DEFAULT_BATCH[self.algo]

    def learning_rates(self) -> tuple[float, float]:
        """(first-epoch, last-epoch) learning rate; a missing one comes from DEFAULT_LR (a given `lr`
        keeps the default decay ratio; bnn-sgd's rate is fixed). TGBNN has none: (0, 0)."""
        start, end = DEFAULT_LR.get(self.algo, (0.0, 0.0))
        if self.lr is not None:
            start, end = self.lr, self.lr * end / start if start else 0.0
        return start, self.lr_final if self.lr_final is not None else end

    def final_batch_size(self, n_train: int) -> int:
        """Last-epoch batch: batch_final, else the first batch x growth, at most n_train / MIN_STEPS_PER_EPOCH."""
        first = self.batch_size(n_train)
        if self.batch_final is not None:
            return self.batch_final
        growth = self.batch_growth if self.batch_growth is not None else DEFAULT_BATCH_GROWTH.get(self.algo, 1.0)
        return max(first, min(round(first * growth), n_train // MIN_STEPS_PER_EPOCH))

    def epoch_batch(self, n_train: int, epoch: int) -> int:
        """This epoch's batch: geometric from the first to the last epoch's."""
        return max(1, round(self.schedule(self.batch_size(n_train), self.final_batch_size(n_train), epoch)))

    def schedule(self, start: float, end: float, epoch: int) -> float:
        """Geometric interpolation from start (first epoch) to end (last epoch)."""
        if self.epochs == 1:
            return start
        return start * (end / start) ** (epoch / (self.epochs - 1))

    def as_dict(self) -> dict[str, Any]:
        out = self.model_dump(mode="json")
        if self.algo != Algorithm.TGBNN:
            out["lr"], out["lr_final"] = self.learning_rates()
        return out


def config_with(cfg: TrainConfig, overrides: list[str] | tuple[str, ...]) -> TrainConfig:
    """`cfg` with FIELD=VALUE overrides, each value validated by its field's type.

    Raises:
        InputError: malformed item or unknown field (with near matches); ConfigError: bad value.
    """
    names = [n for n in TrainConfig.model_fields if n != "write_pulse"]
    changes: dict[str, Any] = {}
    for item in overrides:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep:
            raise InputError(f"--set needs FIELD=VALUE, got {item!r}")
        if name not in names:
            raise InputError(f"unknown training option {name!r}{suggest(name, names)}")
        text = text.strip()
        changes[name] = None if text.lower() in ("none", "null") else text
    return cfg.with_(**changes)


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
    write_pulse: list[dict[str, float | None]] = field(default_factory=list)
    sot_model: dict[str, Any] | None = None
    write_energy_j: list[float] = field(default_factory=list)
    epoch_s: list[float] = field(default_factory=list)
    batch_per_epoch: list[int] = field(default_factory=list)
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
            "sot_model": self.sot_model,
            "write_energy_j": self.write_energy_j,
            "write_energy_total_j": float(sum(self.write_energy_j)),
            "epoch_s": self.epoch_s,
            "batch_per_epoch": self.batch_per_epoch,
        }


class _Runner:
    """One model behind a common forward/learn interface."""

    def __init__(self, cfg: TrainConfig, d: int, outputs: int, rng: np.random.Generator) -> None:
        self.cfg = cfg
        if cfg.algo == "tgbnn":
            self.model: Tgbnn | Bnn | BnnSgd | FloatNet = Tgbnn(
                d,
                cfg.hidden,
                outputs,
                ste_scale=cfg.ste_scale,
                margin_scale=cfg.margin_scale,
                error_k=cfg.error_k,
                grad_k=cfg.grad_k,
                rng=rng,
                top_m=cfg.top_m,
                top_m_out=cfg.top_m_out,
            )
        elif cfg.algo == "bnn":
            self.model = Bnn(d, cfg.hidden, outputs, rng)
        elif cfg.algo == "bnn-sgd":
            self.model = BnnSgd(d, cfg.hidden, outputs, max(1, round(cfg.margin_scale * math.sqrt(cfg.hidden))), rng)
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
    switching: SotSwitching | None = None,
    progress: Callable[[int, TrainResult], None] | None = None,
) -> TrainResult:
    """Train `cfg.algo` on `data`; accuracy on train and test sets after every epoch.

    `tech` (needed for the SOT pulses of a TGBNN) gives the SOT switching model, its calibrated
    table (`cfg.sot_calibration`, default: the packaged one) at the write path's rise, unless
    `switching` is given; `write_variation` gives every cell its own P_sw (the table's measured
    area shift over the technology's diameter spread).

    Raises:
        InputError: a transfer curve for another fan-in, an unusable code length or pulse.
    """
    d = data.x_train.shape[1]
    if curve is not None:
        if cfg.algo == "float":
            raise InputError("the float network has no binary hidden layer to read through an array; use tgbnn or bnn")
        curve.check_fan_in(d)
    book = make_codebook(cfg.output_code, data.n_classes, cfg.code_length, seed=cfg.seed, decoding=cfg.decoding)
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
        switching = switching or sot_switching(tech, cfg.sot_calibration)
        writer = SotWriter(
            tech, switching, [runner.model.w1.shape, runner.model.w2.shape], variation=write_variation, rng=hw_rng
        )
        p_start, width = cfg.flip_prob, cfg.write_width_s
        if cfg.write_pulse is not None:
            p_start, width = writer.nominal_probability(cfg.write_pulse), cfg.write_pulse.width_s
            if not MIN_PULSE_P <= p_start < 1:
                raise InputError(
                    f"the write pulse {cfg.write_pulse.current_a * 1e6:g} uA, {width * 1e9:g} ns switches "
                    f"with P_sw = {p_start:.3g}; choose a pulse with {MIN_PULSE_P:g} <= P_sw < 1"
                )
        # every epoch's pulse must be inside the calibration: check the schedule's ends now
        for p in (p_start, cfg.flip_prob_final):
            pulse_for_probability(writer.model, p, width)
    batch = cfg.batch_size(data.x_train.shape[0])
    result = TrainResult(cfg, book, batch)
    if writer is not None:
        result.sot_model = writer.model.as_dict() | {"write_variation": write_variation}
    for epoch in range(cfg.epochs):
        start = time.perf_counter()
        order = rng.permutation(data.x_train.shape[0])
        flips, pulses = 0, [0, 0]
        if writer is not None:
            p_nominal = cfg.schedule(p_start, cfg.flip_prob_final, epoch)
            pulse = (
                cfg.write_pulse
                if epoch == 0 and cfg.write_pulse
                else pulse_for_probability(writer.model, p_nominal, width)
            )
            probs = writer.probabilities(pulse)
            p_layers = (probs[0], probs[1])
        lr = cfg.schedule(*cfg.learning_rates(), epoch) if not isinstance(runner.model, Tgbnn) else 0.0
        batch = cfg.epoch_batch(data.x_train.shape[0], epoch)
        if isinstance(runner.model, Tgbnn) and cfg.grad_k_final is not None:
            runner.model.grad_k = cfg.schedule(cfg.grad_k, cfg.grad_k_final, epoch)
        for i in range(0, order.size, batch):
            idx = order[i : i + batch]
            x = data.x_train[idx].astype(np.float32)
            z1, a1, _ = runner.forward(x, curve, hw_rng)
            if isinstance(runner.model, Tgbnn):
                grads = runner.model.gradients(x, targets[idx], z1, a1)
                n_pulses, n_flips = runner.model.update(grads, p_layers, rng)
                pulses = [a + b for a, b in zip(pulses, n_pulses, strict=True)]
                flips += n_flips
            else:
                flips += runner.model.learn(x, z1, a1, codewords, data.y_train[idx], lr)
        result.epoch_s.append(time.perf_counter() - start)
        result.batch_per_epoch.append(batch)
        result.flips.append(flips)
        if writer is not None:
            result.pulses.append(sum(pulses))
            result.flip_prob.append(p_nominal)
            result.write_pulse.append(pulse.as_dict() | {"rise_s": writer.rise_s(pulse)})
            result.write_energy_j.append(sum(pulses) * writer.energy_per_pulse_j(pulse))
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
    evaluation_set: str = "test"

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "data_note": self.data_note,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "evaluation_set": self.evaluation_set,
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
            f"{cfg.algo} on {self.dataset} ({self.data_note}): final {self.evaluation_set.split()[0]} accuracy "
            f"{self.result.test_acc[-1]:.4f}; "
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
    outputs = make_codebook(
        cfg.output_code, data.n_classes, cfg.code_length, seed=cfg.seed, decoding=cfg.decoding
    ).length
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
        data.evaluation_set,
    )
