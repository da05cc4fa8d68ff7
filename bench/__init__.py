"""Benchmarks (not tests): each prints its figures as a ratio against a bare reference measured in the same run."""
