"""Plots and the one publish step (JSON + NPZ + PNG with provenance)."""
