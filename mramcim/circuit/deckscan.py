"""Stage 3 — read a deck the way ngspice does, to find everything it would *execute*.

Input: deck text (or a deck file). Output: the control blocks ngspice would run (`find_control`),
the deck without them (`strip_control`), ERC violations for the unsafe ones (`control_violations`)
and a user's deck file made safe to hand to ngspice (`read_user_deck`: includes inlined, checked).

What ngspice 39 executes, measured with `ngspice -b` and through libngspice (PySpice) on decks
that `touch` a marker file (see tests/circuit/test_deck_security.py):

- a control block opens at any card *beginning* with `.control` (any case, after blanks):
  `.control`, `.CONTROL`, `.controls`, `.controlfoo` all run; it closes at any card beginning
  with `.endc` (`.endc`, `.endcx`); an unterminated block runs to the end of the deck;
- a block runs wherever it is: after `.end` (batch mode), inside `.if`, the second of two;
- lines split at every line break Python's `str.splitlines` knows (PySpice splits the deck that
  way: a form feed or a lone CR starts a new card) and PySpice drops empty lines, so the title is
  the first non-empty line;
- a deck whose title begins with `*ng_script` is a script: every line is a command;
- `.include` / `.inc...` and `.lib...` cards read other files, whose control blocks run too;
- control commands can redirect output into files (`print v(a) > FILE`).

So the one safe form of a user deck is: title checked, every `.include` inlined (recursively,
relative to the including file, as `ngspice -b` resolves them), `.lib` refused, every control
block removed, lines re-joined with `\\n`. Decks mramcim renders keep their control blocks (for
`ngspice -b` users); the runner strips them before ngspice sees the deck.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mramcim.errors import InputError

__all__ = [
    "ControlBlock",
    "SAFE_COMMANDS",
    "control_seed",
    "control_violations",
    "find_control",
    "read_deck_file",
    "read_user_deck",
    "runnable",
    "strip_control",
]

CONTROL_START = ".control"
CONTROL_END = ".endc"
SCRIPT_TITLE = "*ng_script"
# Control commands a rendered deck may carry (what mramcim's templates use, plus read-only
# inspection): none of them starts a process or writes a file without a redirection.
SAFE_COMMANDS = frozenset(
    {"setseed", "set", "unset", "run", "meas", "measure", "print", "echo", "let", "op", "tran", "dc", "ac", "quit"}
)
# Redirection (> >> <), pipes, command separators, history (!), command and variable
# substitution (` $) and escapes: none appears in a rendered control block.
_UNSAFE_CHARS = re.compile(r"[<>|;&`!$\\{}]")
_SETSEED = re.compile(r"setseed\s+(\d+)\s*$", re.IGNORECASE)
MAX_DECK_BYTES = 512 * 1024 * 1024
MAX_INCLUDE_DEPTH = 8


@dataclass(frozen=True)
class ControlBlock:
    """One block ngspice would execute: its opening card, closing card and commands.

    `start`/`end` are indices into the deck's non-empty lines (`end` None: unterminated).
    """

    start: int
    end: int | None
    opening: str
    closing: str | None
    commands: tuple[str, ...]

    @property
    def canonical(self) -> bool:
        """Spelled exactly `.control` ... `.endc` (what mramcim renders)."""
        return self.opening.lower() == CONTROL_START and (self.closing or "").lower() == CONTROL_END


def deck_lines(text: str) -> list[str]:
    """The deck's cards as ngspice receives them through PySpice: split at every line break,
    empty lines dropped (so the first line is the title)."""
    return [line for line in text.splitlines() if line]


def _card(line: str) -> str:
    """The line's first word, lower case (ngspice skips leading blanks)."""
    words = line.split(None, 1)
    return words[0].lower() if words else ""


def _starts(line: str, prefix: str) -> bool:
    return line.lstrip().lower().startswith(prefix)


def find_control(text: str) -> list[ControlBlock]:
    """Every control block of the deck, by ngspice's prefix rules (the title is never a card)."""
    lines = deck_lines(text)
    blocks: list[ControlBlock] = []
    i = 1
    while i < len(lines):
        if not _starts(lines[i], CONTROL_START):
            i += 1
            continue
        start, j = i, i + 1
        while j < len(lines) and not _starts(lines[j], CONTROL_END):
            j += 1
        end = j if j < len(lines) else None
        commands = tuple(ln.strip() for ln in lines[start + 1 : j] if ln.strip() and not ln.lstrip().startswith("*"))
        blocks.append(
            ControlBlock(start, end, _card(lines[start]), _card(lines[end]) if end is not None else None, commands)
        )
        i = j + 1
    return blocks


def is_script(text: str) -> bool:
    """The deck is an ngspice script (`*ng_script` title): every line would be executed."""
    lines = deck_lines(text)
    return bool(lines) and _starts(lines[0], SCRIPT_TITLE)


def strip_control(text: str) -> str:
    """The deck without any control block (ngspice's rules), one card per `\\n`-ended line.

    Raises:
        InputError: the deck is an `*ng_script` script, or its title is a control card.
    """
    if is_script(text):
        raise InputError("the deck is an ngspice script (*ng_script title): refused, every line would run")
    lines = deck_lines(text)
    if lines and (_starts(lines[0], CONTROL_START) or _starts(lines[0], CONTROL_END)):
        raise InputError(f"the deck's title (its first non-empty line) is a control card {_card(lines[0])!r}: refused")
    drop: set[int] = set()
    for block in find_control(text):
        drop.update(range(block.start, (block.end if block.end is not None else len(lines) - 1) + 1))
    kept = [line for k, line in enumerate(lines) if k not in drop]
    return "\n".join(kept) + "\n" if kept else ""


def runnable(text: str) -> str:
    """What the runner hands ngspice: the deck without control blocks, refusing every card that
    would make ngspice read another file (`.include`, `.lib`: their control blocks would run).

    Raises:
        InputError: an `*ng_script` deck, or an include / library card (`read_user_deck` inlines
            a user's includes before this point).
    """
    stripped = strip_control(text)
    for k, line in enumerate(deck_lines(stripped)[1:], start=2):
        if _starts(line, ".inc") or _starts(line, ".lib"):
            raise InputError(f"card {k} {_card(line)!r}: the runner does not let ngspice read other files")
    return stripped


def control_seed(text: str) -> int | None:
    """The `setseed N` value of the deck's first control block (the thermal-noise seed), if any."""
    for block in find_control(text):
        for command in block.commands:
            match = _SETSEED.match(command)
            if match:
                return int(match.group(1))
        return None
    return None


def control_violations(text: str) -> list[tuple[str, str, str]]:
    """(rule, where, detail) for every construct a deck should not ask ngspice to execute.

    - control-syntax: an `*ng_script` title, a title that is a control card, a control block not
      spelled `.control` ... `.endc` (`.controls`, `.endcx`, unterminated), a stray `.endc`;
    - control-command: a command outside `SAFE_COMMANDS`, or one with redirection, pipes,
      separators or substitutions (`shell rm ...`, `print v(a) > file`).
    """
    found: list[tuple[str, str, str]] = []
    lines = deck_lines(text)
    if not lines:
        return found
    if _starts(lines[0], SCRIPT_TITLE):
        found.append(("control-syntax", "line 1", "*ng_script title: ngspice would run every line as a command"))
    elif _starts(lines[0], CONTROL_START) or _starts(lines[0], CONTROL_END):
        found.append(("control-syntax", "line 1", f"the title is a control card {_card(lines[0])!r}"))
    inside: set[int] = set()
    for block in find_control(text):
        where = f"card {block.start + 1}"
        inside.update(range(block.start, (block.end if block.end is not None else len(lines) - 1) + 1))
        if block.end is None:
            found.append(("control-syntax", where, f"{block.opening!r} block is never closed: ngspice runs it"))
        elif not block.canonical:
            found.append(
                (
                    "control-syntax",
                    where,
                    f"control block spelled {block.opening!r} ... {block.closing!r}: ngspice runs it",
                )
            )
        for command in block.commands:
            word = _card(command)
            if word not in SAFE_COMMANDS or _UNSAFE_CHARS.search(command):
                found.append(("control-command", where, f"ngspice would execute {command[:80]!r}"))
    for k, line in enumerate(lines[1:], start=1):
        if k not in inside and _starts(line, CONTROL_END):
            found.append(("control-syntax", f"card {k + 1}", f"stray {_card(line)!r} outside a control block"))
    return found


def read_deck_file(path: str | Path, what: str = "deck") -> str:
    """The text of a deck file, refusing binary files (NUL bytes) and files too large to be decks.

    Raises:
        InputError: unreadable, not a regular file, binary or too large.
    """
    p = Path(path)
    try:
        if not p.is_file():
            raise InputError(f"{what} {path} is not a regular file")
        size = p.stat().st_size
        if size > MAX_DECK_BYTES:
            raise InputError(f"{what} {path} is {size} bytes: too large for a deck")
        raw = p.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read {what} {path}: {err.strerror or err}") from None
    if b"\x00" in raw:
        raise InputError(f"{what} {path} is a binary file, not a SPICE deck")
    return raw.decode("utf-8", errors="replace")


def _include_target(line: str) -> str:
    parts = line.strip().split(None, 1)
    return parts[1].strip().strip("'\"").strip() if len(parts) > 1 else ""


def _expand(text: str, name: str, base: Path, depth: int, title: bool) -> list[str]:
    out: list[str] = []
    for k, line in enumerate(deck_lines(text)):
        if title and k == 0:
            out.append(line)
            continue
        if _starts(line, ".lib"):
            raise InputError(
                f"{name}: card {k + 1} {_card(line)!r}: library sections are not read from user decks "
                "(their control blocks would run); inline the section or use .include"
            )
        if not _starts(line, ".inc"):
            out.append(line)
            continue
        target = _include_target(line)
        if not target:
            raise InputError(f"{name}: card {k + 1}: {_card(line)} without a file name")
        if depth >= MAX_INCLUDE_DEPTH:
            raise InputError(f"{name}: includes nested deeper than {MAX_INCLUDE_DEPTH} levels ({target})")
        path = Path(target).expanduser()
        path = path if path.is_absolute() else base / path
        included = read_deck_file(path, "included file")
        out += _expand(included, str(path), path.parent, depth + 1, title=False)
    return out


def read_user_deck(path: str | Path) -> str:
    """A user's deck file as one text: `.include` files inlined (relative to the including file,
    at most `MAX_INCLUDE_DEPTH` deep), `.lib` refused, one card per `\\n`-ended line.

    Its control blocks are kept, so the ERC can report them; the runner strips them.

    Raises:
        InputError: unreadable, binary, empty, a `.lib` card, a missing or too deep include.
    """
    p = Path(path)
    text = read_deck_file(p)
    lines = _expand(text, str(p), p.parent, 0, title=True)
    if not lines:
        raise InputError(f"deck {path} is empty")
    return "\n".join(lines) + "\n"
