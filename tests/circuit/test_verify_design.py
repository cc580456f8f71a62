"""verify_design on a small synthetic layer: ngspice's currents give the behavioural decisions, and
so do VACASK's (the batched sweep for conventional: every image in one deck per column block; the
per-image operating points for half-size)."""

import numpy as np
import pytest

from mramcim.array.periphery import CellEnergies, load_periphery
from mramcim.errors import InputError
from mramcim.experiments.design import DesignContext
from mramcim.experiments.verify_design import verify_design

pytestmark = pytest.mark.ngspice


def _context(tech):
    rng = np.random.default_rng(0)
    w1 = rng.choice(np.array([-1, 1], dtype=np.int8), size=(40, 16))
    w2 = rng.choice(np.array([-1, 1], dtype=np.int8), size=(16, 10))
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=(12, 40))
    y = rng.integers(0, 10, size=12)
    energies = CellEnergies(
        {"half": 2e-16, "conventional": 2e-16}, 2e-14, 2e-14, 0.1, 1.0, 1e-9, 0.85e-9, 1.3e-10, "test"
    )
    return DesignContext(tech, {"tgbnn": (w1, w2)}, x, y, energies, load_periphery(), "synthetic", {"tgbnn": "random"})


@pytest.mark.parametrize(("scheme", "mapping"), [("half", "hierarchical"), ("conventional", "adc")])
def test_spice_and_behavioural_agree(tech, scheme, mapping):
    point = {"scheme": scheme, "mapping": mapping, "rows": 16, "cols": 8, "ra_ohm_m2": 1.3e-10}
    result = verify_design(point, _context(tech), n_images=3)
    assert result["n_images"] == 3
    assert result["activation_mismatches"] == 0
    assert result["max_current_rel_diff"] <= 1e-6
    assert result["accuracy_spice"] == result["accuracy_behavioural"]
    assert result["images_per_minute"] > 0


@pytest.mark.vacask
@pytest.mark.parametrize(("scheme", "mapping"), [("conventional", "hierarchical"), ("half", "hierarchical")])
def test_vacask_and_behavioural_agree(tech, scheme, mapping):
    point = {"scheme": scheme, "mapping": mapping, "rows": 16, "cols": 8, "ra_ohm_m2": 1.3e-10}
    result = verify_design(point, _context(tech), n_images=4, simulator="vacask")
    assert result["n_images"] == 4
    assert result["simulator"] == "vacask"
    assert result["activation_mismatches"] == 0
    assert result["max_current_rel_diff"] <= 1e-6
    assert result["accuracy_spice"] == result["accuracy_behavioural"]
    assert result["images_per_minute"] > 0


@pytest.mark.vacask
def test_vacask_transfer_equals_direct_operating_points(tech):
    """The transfer method's currents (unit excitations + superposition) are VACASK's direct ones."""
    point = {"scheme": "conventional", "mapping": "hierarchical", "rows": 16, "cols": 8, "ra_ohm_m2": 1.3e-10}
    context = _context(tech)
    direct = verify_design(point, context, n_images=6, simulator="vacask")
    transfer = verify_design(point, context, n_images=6, simulator="vacask", method="transfer", check_images=2)
    assert transfer["method"] == "transfer"
    assert transfer["unit_excitations"] > 0
    assert transfer["transfer_check_images"] == 2
    assert transfer["transfer_check_rel_diff"] <= 1e-9
    assert transfer["activation_mismatches"] == 0
    assert transfer["max_current_rel_diff"] <= 1e-6
    assert transfer["accuracy_spice"] == direct["accuracy_spice"] == transfer["accuracy_behavioural"]


@pytest.mark.vacask
def test_transfer_method_refuses_half_size_and_ngspice(tech):
    point = {"scheme": "half", "mapping": "hierarchical", "rows": 16, "cols": 8, "ra_ohm_m2": 1.3e-10}
    with pytest.raises(InputError, match="needs --simulator vacask"):
        verify_design(point, _context(tech), n_images=2, method="transfer")
    with pytest.raises(InputError, match="differ only in their sources"):
        verify_design(point, _context(tech), n_images=2, simulator="vacask", method="transfer")
