"""Choosing designs from evaluated points: the Pareto front and the recommended design.

Pure numpy on plain rows (`{"point": {...}, "status": "ok", "metrics": {...}}`), so it serves any
evaluator. Objectives: energy_j and area_m2 are minimized, accuracy is maximized.

Pareto front: a point is on the front when no other point of the same group is at least as good
in all three objectives (or the two of a projection such as energy x accuracy) and strictly
better in one.

Recommended design: among the points whose accuracy is at least ideal_accuracy - tolerance (both
per point: the ideal is the software accuracy of the same weights), the one with the lowest energy
(ties: lower area, then lower latency, then the earlier point). When no point qualifies the
recommendation is None with the reason and the most accurate point ("closest") instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from mramcim.errors import InputError

__all__ = ["group_key", "pareto_front", "pareto_mask", "recommend"]

OBJECTIVES = ("energy_j", "area_m2", "accuracy")  # minimize, minimize, maximize


def pareto_mask(costs: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """True for the non-dominated rows of `costs` (n, m), every column to be minimized."""
    c = np.asarray(costs, dtype=np.float64)
    if c.ndim != 2:
        raise InputError(f"costs must be (n, m), got shape {c.shape}")
    keep = np.ones(c.shape[0], dtype=bool)
    for i in range(c.shape[0]):
        dominated = np.all(c <= c[i], axis=1) & np.any(c < c[i], axis=1)
        keep[i] = not dominated.any()
    return keep


def group_key(row: dict[str, Any]) -> str:
    """The group a point is compared within: its scheme, or "all" when the point has none."""
    return str(row["point"].get("scheme", "all"))


def _costs(rows: Sequence[dict[str, Any]], objectives: Sequence[str]) -> npt.NDArray[np.float64]:
    """(n, m) costs to minimize: accuracy enters negated."""
    sign = [-1.0 if name == "accuracy" else 1.0 for name in objectives]
    return np.array([[s * r["metrics"][o] for s, o in zip(sign, objectives, strict=True)] for r in rows])


def pareto_front(rows: Sequence[dict[str, Any]], objectives: Sequence[str] = OBJECTIVES) -> dict[str, list[int]]:
    """Per group, the indices (into `rows`) of the successful points on the Pareto front of
    `objectives` (energy_j, area_m2 minimized; accuracy maximized), in order of energy."""
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        if r["status"] == "ok":
            groups.setdefault(group_key(r), []).append(i)
    out = {}
    for g, idx in sorted(groups.items()):
        front = [idx[j] for j in np.flatnonzero(pareto_mask(_costs([rows[i] for i in idx], objectives)))]
        out[g] = sorted(front, key=lambda i: (rows[i]["metrics"]["energy_j"], i))
    return out


def recommend(rows: Sequence[dict[str, Any]], tolerance: float) -> dict[str, dict[str, Any]]:
    """Per group, the cheapest-energy point within `tolerance` (absolute accuracy) of its ideal.

    Returns {group: {"index": i | None, "reason": str, "closest": i | None}}.
    """
    out: dict[str, dict[str, Any]] = {}
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(group_key(r), []).append(i)
    for g, idx in sorted(groups.items()):
        ok = [i for i in idx if rows[i]["status"] == "ok"]
        if not ok:
            out[g] = {"index": None, "closest": None, "reason": f"all {len(idx)} points of {g} failed"}
            continue
        m = {i: rows[i]["metrics"] for i in ok}
        good = [i for i in ok if m[i]["accuracy"] >= m[i]["ideal_accuracy"] - tolerance]
        best_acc = max(ok, key=lambda i: (m[i]["accuracy"] - m[i]["ideal_accuracy"], -m[i]["energy_j"], -i))
        if not good:
            gap = m[best_acc]["ideal_accuracy"] - m[best_acc]["accuracy"]
            out[g] = {
                "index": None,
                "closest": best_acc,
                "reason": (
                    f"no {g} point is within {tolerance:.2%} of its ideal accuracy; the closest "
                    f"(point {best_acc}) is {gap:.2%} below it"
                ),
            }
            continue
        chosen = min(good, key=lambda i: (m[i]["energy_j"], m[i]["area_m2"], m[i]["latency_s"], i))
        out[g] = {
            "index": chosen,
            "closest": best_acc,
            "reason": (f"lowest energy of the {len(good)} {g} points within {tolerance:.2%} of their ideal accuracy"),
        }
    return out
