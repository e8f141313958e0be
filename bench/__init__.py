"""Benchmarks: `python -m bench [NAME ...] [--quick]` (or `make bench`).

Each benchmark is a module listed in `bench.__main__.BENCHMARKS` exposing
`run(quick: bool = False) -> list[str]`: it measures, and returns the lines to
print. `bench.machine` describes the machine and holds the one timing routine.
"""
