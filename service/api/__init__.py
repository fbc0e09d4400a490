"""Litestar controllers, grouped by domain."""
