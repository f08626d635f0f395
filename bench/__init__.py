"""Benchmarks: commands that print a table (and can write JSON). Goals are checked here, never in unit tests."""
