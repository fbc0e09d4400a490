"""A draft greets a reader by a real first name, or with "Hi there." (never "Hi 3." or "Hi Anonymous.")."""
from __future__ import annotations

import pytest

from service.workspace.drafting import first_name


@pytest.mark.parametrize("author,name", [
    ("Mel Weak", "Mel"), ("P.", "P"), ("José María", "José"), ("李", "李"), ("Dr. Phil", "Phil"),
    ("Ms Jones", "Jones"), ("3", "there"), ("Anonymous", "there"), ("admin@example.com", "there"),
    ("www.breakup-tips.com", "there"), ("SEO_Expert_2024", "there"), ("—", "there"), ("", "there"), (None, "there"),
])
def test_first_name(author, name):
    assert first_name(author) == name
