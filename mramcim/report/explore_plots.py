"""Plots of a design-space exploration (`mramcim explore`), drawn from its saved record.

Each function takes the record and `ax=` (one Axes, or two for `plot_explore`) and returns the
Figure; matplotlib is imported lazily."""

from __future__ import annotations

from typing import Any

from mramcim.report.plots import figure_axes

__all__ = ["plot_accuracy_energy", "plot_explore", "plot_pareto"]

MARKERS = {"half": "o", "conventional": "s"}
PREFIXES = ((1e-15, "f"), (1e-12, "p"), (1e-9, "n"), (1e-6, "u"), (1e-3, "m"), (1.0, ""))


def _unit(values: list[float], unit: str) -> tuple[float, str]:
    """(divisor, label) putting the median of `values` between 1 and 1000 of an SI prefix of `unit`."""
    import numpy as np

    mid = float(np.median(values)) if values else 1.0
    scale, prefix = PREFIXES[0]
    for s, p in PREFIXES:
        if mid >= s:
            scale, prefix = s, p
    return scale, f"{prefix}{unit}"


def _area_unit(values: list[float]) -> tuple[float, str]:
    mid = sorted(values)[len(values) // 2] if values else 1e-12
    return (1e-6, "mm^2") if mid >= 1e-6 else (1e-12, "um^2")


def _groups(res: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in res["points"]:
        if r["status"] == "ok":
            out.setdefault(str(r["point"].get("scheme", "all")), []).append(r)
    return out


def plot_pareto(res: dict[str, Any], ax: Any = None) -> Any:
    """Energy vs area of every successful point, coloured by accuracy; the Pareto front (energy x
    area x accuracy, per scheme) ringed, the recommended design per scheme starred."""
    import numpy as np

    fig, ax = figure_axes(ax, 1, 1, (7, 5))
    scatter = None
    groups = _groups(res)
    every = [r["metrics"]["accuracy"] * 100 for rows in groups.values() for r in rows]
    lo, hi = (min(every), max(every)) if every else (0.0, 100.0)
    e_div, e_unit = _unit([r["metrics"]["energy_j"] for rows in groups.values() for r in rows], "J")
    a_div, a_unit = _area_unit([r["metrics"]["area_m2"] for rows in groups.values() for r in rows])
    for group, rows in groups.items():
        e = np.array([r["metrics"]["energy_j"] for r in rows]) / e_div
        a = np.array([r["metrics"]["area_m2"] for r in rows]) / a_div
        acc = np.array([r["metrics"]["accuracy"] for r in rows]) * 100
        front = np.array([r["pareto"] for r in rows], dtype=bool)
        marker = MARKERS.get(group, "^")
        scatter = ax.scatter(e, a, c=acc, cmap="viridis", marker=marker, s=36, label=group, vmin=lo, vmax=hi)
        ax.scatter(e[front], a[front], facecolors="none", edgecolors="k", marker=marker, s=110, linewidths=1.2)
        best = res["recommended"].get(group, {})
        if best.get("index") is not None:
            m = best["metrics"]
            ax.scatter(
                m["energy_j"] / e_div, m["area_m2"] / a_div, marker="*", s=320, c="red", edgecolors="k", zorder=5
            )
    if scatter is not None:
        fig.colorbar(scatter, ax=ax, label="accuracy [%]")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"energy [{e_unit}]")
    ax.set_ylabel(f"area [{a_unit}]")
    ax.set_title(f"{res['evaluator']}: Pareto front ringed, recommended starred")
    ax.legend(title="scheme")
    return fig


def plot_accuracy_energy(res: dict[str, Any], ax: Any = None) -> Any:
    """Accuracy vs energy per scheme: every point faint, the energy x accuracy Pareto front joined,
    the accuracy floor of the recommendation (ideal - tolerance) dashed, the recommended design starred."""
    import numpy as np

    fig, ax = figure_axes(ax, 1, 1, (7, 5))
    tol = res["accuracy_tolerance"]
    groups = _groups(res)
    e_div, e_unit = _unit([r["metrics"]["energy_j"] for rows in groups.values() for r in rows], "J")
    for n, (group, rows) in enumerate(groups.items()):
        color = f"C{n}"
        e = np.array([r["metrics"]["energy_j"] for r in rows]) / e_div
        acc = np.array([r["metrics"]["accuracy"] for r in rows]) * 100
        ax.scatter(e, acc, color=color, alpha=0.35, marker=MARKERS.get(group, "^"), s=24)
        front = [res["points"][i]["metrics"] for i in res["pareto_energy_accuracy"].get(group, [])]
        ax.plot(
            [m["energy_j"] / e_div for m in front],
            [m["accuracy"] * 100 for m in front],
            "-",
            color=color,
            marker=MARKERS.get(group, "^"),
            label=f"{group} (energy x accuracy front)",
        )
        ideal = max(r["metrics"]["ideal_accuracy"] for r in rows)
        ax.axhline((ideal - tol) * 100, color=color, ls="--", lw=1, label=f"{group}: ideal - {tol:.0%}")
        best = res["recommended"].get(group, {})
        if best.get("index") is not None:
            m = best["metrics"]
            ax.scatter(m["energy_j"] / e_div, m["accuracy"] * 100, marker="*", s=320, color=color, edgecolors="k")
    ax.set_xscale("log")
    ax.set_xlabel(f"energy [{e_unit}]")
    ax.set_ylabel("accuracy [%]")
    ax.set_title("accuracy vs energy per scheme")
    ax.legend(fontsize=8)
    return fig


def plot_explore(res: dict[str, Any], ax: Any = None) -> Any:
    """Both panels: the Pareto scatter and accuracy vs energy."""
    fig, axes = figure_axes(ax, 1, 2, (15, 5.2))
    plot_pareto(res, ax=axes[0])
    plot_accuracy_energy(res, ax=axes[1])
    c = res["counts"]
    fig.suptitle(f"{res['description']} - {c['total']} points ({c['failed']} failed), seed {res['seed']}", fontsize=10)
    return fig
