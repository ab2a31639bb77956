"""Benchmarks that print their figures: python bench/router.py, python bench/orders_spike.py, python bench/seed.py."""
