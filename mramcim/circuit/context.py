"""Model-card contexts: the numbers (SI) the MTJ and neuron model templates need, from a Technology.

One source of truth for the device parameters of every rendered deck.
"""

from __future__ import annotations

import math
from typing import Any

from mramcim.device.neuron import loop_field_per_ampere, neuron_params
from mramcim.tech import GAMMA, Technology, derive, thermal_sigma_t

__all__ = ["STATE_CAP_F", "device_context", "neuron_context"]


STATE_CAP_F = 1e-9  # LLG state capacitors: I = 1 nF * dm/dt keeps currents O(10 A)


def device_context(
    tech: Technology,
    *,
    thermal: bool = False,
    sot: bool = False,
    stt: bool | None = None,
    start_params: bool = False,
) -> dict[str, Any]:
    """Numbers the model templates need (SI).

    Args:
        thermal: add the Brown thermal field (TRRANDOM sources) at the technology temperature.
        sot: also define the three-terminal `mtj_sot` subcircuit.
        stt: add the STT torque (default: the technology's `stt.enabled`).
        start_params: the subcircuits take their initial state as parameters mx0, my0, mz0
            (default: the tilted equilibrium), so a Monte-Carlo deck can start every device from
            its own thermal draw; off (array and cell decks), the tilt is fixed in the model.
    """
    stt = tech.stt.enabled if stt is None else stt
    d = derive(tech)
    m, a, s = tech.mtj, tech.access, tech.sense
    gp = -GAMMA / (1 + m.alpha**2)
    dt = tech.thermal.noise_step_s
    return {
        "mtj": {
            "cs": STATE_CAP_F,
            "cs_gp": STATE_CAP_F * gp,
            "alpha": m.alpha,
            "bk0": d.bk0_t,
            "bx": m.bias_field_t,
            "inv_vc": 1 / d.v_critical_v,
            "inv_vh2": 1 / m.v_half_v**2,
            "tmr0": m.tmr0,
            "g_p": 1 / d.r_p_ohm,
            "tilt_sin": d.tilt_sin,
            "tilt_cos": math.sqrt(1 - d.tilt_sin**2),
            "th_sigma": thermal_sigma_t(tech, dt) if thermal else 0.0,
            "th_step": dt,
            "stt_per_a": d.stt_t_per_a if stt else 0.0,
            "start_params": start_params,
            "sot": {
                "dl_per_a": d.sot_dl_t_per_a,
                "fl_ratio": tech.sot.field_like_ratio,
                "r_strip": d.r_strip_ohm,
            }
            if sot
            else None,
        },
        "access": {"vth": a.vth_v, "kp": a.kp_a_per_v2, "w": a.w_m, "l": a.l_m, "v_wl": a.v_wordline_v},
        "sense": {"v_dd": s.v_dd_v, "i_width": s.i_width_a, "offset": s.offset_a},
    }


def neuron_context(tech: Technology, *, thermal: bool) -> dict[str, Any]:
    """Numbers the neuron model template needs (SI); kappa = mu0/(2 r_loop) [T/A]."""
    n = neuron_params(tech)
    free_layer = device_context(tech, thermal=thermal)["mtj"]  # same free layer and junction as the MTJ model
    shared = ("cs", "cs_gp", "alpha", "tmr0", "inv_vh2", "g_p", "th_sigma", "th_step")
    return {
        "neuron": {k: free_layer[k] for k in shared}
        | {
            "bx": n.bias_field_t,
            "bk": n.anisotropy_field_t,
            "kappa": loop_field_per_ampere(tech),
            "r_line": n.line_resistance_ohm,
        }
    }
