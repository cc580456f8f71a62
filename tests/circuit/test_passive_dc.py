"""The passive crossbar in real ngspice: sneak-path currents against the scipy nodal solve of the
same netlist, Ohm's law, and the gen-array deck against the solve its header records."""

import numpy as np
import pytest

import mramcim.circuit.dcsolve as dcsolve
from mramcim.array.crossbar import cell_resistances, passive_deck, read_selected
from mramcim.circuit.erc import check_deck
from mramcim.circuit.sim import run_batch
from mramcim.device.variation import PASSIVE_SPREADS, DeviceSample
from mramcim.options import Bias
from mramcim.tech import load_passive_tech

pytestmark = pytest.mark.ngspice

V = 0.1


@pytest.fixture(scope="module")
def ptech():
    return load_passive_tech()


def _array(ptech, seed=0):
    rng = np.random.default_rng(seed)
    states = rng.choice([-1, 1], size=(15, 15))
    return cell_resistances(ptech, DeviceSample.sample(ptech, (15, 15), rng, PASSIVE_SPREADS), states, V)


@pytest.mark.parametrize("bias", list(Bias))
@pytest.mark.parametrize("parasitics", ["none", "mesh"])
def test_sneak_currents_match_scipy(ptech, bias, parasitics):
    net, read = read_selected(ptech, _array(ptech), 0, 14, bias, V, parasitics=parasitics)
    scipy = dcsolve.solve_dc(net, "scipy").sense_a
    ngspice = dcsolve.solve_dc(net, "ngspice", block_cols=None).sense_a
    assert np.max(np.abs(ngspice / scipy - 1)) <= 1e-8  # ngspice prints ~10 digits
    if bias != "ground":
        assert read.sneak_a > read.ohm_a  # the rest of the array carries more than the cell itself


def test_single_cell_obeys_ohms_law_in_ngspice(ptech):
    r = _array(ptech, seed=1)
    net, read = read_selected(ptech, r, 7, 3, "ground", V, parasitics="none")
    assert dcsolve.solve_dc(net, "ngspice", block_cols=None).sense_a[3] == pytest.approx(V / r[7, 3], rel=1e-9)


def test_gen_array_deck_matches_its_scipy_header(ptech):
    states = np.random.default_rng(2).choice([-1, 1], size=(15, 15))
    deck, read = passive_deck(ptech, states, bias="half", select=(4, 9))
    assert check_deck(deck) == []
    assert f"i(vbl9) = {read.current_a:.6e} A" in deck
    assert run_batch(deck, name="passive deck")["i(vbl9)"] == pytest.approx(read.current_a, rel=1e-8)
