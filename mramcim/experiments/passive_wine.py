"""Seed 004 (Goodwill et al. 2021): a binary 2-layer perceptron for Wine on passive 15 x 15 MTJ arrays.

Inputs: the 13 Wine features, one bit each. `datasets.load_dataset("wine")` codes every feature
as a thermometer at the 20/40/60/80 % training quantiles; of those four cuts we keep, per feature,
the one with the largest mutual information with the class on the training set. Two constant +1
bias inputs make 15.

Mapping onto two physical 15 x 15 crossbars (+1 weight = P, low resistance):
    array A, layer 1: rows 0-12 the feature bits, rows 13-14 the bias inputs; columns 0-12 the
        13 hidden neurons, column 13 all P and column 14 all AP (the reference).
    array B, layer 2: rows 0-12 the hidden activations, rows 13-14 idle (0 V); columns 0-2 the
        three classes; its other cells stay in the reset (AP) state.
An input x drives its row at x V_read, every column sits at virtual ground, so column j carries
I_j = V_read sum_i x_i G_ij. With G = G_mid + w dG/2 the reference (I_13 + I_14)/2 removes
G_mid: I_j - I_ref = V_read dG/2 sum_i x_i w_ij, and hidden neuron j fires (+1) when
I_j - I_ref + offset_j >= theta_j (theta_j = 0 untuned; offset_j the comparator's). The class
is the column of B with the largest I_k + offset_k + beta_k (beta_k = 0 untuned).

Solutions: `solutions` networks 15 -> 13 -> 3, each the regular BNN (`bnn.Bnn`, latent weights,
Adam, one-hot softmax) trained with its own seed; the software accuracy is theirs.
Hardware: one chip (the device pattern of A and B and the comparator offsets, drawn once) is
programmed with every solution in turn (`crossbar_write.program`: reset, then V/2 or V/3 set
pulses with half-select disturb), then read through the full resistive network (wires, drivers,
every cell; `crossbar.read_matrix`, scipy). Write fidelity is the fraction of used cells (all of
A, the 39 weight cells of B) that hold their target state.
Tuning ("proper tuning of network parameters"): after programming, theta_j and beta_k are
calibrated so that, on the training inputs, the chip's hidden activations and classes agree with
the trained software network's (`tune`; a grid in units of one cell's read-current difference
dI = V_read (1/R_P - 1/R_AP)). Neither the labels nor the test set are used.
Each solution is also evaluated with one non-ideality at a time: write errors alone (stored states,
nominal devices, ideal wires), device variation alone (targets, the chip's device spread and
offsets, ideal wires) and wires alone (targets, nominal devices, line and driver resistance).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from mramcim.array.crossbar import PASSIVE_PARASITICS, cell_resistances, read_matrix
from mramcim.array.crossbar_write import WriteConfig, cell_switching, program, write_bias_check
from mramcim.artifacts import RecordResult
from mramcim.device.switching import analytic_law
from mramcim.device.variation import PASSIVE_SPREADS, DeviceSample
from mramcim.encoding import sign
from mramcim.errors import InputError
from mramcim.learn.datasets import Dataset, load_dataset
from mramcim.learn.train import TrainConfig, train
from mramcim.options import Parasitics, WriteBias, parse_option
from mramcim.tech import Technology

__all__ = ["REFERENCE_ACCURACY", "TRAINING", "PassiveWine", "run_passive_wine", "wine_inputs"]

REFERENCE_ACCURACY = 0.953  # Goodwill et al. (seed 004): "up to 95.3 %"
SIZE = 15  # rows and columns of each physical array
FEATURES, BIAS_ROWS, HIDDEN, CLASSES = 13, 2, 13, 3
REF_P, REF_AP = HIDDEN, HIDDEN + 1  # reference columns of array A
TRAINING = {"epochs": 60, "batch": 16, "lr": 0.01, "lr_final": 0.001}
TUNE_GRID = np.array(sorted(np.arange(-4.0, 4.01, 0.25), key=abs))  # in units of dI; 0 first: ties keep the default
TUNE_PASSES = 2
FIDELITY_SWEEP_V = np.round(np.arange(0.5, 1.001, 0.05), 3)
MAX_SOLUTIONS = 10_000

F64 = npt.NDArray[np.float64]


def wine_inputs(data: Dataset) -> tuple[Dataset, list[int]]:
    """One bit per Wine feature (the most informative thermometer cut) plus two +1 bias bits.

    Returns:
        The (n, 15) +-1 dataset and, per feature, the index of the kept cut (0-3: the 20, 40,
        60, 80 % training quantile).
    """
    from sklearn.metrics import mutual_info_score

    cuts = data.x_train.shape[1] // FEATURES
    if data.name != "wine" or cuts * FEATURES != data.x_train.shape[1]:
        raise InputError(
            f"expected the thermometer-coded Wine dataset, got {data.name} with {data.x_train.shape[1]} inputs"
        )
    per_cut = data.x_train.reshape(-1, cuts, FEATURES)  # datasets.py lays the code out cut-major
    kept = [
        int(np.argmax([mutual_info_score(data.y_train, per_cut[:, c, f]) for c in range(cuts)]))
        for f in range(FEATURES)
    ]

    def bits(x: npt.NDArray[np.int8]) -> npt.NDArray[np.int8]:
        coded = x.reshape(-1, cuts, FEATURES)[:, kept, np.arange(FEATURES)]
        return np.concatenate([coded, np.ones((x.shape[0], BIAS_ROWS), dtype=np.int8)], axis=1)

    note = f"{data.note}; one thermometer cut per feature (max mutual information) + {BIAS_ROWS} bias bits"
    return Dataset(
        "wine15", bits(data.x_train), data.y_train, bits(data.x_test), data.y_test, data.n_classes, note
    ), kept


def _train_seed(seed: int, k: int) -> int:
    return int(np.random.SeedSequence([seed, k]).generate_state(1)[0])


@dataclass(frozen=True)
class Solutions:
    """Trained weight solutions and their software accuracies."""

    w1: npt.NDArray[np.int8]  # (n, 15, 13)
    w2: npt.NDArray[np.int8]  # (n, 13, 3)
    software_test: F64
    software_train: F64
    seeds: list[int]


def train_solutions(data: Dataset, n: int, seed: int, progress: Callable[[str], None]) -> Solutions:
    """Train n BNNs 15 -> 13 -> 3, solution k with the seed SeedSequence([seed, k])."""
    w1, w2, test, train_acc, seeds = [], [], [], [], []
    for k in range(n):
        cfg = TrainConfig(algo="bnn", hidden=HIDDEN, seed=_train_seed(seed, k), **TRAINING)
        res = train(data, cfg)
        w1.append(res.weights[0])
        w2.append(res.weights[1])
        test.append(res.test_acc[-1])
        train_acc.append(res.train_acc[-1])
        seeds.append(cfg.seed)
        if (k + 1) % max(n // 10, 1) == 0:
            progress(f"trained {k + 1}/{n} solutions")
    return Solutions(np.stack(w1), np.stack(w2), np.array(test), np.array(train_acc), seeds)


def array_targets(
    w1: npt.NDArray[np.int8], w2: npt.NDArray[np.int8]
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]:
    """(n, 15, 15) target states of arrays A and B (unused cells of B: AP)."""
    n = w1.shape[0]
    a = np.empty((n, SIZE, SIZE), dtype=np.int8)
    a[:, :, :HIDDEN] = w1
    a[:, :, REF_P] = 1
    a[:, :, REF_AP] = -1
    b = np.full((n, SIZE, SIZE), -1, dtype=np.int8)
    b[:, :HIDDEN, :CLASSES] = w2
    return a, b


@dataclass(frozen=True)
class Chip:
    """The fixed hardware every solution is written into."""

    devices_a: DeviceSample
    devices_b: DeviceSample
    hidden_offset_a: F64  # (13,) comparator offsets [A]
    class_offset_a: F64  # (3,)

    @classmethod
    def sample(cls, tech: Technology, rng: np.random.Generator) -> Chip:
        sigma = tech.variation.sigma_offset_a
        return cls(
            DeviceSample.sample(tech, (SIZE, SIZE), rng, PASSIVE_SPREADS),
            DeviceSample.sample(tech, (SIZE, SIZE), rng, PASSIVE_SPREADS),
            sigma * rng.standard_normal(HIDDEN),
            sigma * rng.standard_normal(CLASSES),
        )

    @classmethod
    def ideal(cls) -> Chip:
        return cls(
            DeviceSample.nominal((SIZE, SIZE)), DeviceSample.nominal((SIZE, SIZE)), np.zeros(HIDDEN), np.zeros(CLASSES)
        )


@dataclass(frozen=True)
class Readout:
    """What the comparators see for a set of samples: hidden-neuron differences (n, 13) [A] and
    the layer-2 matrix (3, 13) that turns hidden activations (+-1) into class currents."""

    hidden: F64
    class_matrix: F64
    class_offset: F64

    def predict(self, theta: F64, beta: F64) -> npt.NDArray[np.int64]:
        a = np.where(self.hidden >= theta, 1.0, -1.0)
        return np.argmax(a @ self.class_matrix.T + self.class_offset + beta, axis=1)


@dataclass(frozen=True)
class ProgrammedChip:
    """A chip holding one solution: the read matrices (cols, rows) of arrays A and B [A/V]."""

    chip: Chip
    m_a: F64
    m_b: F64

    def readout(self, x: npt.NDArray[np.int8], v_read: float) -> Readout:
        """What the comparators see for inputs x (n, 15) driven at +-v_read."""
        current = (x * v_read) @ self.m_a.T
        reference = 0.5 * (current[:, REF_P : REF_P + 1] + current[:, REF_AP : REF_AP + 1])
        return Readout(
            current[:, :HIDDEN] - reference + self.chip.hidden_offset_a,
            v_read * self.m_b[:CLASSES, :HIDDEN],
            self.chip.class_offset_a,
        )


def read_chip(
    tech: Technology, chip: Chip, states_a: npt.NDArray[np.int8], states_b: npt.NDArray[np.int8], parasitics: str
) -> ProgrammedChip:
    """Solve the parallel read of both arrays holding the given states."""
    v = tech.operation.v_read_v
    return ProgrammedChip(
        chip,
        *(
            read_matrix(tech, cell_resistances(tech, devices, states, v), parasitics=parasitics)
            for devices, states in ((chip.devices_a, states_a), (chip.devices_b, states_b))
        ),
    )


def tune(
    train_read: Readout, hidden_soft: npt.NDArray[np.int8], class_soft: npt.NDArray[np.int64], unit_a: float
) -> tuple[F64, F64]:
    """Calibrate the programmed chip against the trained network on the training inputs.

    Each hidden threshold theta_j is the grid value (TUNE_GRID x unit_a) at which the chip's
    activation of neuron j disagrees least often with the software activation `hidden_soft`
    (n, 13); the class offsets beta (3,) then maximize agreement with the software classes
    `class_soft` (n,) by coordinate ascent (TUNE_PASSES passes, strict improvements only).
    Ties keep the smallest |value|, so an already faithful chip stays untuned. Labels are not used.
    """
    grid = TUNE_GRID * unit_a
    fires = train_read.hidden[:, :, None] >= grid[None, None, :]  # (n, 13, grid)
    disagree = np.sum(fires != (hidden_soft[:, :, None] > 0), axis=0)
    theta = grid[np.argmin(disagree, axis=1)]
    beta = np.zeros(CLASSES)
    best = np.mean(train_read.predict(theta, beta) == class_soft)
    for _ in range(TUNE_PASSES):
        for k in range(CLASSES):
            kept = beta[k]
            for value in grid:
                beta[k] = value
                agree = np.mean(train_read.predict(theta, beta) == class_soft)
                if agree > best:
                    best, kept = agree, value
            beta[k] = kept
    return theta, beta


def software_outputs(
    x: npt.NDArray[np.int8], w1: npt.NDArray[np.int8], w2: npt.NDArray[np.int8]
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int64]]:
    """Hidden activations (n, 13) and classes (n,) of the software network (sign(0) = +1)."""
    hidden = sign(x.astype(np.int64) @ w1)
    return hidden, np.argmax(hidden.astype(np.int64) @ w2, axis=1)


def _stats(values: F64) -> dict[str, float]:
    return {
        "mean": float(np.mean(values)),
        "std": float(np.std(values)),
        "median": float(np.median(values)),
        "min": float(np.min(values)),
        "max": float(np.max(values)),
        "fraction_at_or_above_reference": float(np.mean(values >= REFERENCE_ACCURACY - 1e-12)),
    }


def _fidelity(stored: npt.NDArray[np.int8], target: npt.NDArray[np.int8], used: npt.NDArray[np.bool_]) -> F64:
    return np.sum((stored == target) & used, axis=(1, 2)) / used.sum()


@dataclass(frozen=True)
class PassiveWine(RecordResult):
    """Accuracy of every weight solution (software, as programmed, tuned, each non-ideality alone),
    write fidelity, the best solution and the fidelity sweep."""

    name: ClassVar[str] = "passive-wine"

    def summary_lines(self) -> list[str]:
        r = self.record
        s, best, ref = r["summary"], r["best"], r["reference"]["accuracy"]
        lines = [
            f"{r['config']['solutions']} solutions, test accuracy median (mean; best-worst): software "
            f"{s['software']['median']:.4f} ({s['software']['mean']:.4f}; "
            f"{s['software']['max']:.4f}-{s['software']['min']:.4f})"
        ]
        for key, label in (
            ("hardware", "hardware as programmed"),
            ("hardware_tuned", "hardware tuned"),
            ("write_errors_only", "write errors only"),
            ("variation_only", "device variation only"),
            ("wires_only", "wires and drivers only"),
        ):
            lines.append(
                f"  {label:24s} {s[key]['median']:.4f} ({s[key]['mean']:.4f}; {s[key]['max']:.4f}-{s[key]['min']:.4f})"
            )
        f = s["write_fidelity"]
        lines.append(f"write fidelity mean {f['mean']:.5f}, median {f['median']:.5f}, worst {f['min']:.5f}")
        lines.append(
            f"best solution {best['solution']}: tuned {best['hardware_tuned']:.4f}, as programmed "
            f"{best['hardware']:.4f}, "
            f"software {best['software']:.4f} (reference: up to {ref:.3f})"
        )
        return lines


def run_passive_wine(
    tech: Technology,
    *,
    solutions: int,
    seed: int,
    write: WriteConfig,
    parasitics: str = "mesh",
    progress: Callable[[str], None] = lambda _: None,
) -> PassiveWine:
    """Train, program, read and tune `solutions` weight solutions; summary and per-solution data.

    Raises:
        InputError: solutions outside 1..MAX_SOLUTIONS.
        ConfigError: unknown parasitics.
    """
    if isinstance(solutions, bool) or not 1 <= solutions <= MAX_SOLUTIONS:
        raise InputError(f"solutions must be between 1 and {MAX_SOLUTIONS}, got {solutions}")
    parasitics = parse_option(Parasitics, parasitics, "parasitics", PASSIVE_PARASITICS)
    start = time.perf_counter()
    data, kept = wine_inputs(load_dataset("wine"))
    progress(f"training {solutions} solutions (BNN 15-{HIDDEN}-{CLASSES}, {TRAINING['epochs']} epochs each)")
    sol = train_solutions(data, solutions, seed, progress)
    chip_rng, write_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    chip = Chip.sample(tech, chip_rng)
    target_a, target_b = array_targets(sol.w1, sol.w2)
    used_b = np.zeros((SIZE, SIZE), dtype=bool)
    used_b[:HIDDEN, :CLASSES] = True
    used = np.concatenate([np.ones((SIZE, SIZE), dtype=bool), used_b])
    switch_a, switch_b = cell_switching(tech, chip.devices_a, write), cell_switching(tech, chip.devices_b, write)
    stored_a = program(target_a, switch_a, write, write_rng)
    stored_b = program(target_b, switch_b, write, write_rng)
    stored, targets = np.concatenate([stored_a, stored_b], axis=1), np.concatenate([target_a, target_b], axis=1)
    fidelity = _fidelity(stored, targets, used)
    wrong = (stored != targets) & used

    v = tech.operation.v_read_v
    nominal = cell_resistances(tech, DeviceSample.nominal((1, 1)), np.array([[1, -1]]), v)[0]
    unit_a = float(v * (1 / nominal[0] - 1 / nominal[1]))
    acc = {
        name: np.empty(solutions)
        for name in ("hardware", "hardware_tuned", "write_errors_only", "variation_only", "wires_only")
    }
    thresholds = np.empty((solutions, HIDDEN))
    ideal = Chip.ideal()
    progress(f"reading and tuning {solutions} programmed chips ({parasitics} wires)")
    zero_t, zero_b = np.zeros(HIDDEN), np.zeros(CLASSES)
    for k in range(solutions):
        programmed = read_chip(tech, chip, stored_a[k], stored_b[k], parasitics)
        test, train_read = programmed.readout(data.x_test, v), programmed.readout(data.x_train, v)
        acc["hardware"][k] = np.mean(test.predict(zero_t, zero_b) == data.y_test)
        theta, beta = tune(train_read, *software_outputs(data.x_train, sol.w1[k], sol.w2[k]), unit_a)
        thresholds[k] = theta / unit_a
        acc["hardware_tuned"][k] = np.mean(test.predict(theta, beta) == data.y_test)
        for name, on_chip, states, wires in (
            ("write_errors_only", ideal, (stored_a[k], stored_b[k]), "none"),
            ("variation_only", chip, (target_a[k], target_b[k]), "none"),
            ("wires_only", ideal, (target_a[k], target_b[k]), parasitics),
        ):
            alone = read_chip(tech, on_chip, *states, wires).readout(data.x_test, v)
            acc[name][k] = np.mean(alone.predict(zero_t, zero_b) == data.y_test)
        if (k + 1) % max(solutions // 10, 1) == 0:
            progress(f"read {k + 1}/{solutions}")
    progress("write fidelity against the write voltage (half and third bias)")
    sweep = _fidelity_sweep(tech, chip, write, target_a, target_b, used, seed)
    best = int(np.lexsort((-sol.software_test, -acc["hardware"], -acc["hardware_tuned"]))[0])
    law = analytic_law(tech, "stt")
    return PassiveWine(
        {
            "model": "linear cells at the read bias; analytic STT switching law",
            "reference": {
                "paper": "Goodwill et al. 2021, seed 004",
                "accuracy": REFERENCE_ACCURACY,
                "wording": "up to 95.3 % with proper tuning of network parameters in 15 x 15 MTJ arrays",
            },
            "config": {
                "solutions": solutions,
                "seed": seed,
                "parasitics": parasitics,
                "v_read_v": v,
                "write": write.model_dump() | {"partial_v": write.partial_v},
                "training": {"algo": "bnn", "hidden": HIDDEN, **TRAINING},
                "tuning": {"grid_units_of_dI": TUNE_GRID.tolist(), "passes": TUNE_PASSES, "dI_a": unit_a},
                "train_seeds": sol.seeds,
            },
            "mapping": {
                "arrays": 2,
                "size": [SIZE, SIZE],
                "inputs": "13 feature bits + 2 bias bits (rows 0-12, 13-14 of array A)",
                "thermometer_cut_per_feature": kept,
                "cut_quantiles": [0.2, 0.4, 0.6, 0.8],
                "array_a": "rows: 13 feature bits, 2 bias; columns 0-12 hidden neurons, 13 all-P and 14 all-AP "
                "reference",
                "array_b": "rows 0-12 hidden activations, 13-14 idle; columns 0-2 classes; other cells AP",
                "used_cells": int(used.sum()),
                "n_train": int(data.y_train.size),
                "n_test": int(data.y_test.size),
                "data_note": data.note,
            },
            "device": {
                "r_p_read_ohm": float(nominal[0]),
                "r_ap_read_ohm": float(nominal[1]),
                "dI_read_a": unit_a,
                "switching_law": law.as_dict(),
                "p_read_disturb": float(law.p_switch(v / nominal[0], tech.operation.t_read_s)),
                "nominal_current_over_ic0": _current_ratios(tech, write, law.ic0_a),
                "mean_switching_prob": {"array_a": switch_a.summary(), "array_b": switch_b.summary()},
                "area_scale_range": [
                    float(min(chip.devices_a.area_scale.min(), chip.devices_b.area_scale.min())),
                    float(max(chip.devices_a.area_scale.max(), chip.devices_b.area_scale.max())),
                ],
            },
            "write_bias_check": write_bias_check(tech, chip.devices_a, target_a[best], write),
            "solutions": {
                "software": sol.software_test.tolist(),
                "software_train": sol.software_train.tolist(),
                **{name: values.tolist() for name, values in acc.items()},
                "write_fidelity": fidelity.tolist(),
                "failed_sets": np.sum(wrong & (targets > 0), axis=(1, 2)).tolist(),
                "wrong_p": np.sum(wrong & (targets < 0), axis=(1, 2)).tolist(),
                "tuned_thresholds_units_of_dI": thresholds.tolist(),
            },
            "summary": {
                **{name: _stats(values) for name, values in acc.items()},
                "software": _stats(sol.software_test),
                "write_fidelity": {
                    key: value for key, value in _stats(fidelity).items() if key != "fraction_at_or_above_reference"
                },
                "tuning_gain_median": float(np.median(acc["hardware_tuned"] - acc["hardware"])),
            },
            "best": {
                "solution": best,
                "hardware_tuned": float(acc["hardware_tuned"][best]),
                "hardware": float(acc["hardware"][best]),
                "software": float(sol.software_test[best]),
                "write_fidelity": float(fidelity[best]),
            },
            "fidelity_vs_v_write": sweep,
            "seconds": time.perf_counter() - start,
        }
    )


def _current_ratios(tech: Technology, write: WriteConfig, ic0_a: float) -> dict[str, float]:
    """I / Ic0 of a nominal cell: the set (AP cell, P-ward) and reset (P cell, AP-ward) pulses at
    V_write, V/2 and V/3."""
    out = {}
    for label, level in (("full", write.v_write_v), ("half", write.v_write_v / 2), ("third", write.v_write_v / 3)):
        for name, state in (
            ("set", -1),
            ("reset", 1),
        ):  # a set drives an AP cell P-ward (negative), a reset the reverse
            r = cell_resistances(tech, DeviceSample.nominal((1, 1)), np.array([[state]]), state * level)[0, 0]
            out[f"{name}_{label}"] = float(level / r / ic0_a)
    return out


def _fidelity_sweep(
    tech: Technology,
    chip: Chip,
    write: WriteConfig,
    target_a: npt.NDArray[np.int8],
    target_b: npt.NDArray[np.int8],
    used: npt.NDArray[np.bool_],
    seed: int,
) -> dict[str, Any]:
    """Mean write fidelity over the solutions for each write voltage and bias scheme."""
    out: dict[str, Any] = {"v_write_v": FIDELITY_SWEEP_V.tolist(), "t_write_s": write.t_write_s}
    targets = np.concatenate([target_a, target_b], axis=1)
    for bias in WriteBias:
        rng = np.random.default_rng([seed, 2])
        means = []
        for v_write in FIDELITY_SWEEP_V:
            cfg = WriteConfig(v_write_v=float(v_write), t_write_s=write.t_write_s, bias=bias)
            stored = np.concatenate(
                [
                    program(target_a, cell_switching(tech, chip.devices_a, cfg), cfg, rng),
                    program(target_b, cell_switching(tech, chip.devices_b, cfg), cfg, rng),
                ],
                axis=1,
            )
            means.append(float(np.mean(_fidelity(stored, targets, used))))
        out[bias] = means
    return out
