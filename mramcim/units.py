"""Netlist-safe values: the one number formatter and the identifier check.

Everything that enters a SPICE deck goes through `spice_num` (numbers) or `spice_ident`
(names). Neither can produce whitespace, a newline or a leading dot, so no value can add a
card such as `.control`, `.shell` or `.include` to a deck.
"""

from __future__ import annotations

import math
import re

from mramcim.errors import TemplateError

__all__ = ["IDENT_PATTERN", "spice_ident", "spice_num"]

IDENT_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


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
        return str(value)
    return f"{value:.10g}"


def spice_ident(name: object) -> str:
    """Return `name` if it is a safe SPICE identifier (letter, then letters/digits/_).

    Raises:
        TemplateError: anything else, e.g. names with spaces, dots, newlines or quotes.
    """
    if not isinstance(name, str) or not IDENT_PATTERN.match(name):
        raise TemplateError(
            f"invalid netlist identifier {name!r}: use a letter then letters, digits or _ "
            "(at most 64 characters)"
        )
    return name
