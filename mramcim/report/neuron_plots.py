"""Plots of the MTJ sigmoid neuron: its characterization and the network experiment."""

from __future__ import annotations

from typing import Any

from mramcim.report.plots import figure_axes

__all__ = ["plot_neuron", "plot_sigmoid_experiment"]


def plot_neuron(res: dict[str, Any], ax: Any = None) -> Any:
    """Both junction resistances vs input, the activation against the closed form, and the slope
    read from the in-plane junction against the numerical derivative of the activation."""
    import numpy as np

    fig, axes = figure_axes(ax, 1, 3, (15, 4.2))
    i = np.asarray(res["currents_a"]) * 1e3
    ax = axes[0]
    ax.plot(i, np.asarray(res["r_z_ohm"]) / 1e3, "o-", ms=3, label="perpendicular junction (activation)")
    ax.plot(i, np.asarray(res["r_x_ohm"]) / 1e3, "s-", ms=3, label="in-plane junction (slope)")
    ax.set_xlabel("input current [mA]")
    ax.set_ylabel(f"resistance at {res['neuron']['v_read_v'] * 1e3:g} mV [kOhm]")
    ax.set_title("ngspice LLG, T = 0, settled")
    ax.legend(fontsize=8)
    ax = axes[1]
    ax.plot(i, res["activation"], "o", ms=4, label="ngspice readout")
    ax.plot(i, 0.5 * (1 + np.asarray(res["mz_theory"])), "-", label="closed form")
    if "noise" in res:
        nz = res["noise"]
        ax.errorbar(
            i,
            nz["sigma_z_mean"],
            yerr=nz["sigma_z_std"],
            fmt=".",
            capsize=2,
            label=f"300 K, {nz['trials']} trials (mean +- sd)",
        )
    ax.set_xlabel("input current [mA]")
    ax.set_ylabel("activation (G - G_AP)/(G_P - G_AP)")
    ax.set_title(f"max |mz - theory| = {res['max_abs_mz_error']:.1e}")
    ax.legend(fontsize=8)
    ax = axes[2]
    ax.plot(i, np.asarray(res["slope_readout_per_a"]) / 1e3, "o", ms=4, label="from in-plane readout")
    ax.plot(i, np.asarray(res["slope_numeric_per_a"]) / 1e3, "-", label="numerical d(activation)/dI")
    ax.set_xlabel("input current [mA]")
    ax.set_ylabel("slope [1/mA]")
    f = res["fit"]
    ax.set_title(f"fit: bx {f['bx_t'] * 1e3:.2f} mT, bk {f['bk_t'] * 1e3:.2f} mT")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_sigmoid_experiment(res: dict[str, Any], ax: Any = None) -> Any:
    """Device vs software activation and slope, learning curves, robustness to device spread."""
    import numpy as np

    fig, axes = figure_axes(ax, 1, 3, (15, 4.2))
    c = res["curves"]
    ax = axes[0]
    ax.plot(c["z"], c["logistic"], "k-", label="logistic")
    ax.plot(c["z"], c["device"], "r--", label="MTJ (perpendicular readout)")
    ax.plot(c["z"], c["logistic_slope"], "k:", label="logistic derivative")
    ax.plot(c["z"], c["device_slope"], "b--", label="MTJ slope (in-plane readout)")
    ax.set_xlabel("pre-activation z (I = z x %.2f mA)" % (res["i_unit_a"] * 1e3))
    ax.set_title(f"max |error|: activation {c['max_abs_activation_error']:.3f}, slope {c['max_abs_slope_error']:.3f}")
    ax.legend(fontsize=8)
    ax = axes[1]
    h = res["history"]
    epochs = np.arange(1, len(h["software"]) + 1)
    ax.plot(epochs, np.asarray(h["software"]) * 100, "k.-", label="software logistic")
    ax.plot(epochs, np.asarray(h["device"]) * 100, "r.-", label="MTJ neurons (forward + slope)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy [%]")
    cfg = res["config"]
    ax.set_title(f"{res['dataset']}, 784-{cfg['hidden']}-10, seed {cfg['seed']}")
    ax.legend(fontsize=8)
    ax = axes[2]
    rb = res["robustness"]
    sig = [r["sigma_rel"] * 100 for r in rb]
    ax.errorbar(
        sig,
        [r["mean"] * 100 for r in rb],
        yerr=[r["std"] * 100 for r in rb],
        fmt="o-",
        capsize=3,
        label="software weights on MTJ neurons" + (" + thermal noise" if res["thermal_noise"] else ""),
    )
    ax.axhline(res["software_accuracy"] * 100, color="k", ls=":", label="software")
    ax.set_xlabel("device-to-device field spread [%]")
    ax.set_ylabel("test accuracy [%]")
    ax.set_title(f"transfer, {res['draws']} device draws per point")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
