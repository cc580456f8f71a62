"""Facts about mramcim's Verilog-A models that Python needs: the parameters a module declares,
and a numpy reference of the MTJ model's thermal-field generator.

The generator (models/mtj/mtj_llg.va, functions mix32, unit_open, gauss_knot, thermal) is
counter-based, so a device's thermal field is a fixed function of (seed, axis, time):

    key(seed, axis) = mix32(mix32(seed) + 0x61c88647 (axis + 1))          (32-bit wrap-around)
    u(key, c)       = ((mix32(mix32(c) ^ key) >> 8) + 1/2) / 2^24          in (0, 1)
    g_k             = sqrt(-2 ln u(key, 2k)) cos(2 pi u(key, 2k + 1))      (Box-Muller), N(0, 1)
    B_th(t)         = th_sigma [(1 - f) g_k + f g_(k+1)],  k = floor(t/dt), f = t/dt - k

mix32 is an xorshift-multiply mixer (constants 0x7feb352d, 0x846ca68b). The reference here lets
the tests check the compiled model's draws value by value and the generator's statistics.
Pure numpy; nothing here runs a simulator.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from mramcim.paths import model_file

__all__ = ["module_parameters", "thermal_field", "thermal_knots"]

_M1 = np.uint32(0x7FEB352D)
_M2 = np.uint32(0x846CA68B)
_GOLDEN = np.uint32(1640531527)  # 0x61c88647


def _mix32(x: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    x = np.asarray(x, dtype=np.uint32)
    x = x ^ (x >> np.uint32(16))
    x = x * _M1
    x = x ^ (x >> np.uint32(15))
    x = x * _M2
    return x ^ (x >> np.uint32(16))


def _unit_open(key: npt.NDArray[np.uint32], counter: npt.NDArray[np.uint32]) -> npt.NDArray[np.float64]:
    h = _mix32(_mix32(counter) ^ key)
    return ((h >> np.uint32(8)).astype(np.float64) + 0.5) / 16777216.0


def thermal_knots(seed: int, axis: int, k: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """The standard-normal draws g_k of one device and axis (0, 1, 2) at knots k >= 0."""
    with np.errstate(over="ignore"):
        s = np.uint32(seed & 0xFFFFFFFF)
        key = _mix32(_mix32(np.array(s)) + _GOLDEN * np.uint32(axis + 1))
        kk = np.asarray(k, dtype=np.int64).astype(np.uint32)
        u1 = _unit_open(key, np.uint32(2) * kk)
        u2 = _unit_open(key, np.uint32(2) * kk + np.uint32(1))
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def thermal_field(seed: int, axis: int, t: npt.ArrayLike, dt: float, sigma: float) -> npt.NDArray[np.float64]:
    """B_th(t) [T] of one device and axis: the knots linearly interpolated (see the module docstring)."""
    x = np.asarray(t, dtype=np.float64) / dt
    k = np.floor(x)
    f = x - k
    return sigma * ((1 - f) * thermal_knots(seed, axis, k) + f * thermal_knots(seed, axis, k + 1))


_PARAMETER = re.compile(r"\bparameter\s+(?:real|integer)\s+(\w+)\s*=")
_MODULE = re.compile(r"^\s*module\s+(\w+)\s*\(", re.MULTILINE)
_USE = re.compile(r"`(\w+)")
_DEFINE = re.compile(r"^`define\s+(\w+)(.*?)(?=^`define|^module|\Z)", re.MULTILINE | re.DOTALL)


def module_parameters(source: str, module: str) -> list[str]:
    """Parameter names (model and instance) a module of a Verilog-A file declares, its macros
    expanded one level (`define blocks of the same file and of `include`d mramcim models)."""
    defines = {}
    for inc in re.findall(r'^`include\s+"(\w+\.va)"', source, re.MULTILINE):
        folder = "mtj" if inc.startswith("mtj") else "array"
        defines.update({m.group(1): m.group(2) for m in _DEFINE.finditer(model_file(f"{folder}/{inc}").read_text())})
    defines.update({m.group(1): m.group(2) for m in _DEFINE.finditer(source)})
    starts = {m.group(1): m.end() for m in _MODULE.finditer(source)}
    if module not in starts:
        raise KeyError(f"no module {module!r} in the Verilog-A source")
    body = source[starts[module] : source.index("endmodule", starts[module])]
    expanded = "".join(defines.get(name, "") for name in _USE.findall(body)) + body
    return list(dict.fromkeys(_PARAMETER.findall(expanded)))
