"""`mramcim mtj ...`: bad input gets one clear error and writes nothing; seeds reproduce."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mramcim.device.switching import SwitchingLaw, mean_switching_time, wilson_interval
from mramcim.errors import InputError
from mramcim.units import parse_values


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["mtj", "switch", "--width-ns", "-1"], "--width-ns must be positive"),
        (["mtj", "switch", "--current-ua", "-1"], "current must be >= 0"),
        (["mtj", "switch", "--trials", "0"], "at least 1"),
        (["mtj", "toggle", "--trials", "0"], "at least 1"),
        (["mtj", "toggle", "--width-ns", "a:b:3"], "cannot read"),
        (["mtj", "retention", "--temperature", "-5"], "temperature must be positive"),
        (["mtj", "precession", "--field-mT", "0"], "field must be positive"),
        (["mtj", "precession", "--field-mT", "50", "--t-step-ps", "20"], "does not resolve the precession at 50 mT"),
        (["mtj", "switch", "--mtj-model", "twostate", "--calibration", "missing.json"], "cannot read SOT calibration"),
        (["mtj", "switch", "--mtj-model", "twostate", "--width-ns", "20"], "width 20 ns outside 2..10 ns"),
        (["mtj", "switch", "--mtj-model", "twostate", "--zero-temperature"], "T = 0 needs --mtj-model llg"),
        (["mtj", "switch", "--mode", "stt", "--mtj-model", "twostate", "--calibration", "missing.json"], "cannot read"),
        (["mtj", "calibrate-sot", "--currents-ua", "100,200"], "at least 3"),
        (["mtj", "calibrate-sot", "--trials", "4"], "at least 8 trials"),
        (["mtj", "toggle", "--mtj-model", "twostate"], "needs an LLG toggle map"),
    ],
)
def test_bad_input_is_one_clear_error(run_cli, tmp_path, args, message):
    out = tmp_path / "out"
    proc = run_cli(*args, "--out", str(out))
    assert proc.returncode == 1
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("yaml_edit", "message"),
    [
        (("ki0_j_per_m2: 8.74e-4", "ki0_j_per_m2: 5.0e-4"), "not perpendicular"),
        (("noise_step_s: 5.0e-12", "noise_step_s: 2.0e-10"), "does not resolve"),
    ],
)
def test_unphysical_technology_is_refused(run_cli, tmp_path, yaml_edit, message):
    from mramcim.paths import default_tech_file

    text = default_tech_file().read_text(encoding="utf-8")
    assert yaml_edit[0] in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(*yaml_edit), encoding="utf-8")
    proc = run_cli("mtj", "retention", "--tech", str(bad), "--out", str(tmp_path / "o"))
    assert proc.returncode == 1
    assert message in proc.stderr


def test_parse_values_forms():
    assert parse_values("2", "x", 1e-9) == [2e-9]
    assert parse_values("1,2", "x", 1.0) == [1.0, 2.0]
    assert parse_values("1:3:3", "x", 1.0) == [1.0, 2.0, 3.0]
    with pytest.raises(InputError, match="positive"):
        parse_values("1,-2", "x", 1.0)


def test_wilson_interval_contains_estimate_and_shrinks():
    lo, hi = wilson_interval(5, 50)
    assert lo < 0.1 < hi
    lo2, hi2 = wilson_interval(50, 500)
    assert hi2 - lo2 < hi - lo
    assert wilson_interval(0, 20)[0] == 0.0
    with pytest.raises(InputError):
        wilson_interval(0, 0)


def test_mean_switching_time_limits():
    """At i = 0 the equator is reached in half of Brown's escape time; more current is faster."""
    t_d, delta = 1e-10, 30.0
    brown = t_d * math.sqrt(math.pi / delta) * math.exp(delta)
    assert mean_switching_time(delta, 0.0, t_d) == pytest.approx(brown / 2, rel=0.05)
    law = SwitchingLaw(delta, 100e-6, t_d)
    taus = law.tau_s(np.linspace(0, 200e-6, 9))
    assert np.all(np.diff(taus) < 0)
    p = law.p_switch(np.linspace(0, 200e-6, 9), 5e-9)
    assert np.all(np.diff(p) >= 0) and p[0] < 1e-9 and p[-1] > 0.99
