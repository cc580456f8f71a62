"""Circuit behaviour on the real ngspice shared library (never mocked here)."""

import numpy as np
import pytest

from mramcim.array.mac import run_mac
from mramcim.array.transfer import weights_for_popcounts
from mramcim.circuit.flows import verify_xnor
from mramcim.circuit.sim import run_deck
from mramcim.device.cell import cell_read, column_current
from mramcim.errors import SimulationError

pytestmark = pytest.mark.ngspice


def test_xnor_truth_table(tech):
    cases = verify_xnor(tech).cases
    assert {(c.x, c.w) for c in cases} == {(1, 1), (1, -1), (-1, 1), (-1, -1)}
    for c in cases:
        assert c.sensed == c.x * c.w, c
        assert c.restored_weight == c.w, c
        expected = cell_read(tech, c.x * c.w).current_a
        assert c.read_current_a == pytest.approx(expected, rel=5e-3), c


def test_column_current_is_linear_and_obeys_ohms_law(tech):
    """Ideal wires: the transient's bit-line current is the closed-form cell sum, linear in k."""
    rng = np.random.default_rng(3)
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=16)
    k = list(range(0, 17, 2))
    report = run_mac(tech, weights_for_popcounts(x, k, rng), x, parasitics="none")
    current = np.array([c.current_a for c in report.columns])
    assert [c.popcount for c in report.columns] == k
    assert np.all(np.diff(current) > 0)
    residual = current - np.polyval(np.polyfit(k, current, 1), k)
    assert np.max(np.abs(residual)) / np.ptp(current) < 2e-3  # the 20 Ohm drivers bend it slightly
    assert current == pytest.approx(np.array([column_current(tech, 16, v) for v in k]), rel=5e-3)
    assert [c.sensed for c in report.columns] == [c.expected for c in report.columns]


def test_schemes_are_logically_equivalent(tech):
    rng = np.random.default_rng(7)
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=12)
    w = weights_for_popcounts(x, [2, 5, 6, 7, 11], rng)
    half, conv = run_mac(tech, w, x, "half", "none"), run_mac(tech, w, x, "conventional", "none")
    assert [c.popcount for c in half.columns] == [c.popcount for c in conv.columns] == [2, 5, 6, 7, 11]
    assert [c.sensed for c in half.columns] == [c.sensed for c in conv.columns] == [-1, -1, 1, 1, 1]
    assert half.n_mtj * 2 == conv.n_mtj
    assert half.weights_not_restored == 0
    assert [c.current_a for c in half.columns] == pytest.approx([c.current_a for c in conv.columns], rel=2e-3)


def test_784_row_mac_runs(tech):
    """784 rows, ideal wires: toggles, reads and restores; currents obey Ohm's law per cell."""
    rng = np.random.default_rng(0)
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=784)
    w = weights_for_popcounts(x, [380, 404], rng)
    report = run_mac(tech, w, x, parasitics="none")
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
