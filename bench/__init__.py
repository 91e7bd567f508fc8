"""Benchmark scripts, each run as a program (python bench/NAME.py); never part of the test suite."""
