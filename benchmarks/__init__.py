"""Benchmarks that are not part of the test suite: run them by hand, read the results in docs/."""
