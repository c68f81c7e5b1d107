"""Benchmarks behind `make bench`: numbers measured on this machine, never asserted in tests."""
