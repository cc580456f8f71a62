"""Many operating points of one read network in one VACASK run (`circuit.dcbatch`): every read
equals the scipy nodal solve of the same network, and the network is reciprocal, which the
transfer method of `verify design` relies on."""

import dataclasses

import numpy as np
import pytest

from mramcim.circuit.dcbatch import solve_dc_batch
from mramcim.circuit.readnet import build_network, solve_scipy
from mramcim.circuit.vacask import parse_stats, run_deck
from mramcim.circuit.vanetlist import render_read_batch_vacask

pytestmark = pytest.mark.vacask


@pytest.fixture
def network(tech):
    rng = np.random.default_rng(3)
    states = {p: rng.choice(np.array([-1, 1], dtype=np.int8), size=(6, 5)) for p in ("rla", "rlb")}
    volts = {p: np.full(6, 0.1) for p in states}
    return build_network(tech, states, volts, scheme="conventional", parasitics="mesh", ref_cols=1)


def test_every_read_is_the_nodal_solve(network):
    rng = np.random.default_rng(4)
    volts = rng.choice([0.0, 0.1], size=(3, len(network.src_node)))
    volts[:, network.sense_src] = 0.0
    batch = solve_dc_batch(network, volts, sources=range(len(network.src_node)), title="batch test")
    for read, v in zip(batch, volts, strict=True):
        nodal = solve_scipy(dataclasses.replace(network, src_volts=v))
        # VACASK's i(V): the current into the source's + terminal, minus what it delivers
        np.testing.assert_allclose(read, -nodal.src_current, rtol=1e-8, atol=1e-15)


def test_short_circuit_admittance_is_symmetric(network):
    """Unit excitations of every source: the matrix of source currents is symmetric (reciprocity)."""
    n = len(network.src_node)
    admittance = solve_dc_batch(network, np.eye(n), sources=range(n), title="reciprocity test")
    scale = np.max(np.abs(admittance))
    assert np.max(np.abs(admittance - admittance.T)) <= 1e-9 * scale


def test_stats_of_a_swept_deck(network):
    volts = np.vstack([network.src_volts, network.src_volts * 0.5])
    deck = render_read_batch_vacask(network, volts, title="stats", header=[])
    stats = parse_stats(run_deck(deck, name="stats", stats=True).stdout)
    assert stats["nr_solver_calls"] == 2
    assert stats["real_refactorizations"] + stats["real_factorizations"] == stats["nr_solver_iterations"]
