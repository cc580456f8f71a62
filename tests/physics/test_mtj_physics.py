"""The LLG model in ngspice against closed-form physics (PHYSICS.md sec. 4).

Statistical tests use fixed seeds (identical results on every run) and trial counts whose
binomial/exponential errors sit well inside the tolerances; heavy sweeps live in the docs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from mramcim.characterize.montecarlo import Point, run_points
from mramcim.characterize.mtj import (
    McOptions,
    first_passage,
    precession,
    switch_sweep,
    toggle_sweep,
)
from mramcim.circuit.netlist import render_mtj_trials
from mramcim.circuit.sim import run_deck
from mramcim.device.switching import (
    analytic_law,
    fit_thermal_activation,
    relaxation_time,
)
from mramcim.tech import GAMMA, KB, MU0, derive, override

pytestmark = pytest.mark.ngspice
MC = McOptions(seed=1, workers=2)


def fast_device(tech, delta=15.0, alpha=0.3, bk=0.5, bx=1e-4):
    """A small, strongly damped, nearly axially symmetric STT test device: nanosecond escape
    times at Delta = 15, low RA and negligible VCMA so that the drive current only gives STT."""
    m = tech.mtj
    keff = bk * m.ms_a_per_m / 2
    ki0 = (keff + 0.5 * MU0 * m.ms_a_per_m**2 * m.demag_nz_minus_nx) * m.t_free_m
    diameter = 2 * math.sqrt(delta * KB * tech.temperature_k / keff / m.t_free_m / math.pi)
    return override(
        tech,
        mtj={
            "ki0_j_per_m2": ki0,
            "diameter_m": diameter,
            "alpha": alpha,
            "bias_field_t": bx,
            "ra_ohm_m2": 1e-12,
            "vcma_j_per_v_m": 1e-18,
        },
    )


@pytest.mark.parametrize("field_t", [0.02, 0.04, 0.05])
def test_precession_frequency_matches_larmor(tech, field_t):
    """50 mT needs a step finer than the technology's: the step is chosen from the field."""
    res = precession(tech, field_t)
    assert res["frequency_theory_hz"] == pytest.approx(GAMMA * field_t / (2 * math.pi * (1 + tech.mtj.alpha**2)))
    assert abs(res["relative_error"]) < 0.02


def test_thermal_field_gives_equipartition(tech):
    """<my^2> = 1/(2 Delta): kB T/2 per transverse mode, the key check of the noise amplitude."""
    dev = fast_device(tech, delta=30.0)
    deck = render_mtj_trials(dev, kind="idle", drive=[], trials=8, m0=1, t_stop=10e-9, seed=11, save_transverse=True)
    res = run_deck(deck.text)
    t = res["time"]
    keep = t > 1e-9
    dt = np.gradient(t)[keep]
    for axis in ("mx", "my"):
        m2 = np.mean([np.sum(res[f"v(xd{k}.{axis})"][keep] ** 2 * dt) / dt.sum() for k in range(8)])
        assert 2 * derive(dev).delta0 * m2 == pytest.approx(1.0, abs=0.1), axis


def test_neel_brown_thermal_activation_recovers_delta_and_ic0(tech):
    """Mean switching times under DC STT below Ic0; the fitted Delta and Ic0 are within 10 %."""
    dev = fast_device(tech)
    d = derive(dev)
    currents = [d.i_stt_critical_a * x for x in (0.35, 0.45, 0.55, 0.65)]
    tau_theory = analytic_law(dev, "stt").tau_s(currents)
    fp = first_passage(dev, "stt", currents, list(1.5 * tau_theory), 64, 1, MC)
    assert all(n >= 40 for n in fp["switched"])
    taus = np.asarray(fp["tau_s"])
    assert np.all(np.diff(taus) < 0), "switching must speed up with current"
    law = fit_thermal_activation(dev, currents, fp["tau_s"], fp["switched"])
    assert law.delta == pytest.approx(d.delta0, rel=0.10)
    assert law.ic0_a == pytest.approx(d.i_stt_critical_a, rel=0.10)


def test_sun_precessional_switching_time(tech):
    """T = 0, I > Ic0: t_sw (I/Ic0 - 1) is constant over a decade and equals tD ln(pi/(2 theta0))."""
    dev = fast_device(tech)
    d = derive(dev)
    excess = [0.2, 0.5, 1.0, 2.0]
    points = [
        Point(
            "stt",
            ((0.0, d.i_stt_critical_a * (1 + e)), (1.0, d.i_stt_critical_a * (1 + e))),
            25 * relaxation_time(dev) / e,
            1,
            1,
            False,
        )
        for e in excess
    ]
    res = run_points(dev, points, seed=1)
    products = np.array([r.t_cross[0] * e for r, e in zip(res, excess, strict=True)])
    theta0 = math.asin(d.tilt_sin)
    sun = relaxation_time(dev) * math.log(math.pi / (2 * theta0))
    assert np.all(np.isfinite(products))
    assert products.max() / products.min() < 1.15
    assert np.mean(products) == pytest.approx(sun, rel=0.15)


def test_no_switching_at_zero_current(tech):
    """The default device (Delta ~ 42 under the bias field) stays put for 20 ns at 300 K."""
    assert derive(tech).delta_bias >= 40
    res = run_points(tech, [Point("idle", ((0.0, 0.0), (1.0, 0.0)), 20e-9, 16, m0) for m0 in (1, -1)], seed=3)
    for r in res:
        assert r.p_switch == 0.0
        assert not np.any(np.isfinite(r.t_cross))


def test_sot_switching_is_symmetric(tech):
    """P -> AP with -I and AP -> P with +I have the same statistics at zero field offset
    (175 uA, 2 ns: P_sw ~ 0.4 in the default calibration)."""
    p_ap = switch_sweep(tech, "sot", [175e-6], [2e-9], 32, 1, MC)["points"][0][0]
    ap_p = switch_sweep(tech, "sot", [175e-6], [2e-9], 32, -1, McOptions(seed=2, workers=2))["points"][0][0]
    assert 0.05 < p_ap["p"] < 0.95, "choose a current inside the stochastic range"
    assert p_ap["ci95"][0] <= ap_p["ci95"][1] and ap_p["ci95"][0] <= p_ap["ci95"][1]
    assert p_ap["energy_j"] == pytest.approx(ap_p["energy_j"], rel=1e-3)


def test_vcma_toggle_peaks_at_half_period(tech):
    half = derive(tech).half_period_s
    res = toggle_sweep(tech, [1.0], [0.45 * half, 0.95 * half, 1.5 * half], 16, MC)
    short, peak, long = res["p_toggle"][0]
    assert peak >= 0.9
    assert peak > short + 0.3 and peak > long + 0.3
