"""Complete array decks for `gen-array`: the sum-of-product transient (half-size or conventional)
or the passive crossbar's selected-cell `.op` read, from one validated specification.

The default sum-of-product design (issue 17) is the one whose 784-row transient works: mesh wires,
bit lines cut into 64-row local segments strapped by 10 Ohm taps to a global bit line 32 times the
technology's bit-line width, and two replica reference columns in the deck (the comparators
compare each column with the mean of their currents, so the reference sees the same wires). A
784 x 2 transient of it toggles and restores all 754 pulsed cells and senses sign(2k - N)
(docs/chip.md). `--bitline flat` keeps the single bit line per column; on mesh wires it is
accompanied by a `MramcimWarning` with its predicted toggle and sense error rates
(`predict_deck_errors`: the DC read networks of the toggle and read phases with the toggle-error
map, random operands).

Formats (`DeckFormat`): the ngspice deck (B-source MTJ); the VACASK deck, written with the compiled
OSDI models it loads (`vacask deck.sim` runs in that folder); or a SPICE deck whose MTJ is the
Verilog-A module, written with `mtj_llg.va`, for a simulator that compiles or loads Verilog-A."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import Field, model_validator

from mramcim.array.crossbar import PASSIVE_PARASITICS, passive_deck
from mramcim.array.layer import HardwareLayer, LayerMapping, load_wide_toggle_map, replica_states
from mramcim.array.operands import array_operands
from mramcim.artifacts import write_bytes, write_text
from mramcim.circuit.netlist import render_array, render_array_verilog_a
from mramcim.circuit.readnet import check_memory, memory_estimate_bytes
from mramcim.circuit.vacask import VA_MODELS, compile_model
from mramcim.circuit.vanetlist import render_array_vacask
from mramcim.encoding import threshold_popcount
from mramcim.errors import InputError, MramcimWarning
from mramcim.options import Bias, Config, Corner, DeckFormat, Mapping, Parasitics, Scheme
from mramcim.paths import model_file
from mramcim.tech import Technology, apply_corner, load_passive_tech, load_tech

__all__ = [
    "ArrayDeckSpec",
    "Bitline",
    "DeckBundle",
    "DeckPrediction",
    "array_deck",
    "array_deck_bundle",
    "deck_design",
    "parse_cell",
    "predict_deck_errors",
    "write_bundle",
]


class Bitline(StrEnum):
    """How a column's cells reach its sense amplifier in the emitted deck."""

    HIERARCHICAL = "hierarchical"  # local segments strapped to a wide global bit line (the default design)
    FLAT = "flat"  # one bit line per column (the original deck)


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
    bitline: Bitline = Field(Bitline.HIERARCHICAL, description="hierarchical (segmented) or flat bit lines")
    segment_rows: int = Field(64, ge=1, le=8192, description="hierarchical: rows per local bit-line segment")
    global_width: float = Field(32.0, ge=1.0, le=1000.0, description="hierarchical: global bit-line width multiplier")
    tap_ohm: float = Field(10.0, gt=0.0, le=1e4, description="hierarchical: segment tap resistance [Ohm]")
    replica: bool = Field(True, description="replica reference columns in the deck (else the closed-form reference)")

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

    @property
    def segmented(self) -> bool:
        return self.bitline is Bitline.HIERARCHICAL and self.parasitics is Parasitics.MESH

    @property
    def in_deck_replicas(self) -> bool:
        """Half-size mesh decks carry their replica columns (their word line is off while toggling);
        the conventional pair's complementary tiles cannot hold a replica, so its comparators get
        the replicas' current from the DC read network of the same design instead."""
        return self.replica and self.parasitics is Parasitics.MESH and self.scheme is Scheme.HALF

    def layer_mapping(self) -> LayerMapping:
        return LayerMapping(
            scheme=self.scheme if self.scheme is not Scheme.PASSIVE else Scheme.HALF,
            mapping=Mapping.HIERARCHICAL if self.segmented else Mapping.SINGLE,
            rows=max(2, min(self.segment_rows, self.rows)),
            cols=self.cols,
            global_width=self.global_width,
            tap_ohm=self.tap_ohm,
        )


@dataclass(frozen=True)
class DeckPrediction:
    """Predicted error rates of a deck's design from its DC read networks (random operands)."""

    toggle_failure_rate: float  # over the pulsed (X = -1) cells
    sense_error_rate: float  # columns whose output differs from sign(2k - N)
    trials: int


def predict_deck_errors(tech: Technology, spec: ArrayDeckSpec, *, trials: int = 4, seed: int = 0) -> DeckPrediction:
    """Toggle and sense error rates of `spec`'s design: `trials` random operand sets read through
    the toggle-phase and read-phase DC networks (array/layer.py, nominal devices, no offset) with
    the toggle-error map down to 0.6 V."""
    mapping = spec.layer_mapping()
    rng = np.random.default_rng(seed)
    fails = pulsed = wrong = 0
    for _ in range(trials):
        w = rng.choice(np.array([-1, 1], dtype=np.int8), size=(spec.rows, spec.cols))
        x = rng.choice(np.array([-1, 1], dtype=np.int8), size=spec.rows)
        toggle_map = load_wide_toggle_map() if mapping.scheme is Scheme.HALF else None
        read = HardwareLayer(tech, w, mapping, toggle_map=toggle_map).read(x[None], rng=rng)
        fails, pulsed = fails + read.toggle_failures, pulsed + read.pulsed_cells
        k = np.sum(x[:, None] * w > 0, axis=0)
        wrong += int(np.sum(read.activations[0] != np.where(k >= threshold_popcount(spec.rows), 1, -1)))
    return DeckPrediction(fails / pulsed if pulsed else 0.0, wrong / (trials * spec.cols), trials)


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
    if spec.bitline is Bitline.FLAT and spec.parasitics is Parasitics.MESH and spec.rows > spec.segment_rows:
        pred = predict_deck_errors(tech, spec)
        warnings.warn(
            f"flat {spec.rows}-row bit lines with mesh wires: predicted toggle failure rate "
            f"{pred.toggle_failure_rate:.1%} of the pulsed cells and sense error rate {pred.sense_error_rate:.1%} "
            f"(DC read networks, {pred.trials} random operand sets); the default --bitline hierarchical works",
            MramcimWarning,
            stacklevel=2,
        )
    design = deck_design(tech, spec, w, x)
    if spec.format is DeckFormat.VERILOG_A_SPICE:
        return render_array_verilog_a(tech, w, x, spec.scheme, parasitics=spec.parasitics, **design).text
    if spec.format is DeckFormat.VACASK:
        if design["ref_states"] is not None or "segment_rows" in design or design["i_ref"] is not None:
            raise InputError(
                "--format vacask emits flat bit lines with the closed-form reference only; "
                "add --bitline flat --no-replica (or use --format spice / verilog-a-spice for the default design)"
            )
        return render_array_vacask(tech, w, x, spec.scheme, parasitics=spec.parasitics, save_states=save_states).text
    return render_array(
        tech,
        w,
        x,
        spec.scheme,
        parasitics=spec.parasitics,
        save_states=save_states,
        **design,
    ).text


def deck_design(
    tech: Technology, spec: ArrayDeckSpec, weights: npt.NDArray[np.int8], inputs: npt.NDArray[np.int8]
) -> dict[str, Any]:
    """`render_array` keyword arguments of the spec's design: segmented bit lines, in-deck replica
    columns (half-size) or the replicas' current from the DC read network (conventional)."""
    w, x = weights, inputs
    refs = None
    if spec.in_deck_replicas:
        k = threshold_popcount(spec.rows)
        refs = np.stack([replica_states(spec.rows, k), replica_states(spec.rows, k - 1)], axis=1)
    seg: dict[str, Any] = {}
    if spec.segmented:
        seg = {
            "segment_rows": spec.segment_rows,
            "global_ohm_per_pitch": tech.wires.r_bl_ohm / spec.global_width,
            "global_f_per_pitch": tech.wires.c_bl_f * spec.global_width,
            "tap_ohm": spec.tap_ohm,
        }
    i_ref = None
    if spec.replica and spec.parasitics is Parasitics.MESH and not spec.in_deck_replicas:
        i_ref = float(HardwareLayer(tech, w, spec.layer_mapping()).read(x[None]).reference_a[0, 0])
    return {"ref_states": refs, "i_ref": i_ref, **seg}
