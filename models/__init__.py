"""Device model cards, subcircuits and the default technology (package data)."""
