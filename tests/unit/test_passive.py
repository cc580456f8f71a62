"""The passive crossbar (network, bias schemes, programming) and the Wine mapping, without ngspice."""

import numpy as np
import pytest

from mramcim.array.crossbar import (
    build_crossbar,
    cell_resistances,
    line_voltages,
    read_matrix,
    read_selected,
)
from mramcim.array.crossbar_write import (
    CellSwitching,
    WriteConfig,
    cell_switching,
    program,
    write_config,
)
from mramcim.circuit.readnet import solve_scipy
from mramcim.device.variation import PASSIVE_SPREADS, DeviceSample
from mramcim.errors import ConfigError, InputError
from mramcim.experiments.passive_wine import (
    HIDDEN,
    Chip,
    array_targets,
    read_chip,
    run_passive_wine,
    software_outputs,
    tune,
    wine_inputs,
)
from mramcim.learn.datasets import load_dataset
from mramcim.tech import load_passive_tech

V = 0.1


@pytest.fixture(scope="module")
def ptech():
    return load_passive_tech()


def _cells(ptech, rows, cols, seed=0, p_fraction=0.5):
    rng = np.random.default_rng(seed)
    states = np.where(rng.random((rows, cols)) < p_fraction, 1, -1)
    return cell_resistances(ptech, DeviceSample.sample(ptech, (rows, cols), rng, PASSIVE_SPREADS), states, V)


def test_line_voltages_of_the_bias_schemes():
    row, col = line_voltages("half", 3, 4, [1], [2], 0.9)
    cell = row[:, None] - col[None, :]
    assert cell[1, 2] == 0.9 and set(np.round(np.delete(cell[1], 2), 12)) == {0.45} and cell[0, 0] == 0.0
    row, col = line_voltages("third", 3, 4, [1], [2], 0.9)
    cell = row[:, None] - col[None, :]
    assert cell[1, 2] == 0.9 and cell[1, 0] == pytest.approx(0.3) and cell[0, 2] == pytest.approx(0.3)
    assert cell[0, 0] == pytest.approx(-0.3)
    row, _ = line_voltages("float", 3, 4, [1], [2], 0.9)
    assert np.isnan(row[0]) and row[1] == 0.9
    with pytest.raises(ConfigError, match="unknown bias scheme 'quarter'"):
        line_voltages("quarter", 3, 4, [0], [0], 0.9)


def test_ohms_law_with_ideal_lines_and_grounded_unselected_lines(ptech):
    r = _cells(ptech, 6, 5)
    for row, col in [(0, 0), (5, 4), (2, 3)]:
        _, read = read_selected(ptech, r, row, col, "ground", V, parasitics="none")
        assert read.current_a == pytest.approx(V / r[row, col], rel=1e-12)
        assert abs(read.sneak_a) <= 1e-12 * read.ohm_a


def test_half_bias_adds_exactly_the_half_selected_column_cells(ptech):
    r = _cells(ptech, 6, 5, seed=1)
    _, read = read_selected(ptech, r, 2, 3, "half", V, parasitics="none")
    half_selected = np.sum(V / 2 / np.delete(r[:, 3], 2))
    assert read.sneak_a == pytest.approx(half_selected, rel=1e-10)


def test_wire_resistance_lowers_the_ground_read(ptech):
    r = _cells(ptech, 15, 15, seed=2)
    _, read = read_selected(ptech, r, 0, 14, "ground", V, parasitics="mesh")
    assert 0.5 * read.ohm_a < read.current_a < read.ohm_a


def test_floating_sneak_current_grows_with_array_size(ptech):
    sneak = []
    for n in (2, 4, 8, 16):
        r = cell_resistances(ptech, DeviceSample.nominal((n, n)), np.ones((n, n)), V)
        sneak.append(read_selected(ptech, r, 0, 0, "float", V, parasitics="none")[1].sneak_a)
    assert sneak[0] > 0 and np.all(np.diff(sneak) > 0)


def test_floating_sneak_current_grows_with_the_number_of_low_r_cells(ptech):
    rng = np.random.default_rng(3)
    order = rng.permutation(64)
    states = -np.ones(64)
    sneak = []
    for k in (0, 16, 32, 48, 63):  # nested sets of parallel cells; the selected cell (index 0) stays AP
        states[order[:k]] = 1
        states[0] = -1
        r = cell_resistances(ptech, DeviceSample.nominal((8, 8)), states.reshape(8, 8), V)
        sneak.append(read_selected(ptech, r, 0, 0, "float", V, parasitics="mesh")[1].sneak_a)
    assert np.all(np.diff(sneak) > 0)


def test_read_matrix_is_the_network_solve(ptech):
    r = _cells(ptech, 7, 6, seed=4)
    v = np.random.default_rng(5).choice([-V, V], size=7)
    for parasitics in ("none", "mesh"):
        net = build_crossbar(ptech, r, v, np.zeros(6), parasitics=parasitics)
        direct = solve_scipy(net).sense_currents(net)
        assert read_matrix(ptech, r, parasitics=parasitics) @ v == pytest.approx(direct, rel=1e-10, abs=1e-18)


def test_bad_crossbar_inputs(ptech):
    r = _cells(ptech, 3, 3)
    with pytest.raises(InputError, match="outside the 3 x 3 array"):
        read_selected(ptech, r, 3, 0, "half", V)
    with pytest.raises(ConfigError, match="none, mesh"):
        build_crossbar(ptech, r, np.zeros(3), np.zeros(3), parasitics="lumped")
    with pytest.raises(InputError, match="positive and finite"):
        build_crossbar(ptech, -r, np.zeros(3), np.zeros(3))


def _switching(shape, **probs):
    names = ("to_ap_full", "to_ap_partial", "to_p_full", "to_p_partial")
    return CellSwitching(**{n: np.full(shape, probs.get(n, 0.0)) for n in names})


def test_write_fidelity_is_one_without_disturb_and_failures():
    targets = np.random.default_rng(6).choice(np.array([-1, 1], dtype=np.int8), size=(5, 6, 7))
    perfect = _switching((6, 7), to_ap_full=1.0, to_p_full=1.0)
    for bias in ("half", "third"):
        stored = program(targets, perfect, WriteConfig(bias=bias), np.random.default_rng(7))
        assert np.array_equal(stored, targets)


def test_half_select_disturb_flips_the_ap_cells_on_lines_with_a_set():
    targets = -np.ones((1, 4, 4), dtype=np.int8)
    targets[0, 1, 2] = 1
    disturbing = _switching((4, 4), to_ap_full=1.0, to_p_full=1.0, to_p_partial=1.0)
    stored = program(targets, disturbing, WriteConfig(bias="half"), np.random.default_rng(8))[0]
    on_lines = np.zeros((4, 4), dtype=bool)
    on_lines[1, :] = on_lines[:, 2] = True
    assert np.all(stored[on_lines] == 1) and np.all(stored[~on_lines] == -1)


def test_cell_switching_follows_the_pulse(ptech):
    devices = DeviceSample.sample(ptech, (3, 3), np.random.default_rng(9), PASSIVE_SPREADS)
    weak, strong = (cell_switching(ptech, devices, WriteConfig(v_write_v=v)) for v in (0.6, 0.8))
    assert np.all(strong.to_p_full > weak.to_p_full) and np.all(strong.to_p_full > 0.999)
    assert np.all(strong.to_p_partial < 1e-2) and np.all(strong.to_p_partial > 0)
    third = cell_switching(ptech, devices, WriteConfig(bias="third"))
    assert np.all(third.to_p_partial < strong.to_p_partial)


def test_write_config_errors_name_the_field():
    with pytest.raises(ConfigError, match="v_write_v = -1"):
        write_config(v_write_v=-1)
    with pytest.raises(ConfigError, match="bias = 'quarter'"):
        write_config(bias="quarter")


def test_wine_fits_fifteen_rows():
    data, kept = wine_inputs(load_dataset("wine"))
    assert data.x_train.shape[1] == data.x_test.shape[1] == 15
    assert np.all(data.x_train[:, 13:] == 1) and set(kept) <= {0, 1, 2, 3} and len(kept) == 13
    with pytest.raises(InputError, match="thermometer-coded Wine"):
        wine_inputs(load_dataset("digits"))


def test_ideal_chip_computes_the_software_network(ptech):
    rng = np.random.default_rng(10)
    w1 = rng.choice(np.array([-1, 1], dtype=np.int8), size=(1, 15, HIDDEN))
    w2 = rng.choice(np.array([-1, 1], dtype=np.int8), size=(1, HIDDEN, 3))
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=(40, 15))
    a, b = array_targets(w1, w2)
    read = read_chip(ptech, Chip.ideal(), a[0], b[0], "none").readout(x, V)
    r = cell_resistances(ptech, DeviceSample.nominal((1, 2)), np.array([[1, -1]]), V)[0]
    unit = V * (1 / r[0] - 1 / r[1])
    assert read.hidden == pytest.approx(unit / 2 * (x.astype(float) @ w1[0]), rel=1e-9)
    hidden, classes = software_outputs(x, w1[0], w2[0])
    theta, _ = tune(read, hidden, classes, unit)
    assert np.all(theta == 0)


def test_experiment_refuses_bad_arguments_before_training(ptech):
    with pytest.raises(InputError, match="solutions must be between 1 and"):
        run_passive_wine(ptech, solutions=0, seed=0, write=WriteConfig())
    with pytest.raises(ConfigError, match="unknown parasitics 'lumped'"):
        run_passive_wine(ptech, solutions=1, seed=0, write=WriteConfig(), parasitics="lumped")
