"""The fast read solves (line-preconditioned CG, sparse Cholesky) against real ngspice on the same
netlist, to 1e-9 on every bit-line current (the deck carries each resistor to 10 significant
digits). Never mocked."""

import numpy as np
import pytest

import mramcim.circuit.dcsolve as dcsolve
from mramcim.array.crossbar import build_crossbar, line_voltages
from mramcim.array.crossbar import cell_resistances as crossbar_cells
from mramcim.array.fastread import ArrayReader
from mramcim.circuit.fastsolve import solve_cholesky, solve_fast
from mramcim.circuit.readnet import assemble_network
from mramcim.device.variation import PASSIVE_SPREADS, DeviceSample
from mramcim.options import Bias
from mramcim.tech import load_passive_tech

pytestmark = pytest.mark.ngspice


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) / np.asarray(b) - 1)))


@pytest.mark.parametrize("scheme", ["half", "conventional"])
@pytest.mark.parametrize("parasitics", ["none", "lumped", "mesh"])
def test_cholesky_matches_ngspice(tech, scheme, parasitics):
    rng = np.random.default_rng(0)
    rows, cols = 48, 12
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(rows, cols))
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=rows)
    v = tech.operation.v_read_v
    sets = 1 if scheme == "half" else 2
    devices = DeviceSample.sample(tech, (sets, rows, cols), rng)
    if scheme == "half":
        states, volts = {"rl": x[:, None] * w}, {"rl": np.full(rows, v)}
    else:
        states, volts = {"rla": w, "rlb": -w}, {"rla": np.where(x > 0, v, 0.0), "rlb": np.where(x < 0, v, 0.0)}
    net = assemble_network(tech, states, volts, scheme=scheme, parasitics=parasitics, devices=devices)
    ngspice = dcsolve.solve_dc(net, "ngspice", block_cols=None).sense_a
    assert _rel(solve_cholesky(net).sense_currents(net), ngspice) <= 1e-9
    assert _rel(solve_fast(net).sense_currents(net), ngspice) <= 1e-9
    assert _rel(solve_fast(net).sense_currents(net), ngspice) <= 1e-9
    reader = ArrayReader(tech, rows, cols, scheme=scheme, parasitics=parasitics)
    assert _rel(reader.currents(states, volts, devices)[0], ngspice) <= 1e-9


@pytest.mark.parametrize("bias", list(Bias))
def test_cholesky_matches_ngspice_on_the_passive_crossbar(bias):
    ptech = load_passive_tech()
    rng = np.random.default_rng(1)
    r = crossbar_cells(
        ptech, DeviceSample.sample(ptech, (15, 15), rng, PASSIVE_SPREADS), rng.choice([-1, 1], size=(15, 15)), 0.1
    )
    row_v, col_v = line_voltages(bias, 15, 15, [0], [14], 0.1)
    net = build_crossbar(ptech, r, row_v, col_v, parasitics="mesh")
    ngspice = dcsolve.solve_dc(net, "ngspice", block_cols=None).sense_a
    assert _rel(solve_cholesky(net).sense_currents(net), ngspice) <= 1e-9
    assert _rel(solve_fast(net).sense_currents(net), ngspice) <= 1e-9
