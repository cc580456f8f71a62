"""mramcim: netlist generator and ngspice co-simulator for MRAM computing-in-memory BNNs."""

from mramcim.errors import MramcimError
from mramcim.tech import Technology, load_tech

__all__ = ["MramcimError", "Technology", "load_tech"]
