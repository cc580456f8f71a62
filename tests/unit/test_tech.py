import math

import pytest
import yaml

from mramcim.errors import ConfigError
from mramcim.paths import default_tech_file
from mramcim.tech import GAMMA, derive, load_tech


def _write(tmp_path, mutate):
    data = yaml.safe_load(default_tech_file().read_text())
    mutate(data)
    path = tmp_path / "tech.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_derived_quantities_match_closed_forms(tech):
    d = derive(tech)
    area = math.pi * (tech.mtj.diameter_m / 2) ** 2
    assert d.r_p_ohm == pytest.approx(tech.mtj.ra_ohm_m2 / area, rel=1e-12)
    assert d.r_ap_ohm == pytest.approx(d.r_p_ohm * (1 + tech.mtj.tmr0), rel=1e-12)
    # PHYSICS.md check 1: half period pi(1+a^2)/(gamma Bx) = 0.892 ns at 20 mT
    assert d.half_period_s == pytest.approx(0.8926e-9, rel=1e-3)
    assert d.half_period_s == pytest.approx(math.pi * (1 + tech.mtj.alpha**2) / (GAMMA * 0.02), rel=1e-12)
    assert 40 <= d.delta_bias < d.delta0


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["mtj"].update(colour=1), "mtj.colour: unknown key"),
        (lambda d: d["mtj"].pop("alpha"), "mtj.alpha: missing key"),
        (lambda d: d["mtj"].update(alpha=-0.1), "mtj.alpha"),
        (lambda d: d["mtj"].update(ki0_j_per_m2=1e-4), "not perpendicular"),
        (lambda d: d["operation"].update(v_read_v=0.5), "read voltage"),
        (lambda d: d["simulation"].update(t_step_s=1e-10), "does not resolve the precession"),
        (lambda d: d.update(name="bad name\n.control"), "name"),
    ],
)
def test_invalid_technology_is_rejected(tmp_path, mutate, message):
    with pytest.raises(ConfigError, match=message):
        load_tech(_write(tmp_path, mutate))


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_tech(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("mtj: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_tech(bad)


def test_dl_field_uses_the_effective_efficiency_once(tech):
    """b_DL = hbar xi_DL/(2 e Ms tF w t_HM): no sech thickness factor (docs/physics.md sec. 2)."""
    from mramcim.tech import HBAR, QE

    m, s = tech.mtj, tech.sot
    expected = HBAR * s.dl_efficiency / (2 * QE * m.ms_a_per_m * m.t_free_m * s.strip_width_m * s.strip_thickness_m)
    assert derive(tech).sot_dl_t_per_a == pytest.approx(expected, rel=1e-12)
    assert derive(tech).i_sot_critical_a == pytest.approx(207.9e-6, rel=1e-3)


def test_old_spin_hall_keys_are_refused_with_the_reason(tmp_path):
    def rename(d):
        d["sot"]["spin_hall_angle"] = d["sot"].pop("dl_efficiency")

    with pytest.raises(ConfigError, match="replaced by dl_efficiency"):
        load_tech(_write(tmp_path, rename))


def test_sot_device_id_ignores_array_settings(tech):
    from mramcim.tech import override, sot_device_id

    assert sot_device_id(override(tech, wires={"r_bl_ohm": 2.0})) == sot_device_id(tech)
    assert sot_device_id(override(tech, write_driver={"line_cells": 16})) == sot_device_id(tech)
    assert sot_device_id(override(tech, sot={"field_like_ratio": 0.0})) != sot_device_id(tech)
    assert sot_device_id(override(tech, temperature_k=350.0)) != sot_device_id(tech)


def test_write_driver_section_is_optional_and_checked(tmp_path, tech):
    from mramcim.tech import override

    assert load_tech(_write(tmp_path, lambda d: d.pop("write_driver", None))).write_driver == tech.write_driver
    with pytest.raises(ConfigError, match="write_driver.line_cells"):
        override(tech, write_driver={"line_cells": 0})
