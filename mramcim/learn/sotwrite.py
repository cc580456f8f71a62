"""Stochastic weight updates through SOT write pulses.

TGBNN flips a weight with probability p; in the array p is the switching probability of the SOT
pulse sent through the cell's heavy-metal strip, P_sw(I, t) from `mtjchar.SwitchingLaw` (the
technology's analytic law, or a law fitted to an LLG sweep). A target p maps to a pulse by
inverting P_sw in current at a fixed width; a pulse maps to p directly.

With device-to-device variation every cell has its own barrier: Delta scales with the free-layer
area, so Delta_cell = Delta (1 + sigma_d z)^2 with z ~ N(0, 1) drawn once per cell (the chip's
fixed pattern). The write strip sets Ic0, which stays nominal. Per-cell probabilities come from
P_sw evaluated on a grid of barrier scales and interpolated (P_sw needs a quadrature per point).

Energy: every cell whose ternary gradient is non-zero gets a pulse toward sign(g) (the array does
not read before writing; a cell already in that state does not switch but still costs I^2 R t).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from pydantic import Field, model_validator

from mramcim.device.switching import SwitchingLaw, switch_energy_j
from mramcim.device.variation import barrier_scale, with_barrier
from mramcim.errors import InputError
from mramcim.options import Config
from mramcim.tech import Technology

__all__ = [
    "SotWriter",
    "WritePulse",
    "check_probability",
    "pulse_for_probability",
]

BARRIER_GRID = 41


def check_probability(p: float, name: str = "flip probability") -> float:
    if not isinstance(p, int | float) or not 0.0 <= p <= 1.0 or math.isnan(p):
        raise InputError(f"{name} must be in [0, 1], got {p}")
    return float(p)


class WritePulse(Config):
    """An SOT write pulse through a cell's heavy-metal strip."""

    current_a: float = Field(description="strip current [A]")
    width_s: float = Field(description="flat-top width [s]")

    @model_validator(mode="after")
    def _positive(self) -> WritePulse:
        if not (
            self.current_a > 0 and self.width_s > 0 and math.isfinite(self.current_a) and math.isfinite(self.width_s)
        ):
            raise InputError(
                f"write pulse needs a positive current and width, got {self.current_a} A, {self.width_s} s"
            )
        return self

    def as_dict(self) -> dict[str, float]:
        return {"current_a": self.current_a, "width_s": self.width_s}


def pulse_for_probability(law: SwitchingLaw, p: float, width_s: float) -> WritePulse:
    """The current whose nominal P_sw at `width_s` is p (bisection: P_sw rises with current)."""
    p = check_probability(p)
    if not 0.0 < p < 1.0:
        raise InputError(f"a write pulse switches with probability strictly between 0 and 1; got {p}")
    lo, hi = 1e-3 * law.ic0_a, 4.0 * law.ic0_a
    if float(law.p_switch(hi, width_s)) < p:
        raise InputError(f"no current up to {hi * 1e6:.0f} uA reaches P_sw = {p} in {width_s * 1e9:g} ns")
    for _ in range(60):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if float(law.p_switch(mid, width_s)) < p else (lo, mid)
    return WritePulse(current_a=hi, width_s=width_s)


class SotWriter:
    """Flip probabilities and write energy of the cells of one or more weight arrays."""

    def __init__(
        self,
        tech: Technology,
        law: SwitchingLaw,
        shapes: list[tuple[int, int]],
        *,
        variation: bool,
        rng: np.random.Generator,
    ) -> None:
        self.tech, self.law, self.variation = tech, law, variation
        sigma = tech.variation.sigma_diameter_rel if variation else 0.0
        self.scales = [barrier_scale(sigma, rng.standard_normal(s)) for s in shapes]

    def energy_per_pulse_j(self, pulse: WritePulse) -> float:
        return switch_energy_j(self.tech, "sot", pulse.current_a, pulse.width_s)

    def nominal_probability(self, pulse: WritePulse) -> float:
        return float(self.law.p_switch(pulse.current_a, pulse.width_s))

    def probabilities(self, pulse: WritePulse) -> list[npt.NDArray[np.float32] | float]:
        """Per-cell P_sw for every array (a scalar when there is no variation)."""
        if not self.variation:
            return [self.nominal_probability(pulse)] * len(self.scales)
        lo = min(float(s.min()) for s in self.scales)
        hi = max(float(s.max()) for s in self.scales)
        grid = np.linspace(lo, hi, BARRIER_GRID)
        p_grid = np.array([float(with_barrier(self.law, g).p_switch(pulse.current_a, pulse.width_s)) for g in grid])
        return [np.interp(s, grid, p_grid).astype(np.float32) for s in self.scales]
