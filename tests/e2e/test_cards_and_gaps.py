"""The coach edits answer cards and reads the content-gap report, for real: uvicorn, the JSON API with its token,
the pages in Debian's Chromium. Cards are edited in a private copy of the knowledge folder."""
from __future__ import annotations

import shutil

import httpx
import pytest
import yaml

from service.answering.pipeline import AnswerPipeline
from service.settings import PROJECT_ROOT
from service.tokens import hash_token
from tests.support.browser import coach_page
from tests.support.paths import ARTIFACTS
from tests.support.server import serve

TOKEN = "cards-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
GOOD = {
    "kind": "yes_no",
    "examples": ["can i send my ex a christmas card", "is a christmas card breaking no contact"],
    "verdict": "No: No Contact means NO contact.",
    "support": [{"article": "barker-no-contact-questions", "quote": "No Contact means NO contact."}],
}


@pytest.fixture(scope="module")
def own_pipeline(pipeline, tmp_path_factory):
    """The pipeline over a copy of the knowledge folder, so a test's card edits never touch the repository."""
    knowledge = tmp_path_factory.mktemp("knowledge") / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", knowledge)
    settings = pipeline.settings.with_overrides(knowledge_dir=knowledge)
    return AnswerPipeline.build(settings, pipeline.embedder, kb=pipeline.kb)


@pytest.fixture(scope="module")
def site(own_pipeline, tmp_path_factory):
    with serve(own_pipeline, tmp_path_factory.mktemp("cards"), rate_limit="off",
               coach_token_hash=hash_token(TOKEN)) as (base, settings):
        yield base, settings


def test_cards_api_checks_every_save_against_the_articles(site, own_pipeline):
    base, _ = site
    assert httpx.get(f"{base}/api/coach/cards/", timeout=60).status_code == 401
    listed = httpx.get(f"{base}/api/coach/cards/", headers=AUTH, timeout=120).json()
    assert listed["count"] >= 30 and all(not c["problems"] for c in listed["cards"])

    drifting = {**GOOD, "verdict": "Yes: send your ex a Christmas card and a gift basket to show you care."}
    refused = httpx.put(f"{base}/api/coach/cards/christmas-card", json=drifting, headers=AUTH, timeout=60)
    assert refused.status_code == 422 and "not supported by its quotes" in refused.json()["detail"]
    invented = {**GOOD, "support": [{"article": "barker-no-contact-questions", "quote": "Always send a card."}]}
    refused = httpx.put(f"{base}/api/coach/cards/christmas-card", json=invented, headers=AUTH, timeout=60)
    assert refused.status_code == 422 and "word for word" in refused.json()["detail"]
    assert httpx.put(f"{base}/api/coach/cards/Bad Id!", json=GOOD, headers=AUTH, timeout=60).status_code == 400
    assert httpx.put(f"{base}/api/coach/cards/x", json={"kind": "yes_no"}, headers=AUTH,
                     timeout=60).status_code == 400
    assert not (own_pipeline.settings.knowledge_dir / "guidance" / "christmas-card.yaml").exists()

    saved = httpx.put(f"{base}/api/coach/cards/christmas-card", json=GOOD, headers=AUTH, timeout=60)
    assert saved.status_code == 200, saved.text
    assert (own_pipeline.settings.knowledge_dir / "guidance" / "christmas-card.yaml").is_file()
    assert httpx.get(f"{base}/api/coach/cards/christmas-card", headers=AUTH, timeout=60).json()["verdict"] == \
        GOOD["verdict"]
    reply = httpx.post(f"{base}/api/ask", json={"question": "is a christmas card breaking no contact?"},
                       timeout=60).json()
    assert reply["topic"] == "christmas-card" and reply["answer"].startswith("No: No Contact means NO contact")
    assert httpx.get(f"{base}/api/coach/cards/nope", headers=AUTH, timeout=60).status_code == 404

    # A card's `match` words aren't edited in the workspace: saving the card keeps them in its file.
    family = httpx.get(f"{base}/api/coach/cards/ex-family", headers=AUTH, timeout=60).json()
    edited = {k: family[k] for k in ("kind", "examples", "verdict", "support")}
    assert httpx.put(f"{base}/api/coach/cards/ex-family", json=edited, headers=AUTH, timeout=60).status_code == 200
    written = yaml.safe_load((own_pipeline.settings.knowledge_dir / "guidance" / "ex-family.yaml").read_text())
    assert written["match"] and "mum" in written["match"][0], written


def test_coach_edits_a_card_and_reads_the_gaps_in_a_real_browser(site, browser):
    base, _ = site
    for question in ["we adopted a dog together, who keeps him?", "she took the cat, can I get him back?"]:
        httpx.post(f"{base}/api/ask", json={"question": question}, timeout=60)
    with coach_page(browser) as (page, requested):
        page.goto(base + "/coach/login")
        page.fill("#password", TOKEN)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(base + "/coach")

        page.click("nav a:has-text('Content gaps')")
        page.wait_for_url(base + "/coach/gaps")
        row = page.locator("tr", has_text="pets you shared")
        assert row.locator("td").first.inner_text().strip() == "2"
        assert "dog" in row.inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "coach-gaps.png"), full_page=True)

        page.click("nav a:has-text('Answer cards')")
        page.click("a:has-text('likes count as contact')")
        verdict = page.locator("#verdict")
        verdict.fill("Yes: pineapples are the best pizza topping for anyone in no contact.")
        page.click("button:has-text('Check and save')")
        alert = page.locator("[role=alert]")
        assert "Not saved" in alert.inner_text() and "not supported by its quotes" in alert.inner_text()
        assert "pineapples" in verdict.input_value()  # the coach's text is kept to fix
        verdict.fill("Yes: liking or commenting on your ex's posts counts as contact.")
        page.click("button:has-text('Check and save')")
        page.locator(".notice", has_text="Saved the card 'likes-count-as-contact'").wait_for()
        page.screenshot(path=str(ARTIFACTS / "coach-card.png"), full_page=True)
        assert all(u.startswith(base) for u in requested)  # no CDN, no web fonts
