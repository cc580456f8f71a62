"""Error types shared by every stage. Users catch `MramcimError`; the CLI turns it into one line."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "ConfigError",
    "ErcError",
    "ExtractionError",
    "InputError",
    "MramcimError",
    "MramcimWarning",
    "OptionError",
    "OutputError",
    "SimulationError",
    "TemplateError",
    "suggest",
]


class MramcimError(Exception):
    """Base class of every error mramcim raises on purpose."""


class ConfigError(MramcimError):
    """A technology file or option value is missing, malformed or out of range."""


class InputError(MramcimError):
    """User data (weights, inputs, datasets, shapes) is unusable."""


class OptionError(ConfigError, InputError):
    """An option value is not one of its choices (a bad setting and bad user input at once)."""


class OutputError(MramcimError):
    """An output could not be written (read-only or full disk, not a folder, locked by another run);
    the message names the path, and nothing partial is left."""


class TemplateError(MramcimError):
    """A netlist could not be rendered, or a value refused to enter a netlist."""


class ErcError(MramcimError):
    """The electrical rule check found violations; the message lists all of them."""


class SimulationError(MramcimError):
    """ngspice failed, timed out or could not be loaded."""


class ExtractionError(MramcimError):
    """Simulated waveforms lack what an extraction needs."""


class MramcimWarning(UserWarning):
    """Warnings raised by mramcim."""


def suggest(bad: str, valid: Iterable[str]) -> str:
    """Return ' (did you mean X?)' when `bad` is close to one of `valid`, else ''."""
    close = difflib.get_close_matches(bad, list(valid), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
