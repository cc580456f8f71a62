"""Pipelines that chain the circuit stages: render -> check -> simulate -> extract.

`simulate` is the one path from a deck to ngspice (the ERC always runs first); `verify_xnor`
returns an `XnorVerification` result.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

from mramcim.artifacts import Result
from mramcim.circuit.deckscan import read_user_deck
from mramcim.circuit.erc import require_clean
from mramcim.circuit.extract import XnorCase, extract_xnor
from mramcim.circuit.netlist import RenderedNetlist, render_xnor
from mramcim.circuit.sim import SimResult, check_timeout, run_deck
from mramcim.tech import Technology

__all__ = ["XnorVerification", "check_file", "simulate", "simulate_file", "verify_xnor"]

logger = logging.getLogger(__name__)


def simulate(deck: RenderedNetlist | str, tech: Technology, name: str) -> SimResult:
    """Electrical rule check, then ngspice, for a rendered deck or raw deck text."""
    text = deck if isinstance(deck, str) else deck.text
    require_clean(text, name)
    start = time.perf_counter()
    result = run_deck(text, name=name, timeout_s=tech.simulation.timeout_s)
    logger.info("simulated %s in %.2f s", name, time.perf_counter() - start)
    return result


def check_file(path: str | Path) -> None:
    """The ERC of a user's deck file (includes inlined; control constructs are violations).

    Raises:
        InputError: unreadable, binary or empty deck, a `.lib` card or a bad include.
        ErcError: every violation, listed.
    """
    require_clean(read_user_deck(path), str(path))


def simulate_file(path: str | Path, *, timeout_s: float) -> SimResult:
    """A user's deck from disk: includes inlined, ERC (which refuses any control construct that
    would run a command), then ngspice without any control block."""
    timeout_s = check_timeout(timeout_s, "--timeout")
    text = read_user_deck(path)
    require_clean(text, str(path))
    return run_deck(text, name=str(path), timeout_s=timeout_s)


@dataclass(frozen=True)
class XnorVerification(Result):
    """The XNOR cell in all four (X, W) cases: sensed output, restore and energy per case."""

    name: ClassVar[str] = "xnor"

    cases: tuple[XnorCase, ...]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.cases)

    def to_json(self) -> dict[str, Any]:
        return {"cases": [asdict(c) | {"passed": c.passed} for c in self.cases], "passed": self.passed}

    def summary_lines(self) -> list[str]:
        lines = [" X  W | I_read [uA]  R_MTJ [kOhm] | sensed expected | restored W | energy [fJ] | result"]
        for c in self.cases:
            lines.append(
                f"{c.x:+d} {c.w:+d} | {c.read_current_a * 1e6:10.4f}  {c.mtj_resistance_ohm / 1e3:11.2f} |"
                f" {c.sensed:+6d} {c.expected:+8d} | {c.restored_weight:+10d} | {c.energy_j * 1e15:11.2f} |"
                f" {'pass' if c.passed else 'FAIL'}"
            )
        return lines


def verify_xnor(tech: Technology) -> XnorVerification:
    """Simulate the XNOR testbench (all four cases at once) and extract each case."""
    deck = render_xnor(tech)
    return XnorVerification(tuple(extract_xnor(simulate(deck, tech, "xnor cell testbench"), deck, tech)))
