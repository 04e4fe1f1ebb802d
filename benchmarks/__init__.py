"""Benchmarks of provenance, one module per benchmark: ``python -m benchmarks.<name> --help``.

See ``benchmarks/README.md``; figures are recorded in ``BENCHMARKS.md``.
"""
