"""Thermal initial states of the macrospin: exact Boltzmann draws in the starting well.

Pure physics (numpy/scipy). Input: a `Technology`; output: initial magnetizations that
`mramcim.circuit.netlist.render_mtj_trials` writes as the per-device initial conditions
(subcircuit parameters mx0, my0, mz0) of a Monte-Carlo deck.

Energy of the free layer at V = 0 (the LLG's own field B = Bx x + Bk0 mz z, docs/physics.md):

    E/(kB T) = -Delta0 (mz^2 + 2 h mx),   h = Bx/Bk0,   Delta0 = Keff0 Vol/(kB T).

Its minima are the tilted states m = (h, 0, +-c0), c0 = sqrt(1 - h^2); the ridge between them is the
plane mz = 0 (mirror symmetry mz -> -mz), so the parallel well is exactly the hemisphere mz > 0.
Local stiffness: with u the deviation in the x-z plane (along e_u = (c0, 0, -h)) and v along y,

    E/(kB T) = const + Delta0 [(1 - h^2) u^2 + v^2] + O(u^3),

so equipartition gives <u^2> = 1/(2 Delta0 (1 - h^2)) and <v^2> = <my^2> = 1/(2 Delta0).

The draw is exact (not the harmonic approximation): in polar coordinates about z the density is
exp(Delta0 cos^2 t + k cos p) sin t with k = 2 Delta0 h sin t, so the marginal of t is
exp(Delta0 cos^2 t) I0(k) sin t (sampled by inverse CDF on a fine grid) and p given t is a von
Mises variable with concentration k. Why a draw and not a pre-run: the thermal field relaxes the
transverse state in a few damping times tD = (1 + a^2)/(a gamma Bk0) (2.26 ns for the default
device); a pre-run of 5 tD would more than double every SOT deck, while the draw costs nothing and
samples the same stationary law (the equipartition test checks that the LLG keeps it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from scipy.special import i0e

from mramcim.errors import InputError
from mramcim.tech import Technology, derive

__all__ = ["WellStiffness", "boltzmann_start", "start_seed", "well_stiffness"]

GRID = 20001  # polar-angle grid of the inverse CDF (resolution ~8e-5 rad << the thermal spread)
SEED_SALT = 0x5EED16  # decorrelates the initial-state stream from the deck's ngspice seed


@dataclass(frozen=True)
class WellStiffness:
    """Equilibrium of the parallel well and the equipartition variances about it."""

    delta0: float
    h: float  # sin of the equilibrium tilt, Bx/Bk0

    @property
    def m_eq(self) -> tuple[float, float, float]:
        return (self.h, 0.0, math.sqrt(1 - self.h**2))

    @property
    def var_u(self) -> float:
        """<u^2> in the x-z plane, perpendicular to the tilted equilibrium: 1/(2 Delta0 (1 - h^2))."""
        return 1 / (2 * self.delta0 * (1 - self.h**2))

    @property
    def var_v(self) -> float:
        """<my^2> = 1/(2 Delta0)."""
        return 1 / (2 * self.delta0)


def well_stiffness(tech: Technology) -> WellStiffness:
    d = derive(tech)
    return WellStiffness(d.delta0, d.tilt_sin)


@lru_cache(maxsize=32)
def _theta_table(delta0: float, h: float) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(cdf, theta) of the polar-angle marginal on [0, pi/2]."""
    theta = np.linspace(0.0, math.pi / 2, GRID)
    k = 2 * delta0 * h * np.sin(theta)
    log_p = delta0 * np.cos(theta) ** 2 + np.log(i0e(k)) + k + np.log(np.maximum(np.sin(theta), 1e-300))
    p = np.exp(log_p - log_p.max())
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (p[1:] + p[:-1]) * np.diff(theta))])
    return cdf / cdf[-1], theta


def boltzmann_start(tech: Technology, n: int, m0: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """`n` unit vectors (n, 3) drawn from the Boltzmann distribution of the well of state m0.

    m0 = +1 draws from the parallel well (mz > 0), -1 from its mirror image (mz < 0).

    Raises:
        InputError: n < 1 or m0 not +-1.
    """
    if n < 1:
        raise InputError(f"need at least one initial state, got {n}")
    if m0 not in (1, -1):
        raise InputError(f"initial state must be +1 or -1, got {m0!r}")
    w = well_stiffness(tech)
    cdf, grid = _theta_table(w.delta0, w.h)
    theta = np.interp(rng.random(n), cdf, grid)
    kappa = 2 * w.delta0 * w.h * np.sin(theta)
    phi = rng.vonmises(0.0, kappa) if w.h > 0 else rng.uniform(-math.pi, math.pi, n)
    st = np.sin(theta)
    return np.stack([st * np.cos(phi), st * np.sin(phi), m0 * np.cos(theta)], axis=1)


def start_seed(deck_seed: int) -> np.random.Generator:
    """The generator of a deck's initial states: a function of the deck seed only, so results do
    not depend on how decks are spread over workers."""
    return np.random.default_rng([deck_seed, SEED_SALT])
