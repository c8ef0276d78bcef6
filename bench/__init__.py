"""Benchmarks run by ``make bench``; see BENCHMARKS.md. Not part of either site."""
