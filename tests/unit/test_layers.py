"""The package's layering, enforced: imports only point down the stages (README "Architecture").

shared basics (errors, units, paths, options, artifacts, tech, encoding)
  -> device -> circuit -> characterize | array -> experiments -> report -> cli
learn uses only device and the shared basics (it runs without any simulator installed).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import mramcim

ROOT = Path(mramcim.__file__).resolve().parent
SHARED = {"errors", "units", "paths", "options", "artifacts", "tech", "encoding", "outdir"}
ALLOWED = {
    "shared": {"shared"},
    "device": {"shared", "device"},
    "circuit": {"shared", "device", "circuit"},
    "characterize": {"shared", "device", "circuit", "characterize"},
    "array": {"shared", "device", "circuit", "array"},
    "learn": {"shared", "device", "learn"},
    "experiments": {"shared", "device", "circuit", "characterize", "array", "learn", "experiments"},
    "report": {"shared", "device", "circuit", "characterize", "array", "learn", "experiments", "report"},
}


def _stage(module: str) -> str:
    """Stage of a dotted module name below `mramcim`."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in SHARED or parts[1] == "__init__":
        return "shared"
    if parts[1] in ALLOWED:
        return parts[1]
    raise AssertionError(f"{module} belongs to no stage; add it to the layer map")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every mramcim import in a file, including those inside functions."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "mramcim":
                found += [(node.lineno, f"mramcim.{a.name}") for a in node.names]
            elif node.module.startswith("mramcim."):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("mramcim.")]
    return found


def _modules() -> list[tuple[str, Path]]:
    return [("mramcim." + ".".join(p.relative_to(ROOT).with_suffix("").parts), p) for p in sorted(ROOT.rglob("*.py"))]


def test_every_module_has_a_stage() -> None:
    for name, _ in _modules():
        _stage(name)


@pytest.mark.parametrize(("name", "path"), _modules(), ids=[n for n, _ in _modules()])
def test_imports_point_down_the_stages(name: str, path: Path) -> None:
    stage = _stage(name)
    upward = [
        f"{path.name}:{line} imports {target} ({_stage(target)})"
        for line, target in _imports(path)
        if not target.startswith("mramcim.cli") and _stage(target) not in ALLOWED[stage]
    ]
    cli = [
        f"{path.name}:{line} imports {target}" for line, target in _imports(path) if target.startswith("mramcim.cli")
    ]
    assert not upward and not cli, f"{name} ({stage}) reaches up: " + "; ".join(upward + cli)


def test_the_checker_catches_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("def f():\n    from mramcim.circuit.sim import run_deck\n")
    targets = [t for _, t in _imports(bad)]
    assert targets == ["mramcim.circuit.sim"] and _stage(targets[0]) not in ALLOWED["learn"]


def test_learning_runs_without_the_simulator_stack() -> None:
    code = (
        "import sys\n"
        "from mramcim.learn.datasets import load_dataset\n"
        "from mramcim.learn.train import TrainConfig, train\n"
        "from mramcim.tech import load_tech\n"
        "result = train(load_dataset('digits'), TrainConfig(epochs=3, hidden=256), load_tech())\n"
        "assert result.test_acc[-1] > 0.5, result.test_acc\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('mramcim.circuit', 'mramcim.characterize', "
        "'mramcim.array', 'PySpice', 'jinja2')))\n"
        "print(','.join(loaded))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"learning loaded {proc.stdout.strip()}"
