"""What the coach cares about: drafts approved unchanged, edit distance, hours from import to approval."""
from __future__ import annotations

from rapidfuzz.distance import Levenshtein

from .comments import CommentStore


def levenshtein(a: str, b: str) -> int:
    """Character edit distance (insertions, deletions, substitutions), in C: the queue page computes it for
    every approved reply."""
    return Levenshtein.distance(a, b)


def metrics(store: CommentStore) -> dict:
    approved = [r for r in store.queue("approved") if r.get("approved_at") and r.get("draft_text") is not None]
    n = len(approved)
    unchanged = sum(r["draft_text"] == r["generated_text"] for r in approved)
    distances = [levenshtein(r["generated_text"], r["draft_text"]) for r in approved]
    hours = [(r["approved_at"] - r["imported_at"]).total_seconds() / 3600 for r in approved]
    return {
        "approved": n,
        "pending": store.count("pending"),
        "approved_unchanged": unchanged,
        "share_approved_unchanged": round(unchanged / n, 4) if n else None,
        "mean_edit_distance": round(sum(distances) / n, 2) if n else None,
        "mean_hours_to_approval": round(sum(hours) / n, 4) if n else None,
    }
