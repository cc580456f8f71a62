"""Periphery and cell costs of a mapped layer: energy, area and latency per inference.

Stage: array. Inputs: the cited cost table (models/periphery/periphery_45nm.yaml: sense amplifier
and SAR ADC from the DNN+NeuroSim V1.3 45 nm models, adders from Horowitz ISSCC 2014, and the
assumptions of this project, marked "ours"), cell energies per phase measured in ngspice
transients (array/mac.py), and the counts of a mapping (sub-arrays, reads, conversions, adds).
Outputs: plain dictionaries of joules, square metres (and F^2) and seconds, every entry named.

Cell energies are measured once per technology at a reference bias (`CellEnergies`, a 64-row
column with ideal wires, random operands) and scaled to a design point as resistive energies,
E ~ V^2 t / R: by (V / V_ref)^2, t / t_ref and RA_ref / RA (the bias dependence of TMR and the
transistor are second order there; docs/chip.md).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import yaml

from mramcim.errors import InputError
from mramcim.paths import model_file

__all__ = ["CellEnergies", "PeripheryTable", "adder_area_m2", "adder_energy_j", "load_periphery"]


@dataclass(frozen=True)
class PeripheryTable:
    """The cited cost table (all SI)."""

    node_nm: float
    feature_m: float
    min_transistor_area_f2: float
    sa_power_w: float
    sa_latency_s: float
    sa_transistors: tuple[int, int]
    adc_power_w_per_bit: float
    adc_power_w_offset: float
    adc_cycle_s: float
    adc_nmos: tuple[int, int]  # base, per extra bit
    adc_pmos: tuple[int, int]
    adder_energy_j: tuple[float, float]  # 8-bit, 32-bit
    adder_area_m2: tuple[float, float]
    adder_delay_s: float
    cell_f2: dict[str, float]
    sources: dict[str, str]

    @property
    def f2_m2(self) -> float:
        return self.feature_m**2

    def sa_energy_j(self) -> float:
        return self.sa_power_w * self.sa_latency_s

    def sa_area_m2(self) -> float:
        return sum(self.sa_transistors) * self.min_transistor_area_f2 * self.f2_m2

    def adc_energy_j(self, bits: int) -> float:
        """One b-bit conversion: P(b) (b + 1) cycles."""
        return (self.adc_power_w_per_bit * bits + self.adc_power_w_offset) * (bits + 1) * self.adc_cycle_s

    def adc_latency_s(self, bits: int) -> float:
        return (bits + 1) * self.adc_cycle_s

    def adc_area_m2(self, bits: int) -> float:
        n = self.adc_nmos[0] + self.adc_nmos[1] * (bits - 1) + self.adc_pmos[0] + self.adc_pmos[1] * (bits - 1)
        return n * self.min_transistor_area_f2 * self.f2_m2


def load_periphery(name: str = "periphery_45nm.yaml") -> PeripheryTable:
    """The packaged cost table (models/periphery/)."""
    try:
        raw = yaml.safe_load(model_file(f"periphery/{name}").read_text(encoding="utf-8"))
        sa, adc, add, cell = raw["sense_amplifier"], raw["sar_adc"], raw["adder"], raw["cell"]
        return PeripheryTable(
            node_nm=float(raw["node_nm"]),
            feature_m=float(raw["feature_m"]),
            min_transistor_area_f2=float(raw["min_transistor_area_f2"]),
            sa_power_w=float(sa["power_w"]),
            sa_latency_s=float(sa["latency_s"]),
            sa_transistors=(int(sa["nmos"]), int(sa["pmos"])),
            adc_power_w_per_bit=float(adc["power_w_per_bit"]),
            adc_power_w_offset=float(adc["power_w_offset"]),
            adc_cycle_s=float(adc["cycle_s"]),
            adc_nmos=(int(adc["nmos_base"]), int(adc["nmos_per_bit"])),
            adc_pmos=(int(adc["pmos_base"]), int(adc["pmos_per_bit"])),
            adder_energy_j=(float(add["energy_j_8bit"]), float(add["energy_j_32bit"])),
            adder_area_m2=(float(add["area_m2_8bit"]), float(add["area_m2_32bit"])),
            adder_delay_s=float(add["delay_s"]),
            cell_f2={"half": float(cell["half_f2"]), "conventional": float(cell["conventional_f2"])},
            sources={"sense_amplifier": sa["source"], "sar_adc": adc["source"], "adder": add["source"]},
        )
    except (FileNotFoundError, KeyError, TypeError, ValueError) as err:
        raise InputError(f"periphery table {name}: {err}") from err


def adder_energy_j(table: PeripheryTable, bits: int) -> float:
    """One add of `bits`-bit words: linear in width through Horowitz's 8- and 32-bit points."""
    e8, e32 = table.adder_energy_j
    return max(e8 + (e32 - e8) * (bits - 8) / 24, e8 * bits / 8)


def adder_area_m2(table: PeripheryTable, bits: int) -> float:
    a8, a32 = table.adder_area_m2
    return max(a8 + (a32 - a8) * (bits - 8) / 24, a8 * bits / 8)


@dataclass(frozen=True)
class CellEnergies:
    """Energies per cell and phase from ngspice transients (array/mac.run_mac), at a reference bias.

    toggle_j / restore_j: per pulsed (X = -1) half-size cell, driver energy over the pulse;
    read_j: per cell read (half-size: every cell; conventional: per weight, the driven device).
    """

    scheme_read_j: dict[str, float]
    toggle_j: float
    restore_j: float
    v_read_v: float
    v_vcma_v: float
    t_read_s: float
    t_vcma_s: float
    ra_ohm_m2: float
    how: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def scaled(
        self, scheme: str, *, v_read_v: float, v_vcma_v: float, t_read_s: float, t_vcma_s: float, ra_ohm_m2: float
    ) -> dict[str, float]:
        """Per-cell energies at a design point (resistive scaling, see the module docstring)."""
        r = self.ra_ohm_m2 / ra_ohm_m2
        read = self.scheme_read_j[scheme] * (v_read_v / self.v_read_v) ** 2 * (t_read_s / self.t_read_s) * r
        k = (v_vcma_v / self.v_vcma_v) ** 2 * (t_vcma_s / self.t_vcma_s) * r
        return {"read_j": read, "toggle_j": self.toggle_j * k, "restore_j": self.restore_j * k}


def bits_for(n: int) -> int:
    """Bits of an unsigned accumulator that holds 0..n."""
    return max(1, math.ceil(math.log2(n + 1)))
