"""The second engine: the Verilog-A MTJ in VACASK against the B-source MTJ in ngspice, on the same
testbenches rendered from the same numbers. Real simulators on both sides, never mocked.

Tolerances (measured residuals in docs/vacask.md):
- read currents: 1e-3 relative. Each engine integrates the toggled state with its own local
  truncation-error control at reltol 1e-3; against a tight reference (reltol 1e-6, 1 ps steps) the
  XNOR cell's toggled read current is off by 1.6e-3 (ngspice) and 1.2e-3 (VACASK) at their default
  settings, and the two engines differ by 4.6e-4;
- waveforms: |mz| within 0.01 on a common time grid (linear interpolation between the engines'
  own time points alone differs by ~5e-4 on a 0.56 GHz precession sampled every 18 ps);
- switching: identical outcome (sign of the settled mz), settled mz within 0.02, first equator
  crossing within one maximum time step (20 ps);
- drive energies: 2e-3 relative (they integrate V i through the toggle; measured up to 1.1e-3).
"""

from __future__ import annotations

import dataclasses
import math
import shutil
import subprocess
import time

import numpy as np
import pytest

from mramcim.array.mac import run_mac
from mramcim.characterize.montecarlo import run_points
from mramcim.characterize.mtj import _polarity, _settled_point
from mramcim.circuit.dcsolve import solve_dc
from mramcim.circuit.extract import zero_crossings
from mramcim.circuit.flows import verify_xnor
from mramcim.circuit.netlist import render_array, render_mtj_trials
from mramcim.circuit.readnet import build_network
from mramcim.circuit.sim import run_deck
from mramcim.circuit.vacask import run_deck as run_vacask
from mramcim.circuit.vamodel import thermal_field
from mramcim.circuit.vanetlist import device_seeds, render_mtj_trials_vacask
from mramcim.tech import KB, MU0, derive, override

pytestmark = [pytest.mark.vacask, pytest.mark.ngspice]
READ_RTOL = 1e-3
ENERGY_RTOL = 2e-3  # drive energy integrates V i over the toggle: measured up to 1.1e-3


def test_precession_period_agrees(tech):
    """VCMA at Vc cancels the anisotropy: free precession about the 20 mT bias field."""
    d = derive(tech)
    drive = [(0.0, d.v_critical_v), (1.0, d.v_critical_v)]
    kw = dict(kind="vcma", drive=drive, trials=1, m0=1, t_stop=3 / 0.5601e9, seed=1, thermal=False)
    ng = run_deck(render_mtj_trials(tech, **kw).text)
    vc = run_vacask(render_mtj_trials_vacask(tech, **kw).text)
    half_ng = np.mean(np.diff(zero_crossings(ng["time"], ng["v(xd0.mz)"])))
    half_vc = np.mean(np.diff(zero_crossings(vc["time"], vc["v(xd0.mz)"])))
    assert half_vc == pytest.approx(half_ng, rel=1e-4)
    assert half_vc == pytest.approx(d.half_period_s, rel=2e-3)  # pi (1 + alpha^2)/(gamma Bx)
    mz_vc = np.interp(ng["time"], vc["time"], vc["v(xd0.mz)"])
    assert np.max(np.abs(mz_vc - ng["v(xd0.mz)"])) < 0.01
    assert vc["i(vdrive)"][-1] == pytest.approx(ng["i(vdrive)"][-1], rel=READ_RTOL, abs=0)


def _points(tech):
    half = derive(tech).half_period_s
    vcma = [(1.0, 0.95 * half), (1.1, 0.8e-9), (1.0, 2.0 * half), (0.5, 0.9e-9)]  # toggle, toggle, return, too weak
    # 1 ns at T = 0 switches from ~180 uA (docs/physics.md sec. 4): below threshold; P -> AP; AP -> P
    sot = [(150e-6, 1), (250e-6, 1), (250e-6, -1)]
    pts = [dataclasses.replace(_settled_point(tech, "vcma", v, w, 1, 1), thermal=False) for v, w in vcma]
    pts += [
        dataclasses.replace(_settled_point(tech, "sot", _polarity("sot", m0) * i, 1e-9, 1, m0), thermal=False)
        for i, m0 in sot
    ]
    return pts


def test_toggle_and_sot_switching_agree_at_zero_temperature(tech):
    pts = _points(tech)
    ng, vc = run_points(tech, pts, seed=1), run_points(tech, pts, seed=1, simulator="vacask")
    switched = [bool(r.switched[0]) for r in ng]
    assert switched == [True, True, False, False, False, True, True]  # the points probe both outcomes
    for p, a, b in zip(pts, vc, ng, strict=True):
        assert bool(a.switched[0]) == bool(b.switched[0]), p
        assert abs(a.final_mz[0] - b.final_mz[0]) < 0.02, p
        assert np.isnan(a.t_cross[0]) == np.isnan(b.t_cross[0]), p
        if not np.isnan(b.t_cross[0]):
            assert abs(a.t_cross[0] - b.t_cross[0]) < tech.simulation.t_step_s, p
        assert a.energy_j[0] == pytest.approx(b.energy_j[0], rel=ENERGY_RTOL, abs=0), p


def test_xnor_cell_read_currents_agree(tech):
    ng, vc = verify_xnor(tech), verify_xnor(tech, simulator="vacask")
    for a, b in zip(vc.cases, ng.cases, strict=True):
        assert a.passed and b.passed
        assert (a.sensed, a.restored_weight, a.verify_read) == (b.sensed, b.restored_weight, b.verify_read)
        assert a.read_current_a == pytest.approx(b.read_current_a, rel=READ_RTOL, abs=0)
        assert a.mtj_resistance_ohm == pytest.approx(b.mtj_resistance_ohm, rel=READ_RTOL, abs=0)


def test_64x8_half_size_mesh_array_agrees(tech):
    rng = np.random.default_rng(0)
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(64, 8))
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=64)
    ng, vc = run_mac(tech, w, x, "half", "mesh"), run_mac(tech, w, x, "half", "mesh", simulator="vacask")
    assert ng.weights_not_restored == vc.weights_not_restored == 0
    i_ng = np.array([c.current_a for c in ng.columns])
    i_vc = np.array([c.current_a for c in vc.columns])
    assert np.max(np.abs(i_vc / i_ng - 1)) <= READ_RTOL
    assert [c.sensed for c in vc.columns] == [c.sensed for c in ng.columns]
    assert vc.energy_j["mac"] == pytest.approx(ng.energy_j["mac"], rel=ENERGY_RTOL, abs=0)


@pytest.mark.parametrize("scheme", ["half", "conventional"])
@pytest.mark.parametrize("parasitics", ["none", "lumped", "mesh"])
def test_vacask_operating_point_equals_scipy(tech, scheme, parasitics):
    rng = np.random.default_rng(1)
    rows, cols, v = 48, 12, tech.operation.v_read_v
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(rows, cols))
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=rows)
    if scheme == "half":
        net = build_network(
            tech, {"rl": x[:, None] * w}, {"rl": np.full(rows, v)}, scheme=scheme, parasitics=parasitics
        )
    else:
        net = build_network(
            tech,
            {"rla": w, "rlb": -w},
            {"rla": np.where(x > 0, v, 0.0), "rlb": np.where(x < 0, v, 0.0)},
            scheme=scheme,
            parasitics=parasitics,
        )
    scipy, vacask = solve_dc(net, "scipy").sense_a, solve_dc(net, "vacask").sense_a
    assert np.max(np.abs(vacask / scipy - 1)) <= 1e-6


@pytest.mark.parametrize("scheme", ["half", "conventional"])
@pytest.mark.parametrize("parasitics", ["none", "lumped"])
def test_small_arrays_agree_in_every_wiring(tech, scheme, parasitics):
    rng = np.random.default_rng(2)
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(12, 3))
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=12)
    ng, vc = run_mac(tech, w, x, scheme, parasitics), run_mac(tech, w, x, scheme, parasitics, simulator="vacask")
    assert ng.weights_not_restored == vc.weights_not_restored == 0
    for a, b in zip(vc.columns, ng.columns, strict=True):
        assert a.sensed == b.sensed
        assert a.current_a == pytest.approx(b.current_a, rel=READ_RTOL, abs=0)


@pytest.mark.skipif(shutil.which("ngspice") is None, reason="the ngspice program is not installed")
def test_plain_ngspice_batch_run_of_a_written_deck_exits_zero(tech, tmp_path):
    deck = render_array(
        tech, np.ones((4, 2), dtype=np.int8), np.array([1, -1, 1, -1], dtype=np.int8), parasitics="mesh"
    )
    path = tmp_path / "sop.cir"
    path.write_text(deck.text)
    proc = subprocess.run(["ngspice", "-b", str(path)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "icol1" in proc.stdout


def test_thermal_field_draws_equal_the_numpy_reference(tech):
    """The compiled generator is the documented one, value for value, and independent per device."""
    text = render_mtj_trials_vacask(tech, kind="idle", drive=[], trials=2, m0=1, t_stop=0.2e-9, seed=7)
    saves = "".join(f'  save p("xd{k}", "th{a}")\n' for k in range(2) for a in "xyz")
    assert "  analysis tran1" in text.text
    res = run_vacask(text.text.replace("  analysis tran1", saves + "  analysis tran1"))
    dt, sigma = tech.thermal.noise_step_s, float(text.text.split("th_sigma=")[1].split()[0])
    for k, seed in enumerate(device_seeds(7, 2)):
        for axis, a in enumerate("xyz"):
            ref = thermal_field(seed, axis, res["time"], dt, sigma)
            assert np.max(np.abs(res[f"@xd{k}[th{a}]"] - ref)) <= 1e-12 * sigma
    assert np.corrcoef(res["@xd0[thx]"], res["@xd1[thx]"])[0, 1] < 0.5


def test_vacask_thermal_field_gives_equipartition(tech):
    """<my^2> = 1/(2 Delta) with the Verilog-A model's own generator, on the ngspice test's device
    (tests/physics/test_mtj_physics.py: Delta = 30, alpha = 0.3, Bk = 0.5 T, negligible bias field).

    On this stiff device (precession x noise step = 0.44 rad) the linearly interpolated field gives
    2 Delta <m_perp^2> = 0.94 and held samples 0.97 (numpy RK4, 64 devices x 40 ns, either
    generator); for the default device the two differ by 0.1 %. 16 devices x 20 ns: +-0.03."""
    m, delta, bk = tech.mtj, 30.0, 0.5
    keff = bk * m.ms_a_per_m / 2
    ki0 = (keff + 0.5 * MU0 * m.ms_a_per_m**2 * m.demag_nz_minus_nx) * m.t_free_m
    diameter = 2 * math.sqrt(delta * KB * tech.temperature_k / keff / m.t_free_m / math.pi)
    dev = override(
        tech,
        mtj={
            "ki0_j_per_m2": ki0,
            "diameter_m": diameter,
            "alpha": 0.3,
            "bias_field_t": 1e-4,
            "ra_ohm_m2": 1e-12,
            "vcma_j_per_v_m": 1e-18,
        },
    )
    deck = render_mtj_trials_vacask(
        dev, kind="idle", drive=[], trials=16, m0=1, t_stop=20e-9, seed=11, save_transverse=True
    )
    res = run_vacask(deck.text)
    t = res["time"]
    keep = t > 1e-9
    dt = np.gradient(t)[keep]
    for axis in ("mx", "my"):
        m2 = np.mean([np.sum(res[f"v(xd{k}.{axis})"][keep] ** 2 * dt) / dt.sum() for k in range(16)])
        assert 2 * derive(dev).delta0 * m2 == pytest.approx(1.0, abs=0.1), axis


def test_vacask_errors_name_the_deck():
    from mramcim.errors import SimulationError

    bad = (
        'bad\nground 0\nload "resistor.osdi"\nmodel r resistor\nr1 (a 0) nosuch r=1\ncontrol\n  analysis op1 op\nendc\n'
    )
    with pytest.raises(SimulationError, match=r"(?s)bad\.sim: VACASK failed.*nosuch"):
        run_vacask(bad, name="bad.sim", timeout_s=60)


def test_vacask_timeout_kills_the_run(tech):
    from mramcim.errors import SimulationError

    deck = render_mtj_trials_vacask(tech, kind="idle", drive=[], trials=64, m0=1, t_stop=200e-9, seed=3)
    start = time.perf_counter()
    with pytest.raises(SimulationError, match="did not finish within 0.5 s"):
        run_vacask(deck.text, name="slow", timeout_s=0.5)
    assert time.perf_counter() - start < 10  # killed and reaped, not waited for


def test_vacask_monte_carlo_is_reproducible_whatever_the_workers(tech):
    point = _settled_point(tech, "sot", -300e-6, 2e-9, 12, 1)
    one = run_points(tech, [point], seed=4, workers=1, chunk=6, simulator="vacask")[0]
    two = run_points(tech, [point], seed=4, workers=2, chunk=6, simulator="vacask")[0]
    assert np.array_equal(one.final_mz, two.final_mz)
    assert np.array_equal(one.t_cross, two.t_cross, equal_nan=True)
    assert len(set(np.round(one.final_mz, 6))) == 12  # every device has its own thermal field


def test_thermal_sot_switching_statistics_agree(tech):
    """300 K, 290 uA for 2 ns from P: the engines draw different random fields, so only the
    switching probability is compared (95 % Wilson intervals overlap)."""
    from mramcim.characterize.mtj import McOptions, switch_sweep

    ng = switch_sweep(tech, "sot", [290e-6], [2e-9], 48, 1, McOptions(seed=1, workers=1))["points"][0][0]
    pts = [_settled_point(tech, "sot", -290e-6, 2e-9, 48, 1)]
    vc = run_points(tech, pts, seed=1, workers=1, simulator="vacask")[0].summary()
    assert ng["ci95"][0] <= vc["ci95"][1] and vc["ci95"][0] <= ng["ci95"][1], (ng, vc)
    assert vc["energy_j"] == pytest.approx(ng["energy_j"], rel=0.02)


def test_cli_transient_paths_run_in_vacask(run_cli, tmp_path):
    import json

    proc = run_cli("verify", "xnor", "--simulator", "vacask", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["passed"]
    proc = run_cli("mac", "--rows", "8", "--cols", "2", "--analysis", "tran", "--simulator", "vacask", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["simulator"] == "vacask" and report["weights_not_restored"] == 0
    proc = run_cli("mtj", "precession", "--simulator", "vacask", "--out", "prec", "--json")
    assert proc.returncode == 0, proc.stderr
    assert abs(json.loads(proc.stdout)["relative_error"]) < 2e-3
    proc = run_cli("gen-array", "--rows", "6", "--cols", "2", "--format", "vacask", "-o", "vc/sop.sim")
    assert proc.returncode == 1 and "--bitline flat --no-replica" in proc.stderr  # flat bit lines only
    flat = ("--bitline", "flat", "--no-replica")
    proc = run_cli("gen-array", "--rows", "6", "--cols", "2", *flat, "--format", "vacask", "-o", "vc/sop.sim")
    assert proc.returncode == 0, proc.stderr
    assert {p.name for p in (tmp_path / "vc").iterdir()} == {"sop.sim", "sop_tiles.osdi", "sense_cmp.osdi"}
