"""Guardrails around every answer: the risk check first, the scope check, and the checks on generated text."""
