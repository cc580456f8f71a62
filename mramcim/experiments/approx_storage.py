"""Approximate storage: programming energy traded against bit errors and accuracy.

After Locatelli et al. (seed 002: ST-MRAM synapses, 74 % of the programming energy saved for 1 %
of recognition accuracy). A weak write pulse switches a cell only with probability P_sw(I, t), so
the bit error rate of a write is BER = 1 - <P_sw> averaged over device-to-device variation (the
diameter spread, z ~ N(0, 1), by Gauss-Hermite quadrature):
- STT (the seed's writes): the analytic Neel-Brown law of the technology (`device.switching`,
  barrier Delta (1 - I/Ic0)^2, exact for collinear STT), barrier Delta_cell = Delta (1 + sigma_d z)^2;
- SOT: the LLG-calibrated table (`device.sotcal`) at the write path's rise, each device's
  intercept moved by the table's measured area shift a + c_area ((1 + sigma_d z)^2 - 1). Widths
  and currents must lie inside the calibration (default: its widths and current range).

Accuracy: a network (the regular BNN by default) is trained once and programmed into an array
whose previous content is unrelated to it (random). Every cell gets one pulse toward its weight
(no read before write); a failed write leaves the old state, wrong half the time, so a stored
weight is wrong with probability BER / 2; the test accuracy is averaged over `trials` error
patterns. Programming energy = weights x I^2 R t of the pulse. The reference write is the cheapest swept
pulse with BER <= `reliable_ber`; the saving is 1 - E / E_ref for the cheapest pulse whose
accuracy stays within `loss` of the reference accuracy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from mramcim.artifacts import RecordResult
from mramcim.device.sotcal import SotSwitching, sot_switching
from mramcim.device.switching import SwitchingLaw, analytic_law, switch_energy_j
from mramcim.device.variation import barrier_scale, with_barrier
from mramcim.errors import InputError
from mramcim.learn.codes import Codebook
from mramcim.learn.datasets import Dataset, load_dataset
from mramcim.learn.tgbnn import sign_f32
from mramcim.learn.train import TrainConfig, train
from mramcim.options import SwitchMode, parse_option
from mramcim.tech import Technology

__all__ = [
    "STT_WIDTHS_S",
    "ApproxStorage",
    "approx_storage_study",
    "bit_error_rates",
    "run_approx_storage",
    "sot_bit_error_rates",
]

QUADRATURE = 21
STT_WIDTHS_S = (2e-9, 5e-9, 10e-9, 20e-9)  # the STT sweep's default widths


def bit_error_rates(
    law: SwitchingLaw, sigma_diameter: float, currents_a: list[float], widths_s: list[float]
) -> np.ndarray:
    """BER (widths, currents): 1 - P_sw averaged over the barrier spread."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(QUADRATURE)
    weights = weights / weights.sum()
    scales = barrier_scale(sigma_diameter, nodes)
    ber = np.zeros((len(widths_s), len(currents_a)))
    for scale, weight in zip(scales, weights, strict=True):
        p = with_barrier(law, scale).p_switch(np.asarray(currents_a)[None, :], np.asarray(widths_s)[:, None])
        ber += weight * (1 - p)
    return np.clip(ber, 0.0, 1.0)


def sot_bit_error_rates(
    model: SotSwitching, sigma_diameter: float, currents_a: list[float], widths_s: list[float]
) -> np.ndarray:
    """SOT BER (widths, currents): 1 - P_sw of the calibrated table averaged over the area spread
    (the table's measured intercept shift; nominal when the table has no variation block)."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(QUADRATURE)
    weights = weights / weights.sum()
    scales = barrier_scale(sigma_diameter, nodes)  # area scale (1 + sigma_d z)^2
    ber = np.zeros((len(widths_s), len(currents_a)))
    cur = np.asarray(currents_a, float)
    for a, width in enumerate(widths_s):
        for scale, weight in zip(scales, weights, strict=True):
            ber[a] += weight * (1 - model.p_switch(cur, width, scale))
    return np.clip(ber, 0.0, 1.0)


def _accuracy_with_errors(
    weights: list[np.ndarray], data: Dataset, book: Codebook, ber: float, trials: int, rng: np.random.Generator
) -> tuple[float, float]:
    x = data.x_test.astype(np.float32)
    accs = []
    for _ in range(trials):
        stored = [np.where(rng.random(w.shape) < ber / 2, -w, w).astype(np.float32) for w in weights]
        z1 = x @ stored[0]
        scores = sign_f32(z1) @ stored[1]
        accs.append(float(np.mean(book.decode(scores) == data.y_test)))
    return float(np.mean(accs)), float(np.std(accs))


@dataclass(frozen=True)
class ApproxStorage(RecordResult):
    """Write BER and programming energy per pulse, the accuracy they leave, the saving at <= 1 % loss."""

    name: ClassVar[str] = "approx-storage"

    def summary_lines(self) -> list[str]:
        r = self.record
        ref, best = r["reference"], r["best"]
        return [
            f"{r['algo']} on {r['dataset']}, {r['mode'].upper()} writes: software {r['software_accuracy']:.4f}; "
            "reliable write "
            f"({ref['current_a'] * 1e6:.0f} uA, "
            f"{ref['width_s'] * 1e9:g} ns, BER {ref['ber']:.1e}) {ref['energy_j'] * 1e9:.2f} nJ, accuracy "
            f"{ref['accuracy']:.4f}",
            f"cheapest within 1 %: {best['current_a'] * 1e6:.0f} uA, {best['width_s'] * 1e9:g} ns, BER "
            f"{best['ber']:.2e}, "
            f"{best['energy_j'] * 1e9:.2f} nJ, accuracy {best['accuracy']:.4f}: {r['energy_saved'] * 100:.1f} % of the "
            f"programming energy saved (reference: 74 %)",
        ]


def approx_storage_study(
    tech: Technology,
    *,
    dataset: str,
    algo: str,
    epochs: int,
    hidden: int,
    mode: str,
    currents_a: list[float] | None,
    widths_s: list[float] | None,
    trials: int,
    seed: int,
    data_dir: str | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> ApproxStorage:
    """Train `algo` on `dataset`, then sweep the write pulse of its stored weights.

    Args:
        currents_a: pulse currents (default: STT 0.6..2.5 x the law's Ic0; SOT the calibration's
            current range; 40 points).
        widths_s: pulse widths (default: STT 2, 5, 10, 20 ns; SOT the calibrated widths).
    """
    if trials < 1:
        raise InputError(f"trials must be >= 1, got {trials}")
    mode = parse_option(SwitchMode, mode, "switching mode")
    if mode is SwitchMode.SOT:
        cal = sot_switching(tech).calibration
        widths_s = cal.widths_s.tolist() if widths_s is None else widths_s
        if currents_a is None:
            currents_a = np.linspace(cal.currents_a[0], cal.currents_a[-1], 40).tolist()
    else:
        widths_s = list(STT_WIDTHS_S) if widths_s is None else widths_s
    if currents_a is None:
        ic0 = analytic_law(tech, mode).ic0_a
        currents_a = np.linspace(0.6 * ic0, 2.5 * ic0, 40).tolist()
    data = load_dataset(dataset, data_dir)
    progress(f"training {algo} on {dataset} ({epochs} epochs)")
    trained = train(data, TrainConfig(algo=algo, epochs=epochs, hidden=hidden, seed=seed), tech)
    result = run_approx_storage(
        tech,
        data,
        trained,
        mode=mode,
        currents_a=currents_a,
        widths_s=widths_s,
        trials=trials,
        seed=seed,
        progress=progress,
    )
    result.record.update({"dataset": dataset, "data_note": data.note, "algo": algo, "epochs": epochs, "hidden": hidden})
    return result


def run_approx_storage(
    tech: Technology,
    data: Dataset,
    trained: Any,
    *,
    mode: str,
    currents_a: list[float],
    widths_s: list[float],
    trials: int,
    seed: int,
    loss: float = 0.01,
    reliable_ber: float = 1e-9,
    progress: Callable[[str], None] = lambda _: None,
) -> ApproxStorage:
    """Sweep (current, width); `trained` is a TrainResult whose binary weights are programmed."""
    if trials < 1:
        raise InputError(f"trials must be >= 1, got {trials}")
    if not 0 < loss < 1:
        raise InputError(f"accuracy loss must be in (0, 1), got {loss}")
    sigma = tech.variation.sigma_diameter_rel
    rise: float | None = None
    if parse_option(SwitchMode, mode, "switching mode") is SwitchMode.SOT:
        model = sot_switching(tech)
        ber = sot_bit_error_rates(model, sigma, currents_a, widths_s)
        rise = model.rise_s
        switching: dict[str, Any] = {"sot_model": model.as_dict()}
    else:
        law = analytic_law(tech, mode)
        ber = bit_error_rates(law, sigma, currents_a, widths_s)
        switching = {"law": law.as_dict(), "law_label": "Neel-Brown, STT (analytic, technology)"}
    n_weights = sum(int(w.size) for w in trained.weights)
    energy = np.array(
        [[n_weights * switch_energy_j(tech, mode, i, t, rise_s=rise) for i in currents_a] for t in widths_s]
    )
    rng = np.random.default_rng(seed)
    acc = np.zeros_like(ber)
    acc_std = np.zeros_like(ber)
    for a, _ in enumerate(widths_s):
        progress(f"width {widths_s[a] * 1e9:g} ns: accuracy with write errors at {len(currents_a)} currents")
        for b, _ in enumerate(currents_a):
            acc[a, b], acc_std[a, b] = _accuracy_with_errors(
                trained.weights, data, trained.codebook, float(ber[a, b]), trials, rng
            )
    reliable = ber <= reliable_ber
    if not reliable.any():
        raise InputError(
            f"no swept pulse writes reliably (BER <= {reliable_ber:g}); extend --currents-ua or --widths-ns"
        )
    ref = np.unravel_index(np.argmin(np.where(reliable, energy, np.inf)), energy.shape)
    ok = acc >= acc[ref] - loss
    best = np.unravel_index(np.argmin(np.where(ok, energy, np.inf)), energy.shape)

    def point(ix: tuple[Any, ...]) -> dict[str, float]:
        return {
            "width_s": widths_s[ix[0]],
            "current_a": currents_a[ix[1]],
            "ber": float(ber[ix]),
            "energy_j": float(energy[ix]),
            "accuracy": float(acc[ix]),
        }

    return ApproxStorage(
        {
            "mode": mode,
            **switching,
            "sigma_diameter_rel": sigma,
            "currents_a": currents_a,
            "widths_s": widths_s,
            "weights": n_weights,
            "trials": trials,
            "seed": seed,
            "ber": ber.tolist(),
            "programming_energy_j": energy.tolist(),
            "accuracy": acc.tolist(),
            "accuracy_std": acc_std.tolist(),
            "software_accuracy": float(trained.test_acc[-1]),
            "loss": loss,
            "reliable_ber": reliable_ber,
            "reference": point(ref),
            "best": point(best),
            "energy_saved": 1 - float(energy[best]) / float(energy[ref]),
        }
    )
