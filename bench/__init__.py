"""Benchmarks: `python -m bench.NAME`; headline figures are printed last as `name: value` lines."""
