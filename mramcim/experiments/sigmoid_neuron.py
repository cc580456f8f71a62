"""Study: MTJ sigmoid neurons as the hidden layer of a 784-H-10 network against the software logistic
(seed 003, Rodrigues et al. 2024; docs/neuron.md). Transfer of software weights, robustness to
device spread and readout noise, and training on the device.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from mramcim.artifacts import RecordResult
from mramcim.characterize.neuron import NeuronCharacterization, characterize_neuron
from mramcim.device.neuron import activation_energy_j, neuron_params
from mramcim.errors import InputError
from mramcim.learn.datasets import Dataset
from mramcim.learn.sigmoid_net import Z_MAX, DeviceNeurons, Logistic, MlpConfig, accuracy, train_mlp
from mramcim.tech import Technology

__all__ = ["SigmoidNeuronStudy", "run_sigmoid_experiment", "sigmoid_neuron_study"]


@dataclass(frozen=True)
class SigmoidNeuronStudy(RecordResult):
    """Software logistic vs MTJ neurons: transfer, robustness and training on the device."""

    name: ClassVar[str] = "sigmoid-neuron"

    def summary_lines(self) -> list[str]:
        res = self.record
        hw = res["transfer_hardware_accuracy"]
        hardware = ""
        if hw is not None:
            hardware = (
                f", with {res['sigma_rel'] * 100:g} % spread"
                + (" and noise" if res["thermal_noise"] else "")
                + f" {hw:.2%}"
            )
        return [
            f"{res['dataset']}: software logistic {res['software_accuracy']:.2%}; its weights on MTJ neurons "
            f"{res['transfer_nominal_accuracy']:.2%} (loss {res['transfer_nominal_loss'] * 100:+.2f} %; reference "
            "0.1 %)" + hardware,
            f"trained on MTJ neurons (forward + in-plane slope): {res['device_trained_accuracy']:.2%} "
            f"(loss {res['device_trained_loss'] * 100:+.2f} %); {res['energy_per_activation_j'] * 1e12:.2f} pJ per "
            "activation",
        ]


def sigmoid_neuron_study(
    tech: Technology,
    data: Dataset,
    cfg: MlpConfig,
    *,
    draws: int,
    char: NeuronCharacterization | None,
    currents_a: list[float],
    trials: int,
    seed: int,
    workers: int,
    progress: Callable[[str], None] | None = None,
) -> tuple[SigmoidNeuronStudy, NeuronCharacterization]:
    """The study on a given characterization, or on one made now (`characterize_neuron`)."""
    if draws < 1:
        raise InputError(f"--draws must be at least 1, got {draws}")
    if char is None:
        char = characterize_neuron(tech, currents_a, trials=trials, seed=seed, workers=workers, progress=progress)
    study = run_sigmoid_experiment(
        char.record, data, cfg, sigma_rel=neuron_params(tech).sigma_field_rel, draws=draws, progress=progress
    )
    return study, char


def _curves(char: dict[str, Any]) -> dict[str, Any]:
    """Device vs logistic over |z| <= 8, nominal device at T = 0."""
    dev = DeviceNeurons.build(char, 1, sigma_rel=0.0, noise=False, rng=np.random.default_rng(0))
    z = np.linspace(-8, 8, 321, dtype=np.float32)
    h_dev, s_dev = dev(z[:, None], np.random.default_rng(0))
    h_sw, s_sw = Logistic()(z, np.random.default_rng(0))
    return {
        "z": z.tolist(),
        "logistic": h_sw.tolist(),
        "logistic_slope": s_sw.tolist(),
        "device": h_dev[:, 0].tolist(),
        "device_slope": s_dev[:, 0].tolist(),
        "max_abs_activation_error": float(np.max(np.abs(h_dev[:, 0] - h_sw))),
        "max_abs_slope_error": float(np.max(np.abs(s_dev[:, 0] - s_sw))),
    }


def run_sigmoid_experiment(
    char: dict[str, Any],
    data: Dataset,
    cfg: MlpConfig,
    *,
    sigma_rel: float,
    draws: int = 5,
    sweep: tuple[float, ...] = (0.0, 0.05, 0.1, 0.2),
    progress: Callable[[str], None] | None = None,
) -> SigmoidNeuronStudy:
    """Software logistic vs MTJ neurons: transfer of the software weights (the seed's setting),
    robustness to device spread and noise, and training with the device forward and slope."""
    if draws < 1:
        raise InputError(f"device draws must be at least 1, got {draws}")
    say = progress or (lambda _: None)
    noise = "noise" in char
    rng = np.random.default_rng(cfg.seed + 1)

    def chip(sigma: float, with_noise: bool) -> DeviceNeurons:
        return DeviceNeurons.build(char, cfg.hidden, sigma_rel=sigma, noise=with_noise, rng=rng)

    def log(name: str) -> Callable[[int, float], None]:
        return lambda e, acc: say(f"{name} epoch {e}/{cfg.epochs}: test {acc:.2%}")

    x, y = data.x_test, data.y_test
    software, sw_hist = train_mlp(data, cfg, Logistic(), log("software logistic"))
    acc_sw = accuracy(software, x, y, Logistic(), rng)
    acc_nominal = accuracy(software, x, y, chip(0.0, False), rng)
    robustness = []
    for sigma in sweep:
        accs = [accuracy(software, x, y, chip(sigma, noise), rng) for _ in range(draws)]
        robustness.append(
            {"sigma_rel": sigma, "noise": noise, "mean": float(np.mean(accs)), "std": float(np.std(accs)), "runs": accs}
        )
    hardware = chip(sigma_rel, noise)
    trained, dev_hist = train_mlp(data, cfg, hardware, log("MTJ neurons"))
    acc_dev = accuracy(trained, x, y, hardware, rng)
    z = np.concatenate([trained.hidden(x[k : k + 2000], hardware, rng)[0] for k in range(0, len(y), 2000)])
    energy = activation_energy_j(char, np.clip(z, -Z_MAX, Z_MAX) * hardware.i_unit_a)
    transfer_hw = next(r["mean"] for r in robustness if r["sigma_rel"] == sigma_rel) if sigma_rel in sweep else None
    return SigmoidNeuronStudy(
        {
            "dataset": data.name,
            "data_note": data.note,
            "config": cfg.model_dump(),
            "sigma_rel": sigma_rel,
            "thermal_noise": noise,
            "draws": draws,
            "software_accuracy": acc_sw,
            "transfer_nominal_accuracy": acc_nominal,
            "transfer_nominal_loss": acc_sw - acc_nominal,
            "transfer_hardware_accuracy": transfer_hw,
            "robustness": robustness,
            "device_trained_accuracy": acc_dev,
            "device_trained_loss": acc_sw - acc_dev,
            "history": {"software": sw_hist, "device": dev_hist},
            "energy_per_activation_j": float(energy.mean()),
            "energy_per_inference_j": float(energy.mean()) * cfg.hidden,
            "i_unit_a": hardware.i_unit_a,
            "curves": _curves(char),
            "reference": {
                "fashion_mnist_loss": 0.001,
                "source": "seed 003, Rodrigues et al. 2024 (transfer of software weights)",
            },
        }
    )
