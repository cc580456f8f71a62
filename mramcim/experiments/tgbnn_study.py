"""`mramcim experiment tgbnn`: TGBNN against the regular BNN (and the float bound), one-hot vs
ECOC, and ideal training vs the circuit in the loop, each over several seeds.

Hardware in the loop (one scheme at a time): the hidden layer reads through the transfer
characteristic of a fan-in-row array of that scheme (Monte-Carlo DC reads, `characterize_transfer`),
and the flips through per-cell SOT switching probabilities (device variation). Energy per column
MAC comes from the ngspice LLG transient of one column per layer size (ideal wires).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from mramcim.array.mac import mac_energy_per_column
from mramcim.array.read import ReadSetup, default_toggle_map
from mramcim.array.transfer import MAX_MC, characterize_transfer
from mramcim.artifacts import RecordResult
from mramcim.errors import InputError
from mramcim.learn.codes import make_codebook
from mramcim.learn.datasets import load_dataset
from mramcim.learn.mapping import ArrayPlan
from mramcim.learn.train import TrainConfig, train
from mramcim.options import Engine, Parasitics, Reference, Scheme, Simulator, parse_option
from mramcim.tech import Technology

__all__ = ["TgbnnStudy", "study_from_options", "convergence_epoch", "run_study", "summarize"]

Progress = Callable[[str], None]


def convergence_epoch(curve: list[float], fraction: float = 0.95) -> int:
    """First epoch (1-based) whose accuracy reaches `fraction` of the final accuracy."""
    target = fraction * curve[-1]
    return next(i + 1 for i, a in enumerate(curve) if a >= target)


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean and standard deviation over seeds of the per-epoch test accuracy."""
    acc = np.array([r["test_acc"] for r in runs])
    mean = acc.mean(axis=0)
    return {
        "seeds": [r["config"]["seed"] for r in runs],
        "test_acc_mean": mean.tolist(),
        "test_acc_std": acc.std(axis=0).tolist(),
        "final_mean": float(mean[-1]),
        "final_std": float(acc[:, -1].std()),
        "epochs_to_95pct": convergence_epoch(mean.tolist()),
        "write_energy_j_mean": float(np.mean([r["write_energy_total_j"] for r in runs])),
    }


def _runs(
    data: Any, cfg: TrainConfig, seeds: list[int], tech: Technology, progress: Progress, label: str, **hw: Any
) -> list[dict[str, Any]]:
    out = []
    for seed in seeds:
        progress(f"{label}, seed {seed}")
        out.append(train(data, cfg.with_(seed=seed), tech, **hw).as_dict())
    return out


def _hardware(
    tech: Technology,
    layers: list[tuple[int, int]],
    parasitics: str,
    mc: int,
    seed: int,
    progress: Progress,
    simulator: str = Simulator.NGSPICE,
) -> dict[str, Any]:
    """Transfer curve of the first layer's array and energy per column MAC of every layer, per scheme."""
    toggle = default_toggle_map(tech)
    out: dict[str, Any] = {}
    for scheme in Scheme.active():
        rows = layers[0][0]
        progress(
            f"{scheme}: transfer characteristic of a {rows}-row array, {parasitics} wires ({mc} Monte-Carlo reads)"
        )
        setup = ReadSetup(scheme=scheme, parasitics=parasitics, reference=Reference.REPLICA, engine=Engine.FAST)
        curve = characterize_transfer(
            tech, rows, 8, setup, mc=mc, seed=seed, toggle_map=toggle if scheme is Scheme.HALF else None
        )
        energies = []
        for fan_in, _ in layers:
            progress(f"{scheme}: {simulator} LLG transient of a {fan_in} x 1 column (energy per MAC)")
            energies.append(mac_energy_per_column(tech, scheme, fan_in, seed, simulator))
        assert curve.stats is not None  # a characterization always carries its statistics
        out[scheme] = {"curve": curve, "mac_error_rate": curve.stats.mac_error_rate, "energy_per_column_j": energies}
    return out


@dataclass(frozen=True)
class TgbnnStudy(RecordResult):
    """Per dataset and algorithm: runs and their summary; the ECOC runs; the in-the-loop runs."""

    name: ClassVar[str] = "tgbnn"

    def summary_lines(self) -> list[str]:
        result, lines = self.record, []
        for name, entry in result["datasets"].items():
            t, b, f = (entry[a]["summary"] for a in ("tgbnn", "bnn", "float"))
            lines.append(
                f"{name}: tgbnn {t['final_mean']:.4f}+-{t['final_std']:.4f} (95 % at epoch {t['epochs_to_95pct']}), "
                f"bnn {b['final_mean']:.4f}+-{b['final_std']:.4f} (epoch {b['epochs_to_95pct']}), float "
                f"{f['final_mean']:.4f}; gap {entry['gap_bnn_minus_tgbnn'] * 100:.2f} %"
            )
        e = result["ecoc"]
        lines.append(
            f"ECOC ({e['dataset']}, L={e['tgbnn']['output_code']['length']}): tgbnn "
            f"{e['tgbnn']['summary']['final_mean']:.4f} (one-hot {e['tgbnn']['onehot_final_mean']:.4f}), "
            f"bnn {e['bnn']['summary']['final_mean']:.4f}"
        )
        for scheme, s in result.get("hardware_in_the_loop", {}).get("schemes", {}).items():
            lines.append(
                f"in the loop, {scheme}: {s['summary']['final_mean']:.4f} (drop "
                f"{s['accuracy_drop_vs_ideal'] * 100:.2f} %), "
                f"{s['inference_energy_per_sample_j'] * 1e12:.1f} pJ/inference, training "
                f"{s['training_energy_j']['total'] * 1e6:.2f} uJ, {s['plan']['mtj']} MTJs"
            )
        return lines


def run_study(
    tech: Technology,
    *,
    datasets: list[str],
    seeds: list[int],
    base: TrainConfig,
    ecoc_length: int | None,
    hil_dataset: str | None,
    hil_seeds: list[int],
    mc: int,
    array_cols: int,
    parasitics: str = "mesh",
    data_dir: str | None = None,
    progress: Progress = lambda _: None,
    simulator: str = Simulator.NGSPICE,
) -> TgbnnStudy:
    """TGBNN vs BNN vs float over seeds, ECOC vs one-hot, and the arrays in the training loop (their
    energy per MAC from LLG transients in `simulator`)."""
    if not seeds or not hil_seeds:
        raise InputError("give at least one seed")
    loaded = {name: load_dataset(name, data_dir if name == "mnist" else None) for name in datasets}
    if hil_dataset is not None and hil_dataset not in loaded:
        raise InputError(
            f"the hardware-in-the-loop dataset {hil_dataset!r} must be one of the studied datasets {datasets} (or "
            "'none' to skip it)"
        )
    # everything the later stages need, checked before the first training run
    ecoc_book = make_codebook("ecoc", loaded[datasets[0]].n_classes, ecoc_length, seed=base.seed)
    if hil_dataset is not None:
        if isinstance(mc, bool) or not isinstance(mc, int) or not 1 <= mc <= MAX_MC:
            raise InputError(f"Monte-Carlo count must be an integer between 1 and {MAX_MC}, got {mc!r}")
        parse_option(Parasitics, parasitics, "parasitics")
        fan_in = loaded[hil_dataset].x_train.shape[1]
        for active in Scheme.active():
            ArrayPlan(scheme=active, layers=((fan_in, base.hidden), (base.hidden, 10)), array_cols=array_cols)
    del ecoc_book
    result: dict[str, Any] = {"config": base.as_dict(), "seeds": seeds, "datasets": {}}
    for name, data in loaded.items():
        entry: dict[str, Any] = {"note": data.note, "n_train": int(data.y_train.size), "n_test": int(data.y_test.size)}
        for algo in ("tgbnn", "bnn", "float"):
            runs = _runs(data, base.with_(algo=algo), seeds, tech, progress, f"{name}: {algo}")
            entry[algo] = {"summary": summarize(runs), "runs": runs}
        entry["gap_bnn_minus_tgbnn"] = entry["bnn"]["summary"]["final_mean"] - entry["tgbnn"]["summary"]["final_mean"]
        result["datasets"][name] = entry
    first = datasets[0]
    data = loaded[first]
    ecoc = base.with_(output_code="ecoc", code_length=ecoc_length)
    result["ecoc"] = {"dataset": first}
    for algo in ("tgbnn", "bnn"):
        runs = _runs(data, ecoc.with_(algo=algo), seeds, tech, progress, f"{first}: {algo} with ECOC")
        result["ecoc"][algo] = {
            "summary": summarize(runs),
            "runs": runs,
            "output_code": runs[0]["output_code"],
            "onehot_final_mean": result["datasets"][first][algo]["summary"]["final_mean"],
        }
    if hil_dataset is not None:
        data = loaded[hil_dataset]
        layers = [
            (data.x_train.shape[1], base.hidden),
            (base.hidden, result["datasets"][hil_dataset]["tgbnn"]["runs"][0]["output_code"]["length"]),
        ]
        hw = _hardware(tech, layers, parasitics, mc, seeds[0], progress, simulator)
        ideal = result["datasets"][hil_dataset]["tgbnn"]["summary"]
        hil: dict[str, Any] = {
            "dataset": hil_dataset,
            "parasitics": parasitics,
            "ideal_final_mean": ideal["final_mean"],
            "schemes": {},
        }
        n_train = int(data.y_train.size)
        writes = summarize(
            _runs(
                data,
                base.with_(algo="tgbnn"),
                hil_seeds,
                tech,
                progress,
                f"{hil_dataset}: tgbnn with per-cell SOT write statistics only",
                write_variation=True,
            )
        )
        hil["write_stats_only"] = {
            "summary": writes,
            "accuracy_drop_vs_ideal": ideal["final_mean"] - writes["final_mean"],
        }
        for scheme, info in hw.items():
            cfg = base.with_(algo="tgbnn")
            runs = _runs(
                data,
                cfg,
                hil_seeds,
                tech,
                progress,
                f"{hil_dataset}: tgbnn in the loop, {scheme}",
                curve=info["curve"],
                write_variation=True,
            )
            plan = ArrayPlan(scheme=scheme, layers=tuple(layers), array_cols=array_cols).summary(
                info["energy_per_column_j"]
            )
            summary = summarize(runs)
            forward = plan["inference_energy_j"] * n_train * base.epochs
            hil["schemes"][scheme] = {
                "summary": summary,
                "runs": runs,
                "plan": plan,
                "array_mac_error_rate": info["mac_error_rate"],
                "transfer": {"popcount": info["curve"].popcount.tolist(), "p_plus": info["curve"].p_plus.tolist()},
                "accuracy_drop_vs_ideal": ideal["final_mean"] - summary["final_mean"],
                "training_energy_j": {
                    "forward": forward,
                    "write": summary["write_energy_j_mean"],
                    "total": forward + summary["write_energy_j_mean"],
                },
                "inference_energy_per_sample_j": plan["inference_energy_j"],
            }
        result["hardware_in_the_loop"] = hil
    return TgbnnStudy(result)


def study_from_options(
    tech: Technology,
    *,
    datasets: str,
    seeds: int,
    base: TrainConfig,
    hil_dataset: str,
    hil_seeds: int,
    mc: int,
    array_cols: int,
    parasitics: str,
    data_dir: str | None = None,
    progress: Progress = lambda _: None,
    simulator: str = Simulator.NGSPICE,
) -> TgbnnStudy:
    """`run_study` from the command's options: a comma list of datasets, seed counts, 'none' to skip
    the in-the-loop runs; ECOC uses `base.code_length`."""
    names = [s.strip() for s in datasets.split(",") if s.strip()]
    if not names:
        raise InputError("--datasets needs at least one dataset")
    if seeds < 1 or hil_seeds < 1:
        raise InputError("--seeds and --hil-seeds must be >= 1")
    if base.output_code != "onehot":
        raise InputError(
            "the study trains one-hot and ECOC itself; leave --output-code at onehot (use --code-length for ECOC)"
        )
    return run_study(
        tech,
        datasets=names,
        seeds=list(range(seeds)),
        base=base,
        ecoc_length=base.code_length,
        hil_dataset=None if hil_dataset == "none" else hil_dataset,
        hil_seeds=list(range(hil_seeds)),
        mc=mc,
        array_cols=array_cols,
        parasitics=parasitics,
        data_dir=data_dir,
        progress=progress,
        simulator=simulator,
    )
