"""`mramcim experiment tgbnn`: TGBNN against the regular BNNs (and the float bound), one-hot vs
ECOC, and ideal training vs the circuit in the loop, each over several seeds.

Rows per dataset (STUDY_RUNS): tgbnn (the base configuration: sparse evidence-ranked writes),
tgbnn-paper (the same network with the papers' write rule and schedule, `train.PAPER_RULE`),
bnn-sgd (our reading of the papers' regular BNN), bnn (latent weights, Adam, cross-entropy) and
float. Runs are independent, so `workers` > 1 trains them in parallel processes.

Hardware in the loop (one scheme at a time): the hidden layer reads through the transfer
characteristic of a fan-in-row array of that scheme (Monte-Carlo DC reads, `characterize_transfer`),
and the flips through per-cell SOT switching probabilities (device variation). Energy per column
MAC comes from the ngspice LLG transient of one column per layer size (ideal wires).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
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
from mramcim.learn.train import PAPER_RULE, TrainConfig, train
from mramcim.options import Engine, Parasitics, Reference, Scheme, Simulator, parse_option
from mramcim.tech import Technology

__all__ = ["STUDY_RUNS", "TgbnnStudy", "convergence_epoch", "run_study", "study_from_options", "summarize"]

Progress = Callable[[str], None]
# row name -> TrainConfig overrides of the study's base configuration
STUDY_RUNS: dict[str, dict[str, Any]] = {
    "tgbnn": {},
    "tgbnn-paper": PAPER_RULE,
    "bnn-sgd": {"algo": "bnn-sgd"},
    "bnn": {"algo": "bnn"},
    "float": {"algo": "float"},
}
ECOC_RUNS = ("tgbnn", "bnn-sgd", "bnn")


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


_DATA: dict[str, Any] = {}


def _train_job(job: tuple[str, str | None, TrainConfig, Technology]) -> dict[str, Any]:
    """One training run in a worker process (the data set is loaded once per process)."""
    name, data_dir, cfg, tech = job
    if name not in _DATA:
        _DATA[name] = load_dataset(name, data_dir if name == "mnist" else None)
    return train(_DATA[name], cfg, tech).as_dict()


def _run_all(
    jobs: list[tuple[str, str | None, TrainConfig, Technology]], labels: list[str], workers: int, progress: Progress
) -> list[dict[str, Any]]:
    """Ideal-training runs, in `workers` processes (results in job order)."""
    if workers <= 1:
        out = []
        for job, label in zip(jobs, labels, strict=True):
            progress(label)
            out.append(_train_job(job))
        return out
    progress(f"{len(jobs)} training runs in {workers} processes")
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_train_job, jobs))


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
            rows = ", ".join(
                f"{row} {entry[row]['summary']['final_mean']:.4f}+-{entry[row]['summary']['final_std']:.4f} "
                f"(95 % at epoch {entry[row]['summary']['epochs_to_95pct']})"
                for row in result["runs"]
            )
            lines.append(f"{name}: {rows}; bnn-sgd - tgbnn {entry['gap_bnn_sgd_minus_tgbnn'] * 100:+.2f} %")
        e = result.get("ecoc")
        if e:
            rows = ", ".join(
                f"{row} {e[row]['summary']['final_mean']:.4f} (one-hot {e[row]['onehot_final_mean']:.4f})"
                for row in e
                if row != "dataset"
            )
            lines.append(f"ECOC ({e['dataset']}, L={e['tgbnn']['output_code']['length']}): {rows}")
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
    ecoc: bool = True,
    workers: int = 1,
    progress: Progress = lambda _: None,
    simulator: str = Simulator.NGSPICE,
) -> TgbnnStudy:
    """TGBNN vs BNN vs float over seeds, ECOC vs one-hot, and the arrays in the training loop (their
    energy per MAC from LLG transients in `simulator`)."""
    if not seeds or not hil_seeds:
        raise InputError("give at least one seed")
    for name in datasets:  # fail early on a missing data set, before hours of training
        _DATA[name] = load_dataset(name, data_dir if name == "mnist" else None)
    if hil_dataset is not None and hil_dataset not in datasets:
        raise InputError(
            f"the hardware-in-the-loop dataset {hil_dataset!r} must be one of the studied datasets {datasets} "
            "(or 'none' to skip it)"
        )
    # everything the later stages need, checked before the first training run
    make_codebook("ecoc", _DATA[datasets[0]].n_classes, ecoc_length, seed=base.seed)
    if hil_dataset is not None:
        if isinstance(mc, bool) or not isinstance(mc, int) or not 1 <= mc <= MAX_MC:
            raise InputError(f"Monte-Carlo count must be an integer between 1 and {MAX_MC}, got {mc!r}")
        parse_option(Parasitics, parasitics, "parasitics")
        fan_in = _DATA[hil_dataset].x_train.shape[1]
        for active in Scheme.active():
            ArrayPlan(scheme=active, layers=((fan_in, base.hidden), (base.hidden, 10)), array_cols=array_cols)
    result: dict[str, Any] = {
        "config": base.as_dict(),
        "seeds": seeds,
        "runs": {k: v for k, v in STUDY_RUNS.items()},
        "datasets": {},
    }
    ecoc_base = base.with_(output_code="ecoc", code_length=ecoc_length)
    jobs, labels, keys = [], [], []
    for name in datasets:
        for row, changes in STUDY_RUNS.items():
            for seed in seeds:
                jobs.append((name, data_dir, base.with_(seed=seed, **changes), tech))
                labels.append(f"{name}: {row}, seed {seed}")
                keys.append((name, row))
    for row in ECOC_RUNS if ecoc else ():
        for seed in seeds:
            jobs.append((datasets[0], data_dir, ecoc_base.with_(seed=seed, **STUDY_RUNS[row]), tech))
            labels.append(f"{datasets[0]}: {row} with ECOC, seed {seed}")
            keys.append(("ecoc", row))
    done = _run_all(jobs, labels, workers, progress)
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for key, run in zip(keys, done, strict=True):
        grouped.setdefault(key, []).append(run)
    for name in datasets:
        data = _DATA[name]
        entry: dict[str, Any] = {"note": data.note, "n_train": int(data.y_train.size), "n_test": int(data.y_test.size)}
        for row in STUDY_RUNS:
            runs = grouped[(name, row)]
            entry[row] = {"summary": summarize(runs), "runs": runs}
        tg = entry["tgbnn"]["summary"]["final_mean"]
        for row in ("bnn-sgd", "bnn", "float", "tgbnn-paper"):
            entry[f"gap_{row.replace('-', '_')}_minus_tgbnn"] = entry[row]["summary"]["final_mean"] - tg
        result["datasets"][name] = entry
    first = datasets[0]
    if ecoc:
        result["ecoc"] = {"dataset": first}
    for row in ECOC_RUNS if ecoc else ():
        runs = grouped[("ecoc", row)]
        result["ecoc"][row] = {
            "summary": summarize(runs),
            "runs": runs,
            "output_code": runs[0]["output_code"],
            "onehot_final_mean": result["datasets"][first][row]["summary"]["final_mean"],
        }
    if hil_dataset is not None:
        data = _DATA[hil_dataset]
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
    ecoc: bool = True,
    workers: int = 1,
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
    if workers < 1:
        raise InputError(f"--workers must be >= 1, got {workers}")
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
        ecoc=ecoc,
        workers=workers,
        progress=progress,
        simulator=simulator,
    )
