"""Thermalised Monte-Carlo starts (issue 16): exact Boltzmann draws in the starting well, written
as per-device initial conditions and seeded from the deck seed."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mramcim.circuit.netlist import render_array, render_mtj_trials
from mramcim.device.thermal_start import boltzmann_start, start_seed, well_stiffness
from mramcim.errors import InputError


@pytest.mark.parametrize("m0", [1, -1])
def test_boltzmann_start_matches_equipartition(tech, m0):
    """<u^2> = 1/(2 Delta0 (1 - h^2)) and <my^2> = 1/(2 Delta0) about the tilted equilibrium.

    40,000 draws: relative standard error of a variance sqrt(2/N) = 0.7 %; the exact Boltzmann
    draw differs from the harmonic closed form by O(1/Delta0) ~ 1 % (anharmonicity), so 4 %."""
    w = well_stiffness(tech)
    m = boltzmann_start(tech, 40_000, m0, np.random.default_rng(3))
    h, c0 = w.h, math.sqrt(1 - w.h**2)
    mz = m0 * m[:, 2]
    u = (m[:, 0] - h) * c0 - (mz - c0) * h
    assert np.allclose(np.linalg.norm(m, axis=1), 1.0)
    assert np.all(mz > 0), "every draw stays in the well of m0"
    assert np.mean(u**2) / w.var_u == pytest.approx(1.0, abs=0.04)
    assert np.mean(m[:, 1] ** 2) / w.var_v == pytest.approx(1.0, abs=0.04)
    assert np.mean(m[:, 1]) == pytest.approx(0.0, abs=4 * math.sqrt(w.var_v / 40_000))


def test_boltzmann_start_refuses_bad_input(tech):
    with pytest.raises(InputError, match="at least one"):
        boltzmann_start(tech, 0, 1, np.random.default_rng(0))
    with pytest.raises(InputError, match=r"\+1 or -1"):
        boltzmann_start(tech, 3, 0, np.random.default_rng(0))


def test_thermal_start_is_a_function_of_the_deck_seed(tech):
    drive = [(0.0, 0.0), (1e-9, -1e-4)]

    def deck(**kw):
        return render_mtj_trials(tech, kind="sot", drive=drive, trials=3, m0=1, t_stop=2e-9, **kw).text

    a, b, c = deck(seed=9), deck(seed=9), deck(seed=10)
    cold = deck(seed=9, thermal=False)
    assert a == b and a != c
    starts = [ln for ln in a.splitlines() if ln.startswith("Xd") and " mx0=" in ln]
    assert len(starts) == 3
    first = boltzmann_start(tech, 3, 1, start_seed(9))[0]
    assert f"mx0={first[0]:.10g}" in starts[0]
    assert not [ln for ln in cold.splitlines() if ln.startswith("Xd") and "mx0=" in ln]
    assert "start: the tilted equilibrium" in cold


def test_array_decks_keep_the_tilt_in_the_model(tech):
    """Array decks carry no per-device start parameters: their initial state is the fixed tilt."""
    w = np.ones((2, 2), dtype=np.int8)
    text = render_array(tech, w, np.ones(2, dtype=np.int8), "half", parasitics="none").text
    assert "mx0" not in text and ".subckt mtj_llg t b params: m0=1\n" in text
