"""Jinja2 netlist templates (package data)."""
