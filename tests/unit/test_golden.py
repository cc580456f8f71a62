"""Rendered decks against reference decks in tests/golden/ (one per template, and per scheme x
parasitics for the array), compared line by line with blank lines ignored.

Regenerate on purpose with `pytest tests/unit/test_golden.py --update-golden`, then review the diff.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from mramcim.array.crossbar import passive_deck
from mramcim.circuit.netlist import (
    render_array,
    render_mtj_trials,
    render_neuron_sweep,
    render_read_dc,
    render_xnor,
)
from mramcim.circuit.readnet import build_network
from mramcim.tech import Technology, load_passive_tech, load_tech

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def _operands(rows: int, cols: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.choice(np.array([-1, 1], dtype=np.int8), (rows, cols)), rng.choice(
        np.array([-1, 1], dtype=np.int8), rows
    )


def _array(scheme: str, parasitics: str) -> Callable[[Technology], str]:
    def render(tech: Technology) -> str:
        w, x = _operands(4, 3)
        return render_array(tech, w, x, scheme, parasitics=parasitics).text

    return render


def _gen_array_default(tech: Technology) -> str:
    """gen-array's default design (hierarchical bit lines, in-deck replicas), 5 rows in 2-row segments."""
    from mramcim.array.decks import ArrayDeckSpec, array_deck

    return array_deck(ArrayDeckSpec(rows=5, cols=2, segment_rows=2))


def _read_dc(tech: Technology) -> str:
    w, x = _operands(4, 3)
    net = build_network(
        tech, {"rl": (x[:, None] * w).astype(np.int8)}, {"rl": np.full(4, 0.1)}, scheme="half", parasitics="mesh"
    )
    return render_read_dc(net, title="golden read network", header=["half array 4 x 3, mesh"])


def _passive(bias: str, parasitics: str) -> Callable[[Technology], str]:
    def render(_: Technology) -> str:
        w, _x = _operands(4, 3)
        return passive_deck(load_passive_tech(), w, bias=bias, select=(1, 2), parasitics=parasitics)[0]

    return render


def _trials(kind: str) -> Callable[[Technology], str]:
    def render(tech: Technology) -> str:
        drive = [] if kind == "idle" else [(0.0, 0.0), (0.2e-9, 0.0), (0.25e-9, 4e-4), (2.25e-9, 4e-4), (4.25e-9, 0.0)]
        return render_mtj_trials(tech, kind=kind, drive=drive, trials=2, m0=1, t_stop=6e-9, seed=7).text

    return render


CASES: dict[str, Callable[[Technology], str]] = {
    "xnor_cell": lambda tech: render_xnor(tech).text,
    **{f"sop_array_{s}_{p}": _array(s, p) for s in ("half", "conventional") for p in ("none", "lumped", "mesh")},
    "sop_read_dc": _read_dc,
    "gen_array_default": _gen_array_default,
    **{f"passive_array_{b}_{p}": _passive(b, p) for b, p in (("half", "mesh"), ("third", "none"), ("float", "mesh"))},
    **{f"mtj_trials_{k}": _trials(k) for k in ("sot", "stt", "vcma", "idle")},
    "neuron_sweep": lambda tech: render_neuron_sweep(tech, [-2e-3, 0.0, 2e-3], t_stop=5e-9, seed=3, thermal=True).text,
}


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("name", sorted(CASES))
def test_rendered_deck_matches_golden(name: str, request: pytest.FixtureRequest) -> None:
    text = CASES[name](load_tech())
    path = GOLDEN / f"{name}.sp"
    if request.config.getoption("--update-golden"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden deck {path.name}; run pytest --update-golden"
    want = _lines(path.read_text(encoding="utf-8"))
    got = _lines(text)
    diff = [(i, a, b) for i, (a, b) in enumerate(zip(want, got, strict=False)) if a != b]
    assert not diff and len(want) == len(got), f"{name}: first difference at line {diff[0] if diff else len(want)}"
