"""Device-to-device variation: per-device scale factors drawn from `tech.variation`.

Every spread is a Gaussian relative deviation, one sigma from the technology, drawn once per
device (the chip's fixed pattern):
    RA            ra_scale      = 1 + sigma_ra z
    diameter      area_scale    = (1 + sigma_d z)^2   (area, so 1/R, Delta and the STT Ic0)
    TMR           tmr_scale     = 1 + sigma_tmr z
    VCMA xi       vcma_scale    = 1 + sigma_xi z
Draws are clipped to stay physical (`MIN_SCALE`; the diameter factor to [0.5, 1.5]); at the
technologies' few-% sigmas no draw comes near either bound. Each consumer draws its spreads in its
own fixed order (`SPREADS` for the array read, `PASSIVE_SPREADS` for the crossbar), so a seed gives
the same chip every time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mramcim.device.switching import SwitchingLaw
from mramcim.tech import Technology

__all__ = ["MIN_SCALE", "PASSIVE_SPREADS", "SPREADS", "DeviceSample", "barrier_scale", "with_barrier"]

F64 = npt.NDArray[np.float64]


SPREADS = ("ra", "diameter", "tmr", "vcma")  # the array read's draw order
PASSIVE_SPREADS = ("diameter", "ra", "tmr")  # the passive crossbar's draw order (it has no VCMA pulse)
MIN_SCALE = 0.05  # RA, TMR and xi factors stay positive


@dataclass(frozen=True)
class DeviceSample:
    """Per-device deviations from nominal, every field of one shape (e.g. (sets, rows, cols) for an
    array's row-line sets, (rows, cols) for a crossbar).

    ra_scale multiplies RA; area_scale the junction area (so 1/R, Delta and the STT Ic0);
    tmr_scale the read-bias TMR; vcma_scale the VCMA coefficient (toggle errors, not the read).
    """

    ra_scale: F64
    area_scale: F64
    tmr_scale: F64
    vcma_scale: F64

    @property
    def r_scale(self) -> F64:
        """The factor on R_P: RA / area."""
        return self.ra_scale / self.area_scale

    @classmethod
    def nominal(cls, shape: tuple[int, ...]) -> DeviceSample:
        one = np.ones(shape)
        return cls(one, one, one, one)

    @classmethod
    def sample(
        cls, tech: Technology, shape: tuple[int, ...], rng: np.random.Generator, spreads: tuple[str, ...] = SPREADS
    ) -> DeviceSample:
        """Gaussian spreads from `tech.variation`, drawn from `rng` in the order of `spreads`
        (a spread not listed stays nominal)."""
        v = tech.variation
        sigma = {
            "ra": v.sigma_ra_rel,
            "diameter": v.sigma_diameter_rel,
            "tmr": v.sigma_tmr_rel,
            "vcma": v.sigma_vcma_rel,
        }
        z = {name: rng.standard_normal(shape) for name in spreads}

        def factor(name: str) -> F64:
            if name not in z:
                return np.ones(shape)
            return np.maximum(1 + sigma[name] * z[name], MIN_SCALE)

        area = barrier_scale(sigma["diameter"], z["diameter"]) if "diameter" in z else np.ones(shape)
        return cls(ra_scale=factor("ra"), area_scale=area, tmr_scale=factor("tmr"), vcma_scale=factor("vcma"))

    def first_columns(self, n: int) -> DeviceSample:
        """The sample of the first n columns (last axis)."""
        return DeviceSample(
            self.ra_scale[..., :n], self.area_scale[..., :n], self.tmr_scale[..., :n], self.vcma_scale[..., :n]
        )


def barrier_scale(sigma_diameter: float, z: npt.NDArray[np.floating]) -> F64:
    """Delta_cell / Delta for diameter deviations sigma_d z (Delta scales with the free-layer area)."""
    return np.asarray(np.clip(1 + sigma_diameter * z, 0.5, 1.5) ** 2, dtype=np.float64)


def with_barrier(law: SwitchingLaw, scale: float) -> SwitchingLaw:
    """The law of a cell whose barrier is `scale` times nominal (the strip keeps Ic0)."""
    return SwitchingLaw(law.delta * scale, law.ic0_a, law.t_damping_s)
