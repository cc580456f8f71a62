"""Issue 16 without ngspice: the write-path rise time and the SOT calibration table."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import expm

from mramcim.device.sotcal import (
    SotCalibration,
    SotSwitching,
    cloglog_p,
    fit_cloglog,
    fit_cloglog_shift,
    fit_table,
    load_sot_calibration,
    sot_switching,
)
from mramcim.device.writepath import write_path_ladder, write_path_rise
from mramcim.errors import InputError
from mramcim.tech import derive, override


# ----------------------------------------------------------------------------- write path
def test_write_path_elmore_matches_the_step_response(tech):
    """The Elmore delay of the strip current equals the time integral of 1 - i(t)/i_final of the
    ladder's exact step response (eigenmodes of the nodal equations, checked against expm)."""
    t = override(tech, write_driver={"line_cells": 32, "r_out_ohm": 2000.0}, wires={"c_bl_f": 1e-15})
    g, cap, b, e = write_path_ladder(t)
    g = g.toarray()
    v_final = np.linalg.solve(g, b)
    lam, q = np.linalg.eigh(g / np.sqrt(np.outer(cap, cap)))  # C dv/dt = -G (v - v_final)
    coef = q.T @ (np.sqrt(cap) * v_final)
    times = np.linspace(0, 40 * write_path_rise(t).elmore_s, 4001)
    decay = (q * (1 / np.sqrt(cap))[:, None]) @ (coef[:, None] * np.exp(-lam[:, None] * times[None, :]))
    resp = 1 - (e @ decay) / (e @ v_final)
    assert np.allclose(decay[:, 0], v_final)  # v(0) = 0
    exact = e @ (v_final - expm(-np.diag(1 / cap) @ g * times[50]) @ v_final) / (e @ v_final)
    assert abs(exact - resp[50]) < 1e-9
    assert write_path_rise(t).elmore_s == pytest.approx(np.trapezoid(1 - resp, times), rel=0.01)


def test_write_path_rise_grows_with_the_line(tech):
    rises = [write_path_rise(override(tech, write_driver={"line_cells": n})).rise_s for n in (16, 1024, 4096)]
    assert rises[0] < rises[1] < rises[2]
    assert rises[0] == pytest.approx(tech.write_driver.t_edge_s / 0.8, rel=0.05)  # short line: the driver's edge
    assert rises[1] == pytest.approx(47.4e-12, rel=0.01)  # the default write path (docs/physics.md sec. 4)


# ----------------------------------------------------------------------------- calibration table
def _synthetic(tech, a=-1.0, b=12.0, trials=400, seed=0):
    cur = np.linspace(150e-6, 260e-6, 8)
    i_ref = derive(tech).i_sot_critical_a
    x = cur / i_ref - 1
    rng = np.random.default_rng(seed)
    k = np.stack([[rng.binomial(trials, cloglog_p(a + dr + b * x)) for dr in (0.0, -1.0)] for _ in (0, 1)])
    return fit_table(
        cur, np.array([2e-9, 10e-9]), np.array([50e-12, 200e-12]), trials, k,
        i_ref_a=i_ref, tech=tech, build={"technology": tech.name, "seed": seed},
    )  # fmt: skip


def test_cloglog_fit_recovers_its_parameters():
    x = np.linspace(-0.4, 0.2, 9)
    k = np.random.default_rng(1).binomial(2000, cloglog_p(-1.0 + 12.0 * x))
    a, b, dev = fit_cloglog(x, k, 2000)
    assert a == pytest.approx(-1.0, abs=0.1) and b == pytest.approx(12.0, rel=0.05)
    assert dev < 25  # chi-square with 7 dof: P(> 25) < 1e-3


def test_shift_fit_recovers_the_area_slope():
    """Three device variants (area scales 0.92, 1, 1.08) with a known intercept shift c = -4."""
    x = np.tile(np.linspace(-0.3, 0.0, 6), 3)
    s = np.repeat([0.92, 1.0, 1.08], 6)
    k = np.random.default_rng(2).binomial(4000, cloglog_p(-0.5 - 4.0 * (s - 1) + 10.0 * x))
    a, b, c = fit_cloglog_shift(x, s, k, np.full(k.shape, 4000))
    assert a == pytest.approx(-0.5, abs=0.05) and b == pytest.approx(10.0, rel=0.05) and c == pytest.approx(-4, abs=0.5)


def test_table_is_monotone_and_inverts(tech):
    cal = _synthetic(tech)
    cur = np.linspace(cal.currents_a[0], cal.currents_a[-1], 200)
    for w in (2e-9, 4e-9, 10e-9):
        for r in (50e-12, 120e-12, 200e-12):
            p = cal.p_switch(cur, w, r)
            assert np.all(np.diff(p) > 0)
            target = float(p[100])
            assert cal.current_for_probability(target, w, r) == pytest.approx(cur[100], rel=1e-9)


def test_table_refuses_outside_the_calibrated_box(tech):
    cal = _synthetic(tech)
    with pytest.raises(InputError, match="current .* outside"):
        cal.p_switch(100e-6, 2e-9, 50e-12)
    with pytest.raises(InputError, match=r"width 20 ns outside 2..10 ns \(calibrated: 2, 10 ns\)"):
        cal.p_switch(200e-6, 20e-9, 50e-12)
    with pytest.raises(InputError, match="rise 30 ps outside"):
        cal.p_switch(200e-6, 2e-9, 30e-12)
    with pytest.raises(InputError, match="does not extrapolate"):
        cal.current_for_probability(1e-12, 2e-9, 50e-12)
    with pytest.raises(InputError, match="was built for device"):
        cal.check_technology(override(tech, temperature_k=350.0))


def test_prediction_interval_merge_and_consistency(tech):
    """The table's interval narrows as trials are pooled (sqrt(2) for twice the trials); a fresh
    sample drawn from the table's own law is consistent with it (|z| small)."""
    one = _synthetic(tech, trials=100, seed=1)
    two = _synthetic(tech, trials=100, seed=2)
    both = one.merged(two)
    assert both.trials == 200 and np.array_equal(both.switched, one.switched + two.switched)
    assert both.build["seeds"] == [1, 2]
    lo1, hi1 = one.p_interval(205e-6, 2e-9, 50e-12)
    lo2, hi2 = both.p_interval(205e-6, 2e-9, 50e-12)
    assert lo1 < float(one.p_switch(205e-6, 2e-9, 50e-12)) < hi1
    assert (hi2 - lo2) / (hi1 - lo1) == pytest.approx(1 / math.sqrt(2), rel=0.2)
    with pytest.raises(InputError, match="same seed"):
        one.merged(one)
    p = float(both.p_switch(205e-6, 2e-9, 50e-12))
    assert abs(both.consistency_z(205e-6, 2e-9, 50e-12, round(p * 1000), 1000)) < 1
    assert both.consistency_z(205e-6, 2e-9, 50e-12, 1000, 1000) > 5


def test_area_shift_moves_the_cells(tech):
    cal = _synthetic(tech).with_variation({"area_slope": -5.0, "area_slope_se": 1.0})
    model = SotSwitching(cal, 60e-12)
    cells = model.cell_probabilities(200e-6, 10e-9)(np.array([0.9, 1.0, 1.1]))
    nominal = float(model.p_switch(200e-6, 10e-9))
    assert cells[1] == pytest.approx(nominal) and cells[0] > nominal > cells[2]  # bigger cells switch less
    assert float(model.p_switch(200e-6, 10e-9, 1.1)) == pytest.approx(cells[2])
    plain = SotSwitching(_synthetic(tech), 60e-12)
    assert np.allclose(plain.cell_probabilities(200e-6, 10e-9)(np.array([0.9, 1.1])), nominal)


def test_table_json_round_trip(tech, tmp_path):
    cal = _synthetic(tech).with_variation({"area_slope": -2.0, "area_slope_se": 0.5})
    path = cal.save(tmp_path / "cal.json")
    back = load_sot_calibration(tech, path)
    assert np.array_equal(back.switched, cal.switched) and back.area_slope == -2.0
    assert back.p_switch(200e-6, 5e-9, 80e-12) == pytest.approx(cal.p_switch(200e-6, 5e-9, 80e-12))
    assert back.wilson().shape == (*cal.switched.shape, 2)
    with pytest.raises(InputError, match="not an SOT calibration"):
        SotCalibration.from_json({"format": "x"}, "f.json")


def test_default_calibration_serves_the_default_technology(tech):
    """The packaged table loads for the default technology at its write-path rise time, is monotone
    in current everywhere it is calibrated, and reaches the flip probabilities TGBNN schedules."""
    model = sot_switching(tech)
    cal = model.calibration
    assert cal.temperature_k == tech.temperature_k
    assert cal.rises_s[0] <= model.rise_s <= cal.rises_s[-1]
    assert model.rise_s == pytest.approx(write_path_rise(tech).rise_s)
    assert np.all(cal.b > 0) and cal.trials >= 64
    for p in (1e-3, 0.03, 0.5):
        current = model.current_for_probability(p, 10e-9)
        assert float(model.p_switch(current, 10e-9)) == pytest.approx(p, rel=1e-6)
    with pytest.raises(InputError, match="was built for device"):
        load_sot_calibration(override(tech, sot={"dl_efficiency": 0.2}))
