"""Characterization of the MTJ sigmoid neuron in ngspice: both junction resistances against the
input current at T = 0 (checked against the closed form of `mramcim.device.neuron`), the fitted
model, the energy per activation and, with thermal trials, the 300 K readout noise (docs/neuron.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from mramcim.artifacts import RecordResult, read_json_object
from mramcim.circuit.netlist import render_neuron_sweep
from mramcim.circuit.sim import run_deck, stop_on_error
from mramcim.device.neuron import (
    NeuronModel,
    _readout,
    activation_energy_j,
    check_characterization,
    fit_neuron,
    logistic_current_scale,
    neuron_params,
    settle_time_s,
)
from mramcim.errors import ExtractionError, InputError
from mramcim.tech import Technology

__all__ = [
    "NeuronCharacterization",
    "characterize_neuron",
]

Array = npt.NDArray[np.float64]


def _currents(currents_a: Sequence[float]) -> Array:
    i = np.asarray([float(c) for c in currents_a])
    if i.size < 3:
        raise InputError(f"a neuron sweep needs at least 3 input currents, got {i.size}")
    if not np.all(np.isfinite(i)) or np.any(np.diff(np.sort(i)) == 0):
        raise InputError("neuron input currents must be finite and distinct")
    return np.sort(i)


def _sweep(tech: Technology, currents: Array, *, thermal: bool, seed: int) -> dict[str, Array]:
    """Run one deck; readouts averaged over the last read window, and the settle time per input."""
    t_stop = settle_time_s(tech) + neuron_params(tech).t_read_s
    deck = render_neuron_sweep(tech, currents, t_stop=t_stop, seed=seed, thermal=thermal)
    res = run_deck(deck.text, name="neuron sweep", timeout_s=tech.simulation.timeout_s)
    time = res["time"]
    window = time >= t_stop - neuron_params(tech).t_read_s
    if window.sum() < 2:
        raise ExtractionError("neuron sweep: the read window holds fewer than 2 time points")
    v = neuron_params(tech).v_read_v
    out: dict[str, list[float]] = {k: [] for k in ("mz", "mx", "my", "sigma_z", "sigma_x", "i_z", "i_x", "settle")}
    for k in range(currents.size):
        for c in ("mx", "my", "mz"):
            out[c].append(float(np.mean(res[f"v(xn{k}.{c})"][window])))
        i_z = -np.mean(res[f"i(vz{k})"][window])  # the source delivers the junction current
        i_x = -np.mean(res[f"i(vx{k})"][window])
        out["i_z"].append(float(i_z))
        out["i_x"].append(float(i_x))
        out["sigma_z"].append(float(_readout(np.array(i_z / v), tech)))
        out["sigma_x"].append(float(_readout(np.array(i_x / v), tech)))
        if not thermal:  # settled: within 0.5 % of full scale of the final activation from then on
            off = np.flatnonzero(np.abs(0.5 * (1 + res[f"v(xn{k}.mz)"]) - out["sigma_z"][-1]) > 0.005)
            if off.size and time[off[-1]] >= t_stop - neuron_params(tech).t_read_s:
                raise ExtractionError(
                    f"the neuron at {currents[k] * 1e3:g} mA did not settle within {t_stop * 1e9:.0f} ns "
                    "(damping or fields too weak)"
                )
            out["settle"].append(float(time[off[-1] + 1]) if off.size else 0.0)
    return {k: np.asarray(v_) for k, v_ in out.items()}


def _noise(
    tech: Technology, currents: Array, trials: int, seed: int, workers: int, progress: Callable[[str], None] | None
) -> dict[str, Any]:
    """Spread of the read-window-averaged readouts over `trials` thermal neurons per input.

    Decks hold 8 input currents each (seeded by their index), so the result does not depend on
    the number of parallel workers."""
    from concurrent.futures import ThreadPoolExecutor

    groups = [currents[k : k + 8] for k in range(0, currents.size, 8)]
    done = 0

    def run(k: int) -> dict[str, Array]:
        nonlocal done
        part = _sweep(tech, np.repeat(groups[k], trials), thermal=True, seed=seed + k)
        done += 1
        if progress:
            progress(f"thermal deck {done}/{len(groups)} done")
        return part

    with ThreadPoolExecutor(max_workers=workers) as pool, stop_on_error(pool):
        parts = list(pool.map(run, range(len(groups))))
    z = np.concatenate([p["sigma_z"] for p in parts]).reshape(currents.size, trials)
    x = np.concatenate([p["sigma_x"] for p in parts]).reshape(currents.size, trials)
    return {
        "trials": trials,
        "sigma_z_mean": z.mean(1).tolist(),
        "sigma_z_std": z.std(1, ddof=1).tolist(),
        "sigma_x_mean": x.mean(1).tolist(),
        "sigma_x_std": x.std(1, ddof=1).tolist(),
    }


@dataclass(frozen=True)
class NeuronCharacterization(RecordResult):
    """Both junction resistances vs input current, the closed-form check, the fit, the energy and
    (with thermal trials) the readout noise. `check_characterization` validates a loaded one."""

    name: ClassVar[str] = "neuron"

    @classmethod
    def from_file(cls, path: str | Path) -> NeuronCharacterization:
        return cls(check_characterization(read_json_object(path, "neuron characterization"), str(path)))

    def summary_lines(self) -> list[str]:
        res = self.record
        f, d = res["fit"], res["design"]
        return [
            f"neuron over {res['currents_a'][0] * 1e3:g}..{res['currents_a'][-1] * 1e3:g} mA: max |mz - closed form| "
            f"{res['max_abs_mz_error']:.1e}; fit bx {f['bx_t'] * 1e3:.3f} mT (design {d['bx_t'] * 1e3:g}), bk "
            f"{f['bk_t'] * 1e3:.3f} mT (design {d['bk_t'] * 1e3:g}); settles in "
            f"{max(res['settle_time_s']) * 1e9:.1f} ns; "
            f"logistic scale {res['logistic_current_scale_a'] * 1e3:.3f} mA per unit"
        ]


def characterize_neuron(
    tech: Technology,
    currents_a: Sequence[float],
    *,
    trials: int = 0,
    seed: int = 1,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
) -> NeuronCharacterization:
    """Resistance of both junctions vs input current (ngspice LLG, T = 0), the closed-form check,
    the fitted model, energy per activation and, with `trials` > 1, the thermal readout noise."""
    if trials == 1 or not 0 <= trials <= 30:
        raise InputError(f"thermal trials must be 0 (off) or 2 to 30, got {trials}")
    if workers < 1:
        raise InputError(f"workers must be at least 1, got {workers}")
    currents = _currents(currents_a)
    n = neuron_params(tech)
    model = NeuronModel.from_tech(tech)
    if progress:
        progress(f"T = 0 sweep of {currents.size} input currents")
    sim = _sweep(tech, currents, thermal=False, seed=seed)
    mz_theory = model.mz(currents)
    fitted = fit_neuron(currents, sim["mz"], sim["mx"], model.kappa_t_per_a)
    sigma = sim["sigma_z"]
    slope_readout = model.slope_from_mx(2 * sim["sigma_x"] - 1)
    slope_numeric = np.gradient(sigma, currents)
    t_eval = float(sim["settle"].max()) + n.t_read_s
    out: dict[str, Any] = {
        "currents_a": currents.tolist(),
        "r_z_ohm": (n.v_read_v / sim["i_z"]).tolist(),
        "r_x_ohm": (n.v_read_v / sim["i_x"]).tolist(),
        "mz": sim["mz"].tolist(),
        "mx": sim["mx"].tolist(),
        "my": sim["my"].tolist(),
        "activation": sigma.tolist(),
        "slope_readout_per_a": slope_readout.tolist(),
        "slope_numeric_per_a": slope_numeric.tolist(),
        "mz_theory": mz_theory.tolist(),
        "max_abs_mz_error": float(np.max(np.abs(sim["mz"] - mz_theory))),
        "design": model.as_dict(),
        "fit": fitted.as_dict(),
        "logistic_current_scale_a": logistic_current_scale(fitted),
        "settle_time_s": sim["settle"].tolist(),
        "t_eval_s": t_eval,
        "neuron": n.model_dump(),
        "seed": seed,
    }
    out["energy_j"] = activation_energy_j(out, currents).tolist()
    if trials:
        out["noise"] = _noise(tech, currents, trials, seed + 1, workers, progress)
    return NeuronCharacterization(out)
