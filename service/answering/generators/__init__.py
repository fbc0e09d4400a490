"""Generators behind one interface: grounded (no model server, the default) and a model (OpenAI-compatible)."""
