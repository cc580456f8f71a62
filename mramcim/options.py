"""The option vocabulary, defined once: every choice a user or a run configuration can make.

Each option is a `StrEnum`, so a member compares equal to its string, renders as its string in
templates and JSON, and the CLI builds its `click.Choice` from the members (`choices`). What a
choice implies is a property of the member (`Scheme.mtjs_per_weight`, `Reference.columns`), not
an `if` repeated at every use. `parse_option` turns user text into a member with a "did you mean"
hint. Run configurations share one base, `Config`: a frozen, strict pydantic model whose
validation errors become one `ConfigError` naming each bad field.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator

from mramcim.errors import ConfigError, OptionError, suggest

__all__ = [
    "Algorithm",
    "AlgorithmField",
    "Analysis",
    "Bias",
    "Config",
    "Corner",
    "DeckFormat",
    "Decoding",
    "DecodingField",
    "DriveKind",
    "Engine",
    "EngineField",
    "Mapping",
    "MappingField",
    "MtjModel",
    "OutputCode",
    "OutputCodeField",
    "Parasitics",
    "Pool",
    "ParasiticsField",
    "Reference",
    "ReferenceField",
    "Scheme",
    "SchemeField",
    "Simulator",
    "SimulatorField",
    "SwitchMode",
    "SwitchModeField",
    "WriteBias",
    "WriteBiasField",
    "choices",
    "format_validation",
    "parse_option",
]


class Scheme(StrEnum):
    """How a weight is stored in the sum-of-product array."""

    HALF = "half"  # one MTJ per weight, XNOR by a VCMA toggle of the X = -1 rows
    CONVENTIONAL = "conventional"  # complementary pair (W, -W) on two row lines, X selects the line
    PASSIVE = "passive"  # 1R crossbar without access transistors (seed 004)

    @property
    def mtjs_per_weight(self) -> int:
        return 2 if self is Scheme.CONVENTIONAL else 1

    @property
    def bit_line_pitch(self) -> int:
        """Cell pitches per weight along the bit line (a conventional pair is two stacked cells)."""
        return self.mtjs_per_weight

    @property
    def row_line_sets(self) -> tuple[tuple[str, str], ...]:
        """(row-line node prefix, driver source name prefix) of each row-line set."""
        if self is Scheme.CONVENTIONAL:
            return (("rla", "rowa"), ("rlb", "rowb"))
        return (("rl", "row"),)

    @classmethod
    def active(cls) -> tuple[Scheme, ...]:
        """The schemes with access transistors (the TGBNN arrays)."""
        return (cls.HALF, cls.CONVENTIONAL)


class Parasitics(StrEnum):
    """Wire model: ideal, one R and C per line, or R and C per cell pitch."""

    NONE = "none"
    LUMPED = "lumped"
    MESH = "mesh"


class Reference(StrEnum):
    """Sense-amplifier reference: the closed form, or replica columns on the same wires."""

    IDEAL = "ideal"
    REPLICA = "replica"

    @property
    def columns(self) -> int:
        """Reference columns added to each array."""
        return 2 if self is Reference.REPLICA else 0


class Engine(StrEnum):
    """DC read-network solver."""

    FAST = "fast"  # circuit/fastsolve: line-preconditioned CG (or Cholesky); equals scipy to ~1e-11
    SCIPY = "scipy"  # SuperLU nodal solve: the reference
    NGSPICE = "ngspice"
    VACASK = "vacask"  # one flat operating-point deck (KLU orders the mesh well)


class Simulator(StrEnum):
    """Transient circuit simulator, with its MTJ model."""

    NGSPICE = "ngspice"  # B-source macrospin LLG subcircuit (models/mtj/mtj_llg.lib.j2)
    VACASK = "vacask"  # the same equations in Verilog-A (models/mtj/mtj_llg.va), compiled to OSDI


class VerifyMethod(StrEnum):
    """How `verify design` gets the circuit's column currents of many images."""

    DIRECT = "direct"  # every image its own operating point
    TRANSFER = "transfer"  # unit excitations of the sense inputs, then superposition (linear reads)


class DeckFormat(StrEnum):
    """What `gen-array` writes."""

    SPICE = "spice"  # ngspice deck, B-source MTJ subcircuit (runs in any SPICE with B sources)
    VACASK = "vacask"  # VACASK deck, plus the compiled OSDI models it loads
    VERILOG_A_SPICE = "verilog-a-spice"  # SPICE deck whose MTJ is the Verilog-A module, plus the .va source

    @property
    def needs_folder(self) -> bool:
        """Other files are written beside the deck (so it needs -o)."""
        return self is not DeckFormat.SPICE


class Mapping(StrEnum):
    """How the partial sums of a column split over sub-arrays are combined (array/layer.py)."""

    SINGLE = "single"  # one fan-in-row array per column: today's flat design
    HIERARCHICAL = "hierarchical"  # local bit-line segments summed as currents on a global bit line
    ADC = "adc"  # a b-bit ADC per sub-array column, digital sum, then the sign


class Analysis(StrEnum):
    TRAN = "tran"
    DC = "dc"


class Corner(StrEnum):
    """Global wire/driver/transistor corner (factors in `mramcim.tech.CORNERS`)."""

    TT = "tt"
    FF = "ff"
    SS = "ss"


class Bias(StrEnum):
    """How the unselected lines of a passive crossbar are held during a selected-cell access."""

    GROUND = "ground"
    HALF = "half"
    THIRD = "third"
    FLOAT = "float"


class WriteBias(StrEnum):
    """Passive-crossbar write schemes (the V/2 and V/3 biases)."""

    HALF = "half"
    THIRD = "third"


class SwitchMode(StrEnum):
    """Write mechanism: spin-orbit torque through the strip, or spin-transfer torque through the junction."""

    SOT = "sot"
    STT = "stt"


class DriveKind(StrEnum):
    """Drive of an MTJ Monte-Carlo testbench."""

    SOT = "sot"
    STT = "stt"
    VCMA = "vcma"
    IDLE = "idle"


class Algorithm(StrEnum):
    TGBNN = "tgbnn"
    BNN_SGD = "bnn-sgd"  # the papers' regular BNN, our reading: latent weights, margin error, fixed-rate SGD
    BNN = "bnn"  # latent weights, Adam, cross-entropy (the strong BNN)
    FLOAT = "float"


class OutputCode(StrEnum):
    ONEHOT = "onehot"
    ECOC = "ecoc"


class Pool(StrEnum):
    """Where the tasks of a parallel run execute without a dask scheduler (`mramcim.executor`)."""

    THREAD = "thread"  # threads of this process: tasks that wait on a child process (ngspice)
    PROCESS = "process"  # spawned Python processes
    DASK = "dask"  # a dask.distributed LocalCluster of single-threaded worker processes


class Decoding(StrEnum):
    """How ECOC output scores become a class."""

    HARD = "hard"  # Hamming distance of the signs to the codewords
    SOFT = "soft"  # correlation of the scores with the codewords


class MtjModel(StrEnum):
    LLG = "llg"  # macrospin Landau-Lifshitz-Gilbert in ngspice
    TWOSTATE = "twostate"  # calibrated statistical model


E = TypeVar("E", bound=StrEnum)
C = TypeVar("C", bound="Config")


def choices(option: type[StrEnum], members: tuple[StrEnum, ...] | None = None) -> list[str]:
    """The values of an option (or of some of its members), in declaration order, for click.Choice."""
    return [m.value for m in (members if members is not None else tuple(option))]


def parse_option(option: type[E], value: object, what: str, allowed: tuple[E, ...] | None = None) -> E:
    """The member of `option` named by `value`, or one OptionError listing the valid values.

    Args:
        what: how the option is called in the message (e.g. "scheme").
        allowed: restrict to these members (e.g. `Scheme.active()`).
    """
    valid = choices(option, allowed)
    if isinstance(value, option) and value.value in valid:
        return value
    if isinstance(value, str) and value in valid:
        return option(value)
    text = str(value)
    raise OptionError(f"unknown {what} {value!r}{suggest(text, valid)}; choose one of {', '.join(valid)}")


def _parser(option: type[E], what: str, allowed: tuple[E, ...] | None = None) -> BeforeValidator:
    return BeforeValidator(lambda v: parse_option(option, v, what, allowed))


# Field types of the run configurations: parsed by `parse_option`, so a bad value gets one error
# naming the valid values and the nearest one.
SchemeField = Annotated[Scheme, _parser(Scheme, "scheme", Scheme.active())]
ParasiticsField = Annotated[Parasitics, _parser(Parasitics, "parasitics")]
ReferenceField = Annotated[Reference, _parser(Reference, "reference")]
EngineField = Annotated[Engine, _parser(Engine, "engine")]
SimulatorField = Annotated[Simulator, _parser(Simulator, "simulator")]
MappingField = Annotated[Mapping, _parser(Mapping, "mapping")]
AlgorithmField = Annotated[Algorithm, _parser(Algorithm, "algorithm")]
OutputCodeField = Annotated[OutputCode, _parser(OutputCode, "output code")]
DecodingField = Annotated[Decoding, _parser(Decoding, "decoding")]
WriteBiasField = Annotated[WriteBias, _parser(WriteBias, "write bias")]
SwitchModeField = Annotated[SwitchMode, _parser(SwitchMode, "switching mode")]


def format_validation(err: ValidationError, source: str) -> str:
    """One line naming every invalid field of a pydantic model (dotted paths)."""
    parts = []
    for item in err.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(top level)"
        msg = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            msg = "unknown key"
        elif item["type"] == "missing":
            msg = "missing key"
        elif item["loc"] and isinstance(item.get("input"), str | int | float | bool):
            where += f" = {item['input']!r}"
        parts.append(f"{where}: {msg}")
    return f"invalid {source}: " + "; ".join(parts)


class Config(BaseModel):
    """Base of the run configurations: frozen, no unknown fields, errors raised as ConfigError."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    what: ClassVar[str] = ""  # how errors name the configuration (default: the class name)

    def with_(self: C, **changes: Any) -> C:
        """A re-validated copy with `changes` applied."""
        return type(self)(**(self.model_dump() | changes))

    @model_validator(mode="wrap")
    @classmethod
    def _as_config_error(cls, data: Any, handler: Any) -> Any:
        try:
            return handler(data)
        except ValidationError as err:
            raise ConfigError(format_validation(err, cls.what or cls.__name__)) from None
