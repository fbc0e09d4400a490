"""Offline evaluation: datasets, runners and committed baselines."""
