"""Blog comments sorted by their words (knowledge/comment_patterns.yaml): a link in a reader's own question is not
spam, machine praise is, a thank-you with a rhetorical question is a thank-you, a request is a question."""
from __future__ import annotations

import pytest

from service.workspace.triage import kind_of
from tests.support.paths import KNOWLEDGE


@pytest.mark.parametrize("text,kind", [
    ("My ex sent me this after a month of silence: https://imgur.com/a/abc123 should I answer it?", "question"),
    ("Should I unfollow his sister on Instagram too, or is that petty?", "question"),
    ("Great post! Quick question: what if we share a dog?", "question"),
    ("Wonderful post! I bookmarked your site and will check back for new content.", "spam"),
    ("Great information, very informative, keep it up.", "spam"),
    ("Nice read. Visit https://cheap-dating-tips.example.biz for more", "spam"),
    ("I want to testify about Dr Okoro who brought my ex back in 48 hours, contact him on WhatsApp +234 555", "spam"),
    ("How did you know exactly what I needed tonight?? Day 31 and still strong. Thank you!", "thanks"),
    ("this. all of this.", "thanks"),
    ("Gracias por este artículo, hoy cumplo 60 días sin contacto.", "thanks"),
    # a question tucked into a thank-you is answered (comment_drafts_blind3), a rhetorical one is not
    ("Thank you Dave. My ex asked my sister how I'm doing. Thats a good sign right? Anyway thanks man", "question"),
    ("Dave great article but what about pets? Does modified No contact apply to a dog?", "question"),
    ("Printed this and stuck it on my fridge. Who needs a therapist when you have this blog? Thank you", "thanks"),
])
def test_kind_of(text, kind):
    assert kind_of(text, KNOWLEDGE)[0] == kind
