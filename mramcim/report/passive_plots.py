"""Plot of the passive-crossbar Wine experiment (`passive_wine.run_passive_wine` result).

matplotlib is imported lazily; the function returns a Figure and never shows it.
"""

from __future__ import annotations

from typing import Any

from mramcim.report.plots import figure_axes

__all__ = ["plot_passive_wine"]

_LADDER = (
    ("software", "software"),
    ("write_errors_only", "write errors\nonly"),
    ("variation_only", "device variation\nonly"),
    ("wires_only", "wires and\ndrivers only"),
    ("hardware", "all\n(as programmed)"),
    ("hardware_tuned", "all,\ntuned"),
)


def plot_passive_wine(res: dict[str, Any], ax: Any = None) -> Any:
    """Accuracy distributions, the non-ideality ladder, write fidelity and its voltage sweep."""
    import numpy as np

    sols, ref = res["solutions"], res["reference"]["accuracy"]
    cfg, n_test = res["config"], res["mapping"]["n_test"]
    fig, axes = figure_axes(ax, 2, 2, (12, 8.5))
    edges = (np.arange(n_test + 2) - 0.5) / n_test * 100

    ax = axes[0, 0]
    for key, label in (
        ("software", "software"),
        ("hardware", "hardware, as programmed"),
        ("hardware_tuned", "hardware, tuned"),
    ):
        ax.hist(
            np.asarray(sols[key]) * 100,
            bins=edges,
            histtype="step",
            lw=1.8,
            label=f"{label} (median {np.median(sols[key]) * 100:.1f} %)",
        )
    ax.axvline(ref * 100, color="k", ls="--", label=f"Goodwill et al.: up to {ref * 100:.1f} %")
    ax.set_xlim(max(0.0, min(np.min(sols["hardware"]), np.min(sols["software"])) * 100 - 5), 101)
    ax.set_xlabel(f"test accuracy [%] ({n_test} samples)")
    ax.set_ylabel("weight solutions")
    ax.set_title(f"{cfg['solutions']} solutions, 15 x 15 passive arrays (seed {cfg['seed']})")
    ax.legend(fontsize=8, loc="upper left")

    ax = axes[0, 1]
    data = [np.asarray(sols[key]) * 100 for key, _ in _LADDER]
    ax.boxplot(data, showmeans=True)
    ax.set_xticks(range(1, len(_LADDER) + 1), [label for _, label in _LADDER], fontsize=8)
    ax.axhline(ref * 100, color="k", ls="--", lw=1)
    ax.set_ylabel("test accuracy [%]")
    ax.set_title("one non-ideality at a time (box: quartiles, triangle: mean)")

    ax = axes[1, 0]
    used = res["mapping"]["used_cells"]
    fidelity = np.asarray(sols["write_fidelity"]) * 100
    wrong = np.rint((1 - np.asarray(sols["write_fidelity"])) * used)
    ax.hist(
        fidelity,
        bins=np.sort(100 * (used - np.arange(wrong.max() + 2) + 0.5) / used),
        color="tab:green",
        alpha=0.8,
        rwidth=0.85,
    )
    w = cfg["write"]
    ax.set_xlabel(f"write fidelity [%] ({used} used cells; one bar per wrong-cell count)")
    ax.set_ylabel("weight solutions")
    ax.set_title(f"{w['bias']} bias, {w['v_write_v']:g} V, {w['t_write_s'] * 1e9:g} ns: mean {fidelity.mean():.2f} %")

    ax = axes[1, 1]
    sweep = res["fidelity_vs_v_write"]
    for bias, label in (("half", "V/2 bias"), ("third", "V/3 bias")):
        ax.plot(sweep["v_write_v"], np.asarray(sweep[bias]) * 100, "o-", label=label)
    ax.axvline(w["v_write_v"], color="grey", ls=":", label="write voltage used")
    ax.set_xlabel("full-select write voltage [V]")
    ax.set_ylabel("mean write fidelity [%]")
    ax.set_title(f"programming the same solutions, {sweep['t_write_s'] * 1e9:g} ns pulses")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
