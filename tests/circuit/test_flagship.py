"""The default 784-row deck of `gen-array` works in ngspice (issue 17): mesh wires, random operands,
every pulsed cell toggles and is restored, and both sense outputs equal sign(2k - N)."""

import numpy as np
import pytest

from mramcim.array.decks import ArrayDeckSpec, deck_design
from mramcim.array.operands import array_operands
from mramcim.circuit.extract import sample
from mramcim.circuit.flows import simulate
from mramcim.circuit.netlist import render_array
from mramcim.encoding import threshold_popcount
from mramcim.tech import load_tech, override

pytestmark = pytest.mark.ngspice


def test_default_784_row_deck_toggles_restores_and_senses():
    spec = ArrayDeckSpec(rows=784, cols=2)
    tech = override(load_tech(), simulation={"timeout_s": 3600})
    w, x = array_operands(spec.rows, spec.cols, seed=spec.seed)
    deck = render_array(tech, w, x, spec.scheme, parasitics=spec.parasitics, **deck_design(tech, spec, w, x))
    res = simulate(deck, tech, "flagship 784 x 2")
    sch = deck.schedule
    i1 = int(np.searchsorted(res["time"], sch.t_read1))
    mz1 = np.array([[res[f"v(xc_r{i}_c{j}.xmtj.mz)"][i1] for j in range(2)] for i in range(784)])
    mzf = np.array([[res[f"v(xc_r{i}_c{j}.xmtj.mz)"][-1] for j in range(2)] for i in range(784)])
    pulsed = np.broadcast_to((x < 0)[:, None], w.shape)
    toggled = (np.sign(mz1) == -w) & pulsed
    restored = np.sign(mzf) == w
    assert toggled.sum() >= 0.99 * pulsed.sum()
    assert restored[pulsed].sum() >= 0.99 * pulsed.sum() and restored.all()
    k = np.sum(x[:, None] * w > 0, axis=0)
    expected = np.where(k >= threshold_popcount(784), 1, -1)
    sensed = [1 if sample(res, f"v(sa{j})", sch.t_read1) > 0.5 else -1 for j in range(2)]
    assert sensed == expected.tolist()
