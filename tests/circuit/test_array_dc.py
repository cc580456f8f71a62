"""The DC read network: ngspice (flat and partitioned) against the scipy nodal solve on the
same netlist, Ohm's law, and the two schemes' equivalence. Real ngspice, never mocked."""

import numpy as np
import pytest

import mramcim.circuit.dcsolve as dcsolve
from mramcim.array.read import ReadSetup, read_mac
from mramcim.circuit.readnet import build_network, solve_scipy
from mramcim.device.cell import read_path_resistances
from mramcim.errors import SimulationError

pytestmark = pytest.mark.ngspice


def _network(tech, scheme, parasitics, rows=48, cols=12, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(rows, cols))
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=rows)
    v = tech.operation.v_read_v
    if scheme == "half":
        return build_network(
            tech, {"rl": x[:, None] * w}, {"rl": np.full(rows, v)}, scheme=scheme, parasitics=parasitics
        )
    return build_network(
        tech,
        {"rla": w, "rlb": -w},
        {"rla": np.where(x > 0, v, 0.0), "rlb": np.where(x < 0, v, 0.0)},
        scheme=scheme,
        parasitics=parasitics,
    )


@pytest.mark.parametrize("scheme", ["half", "conventional"])
@pytest.mark.parametrize("parasitics", ["none", "lumped", "mesh"])
def test_ngspice_matches_scipy_on_the_same_netlist(tech, scheme, parasitics):
    net = _network(tech, scheme, parasitics)
    scipy = dcsolve.solve_dc(net, "scipy").sense_a
    flat = dcsolve.solve_dc(net, "ngspice", block_cols=None).sense_a
    part = dcsolve.solve_dc(net, "ngspice", block_cols=4)
    assert np.max(np.abs(flat / scipy - 1)) <= 1e-6
    assert np.max(np.abs(part.sense_a / flat - 1)) <= 1e-6
    assert part.blocks == 3 and part.kcl_residual_rel <= dcsolve.KCL_TOLERANCE


def test_single_cell_obeys_ohms_law(tech):
    net = build_network(
        tech, {"rl": np.ones((1, 1), dtype=np.int8)}, {"rl": np.array([0.1])}, scheme="half", parasitics="mesh"
    )
    r = read_path_resistances(tech)
    ohm = 0.1 / (tech.drivers.r_out_ohm + tech.wires.r_wl_ohm + r.mtj_p + r.access_p + tech.wires.r_bl_ohm)
    assert dcsolve.solve_dc(net, "scipy").sense_a[0] == pytest.approx(ohm, rel=1e-12)
    assert dcsolve.solve_dc(net, "ngspice", block_cols=None).sense_a[0] == pytest.approx(ohm, rel=1e-9)


def test_partition_refuses_wrong_interface_voltages(tech, monkeypatch):
    """The KCL check is what makes the partition sound: perturbed cut voltages must be caught."""
    net = _network(tech, "half", "mesh", rows=16, cols=8)

    def skewed(network):
        sol = solve_scipy(network)
        sol.volts[1:] *= 1 + 1e-4
        return sol

    monkeypatch.setattr(dcsolve, "solve_scipy", skewed)
    with pytest.raises(SimulationError, match="Kirchhoff"):
        dcsolve.solve_dc(net, "ngspice", block_cols=4)


def test_schemes_read_the_same_ideal_mac(tech):
    rng = np.random.default_rng(5)
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(32, 16))
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=32)
    half = read_mac(tech, w, x, ReadSetup(scheme="half", parasitics="none", reference="replica", engine="ngspice"))
    conv = read_mac(
        tech, w, x, ReadSetup(scheme="conventional", parasitics="none", reference="replica", engine="ngspice")
    )
    assert half.popcount.tolist() == conv.popcount.tolist()
    assert half.sensed.tolist() == conv.sensed.tolist() == half.expected.tolist()
    assert half.current_a == pytest.approx(conv.current_a, rel=1e-9)
