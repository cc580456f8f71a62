"""Plots and summaries built from saved artifacts."""
