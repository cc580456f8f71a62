"""Circuit behaviour on the real ngspice shared library (never mocked here)."""

import numpy as np
import pytest

from mramcim.cellmodel import cell_read, column_current
from mramcim.errors import SimulationError
from mramcim.flows import characterize_array, run_mac, verify_xnor, weights_for_popcounts
from mramcim.sim import run_deck

pytestmark = pytest.mark.ngspice


def test_xnor_truth_table(tech):
    cases = verify_xnor(tech)
    assert {(c.x, c.w) for c in cases} == {(1, 1), (1, -1), (-1, 1), (-1, -1)}
    for c in cases:
        assert c.sensed == c.x * c.w, c
        assert c.restored_weight == c.w, c
        expected = cell_read(tech, c.x * c.w).current_a
        assert c.read_current_a == pytest.approx(expected, rel=5e-3), c


def test_column_current_is_linear_and_obeys_ohms_law(tech):
    curve = characterize_array(tech, rows=16, cols=17, scheme="half", seed=3)
    k = np.array(curve["popcount"])
    current = np.array(curve["current_a"])
    assert k.tolist() == list(range(17))
    assert np.all(np.diff(current) > 0)
    assert curve["linear_fit"]["max_residual_rel"] < 1e-3
    assert current == pytest.approx(np.array([column_current(tech, 16, int(v)) for v in k]), rel=5e-3)
    assert curve["sense"] == curve["expected_sense"]


def test_schemes_are_logically_equivalent(tech):
    rng = np.random.default_rng(7)
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=12)
    w = weights_for_popcounts(x, [2, 5, 6, 7, 11], rng)
    half, conv = run_mac(tech, w, x, "half"), run_mac(tech, w, x, "conventional")
    assert [c.popcount for c in half.columns] == [c.popcount for c in conv.columns] == [2, 5, 6, 7, 11]
    assert [c.sensed for c in half.columns] == [c.sensed for c in conv.columns] == [-1, -1, 1, 1, 1]
    assert half.n_mtj * 2 == conv.n_mtj
    assert half.weights_not_restored == 0


def test_784_row_mac_runs(tech):
    rng = np.random.default_rng(0)
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=784)
    w = weights_for_popcounts(x, [380, 404], rng)
    report = run_mac(tech, w, x)
    assert [c.sensed for c in report.columns] == [-1, 1]
    assert report.weights_not_restored == 0
    for c in report.columns:
        assert c.current_a == pytest.approx(c.ohm_current_a, rel=5e-3)


def test_missing_library_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("NGSPICE_LIBRARY_PATH", "/nonexistent/libngspice.so")
    with pytest.raises(SimulationError, match="libngspice0-dev"):
        run_deck("t\nR1 a 0 1k\nV1 a 0 1\n.op\n.end\n", name="t.cir", timeout_s=60)


def test_ngspice_errors_name_the_deck():
    with pytest.raises(SimulationError, match=r"(?s)bad\.cir: .*unknown subckt"):
        run_deck("t\nX1 a 0 nosuch\nR1 a 0 1k\n.tran 1n 10n\n.end\n", name="bad.cir", timeout_s=60)
