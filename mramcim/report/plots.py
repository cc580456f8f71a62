"""Plots from saved results. matplotlib is imported lazily; each function returns a Figure."""

from __future__ import annotations

from typing import Any

__all__ = ["plot_learning_curves", "plot_transfer"]


def plot_transfer(curve: dict[str, Any]) -> Any:
    """Column current vs popcount (simulated, Ohm's law) and the sensed output."""
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(6, 6), sharex=True)
    k = curve["popcount"]
    ax1.plot(k, [i * 1e6 for i in curve["current_a"]], "o", label="ngspice")
    ax1.plot(k, [i * 1e6 for i in curve["ohm_current_a"]], "-", label="Ohm's law (closed form)")
    ax1.set_ylabel("column current [uA]")
    ax1.set_title(f"{curve['scheme']} array, {curve['rows']} rows (seed {curve['seed']})")
    ax1.legend()
    ax2.step(k, curve["p_plus"], where="mid")
    ax2.axvline(curve["threshold"] - 0.5, color="grey", ls="--", label="threshold")
    ax2.set_xlabel("XNOR popcount")
    ax2.set_ylabel("P(sense = +1)")
    ax2.legend()
    return fig


def plot_learning_curves(metrics: dict[str, Any]) -> Any:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
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
