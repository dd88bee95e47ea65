"""Benchmarks: `python -m bench [--quick] [NAME ...]`; each prints one line (see DESIGN.md)."""
