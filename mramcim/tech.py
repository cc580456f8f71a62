"""Stage 0 — technology: validated device, circuit and simulation parameters.

Input: a YAML technology file (default `models/default_tech.yaml`). Output: a frozen
`Technology` object in SI base units plus derived quantities (`derive`). There is no global
"active" technology: callers pass the object explicitly.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mramcim.artifacts import read_small_text
from mramcim.errors import ConfigError, InputError, suggest
from mramcim.options import Corner, format_validation, parse_option
from mramcim.paths import default_tech_file, model_file

__all__ = [
    "CORNERS",
    "Derived",
    "Technology",
    "apply_corner",
    "derive",
    "NAMED_TECHS",
    "load_passive_tech",
    "named_tech",
    "load_tech",
    "override",
    "tech_run_id",
    "tech_summary",
    "tech_summary_lines",
    "thermal_sigma_t",
]

MU0 = 4e-7 * math.pi  # vacuum permeability [T m/A]
GAMMA = 1.76085963e11  # electron gyromagnetic ratio [rad/(s T)]
KB = 1.380649e-23  # Boltzmann constant [J/K]
HBAR = 1.054571817e-34  # reduced Planck constant [J s]
QE = 1.602176634e-19  # elementary charge [C]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MtjParams(_Strict):
    """Perpendicular CoFeB/MgO free layer with VCMA; see docs/physics.md for sources."""

    diameter_m: float = Field(gt=5e-9, lt=1e-6, description="junction diameter (circular) [m]")
    t_free_m: float = Field(gt=0.2e-9, lt=5e-9, description="free-layer thickness [m]")
    t_ox_m: float = Field(gt=0.3e-9, lt=5e-9, description="MgO barrier thickness [m]")
    ms_a_per_m: float = Field(gt=1e4, lt=3e6, description="saturation magnetization [A/m]")
    ki0_j_per_m2: float = Field(gt=0, lt=1e-2, description="interfacial anisotropy at 0 V [J/m^2]")
    demag_nz_minus_nx: float = Field(gt=0, le=1, description="thin-disk demag factor Nz - Nx")
    alpha: float = Field(gt=0, lt=1, description="Gilbert damping")
    vcma_j_per_v_m: float = Field(gt=0, lt=1e-11, description="VCMA coefficient xi [J/(V m)] (positive V lowers PMA)")
    ra_ohm_m2: float = Field(gt=0, lt=1e-6, description="resistance-area product (P) [Ohm m^2]")
    tmr0: float = Field(gt=0, lt=10, description="zero-bias TMR ratio (1.2 = 120 %)")
    v_half_v: float = Field(gt=0, lt=5, description="bias where TMR halves [V]")
    bias_field_t: float = Field(gt=0, lt=1, description="in-plane bias field along x [T]")


class SotParams(_Strict):
    """Heavy-metal strip under the free layer (3-terminal SOT write path); docs/physics.md."""

    spin_hall_angle: float = Field(gt=0, lt=2, description="spin Hall angle theta_SH")
    strip_length_m: float = Field(gt=1e-9, lt=1e-5, description="strip length along the current [m]")
    strip_width_m: float = Field(gt=1e-9, lt=1e-5, description="strip width [m]")
    strip_thickness_m: float = Field(gt=0.2e-9, lt=1e-7, description="strip thickness [m]")
    resistivity_ohm_m: float = Field(gt=1e-9, lt=1e-4, description="strip resistivity [Ohm m]")
    spin_diffusion_length_m: float = Field(gt=0.1e-9, lt=1e-7, description="lambda_sf [m]")
    field_like_ratio: float = Field(ge=-10, le=10, description="field-like / damping-like amplitude")


class SttParams(_Strict):
    """Spin-transfer torque from the junction current (read disturb); off by default."""

    enabled: bool = Field(description="add the STT torque to every MTJ")
    efficiency: float = Field(gt=0, lt=1, description="spin-torque efficiency eta")


class ThermalParams(_Strict):
    """Brown thermal field for device characterization (array decks stay deterministic)."""

    noise_step_s: float = Field(gt=0, lt=1e-9, description="thermal-field redraw interval dt [s]")


class OperationParams(_Strict):
    """Row-driver voltages and the timing of one MAC (toggle, read, restore, read)."""

    v_read_v: float = Field(gt=0, lt=1, description="row read voltage [V]")
    v_vcma_v: float = Field(gt=0, lt=5, description="row VCMA toggle pulse amplitude [V]")
    t_vcma_s: float = Field(gt=0, lt=100e-9, description="VCMA pulse flat-top width [s]")
    t_rise_s: float = Field(gt=0, lt=10e-9, description="pulse rise/fall time [s]")
    t_write_fall_s: float = Field(gt=0, lt=100e-9, description="SOT/STT write pulse trailing edge [s]")
    t_settle_s: float = Field(ge=0, lt=100e-9, description="wait after a pulse [s]")
    t_read_s: float = Field(gt=0, lt=100e-9, description="read window flat-top [s]")


class AccessParams(_Strict):
    """Access NMOS (ngspice level-1 card written by us, see models/README.md)."""

    vth_v: float = Field(gt=0, lt=2, description="threshold voltage [V]")
    kp_a_per_v2: float = Field(gt=0, lt=1e-2, description="transconductance parameter [A/V^2]")
    w_m: float = Field(gt=0, lt=1e-4, description="channel width [m]")
    l_m: float = Field(gt=0, lt=1e-4, description="channel length [m]")
    v_wordline_v: float = Field(gt=0, lt=5, description="word-line (gate) voltage [V]")


class SenseParams(_Strict):
    """Per-column current comparator (behavioural or transistor level) and its offset."""

    v_dd_v: float = Field(gt=0, lt=5, description="sense supply / output high level [V]")
    i_width_a: float = Field(gt=0, lt=1e-3, description="behavioural comparator transition width [A]")
    offset_a: float = Field(ge=-1e-3, le=1e-3, description="systematic input-referred offset current [A]")


class DriverParams(_Strict):
    """Row drivers: ideal sources behind an output resistance."""

    r_out_ohm: float = Field(gt=0, lt=1e6, description="driver output resistance [Ohm]")


class WireParams(_Strict):
    """Wire parasitics per cell pitch (used by the lumped and mesh parasitics; `none` ignores them)."""

    r_wl_ohm: float = Field(gt=0, lt=1e4, description="row-line resistance per pitch [Ohm]")
    c_wl_f: float = Field(gt=0, lt=1e-12, description="row-line capacitance per pitch [F]")
    r_bl_ohm: float = Field(gt=0, lt=1e4, description="bit-line resistance per pitch [Ohm]")
    c_bl_f: float = Field(gt=0, lt=1e-12, description="bit-line capacitance per pitch [F]")


class VariationParams(_Strict):
    """Monte-Carlo spreads, one sigma: device-to-device (relative) and sense offset (absolute)."""

    sigma_ra_rel: float = Field(ge=0, lt=0.5, description="resistance-area product [relative]")
    sigma_diameter_rel: float = Field(ge=0, lt=0.3, description="junction diameter [relative]")
    sigma_tmr_rel: float = Field(ge=0, lt=0.5, description="TMR ratio [relative]")
    sigma_vcma_rel: float = Field(ge=0, lt=0.5, description="VCMA coefficient xi [relative]")
    sigma_offset_a: float = Field(ge=0, lt=1e-3, description="sense-amplifier offset current [A]")


class NeuronParams(_Strict):
    """MTJ sigmoid neuron (docs/neuron.md): a free layer between a perpendicular and an in-plane
    polarizer. The input current runs through a field loop around the pillar and tilts the
    free layer out of plane against the in-plane bias field; the perpendicular junction reads
    the activation, the in-plane junction its slope. Free-layer volume, Ms, damping, RA and TMR
    are those of `mtj`."""

    bias_field_t: float = Field(
        gt=0, lt=1, description="in-plane bias field along x (in-plane polarizer stray field) [T]"
    )
    anisotropy_field_t: float = Field(
        gt=-2, lt=1, description="effective perpendicular anisotropy field (< 0: easy plane) [T]"
    )
    loop_radius_m: float = Field(gt=1e-9, lt=1e-5, description="radius of the input field loop, B_in = mu0 I/(2 r) [m]")
    line_resistance_ohm: float = Field(gt=0, lt=1e6, description="resistance of the input line [Ohm]")
    v_read_v: float = Field(gt=0, lt=1, description="read voltage of each junction [V]")
    t_read_s: float = Field(gt=0, lt=1e-6, description="read window (the readout is averaged over it) [s]")
    sigma_field_rel: float = Field(
        ge=0, lt=0.5, description="device-to-device spread of bias, anisotropy and loop field [relative]"
    )

    @model_validator(mode="after")
    def _monostable(self) -> NeuronParams:
        if self.anisotropy_field_t >= self.bias_field_t:
            raise ValueError(
                f"neuron anisotropy field {self.anisotropy_field_t} T must stay below the bias field "
                f"{self.bias_field_t} T, or the free layer is bistable and the curve hysteretic"
            )
        return self


class SimParams(_Strict):
    t_step_s: float = Field(gt=0, lt=1e-9, description="transient output/max step [s]")
    timeout_s: float = Field(gt=0, le=86400, description="wall-clock limit per simulation [s]")


class Technology(_Strict):
    """The whole technology: device, operation, access device, sensing, drivers, wires, variation, simulation."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$", description="technology name")
    temperature_k: float = Field(gt=0, lt=1000, description="temperature [K]")
    mtj: MtjParams
    sot: SotParams
    stt: SttParams
    thermal: ThermalParams
    operation: OperationParams
    access: AccessParams
    sense: SenseParams
    drivers: DriverParams
    wires: WireParams
    variation: VariationParams
    simulation: SimParams
    neuron: NeuronParams | None = None

    @model_validator(mode="after")
    def _physics(self) -> Technology:
        d = derive(self)
        if d.keff0_j_per_m3 <= 0:
            raise ValueError(
                f"free layer is not perpendicular: Keff0 = {d.keff0_j_per_m3:.3g} J/m^3 <= 0 "
                "(raise ki0_j_per_m2 or thin the free layer)"
            )
        if self.mtj.bias_field_t >= d.bk0_t:
            raise ValueError(
                f"bias field {self.mtj.bias_field_t} T >= anisotropy field {d.bk0_t:.4g} T: "
                "the free layer would lie in-plane"
            )
        if self.operation.v_read_v >= 0.3 * d.v_critical_v:
            raise ValueError(
                f"read voltage {self.operation.v_read_v} V must stay below 30 % of the VCMA "
                f"critical voltage {d.v_critical_v:.3g} V (read disturb)"
            )
        if self.operation.v_vcma_v <= self.operation.v_read_v:
            raise ValueError("v_vcma_v must exceed v_read_v")
        if self.simulation.t_step_s > d.half_period_s / 20:
            raise ValueError(
                f"t_step_s {self.simulation.t_step_s:.3g} s does not resolve the precession "
                f"(half period {d.half_period_s:.3g} s needs <= {d.half_period_s / 20:.3g} s)"
            )
        if self.thermal.noise_step_s > d.larmor_period_s / 10:
            raise ValueError(
                f"thermal.noise_step_s {self.thermal.noise_step_s:.3g} s does not resolve the "
                f"anisotropy precession (period {d.larmor_period_s:.3g} s needs <= "
                f"{d.larmor_period_s / 10:.3g} s)"
            )
        return self


@dataclass(frozen=True)
class Derived:
    """Quantities computed from a Technology (SI units)."""

    area_m2: float
    volume_m3: float
    r_p_ohm: float
    r_ap_ohm: float
    keff0_j_per_m3: float
    bk0_t: float
    delta0: float
    delta_bias: float
    v_critical_v: float
    half_period_s: float
    larmor_period_s: float
    t_damping_s: float
    tilt_sin: float
    r_strip_ohm: float
    sot_dl_t_per_a: float
    i_sot_critical_a: float
    stt_t_per_a: float
    i_stt_critical_a: float
    tau0_s: float


def derive(tech: Technology) -> Derived:
    """Derived device quantities.

    Keff(V) = Ki0/tF - xi V/(tox tF) - mu0 Ms^2 (Nz - Nx)/2;  Bk = 2 Keff/Ms;
    Delta0 = Keff0 Vol/(kB T); with the in-plane bias field the barrier is
    Delta0 (1 - Bx/Bk)^2 (Stoner-Wohlfarth); Vc = tox tF Keff0/xi (Keff(Vc) = 0);
    VCMA toggle half period pi (1 + alpha^2)/(gamma Bx) (PHYSICS.md, check 1);
    anisotropy precession period 2 pi (1 + alpha^2)/(gamma Bk0); damping time
    tD = (1 + alpha^2)/(alpha gamma Bk0).
    SOT: damping-like field per ampere of strip current
    hbar theta_SH/(2 e Ms tF w t_HM) (1 - sech(t_HM/lambda_sf)); critical current from
    Lee et al. 2013, Jc = (2e/hbar)(Ms tF/theta_SH)(Bk/2 - Bx/sqrt 2) (PHYSICS.md sec. 2).
    STT: field per ampere hbar eta/(2 e Ms Vol); Sun's critical current
    Ic0 = 2 e alpha Ms Bk Vol/(hbar eta) = 4 e alpha Delta0 kB T/(hbar eta).
    Brown attempt time tau0 = tD sqrt(pi/Delta0).
    """
    m = tech.mtj
    area = math.pi * (m.diameter_m / 2) ** 2
    volume = area * m.t_free_m
    keff0 = m.ki0_j_per_m2 / m.t_free_m - 0.5 * MU0 * m.ms_a_per_m**2 * m.demag_nz_minus_nx
    bk0 = 2 * keff0 / m.ms_a_per_m
    delta0 = keff0 * volume / (KB * tech.temperature_k)
    tilt = min(m.bias_field_t / bk0, 1.0) if bk0 > 0 else 1.0
    r_p = m.ra_ohm_m2 / area
    sot, hm_area = tech.sot, tech.sot.strip_width_m * tech.sot.strip_thickness_m
    spin_factor = 1 - 1 / math.cosh(sot.strip_thickness_m / sot.spin_diffusion_length_m)
    dl_per_a = HBAR * sot.spin_hall_angle * spin_factor / (2 * QE * m.ms_a_per_m * m.t_free_m * hm_area)
    stt_per_a = HBAR * tech.stt.efficiency / (2 * QE * m.ms_a_per_m * volume)
    bk_safe = max(bk0, 1e-12)
    t_damping = (1 + m.alpha**2) / (m.alpha * GAMMA * bk_safe)
    return Derived(
        area_m2=area,
        volume_m3=volume,
        r_p_ohm=r_p,
        r_ap_ohm=r_p * (1 + m.tmr0),
        keff0_j_per_m3=keff0,
        bk0_t=bk0,
        delta0=delta0,
        delta_bias=delta0 * (1 - tilt) ** 2,
        v_critical_v=m.t_ox_m * m.t_free_m * keff0 / m.vcma_j_per_v_m,
        half_period_s=math.pi * (1 + m.alpha**2) / (GAMMA * m.bias_field_t),
        larmor_period_s=2 * math.pi * (1 + m.alpha**2) / (GAMMA * bk_safe),
        t_damping_s=t_damping,
        tilt_sin=tilt,
        r_strip_ohm=sot.resistivity_ohm_m * sot.strip_length_m / hm_area,
        sot_dl_t_per_a=dl_per_a,
        i_sot_critical_a=max(bk0 / 2 - m.bias_field_t / math.sqrt(2), 0.0) / dl_per_a,
        stt_t_per_a=stt_per_a,
        i_stt_critical_a=m.alpha * bk0 / stt_per_a,
        tau0_s=t_damping * math.sqrt(math.pi / max(delta0, 1e-12)),
    )


def thermal_sigma_t(tech: Technology, dt_s: float) -> float:
    """Standard deviation of each thermal-field component for redraw interval dt (tesla).

    Fluctuation-dissipation for the Gilbert equation with the field in both torque terms:
    sigma^2 = 2 alpha kB T/(gamma Ms Vol dt) (Brown 1963; PHYSICS.md sec. 2).
    """
    m = tech.mtj
    volume = derive(tech).volume_m3
    return math.sqrt(2 * m.alpha * KB * tech.temperature_k / (GAMMA * m.ms_a_per_m * volume * dt_s))


def load_tech(path: str | Path | None = None) -> Technology:
    """Load and validate a technology file; `None` loads the packaged default.

    Raises:
        ConfigError: missing file, YAML syntax error, unknown/missing keys, bad ranges.
    """
    if path is None:
        source = "default technology"
        text = default_tech_file().read_text(encoding="utf-8")
    else:
        source = str(path)
        if not Path(path).exists():
            raise ConfigError(f"technology file not found: {path}")
        try:
            text = read_small_text(path, "technology file")
        except InputError as err:
            raise ConfigError(str(err)) from None
        except OSError as err:
            raise ConfigError(f"cannot read technology file {path}: {err.strerror or err}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError(f"technology file {source} is not valid YAML: {err}") from None
    except RecursionError:
        raise ConfigError(f"technology file {source}: nested too deeply") from None
    if not isinstance(data, dict):
        raise ConfigError(f"technology file {source} must be a mapping of sections")
    try:
        return Technology.model_validate(data)
    except ValidationError as err:
        raise ConfigError(format_validation(err, f"technology {source}")) from None
    except RecursionError:
        raise ConfigError(f"technology file {source}: nested too deeply") from None


def override(tech: Technology, **changes: Any) -> Technology:
    """A re-validated copy with top-level values or section keys replaced.

    `override(t, temperature_k=350, mtj={"bias_field_t": 0.03})`. Raises ConfigError when the
    result is not a valid technology (e.g. a field that tips the free layer in-plane).
    """
    data = tech.model_dump()
    for key, value in changes.items():
        if isinstance(value, dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    try:
        return Technology.model_validate(data)
    except ValidationError as err:
        raise ConfigError(format_validation(err, "technology (with overrides)")) from None


def tech_run_id(tech: Technology) -> str:
    """Stable short hash of the resolved technology (canonical JSON)."""
    canon = json.dumps(tech.model_dump(mode="json"), sort_keys=True)
    return hashlib.md5(canon.encode(), usedforsecurity=False).hexdigest()[:10]


def tech_summary(tech: Technology) -> dict[str, Any]:
    """Resolved values and derived quantities, JSON-ready."""
    return {"technology": tech.model_dump(mode="json"), "derived": asdict(derive(tech))}


def tech_summary_lines(tech: Technology) -> list[str]:
    """The resolved technology section by section, then the derived quantities, for a terminal."""
    summary = tech_summary(tech)
    lines = []
    for section, values in summary["technology"].items():
        if isinstance(values, dict):
            lines.append(f"[{section}]")
            lines += [f"  {key:<20} {val:g}" for key, val in values.items()]
        else:
            lines.append(f"{section:<22} {values}")
    d = summary["derived"]
    return lines + [
        "[derived]",
        f"  R_P                  {d['r_p_ohm'] / 1e3:.2f} kOhm",
        f"  R_AP (V -> 0)        {d['r_ap_ohm'] / 1e3:.2f} kOhm",
        f"  Keff0                {d['keff0_j_per_m3']:.4g} J/m^3  (Bk0 = {d['bk0_t'] * 1e3:.1f} mT)",
        f"  Delta (no field)     {d['delta0']:.1f}",
        f"  Delta (bias field)   {d['delta_bias']:.1f}",
        f"  VCMA critical V      {d['v_critical_v']:.3f} V",
        f"  half precession      {d['half_period_s'] * 1e9:.4f} ns",
    ]


# Global corners for wires, drivers and access transistors (ours: +-15 % wire R, +-10 % C,
# +-25 % driver R, +-10 % transistor KP; fast = low R, high KP).
CORNERS = {
    Corner.TT: {"wire_r": 1.0, "wire_c": 1.0, "driver_r": 1.0, "kp": 1.0},
    Corner.FF: {"wire_r": 0.85, "wire_c": 0.9, "driver_r": 0.75, "kp": 1.1},
    Corner.SS: {"wire_r": 1.15, "wire_c": 1.1, "driver_r": 1.25, "kp": 0.9},
}


def apply_corner(tech: Technology, corner: str) -> Technology:
    """The technology at a wire/driver/transistor corner (tt returns `tech` unchanged)."""
    corner = parse_option(Corner, corner, "corner")
    if corner is Corner.TT:
        return tech
    f, w = CORNERS[corner], tech.wires
    return override(
        tech,
        wires={
            "r_wl_ohm": w.r_wl_ohm * f["wire_r"],
            "r_bl_ohm": w.r_bl_ohm * f["wire_r"],
            "c_wl_f": w.c_wl_f * f["wire_c"],
            "c_bl_f": w.c_bl_f * f["wire_c"],
        },
        drivers={"r_out_ohm": tech.drivers.r_out_ohm * f["driver_r"]},
        access={"kp_a_per_v2": tech.access.kp_a_per_v2 * f["kp"]},
    )


# The technologies shipped in models/: the documented default and the passive STT cross-point one
# (seed 004's arrays need a low-RA junction an STT write can switch).
NAMED_TECHS = {"default": "default_tech.yaml", "passive_stt": "passive_stt_tech.yaml"}


def named_tech(name: str) -> Technology:
    """A packaged technology by name (`NAMED_TECHS`)."""
    if name not in NAMED_TECHS:
        raise ConfigError(
            f"unknown technology {name!r}{suggest(name, NAMED_TECHS)}; choose one of {', '.join(NAMED_TECHS)}"
        )
    return load_tech(Path(str(model_file(NAMED_TECHS[name]))))


def load_passive_tech(path: str | None = None) -> Technology:
    """The technology at `path`, or the packaged STT cross-point one (models/passive_stt_tech.yaml)."""
    return load_tech(path) if path is not None else named_tech("passive_stt")
