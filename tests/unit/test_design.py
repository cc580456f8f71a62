"""evaluate_design on a small synthetic context: JSON in and out, deterministic for a seed,
invalid points refused, the breakdowns add up, and the software accuracy is the weights'."""

import json

import numpy as np
import pytest

from mramcim.array.periphery import CellEnergies, adder_energy_j, load_periphery
from mramcim.errors import MramcimError
from mramcim.experiments.design import DesignContext, DesignPoint, evaluate_design


@pytest.fixture(scope="module")
def context():
    from mramcim.tech import load_tech

    rng = np.random.default_rng(0)
    w1 = rng.choice(np.array([-1, 1], dtype=np.int8), size=(48, 16))
    w2 = rng.choice(np.array([-1, 1], dtype=np.int8), size=(16, 10))
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=(30, 48))
    y = rng.integers(0, 10, size=30)
    energies = CellEnergies(
        {"half": 2e-16, "conventional": 2e-16}, 2e-14, 2e-14, 0.1, 1.0, 1e-9, 0.85e-9, 1.3e-10, "test"
    )
    weights = {"tgbnn": (w1, w2), "bnn": (w1, -w2)}
    return DesignContext(load_tech(), weights, x, y, energies, load_periphery(), "synthetic", {"tgbnn": "", "bnn": ""})


@pytest.mark.parametrize(
    "point",
    [
        {"scheme": "half", "mapping": "hierarchical", "rows": 16, "cols": 8, "n_images": 5},
        {"scheme": "conventional", "mapping": "adc", "rows": 16, "cols": 8, "adc_bits": 3, "n_images": 5},
        {"scheme": "half", "mapping": "single", "cols": 8, "n_images": 5, "weights": "bnn"},
    ],
)
def test_evaluate_design_is_json_and_deterministic(context, point):
    a = evaluate_design(point, context)
    b = evaluate_design(json.loads(json.dumps(point)), context)
    json.dumps(a)
    for key in ("accuracy", "energy_j", "area", "latency_s", "toggle"):
        assert a[key] == b[key]
    e = a["energy_j"]
    assert e["total"] == pytest.approx(sum(v for k, v in e.items() if k != "total"))
    assert a["area"]["m2"]["total"] == pytest.approx(sum(v for k, v in a["area"]["m2"].items() if k != "total"))
    assert a["latency_s"]["total"] > 0 and a["area"]["f2"]["total"] > 0
    if point["scheme"] == "conventional":
        assert e["vcma_toggle"] == 0.0
    if point["mapping"] == "adc":
        assert e["adc"] > 0 and e["sense"] == 0.0
    assert 0.0 <= a["accuracy"]["hardware"] <= 1.0


def test_invalid_points_are_refused(context):
    for bad in (
        {"mapping": "analog"},
        {"rows": 2},
        {"v_read_v": 2.0},
        {"adc_bits": 4},
        {"bogus": 1},
        {"mapping": "adc", "rows": 15, "adc_bits": 6},
        {"weights": "float"},
    ):
        with pytest.raises(MramcimError):
            evaluate_design(bad, context)
    assert DesignPoint().mapping == "hierarchical"


def test_periphery_table_has_its_sources():
    table = load_periphery()
    assert table.node_nm == 45
    assert "NeuroSim" in table.sources["sar_adc"] and "Horowitz" in table.sources["adder"]
    assert table.adc_energy_j(7) > table.adc_energy_j(1) > table.sa_energy_j() > 0
    assert adder_energy_j(table, 8) == pytest.approx(0.03e-12) and adder_energy_j(table, 32) == pytest.approx(0.1e-12)
