"""The MTJ sigmoid neuron: closed-form steady state, and the ngspice LLG model against it."""

import numpy as np
import pytest

from mramcim.characterize.neuron import _sweep, characterize_neuron
from mramcim.device.neuron import NeuronModel, steady_mz
from mramcim.errors import ConfigError
from mramcim.tech import MU0, override


def test_closed_form_limits(tech):
    n = tech.neuron
    model = NeuronModel.from_tech(tech)
    assert model.kappa_t_per_a == pytest.approx(MU0 / (2 * n.loop_radius_m))
    b = np.linspace(-0.2, 0.2, 41)
    # no perpendicular anisotropy: m follows the total field (bx, 0, b) exactly
    assert np.allclose(steady_mz(b, 0.02, 0.0), b / np.hypot(b, 0.02), atol=1e-12)
    mz = steady_mz(b, n.bias_field_t, n.anisotropy_field_t)
    mx = np.sqrt(1 - mz**2)
    assert np.allclose(b, mz * (n.bias_field_t / mx - n.anisotropy_field_t), atol=1e-12)  # torque balance
    assert np.all(np.diff(mz) > 0) and np.allclose(mz, -mz[::-1])


def test_slope_from_in_plane_readout_is_the_derivative(tech):
    for bk in (-0.02, 0.0, 0.01):  # easy plane, none, perpendicular (still monostable)
        model = NeuronModel(0.02, bk, 12.0)
        i = np.linspace(-8e-3, 8e-3, 33)
        h = 1e-7
        numeric = (model.activation(i + h) - model.activation(i - h)) / (2 * h)
        assert np.allclose(model.slope_from_mx(np.sqrt(1 - model.mz(i) ** 2)), numeric, rtol=1e-5)


def test_bistable_neuron_is_refused(tech):
    with pytest.raises(ConfigError, match="bistable"):
        override(tech, neuron={"anisotropy_field_t": 0.03})


@pytest.mark.ngspice
def test_llg_neuron_settles_on_the_closed_form_and_fit_recovers_the_design(tech):
    currents = np.linspace(-8e-3, 8e-3, 9)
    res = characterize_neuron(tech, currents)
    assert res["max_abs_mz_error"] < 1e-4
    assert res["fit"]["bx_t"] == pytest.approx(tech.neuron.bias_field_t, rel=1e-3)
    assert res["fit"]["bk_t"] == pytest.approx(tech.neuron.anisotropy_field_t, rel=1e-3)
    assert np.allclose(res["my"], 0, atol=1e-4)  # settled in the x-z plane
    sigma = np.asarray(res["activation"])
    # sigmoid: bounded, increasing, point-symmetric about (0, 1/2)
    assert np.all((sigma > 0) & (sigma < 1)) and np.all(np.diff(sigma) > 0)
    assert np.allclose(sigma + sigma[::-1], 1, atol=1e-6)
    r_z = np.asarray(res["r_z_ohm"])
    assert np.all(np.diff(r_z) < 0)  # parallel to the perpendicular polarizer = low resistance
    r_x = np.asarray(res["r_x_ohm"])
    assert r_x[4] == pytest.approx(r_x.min()) and np.allclose(r_x, r_x[::-1], rtol=1e-6)
    assert np.all(np.diff(res["energy_j"][4:]) > 0)


@pytest.mark.ngspice
def test_llg_in_plane_readout_gives_the_slope_of_the_perpendicular_readout(tech):
    """Central differences of simulated activations agree with the slope read from mx."""
    delta = 2e-5
    centres = np.array([0.0, 2e-3, 5e-3])
    currents = np.sort(np.concatenate([centres - delta, centres, centres + delta]))
    sim = _sweep(tech, currents, thermal=False, seed=1)
    model = NeuronModel.from_tech(tech)
    for c in centres:
        k = int(np.argmin(np.abs(currents - c)))
        numeric = (sim["sigma_z"][k + 1] - sim["sigma_z"][k - 1]) / (currents[k + 1] - currents[k - 1])
        readout = model.slope_from_mx(2 * sim["sigma_x"][k] - 1)
        assert readout == pytest.approx(numeric, rel=5e-3)


@pytest.mark.ngspice
def test_thermal_field_adds_readout_noise(tech):
    res = characterize_neuron(tech, [-3e-3, 0.0, 3e-3], trials=3, seed=5)
    nz = res["noise"]
    assert all(s > 0 for s in nz["sigma_z_std"])
    assert np.allclose(nz["sigma_z_mean"], res["activation"], atol=0.1)


@pytest.mark.ngspice
def test_a_neuron_that_has_not_settled_is_reported(tech, monkeypatch):
    import mramcim.characterize.neuron as neuron
    from mramcim.errors import ExtractionError

    monkeypatch.setattr(neuron, "settle_time_s", lambda t: 1e-9)  # far shorter than the ~30 ns it needs
    with pytest.raises(ExtractionError, match="did not settle"):
        neuron._sweep(tech, np.array([-4e-3, 0.0, 4e-3]), thermal=False, seed=1)
