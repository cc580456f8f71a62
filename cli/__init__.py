"""Click entry points of the `mramcim` console script (installed as mramcim.cli)."""
