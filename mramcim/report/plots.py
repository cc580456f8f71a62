"""Plots of results. matplotlib is imported lazily; each function draws on the caller's axes
(`ax=`: one Axes, or an array shaped like the figure's panels) or on a new figure, and returns the
Figure. Nothing here computes a result: plots read the saved record."""

from __future__ import annotations

from typing import Any

__all__ = [
    "figure_axes",
    "plot_approx_storage",
    "plot_learning_curves",
    "plot_precession",
    "plot_retention",
    "plot_sot_calibration",
    "plot_switch",
    "plot_tgbnn_study",
    "plot_toggle",
    "plot_transfer",
]


def figure_axes(ax: Any, nrows: int, ncols: int, figsize: tuple[float, float]) -> tuple[Any, Any]:
    """(figure, axes) on the caller's axes `ax` (one Axes, or an array of nrows x ncols), or on a new figure."""
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        return plt.subplots(nrows, ncols, figsize=figsize)
    if nrows * ncols == 1:
        return ax.figure, ax
    grid = np.asarray(ax, dtype=object).reshape(nrows, ncols)
    return grid.flat[0].figure, grid[0] if nrows == 1 else grid


def plot_transfer(transfer: Any, ax: Any = None) -> Any:
    """Column current mean +- sigma vs popcount with the reference, P(+1) and error rate, and
    the worst-case cell read voltage over the array (IR drop)."""
    import numpy as np

    curve, ir_map = transfer.to_json(), transfer.stats.ir_drop_map
    fig, axes = figure_axes(ax, 1, 3, (15, 4.2))
    k = np.asarray(curve["popcount"])
    mean, std = np.asarray(curve["current_mean_a"]) * 1e6, np.asarray(curve["current_std_a"]) * 1e6
    ax = axes[0]
    ax.fill_between(k, mean - std, mean + std, alpha=0.3, label="mean +- sigma")
    ax.plot(k, mean, "-", label="mean")
    ax.axhline(curve["i_ref_mean_a"] * 1e6, color="grey", ls="--", label=f"reference ({curve['reference']})")
    ax.set_xlabel("XNOR popcount")
    ax.set_ylabel("column current [uA]")
    ax.set_title(
        f"{curve['scheme']}, {curve['rows']} rows, {curve['parasitics']} wires, MC {curve['mc']} (seed {curve['seed']})"
    )
    ax.legend()
    ax = axes[1]
    ax.plot(k, curve["p_plus"], ".-", label="P(sense = +1)")
    ax.plot(k, curve["error_rate"], ".-", label="error rate")
    ax.axvline(curve["threshold"] - 0.5, color="grey", ls="--", label="threshold")
    ax.set_xlabel("XNOR popcount")
    ax.set_ylim(-0.02, 1.02)
    ax.legend()
    ax = axes[2]
    im = ax.imshow(ir_map, aspect="auto", cmap="viridis", origin="upper")
    fig.colorbar(im, ax=ax, label="cell read voltage / V_read")
    ax.set_xlabel("column (drivers at 0)")
    ax.set_ylabel("row (sense amplifiers below the last)")
    ax.set_title("IR drop, every cell parallel")
    fig.tight_layout()
    return fig


def plot_learning_curves(metrics: dict[str, Any], ax: Any = None) -> Any:

    fig, ax = figure_axes(ax, 1, 1, (6, 4))
    epochs = range(1, len(metrics["test_acc"]) + 1)
    ax.plot(epochs, metrics["train_acc"], "o-", label="train")
    ax.plot(epochs, metrics["test_acc"], "s-", label="test")
    cfg = metrics["config"]
    ax.set_title(f"{cfg['algo']} on {metrics['dataset']} (seed {cfg['seed']}, hidden {cfg['hidden']})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def plot_precession(res: dict[str, Any], ax: Any = None) -> Any:
    """mz(t) under the in-plane field with the anisotropy cancelled, and the zero crossings."""

    fig, ax = figure_axes(ax, 1, 1, (6, 3.5))
    t = [x * 1e9 for x in res["waveform"]["time_s"]]
    ax.plot(t, res["waveform"]["mz"], label="ngspice LLG")
    ax.plot([c * 1e9 for c in res["crossings_s"]], [0] * len(res["crossings_s"]), "kx", label="mz = 0")
    ax.set_xlabel("time [ns]")
    ax.set_ylabel("mz")
    ax.set_title(
        f"{res['field_t'] * 1e3:g} mT: f = {res['frequency_hz'] / 1e9:.4f} GHz "
        f"(theory {res['frequency_theory_hz'] / 1e9:.4f})"
    )
    ax.legend()
    return fig


def _heatmap(ax: Any, x: list[float], y: list[float], z: Any, label: str, cmap: str) -> None:
    import numpy as np

    mesh = ax.pcolormesh(_edges(x), _edges(y), np.asarray(z), cmap=cmap, vmin=0, vmax=1, shading="flat")
    ax.figure.colorbar(mesh, ax=ax, label=label)


def _edges(v: list[float]) -> Any:
    import numpy as np

    a = np.asarray(v, float)
    if a.size == 1:
        return np.array([a[0] * 0.9, a[0] * 1.1])
    mid = (a[1:] + a[:-1]) / 2
    return np.concatenate([[2 * a[0] - mid[0]], mid, [2 * a[-1] - mid[-1]]])


def plot_toggle(res: dict[str, Any], ax: Any = None) -> Any:
    """Toggle-error map (1 - P_toggle) over pulse width and amplitude, plus P vs width."""

    fig, (ax1, ax2) = figure_axes(ax, 1, 2, (11, 4))
    w = [x * 1e9 for x in res["widths_s"]]
    _heatmap(ax1, w, res["voltages_v"], res["toggle_error"], "toggle error 1 - P", "magma_r")
    ax1.axvline(res["half_period_s"] * 1e9, color="w", ls="--", lw=1)
    ax1.set_xlabel("pulse width [ns]")
    ax1.set_ylabel("VCMA amplitude [V]")
    ax1.set_title(f"toggle-error map ({res['trials']} trials/point, seed {res['seed']})")
    for v, row, pts in zip(res["voltages_v"], res["p_toggle"], res["points"], strict=True):
        lo = [max(p - c["ci95"][0], 0.0) for p, c in zip(row, pts, strict=True)]
        hi = [max(c["ci95"][1] - p, 0.0) for p, c in zip(row, pts, strict=True)]
        ax2.errorbar(w, row, yerr=[lo, hi], marker="o", capsize=3, label=f"{v:g} V")
    ax2.axvline(res["half_period_s"] * 1e9, color="grey", ls="--", label="half period")
    ax2.set_xlabel("pulse width [ns]")
    ax2.set_ylabel("P(toggle)")
    ax2.set_ylim(-0.02, 1.02)
    ax2.legend(fontsize=8)
    return fig


def plot_switch(res: dict[str, Any], ax: Any = None) -> Any:
    """P_sw(I, t) surface, P_sw vs current per width (with the fitted law) and the write energy."""
    import numpy as np

    fig, (ax1, ax2, ax3) = figure_axes(ax, 1, 3, (15, 4))
    cur = [x * 1e6 for x in res["currents_a"]]
    w = [x * 1e9 for x in res["widths_s"]]
    _heatmap(ax1, w, cur, res["p_switch"], "P_sw", "viridis")
    ax1.set_xlabel("pulse width [ns]")
    ax1.set_ylabel("current [uA]")
    ax1.set_title(
        f"{res['mode'].upper()} from {res['from_state']}: P_sw(I, t), {res['trials']} trials, seed {res['seed']}"
    )
    p = np.asarray(res["p_switch"])
    fit = res.get("fit") or res.get("law")
    if fit:
        from mramcim.device.switching import SwitchingLaw

        law = SwitchingLaw(fit["delta"], fit["ic0_a"], fit["t_damping_s"])
        fine = np.linspace(min(res["currents_a"]), max(res["currents_a"]), 60)
    for j, width in enumerate(w):
        line = ax2.plot(cur, p[:, j], "o", label=f"{width:g} ns")[0]
        if fit:
            ax2.plot(fine * 1e6, law.p_switch(fine, res["widths_s"][j]), "-", color=line.get_color())
    ax2.set_xlabel("current [uA]")
    ax2.set_ylabel("P_sw")
    ax2.set_title("markers: simulation; lines: " + ("fitted law" if fit else "no fit"))
    ax2.legend(fontsize=8)
    e = np.asarray(res["energy_j"], float) * 1e15
    for j, width in enumerate(w):
        ax3.plot(cur, e[:, j], "o-", label=f"{width:g} ns")
    ax3.set_xlabel("current [uA]")
    ax3.set_ylabel("write energy [fJ]")
    ax3.legend(fontsize=8)
    return fig


def plot_sot_calibration(res: dict[str, Any], ax: Any = None) -> Any:
    """The SOT calibration: P_sw vs current per width (colours) and rise (columns), the counts with
    their 95 % Wilson intervals and the fitted cloglog curves; linear (top) and log (bottom: the
    tail the training's flip probabilities come from, zero counts drawn at their upper bound)."""
    import numpy as np

    from mramcim.device.sotcal import cloglog_p

    axes_, fit = res["axes"], res["fit"]
    rises = axes_["rises_s"]
    fig, axes = figure_axes(ax, 2, len(rises), (4.6 * len(rises), 7.5))
    axes = np.asarray(axes, dtype=object).reshape(2, len(rises))
    cur = np.asarray(axes_["currents_a"])
    fine = np.linspace(cur[0], cur[-1], 200)
    p, ci = np.asarray(res["p"]), np.asarray(res["ci95"])
    build = res.get("build", {})
    seeds = build.get("seeds", [build.get("seed")])
    for ir, rise in enumerate(rises):
        for iw, width in enumerate(axes_["widths_s"]):
            eta = fit["a"][iw][ir] + fit["b"][iw][ir] * (fine / fit["i_ref_a"] - 1)
            err = np.abs(ci[iw, ir] - p[iw, ir][:, None]).T
            top = axes[0, ir].errorbar(
                cur * 1e6, p[iw, ir], yerr=err, fmt="o", ms=3, capsize=2, label=f"{width * 1e9:g} ns"
            )
            color = top[0].get_color()
            axes[0, ir].plot(fine * 1e6, cloglog_p(eta), "-", color=color)
            axes[1, ir].semilogy(fine * 1e6, cloglog_p(eta), "-", color=color)
            hit = p[iw, ir] > 0
            axes[1, ir].plot(cur[hit] * 1e6, p[iw, ir][hit], "o", ms=3, color=color)
            axes[1, ir].plot(cur[~hit] * 1e6, ci[iw, ir][~hit, 1], "v", ms=4, mfc="none", color=color)
        axes[0, ir].set_ylim(-0.03, 1.03)
        axes[0, ir].set_title(f"rise {rise * 1e12:g} ps: {res['trials']} trials/point")
        axes[0, ir].legend(fontsize=8, loc="upper left")
        axes[1, ir].set_ylim(1e-4, 1.5)
        axes[1, ir].set_xlabel("strip current [uA]")
        axes[1, ir].set_title("log scale; open triangles: 95 % upper bound of 0 counts", fontsize=8)
        for row in (0, 1):
            axes[row, ir].set_ylabel("P_sw (P -> AP)")
            axes[row, ir].grid(alpha=0.3)
    fig.suptitle(
        f"SOT calibration, device {res['device_id']}, {res['conditions']['temperature_k']:g} K, thermalised LLG "
        f"(seeds {', '.join(str(s) for s in seeds)}); markers: counts with 95 % intervals, lines: cloglog fits",
        fontsize=9,
    )
    fig.tight_layout()
    return fig


def plot_retention(res: dict[str, Any], ax: Any = None) -> Any:
    """Neel-Brown mean dwell time vs temperature, with the simulated point if any."""

    fig, ax = figure_axes(ax, 1, 1, (6, 4))
    c = res["curve"]
    ax.semilogy(c["temperature_k"], c["tau_s"], "-", label="Neel-Brown tau0 exp(Delta)")
    if res["simulated"]:
        lo, hi = res["tau_sim_ci95_s"]
        ax.errorbar(
            [res["temperature_k"]],
            [res["tau_sim_s"]],
            yerr=[[res["tau_sim_s"] - lo], [hi - res["tau_sim_s"]]],
            fmt="o",
            label="ngspice LLG",
        )
    ax.set_xlabel("temperature [K]")
    ax.set_ylabel("mean dwell time [s]")
    ax.set_title(f"Delta = {res['delta_bias']:.1f} at {res['temperature_k']:g} K")
    ax.legend()
    return fig


def plot_tgbnn_study(res: dict[str, Any], ax: Any = None) -> Any:
    """Learning curves (mean +- std over seeds) per dataset, ECOC vs one-hot, ideal vs in-the-loop."""
    import numpy as np

    names = list(res["datasets"])
    extra = ("ecoc" in res) + ("hardware_in_the_loop" in res)
    fig, axes = figure_axes(ax, 1, len(names) + extra, (4.6 * (len(names) + extra), 4))
    for ax, name in zip(axes, names, strict=False):
        entry = res["datasets"][name]
        for i, algo in enumerate(res.get("runs", {"tgbnn": {}, "bnn": {}, "float": {}})):
            s = entry[algo]["summary"]
            mean, std = np.array(s["test_acc_mean"]), np.array(s["test_acc_std"])
            ep = np.arange(1, mean.size + 1)
            ax.plot(ep, mean, color=f"C{i}", label=f"{algo} {s['final_mean']:.3f}")
            ax.fill_between(ep, mean - std, mean + std, color=f"C{i}", alpha=0.25)
        ax.set_title(f"{name}: test accuracy, {len(res['seeds'])} seeds")
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right")
    if "ecoc" in res:
        ax = axes[len(names)]
        ecoc = res["ecoc"]
        labels = [k for k in ecoc if k != "dataset"]
        x = np.arange(len(labels))
        onehot = [ecoc[a]["onehot_final_mean"] for a in labels]
        coded = [ecoc[a]["summary"]["final_mean"] for a in labels]
        ax.bar(x - 0.2, onehot, 0.4, label="one-hot")
        ax.bar(
            x + 0.2,
            coded,
            0.4,
            yerr=[ecoc[a]["summary"]["final_std"] for a in labels],
            label=f"ECOC L={ecoc[labels[0]]['output_code']['length']}",
        )
        ax.set_xticks(x, labels)
        ax.set_ylim(min(onehot + coded) - 0.05, 1)
        ax.set_title(f"{ecoc['dataset']}: output code")
        ax.legend(loc="upper left")
    if "hardware_in_the_loop" in res:
        hil = res["hardware_in_the_loop"]
        ax = axes[-1]
        schemes = list(hil["schemes"])
        acc = [hil["ideal_final_mean"]] + [hil["schemes"][s]["summary"]["final_mean"] for s in schemes]
        ax.bar(range(len(acc)), acc, color=["C7", "C0", "C3"][: len(acc)])
        ax.set_xticks(range(len(acc)), ["ideal"] + schemes)
        ax.set_ylim(min(acc) - 0.05, 1)
        for i, s in enumerate(schemes, start=1):
            e = hil["schemes"][s]["inference_energy_per_sample_j"]
            ax.text(i, acc[i] + 0.005, f"{e * 1e12:.0f} pJ/inference", ha="center", fontsize=8)
        ax.set_title(f"{hil['dataset']}: TGBNN, array in the loop ({hil['parasitics']} wires)")
    fig.tight_layout()
    return fig


def plot_approx_storage(res: dict[str, Any], ax: Any = None) -> Any:
    """BER vs current per width, and accuracy vs programming energy with the 1 % band."""
    import numpy as np

    fig, (ax1, ax2) = figure_axes(ax, 1, 2, (11, 4))
    currents = np.array(res["currents_a"]) * 1e6
    for i, w in enumerate(res["widths_s"]):
        ber = np.maximum(np.array(res["ber"][i]), 1e-16)
        ax1.semilogy(currents, ber, "o-", ms=3, label=f"{w * 1e9:g} ns")
        energy = np.array(res["programming_energy_j"][i]) * 1e9
        ax2.errorbar(energy, res["accuracy"][i], yerr=res["accuracy_std"][i], fmt="o-", ms=3, label=f"{w * 1e9:g} ns")
    ax1.axhline(res["reliable_ber"], color="k", ls=":", lw=1)
    ax1.set_xlabel(f"{res['mode'].upper()} write current [uA]")
    ax1.set_ylabel("bit error rate (variation-averaged)")
    ax1.set_title(f"write BER, sigma_d = {res['sigma_diameter_rel'] * 100:g} %")
    ax1.legend()
    ref, best = res["reference"], res["best"]
    ax2.axhline(ref["accuracy"] - res["loss"], color="k", ls=":", lw=1, label="reference - 1 %")
    ax2.plot(ref["energy_j"] * 1e9, ref["accuracy"], "k*", ms=12, label="reliable write")
    ax2.plot(best["energy_j"] * 1e9, best["accuracy"], "r*", ms=12, label=f"saves {res['energy_saved'] * 100:.0f} %")
    ax2.set_xscale("log")
    ax2.set_xlabel("programming energy of the network [nJ]")
    ax2.set_ylabel("test accuracy")
    ax2.set_ylim(max(0.0, ref["accuracy"] - 0.3), min(1.0, ref["accuracy"] + 0.05))
    ax2.set_title(f"{res['algo']} on {res['dataset']} ({res['weights']} weights), {res['trials']} error patterns")
    ax2.legend(fontsize=7)
    fig.tight_layout()
    return fig
