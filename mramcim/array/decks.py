"""Complete array decks for `gen-array`: the sum-of-product transient (half-size or conventional)
or the passive crossbar's selected-cell `.op` read, from one validated specification."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from mramcim.array.crossbar import PASSIVE_PARASITICS, passive_deck
from mramcim.array.operands import array_operands
from mramcim.circuit.netlist import render_array
from mramcim.circuit.readnet import check_memory, memory_estimate_bytes
from mramcim.errors import InputError
from mramcim.options import Bias, Config, Corner, Parasitics, Scheme
from mramcim.tech import apply_corner, load_passive_tech, load_tech

__all__ = ["ArrayDeckSpec", "array_deck", "parse_cell"]

SAVE_STATES_MAX_CELLS = 4096  # above this a deck saves only the outputs (MTJ states make it slow to write)


def parse_cell(text: str | None) -> tuple[int, int] | None:
    """'ROW,COL' -> (row, col); None keeps the default."""
    if text is None:
        return None
    parts = text.split(",")
    if len(parts) != 2 or not all(p.strip().lstrip("-").isdigit() for p in parts):
        raise InputError(f"--select must be ROW,COL (two integers), got {text!r}")
    return int(parts[0]), int(parts[1])


class ArrayDeckSpec(Config):
    """What `gen-array` renders."""

    rows: int = Field(description="rows (fan-in)")
    cols: int = Field(description="columns (neurons)")
    scheme: Scheme = Field(Scheme.HALF, description="half, conventional or passive")
    parasitics: Parasitics = Field(Parasitics.MESH, description="wire model")
    corner: Corner = Field(Corner.TT, description="wire/driver/transistor corner")
    weights: Path | None = Field(None, description="(rows, cols) +-1 .npy (passive: the cell states, +1 = P)")
    inputs: Path | None = Field(None, description="(rows,) +-1 .npy")
    seed: int = Field(0, description="seed of random weights and inputs")
    bias: Bias | None = Field(None, description="passive: unselected-line bias of the read (default half)")
    select: tuple[int, int] | None = Field(None, description="passive: the read cell (default 0, cols - 1)")

    @model_validator(mode="after")
    def _passive_rules(self) -> ArrayDeckSpec:
        if self.scheme is Scheme.PASSIVE:
            if self.inputs is not None:
                raise InputError(
                    "--inputs does not apply to --scheme passive: its deck reads one selected cell (--select)"
                )
            if self.parasitics not in PASSIVE_PARASITICS:
                raise InputError(f"the passive crossbar has none or mesh wires, not {self.parasitics}")
        elif self.bias is not None or self.select is not None:
            raise InputError("--bias and --select apply to --scheme passive only")
        return self


def array_deck(spec: ArrayDeckSpec, tech_file: str | Path | None = None) -> str:
    """The deck text. Without `tech_file` the passive scheme uses the packaged STT cross-point
    technology and the others the default one; the corner is applied to either."""
    if spec.scheme is Scheme.PASSIVE:
        tech = apply_corner(load_passive_tech(None if tech_file is None else str(tech_file)), spec.corner)
        states, _ = array_operands(spec.rows, spec.cols, weights=spec.weights, seed=spec.seed)
        check_memory(
            f"the {spec.rows} x {spec.cols} passive deck",
            memory_estimate_bytes(spec.rows, spec.cols, "passive", Parasitics.MESH),
        )
        deck, _ = passive_deck(
            tech, states, bias=spec.bias or Bias.HALF, select=spec.select, parasitics=spec.parasitics
        )
        return deck
    tech = apply_corner(load_tech(tech_file), spec.corner)
    w, x = array_operands(spec.rows, spec.cols, weights=spec.weights, inputs=spec.inputs, seed=spec.seed)
    check_memory(
        f"the {spec.rows} x {spec.cols} deck",
        memory_estimate_bytes(spec.rows, spec.cols, spec.scheme, spec.parasitics, "transient_deck"),
    )
    save_states = spec.rows * spec.cols <= SAVE_STATES_MAX_CELLS
    return render_array(tech, w, x, spec.scheme, parasitics=spec.parasitics, save_states=save_states).text
