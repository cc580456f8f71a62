"""Complete array decks for `gen-array`: the sum-of-product transient (half-size or conventional)
or the passive crossbar's selected-cell `.op` read, from one validated specification.

Formats (`DeckFormat`): the ngspice deck (B-source MTJ); the VACASK deck, written with the compiled
OSDI models it loads (`vacask deck.sim` runs in that folder); or a SPICE deck whose MTJ is the
Verilog-A module, written with `mtj_llg.va`, for a simulator that compiles or loads Verilog-A."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field, model_validator

from mramcim.array.crossbar import PASSIVE_PARASITICS, passive_deck
from mramcim.array.operands import array_operands
from mramcim.artifacts import write_bytes, write_text
from mramcim.circuit.netlist import render_array, render_array_verilog_a
from mramcim.circuit.readnet import check_memory, memory_estimate_bytes
from mramcim.circuit.vacask import VA_MODELS, compile_model
from mramcim.circuit.vanetlist import render_array_vacask
from mramcim.errors import InputError
from mramcim.options import Bias, Config, Corner, DeckFormat, Parasitics, Scheme
from mramcim.paths import model_file
from mramcim.tech import apply_corner, load_passive_tech, load_tech

__all__ = ["ArrayDeckSpec", "DeckBundle", "array_deck", "array_deck_bundle", "parse_cell", "write_bundle"]

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
    format: DeckFormat = Field(DeckFormat.SPICE, description="spice, vacask or verilog-a-spice")

    @model_validator(mode="after")
    def _passive_rules(self) -> ArrayDeckSpec:
        if self.scheme is Scheme.PASSIVE:
            if self.inputs is not None:
                raise InputError(
                    "--inputs does not apply to --scheme passive: its deck reads one selected cell (--select)"
                )
            if self.parasitics not in PASSIVE_PARASITICS:
                raise InputError(f"the passive crossbar has none or mesh wires, not {self.parasitics}")
            if self.format is not DeckFormat.SPICE:
                raise InputError(f"the passive crossbar deck is written as spice only, not {self.format}")
        elif self.bias is not None or self.select is not None:
            raise InputError("--bias and --select apply to --scheme passive only")
        return self


@dataclass(frozen=True)
class DeckBundle:
    """A deck and the files it needs beside it (file name -> content)."""

    text: str
    format: DeckFormat
    files: dict[str, bytes] = field(default_factory=dict)


def array_deck_bundle(spec: ArrayDeckSpec, tech_file: str | Path | None = None) -> DeckBundle:
    """The deck in `spec.format` with its companion files: the compiled OSDI models a VACASK deck
    loads (compiled now if not cached), or the Verilog-A source of the MTJ for verilog-a-spice."""
    text = array_deck(spec, tech_file)
    files: dict[str, bytes] = {}
    if spec.format is DeckFormat.VACASK:
        files = {f"{n}.osdi": compile_model(n).read_bytes() for n in VA_MODELS if f'"{n}.osdi"' in text}
    elif spec.format is DeckFormat.VERILOG_A_SPICE:
        files = {"mtj_llg.va": model_file(VA_MODELS["mtj_llg"]).read_bytes()}
    return DeckBundle(text, spec.format, files)


def write_bundle(bundle: DeckBundle, output: str | Path) -> list[Path]:
    """Write the deck to `output` and its companion files beside it; the paths written."""
    target = Path(output)
    written = [write_text(target, bundle.text)]
    written += [write_bytes(target.parent / name, data) for name, data in bundle.files.items()]
    return written


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
    if spec.format is DeckFormat.VERILOG_A_SPICE:
        return render_array_verilog_a(tech, w, x, spec.scheme, parasitics=spec.parasitics).text
    render = render_array_vacask if spec.format is DeckFormat.VACASK else render_array
    return render(tech, w, x, spec.scheme, parasitics=spec.parasitics, save_states=save_states).text
