"""Circuits: model-card contexts, netlist rendering, ERC, the ngspice runner (`sim`, the only
module that talks to ngspice), extraction, the read network and its solvers, the flows."""
