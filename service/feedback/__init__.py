"""Readers' answered questions and their ratings."""
