"""Where packaged data lives: netlist templates, model cards and the default technology.

Found through importlib.resources so an installed wheel works like a source checkout. The user
cache (simulation results, compiled Verilog-A models, design-space points) is `$MRAMCIM_CACHE_DIR`, else
`$XDG_CACHE_HOME/mramcim`, else `~/.cache/mramcim`.
"""

from __future__ import annotations

import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

__all__ = ["default_sweep_file", "default_tech_file", "model_file", "template_dir", "user_cache_dir"]
__all__ = ["default_tech_file", "model_file", "template_dir", "user_cache_dir"]


def template_dir() -> Traversable:
    """The folder holding `netlists/*.sp.j2`."""
    return resources.files("mramcim.netlists")


def model_file(relative: str) -> Traversable:
    """A file below `models/`, e.g. `mtj/mtj_llg.lib.j2`."""
    node = resources.files("mramcim.models")
    for part in relative.split("/"):
        node = node.joinpath(part)
    return node


def default_tech_file() -> Traversable:
    """The documented default technology (`models/default_tech.yaml`)."""
    return model_file("default_tech.yaml")


def default_sweep_file() -> Traversable:
    """The small packaged design-space sweep `mramcim explore` runs without a spec (`models/explore_default.yaml`)."""
    return model_file("explore_default.yaml")


def user_cache_dir() -> Path:
    """The per-user cache folder (not created here)."""
    base = os.environ.get("MRAMCIM_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mramcim"
    )
    return Path(base)
