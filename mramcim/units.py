"""Units in and out: the one quantity parser, the one number formatter and the identifier check.

In: `parse_quantity` reads a number with an optional scale factor and unit, the way SPICE does
(case-insensitive; `f p n u m k meg g t`; letters after the scale are the unit): `260uA`,
`10ns`, `1.5e-9`, `2meg`. The CLI and the deck reader both use it; `parse_values` adds lists
(`a,b,c`) and sweeps (`lo:hi:n`), `parse_pulse` an SOT pulse `260uA,10ns`.

Out: everything that enters a SPICE deck goes through `spice_num` (numbers) or `spice_ident`
(names). Neither can produce whitespace, a newline or a leading dot, so no value can add a
card such as `.control`, `.shell` or `.include` to a deck.
"""

from __future__ import annotations

import math
import re

from mramcim.errors import TemplateError

__all__ = ["IDENT_PATTERN", "parse_ints", "parse_pulse", "parse_quantity", "parse_values", "spice_ident", "spice_num"]

IDENT_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
SCALE = {"f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "meg": 1e6, "g": 1e9, "t": 1e12}
_QUANTITY = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)(meg|[fpnumkgt])?([a-z]*)\s*", re.IGNORECASE)
MAX_SWEEP_POINTS = 100_000
MAX_MAGNITUDE = 1e100  # beyond any physical quantity here; keeps sweep arithmetic finite


def parse_quantity(text: str, unit: str = "", *, name: str = "value", require_unit: bool = False) -> float:
    """`text` as a number in SI base units.

    Args:
        unit: the expected unit ("A", "s", ...); when given, only it (or nothing) may follow the
            scale factor, so `10ns` is 1e-8 for unit "s" and an error for unit "A".

    Raises:
        InputError: not a number, an unknown unit, or not finite.
    """
    from mramcim.errors import InputError

    match = _QUANTITY.fullmatch(text)
    if match is None:
        raise InputError(f"{name}: cannot read {text!r} as a number")
    number, scale, rest = match.groups()
    if scale and scale.lower() == "m" and rest.lower() == "eg":  # "meg" split by the regex alternation order
        scale, rest = "meg", ""
    if unit and (rest or require_unit) and rest.lower() != unit.lower():
        raise InputError(f"{name}: {text!r} is not in {unit}")
    value = float(number) * SCALE.get((scale or "").lower(), 1.0)
    if not math.isfinite(value):
        raise InputError(f"{name}: {text!r} is not finite")
    return value


def parse_values(text: str, name: str, scale: float = 1.0, *, positive: bool = True) -> list[float]:
    """'1.0' -> [1.0]; '0.5,0.9,1.3' -> list; '0.5:1.3:9' -> 9 evenly spaced values; each times `scale`.

    Values must be finite, and positive unless `positive` is False; a sweep has 1 to
    `MAX_SWEEP_POINTS` points.
    """
    import numpy as np

    from mramcim.errors import InputError

    try:
        if ":" in text:
            lo, hi, n = text.split(":")
            count = int(n)
            if not 1 <= count <= MAX_SWEEP_POINTS:
                raise ValueError(f"count must be between 1 and {MAX_SWEEP_POINTS}")
            ends = float(lo), float(hi)
            if not all(math.isfinite(v) and abs(v) <= MAX_MAGNITUDE for v in ends):
                raise ValueError(f"sweep ends must be finite and at most {MAX_MAGNITUDE:g} in magnitude")
            values = np.linspace(*ends, count).tolist()
        else:
            values = [float(v) for v in text.split(",") if v.strip()]
            if len(values) > MAX_SWEEP_POINTS:
                raise ValueError(f"at most {MAX_SWEEP_POINTS} values")
    except ValueError as err:
        raise InputError(f"{name}: cannot read {text!r} as a value, a comma list or lo:hi:count ({err})") from None
    if not values:
        raise InputError(f"{name}: no values given")
    bad = [v for v in values if not math.isfinite(v) or (positive and v <= 0)]
    if bad:
        raise InputError(f"{name} must be {'positive' if positive else 'finite'}, got {bad[0]:g}")
    scaled = [v * scale for v in values]
    if not all(math.isfinite(v) and (not positive or v > 0) for v in scaled):
        raise InputError(f"{name}: {text!r} overflows or underflows")
    return scaled


def parse_ints(text: str, name: str) -> list[int]:
    """'8,64,256' -> [8, 64, 256]."""
    from mramcim.errors import InputError

    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:  # also int()'s limit on digits
        raise InputError(f"{name} must be comma-separated integers, got {text[:80]!r}") from None
    if not values:
        raise InputError(f"{name}: no values given")
    return values


def parse_pulse(text: str, name: str = "--write-pulse") -> tuple[float, float]:
    """'250uA,10ns' -> (current [A], width [s])."""
    from mramcim.errors import InputError

    parts = text.split(",")
    if len(parts) != 2:
        raise InputError(
            f"{name} must look like 250uA,10ns (current with uA/mA/A, width with ps/ns/us/s), got {text!r}"
        )
    try:
        return (
            parse_quantity(parts[0], "A", name=name, require_unit=True),
            parse_quantity(parts[1], "s", name=name, require_unit=True),
        )
    except InputError:
        raise InputError(
            f"{name} must look like 250uA,10ns (current with uA/mA/A, width with ps/ns/us/s), got {text!r}"
        ) from None


def spice_num(value: object) -> str:
    """Format a finite real number for SPICE in plain exponent notation (`1.5e-09`).

    Raises:
        TemplateError: `value` is not a real number, or is NaN/inf.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            import numpy as np

            if isinstance(value, np.integer | np.floating):
                value = value.item()
            else:
                raise TypeError
        except TypeError:
            raise TemplateError(f"not a number for the netlist: {value!r}") from None
    if not math.isfinite(value):
        raise TemplateError(f"non-finite number refused by the netlist: {value!r}")
    if isinstance(value, int):
        if abs(value) >= 10**300:
            raise TemplateError(f"number too large for the netlist: {value!r}")
        return str(value)
    text = f"{value:.10g}"
    if not math.isfinite(float(text)):  # within 1e-10 of the largest double: rounds up to inf
        raise TemplateError(f"number too large for the netlist: {value!r}")
    return text


def spice_ident(name: object) -> str:
    """Return `name` if it is a safe SPICE identifier (letter, then letters/digits/_).

    Raises:
        TemplateError: anything else, e.g. names with spaces, dots, newlines or quotes.
    """
    if not isinstance(name, str) or not IDENT_PATTERN.fullmatch(name):
        raise TemplateError(
            f"invalid netlist identifier {name!r}: use a letter then letters, digits or _ (at most 64 characters)"
        )
    return name
