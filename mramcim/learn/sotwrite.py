"""Stochastic weight updates through SOT write pulses.

TGBNN flips a weight with probability p; in the array p is the switching probability of the SOT
pulse sent through the cell's heavy-metal strip: P_sw(I, width) at the pulse's rise time, from the
LLG-calibrated table (`device.sotcal.SotSwitching`; thermalised Monte-Carlo, docs/physics.md
sec. 4). A target p maps to a pulse by inverting P_sw in current at a fixed width (closed form);
a pulse maps to p directly. The pulse's current rise time is a visible parameter
(`WritePulse.rise_s`; default: the technology's write path, `device.writepath.write_path_rise`).

Device variation (`SotWriter(variation=True)`): every cell gets its own area scale
s = (1 + sigma_d z)^2, z ~ N(0, 1) drawn once per cell (the chip's fixed pattern), and its P_sw
moves by the table's measured first-order intercept shift, a_cell = a + c_area (s - 1)
(`SotCalibration.variation`, measured by paired LLG Monte-Carlo at diameters 1 +- 2 sigma). A
table without that measurement refuses per-cell statistics instead of assuming a spread.

Energy: every cell whose ternary gradient is non-zero gets a pulse toward sign(g) (the array does
not read before writing; a cell already in that state does not switch but still costs I^2 R t).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from pydantic import Field, model_validator

from mramcim.device.sotcal import SotSwitching
from mramcim.device.switching import switch_energy_j
from mramcim.device.variation import barrier_scale
from mramcim.errors import InputError
from mramcim.options import Config
from mramcim.tech import Technology

__all__ = [
    "SotWriter",
    "WritePulse",
    "check_probability",
    "pulse_for_probability",
]


def check_probability(p: float, name: str = "flip probability") -> float:
    if not isinstance(p, int | float) or not 0.0 <= p <= 1.0 or math.isnan(p):
        raise InputError(f"{name} must be in [0, 1], got {p}")
    return float(p)


class WritePulse(Config):
    """An SOT write pulse through a cell's heavy-metal strip: flat-top current and width, and the
    current's rise time (a linear ramp 0 -> 100 %; None: the technology's write path)."""

    current_a: float = Field(description="strip current [A]")
    width_s: float = Field(description="flat-top width [s]")
    rise_s: float | None = Field(None, description="current rise time [s] (None: the write path's)")

    @model_validator(mode="after")
    def _positive(self) -> WritePulse:
        if not (
            self.current_a > 0 and self.width_s > 0 and math.isfinite(self.current_a) and math.isfinite(self.width_s)
        ):
            raise InputError(
                f"write pulse needs a positive current and width, got {self.current_a} A, {self.width_s} s"
            )
        if self.rise_s is not None and not (self.rise_s > 0 and math.isfinite(self.rise_s)):
            raise InputError(f"write pulse rise time must be positive, got {self.rise_s} s")
        return self

    def as_dict(self) -> dict[str, float | None]:
        return {"current_a": self.current_a, "width_s": self.width_s, "rise_s": self.rise_s}


def pulse_for_probability(model: SotSwitching, p: float, width_s: float) -> WritePulse:
    """The current whose nominal calibrated P_sw at `width_s` (and the model's rise) is p."""
    p = check_probability(p)
    if not 0.0 < p < 1.0:
        raise InputError(f"a write pulse switches with probability strictly between 0 and 1; got {p}")
    return WritePulse(current_a=model.current_for_probability(p, width_s), width_s=width_s, rise_s=model.rise_s)


class SotWriter:
    """Flip probabilities and write energy of the cells of one or more weight arrays."""

    def __init__(
        self,
        tech: Technology,
        model: SotSwitching,
        shapes: list[tuple[int, int]],
        *,
        variation: bool,
        rng: np.random.Generator,
    ) -> None:
        if variation and model.calibration.variation is None:
            raise InputError(
                "per-cell SOT statistics (--write-stats) need the calibration's measured area shift; this "
                "calibration has none (build it with `mramcim mtj calibrate-sot --variation-trials N`)"
            )
        self.tech, self.model, self.variation = tech, model, variation
        sigma = tech.variation.sigma_diameter_rel if variation else 0.0
        self.scales = [barrier_scale(sigma, rng.standard_normal(s)) for s in shapes]  # area scale (d/d0)^2

    def _model_for(self, pulse: WritePulse) -> SotSwitching:
        if pulse.rise_s is None or pulse.rise_s == self.model.rise_s:
            return self.model
        return SotSwitching(self.model.calibration, pulse.rise_s, self.model.source)

    def rise_s(self, pulse: WritePulse) -> float:
        return self._model_for(pulse).rise_s

    def energy_per_pulse_j(self, pulse: WritePulse) -> float:
        return switch_energy_j(self.tech, "sot", pulse.current_a, pulse.width_s, rise_s=self.rise_s(pulse))

    def nominal_probability(self, pulse: WritePulse) -> float:
        return float(self._model_for(pulse).p_switch(pulse.current_a, pulse.width_s))

    def probabilities(self, pulse: WritePulse) -> list[npt.NDArray[np.float32] | float]:
        """Per-cell P_sw for every array (a scalar when there is no variation)."""
        if not self.variation:
            return [self.nominal_probability(pulse)] * len(self.scales)
        cells = self._model_for(pulse).cell_probabilities(pulse.current_a, pulse.width_s)
        return [cells(s).astype(np.float32) for s in self.scales]
