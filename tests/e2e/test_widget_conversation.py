"""Issue 15: the conversation survives a reload (sessionStorage, never a cookie), starts over on request, copies an
answer, and on a phone the full-screen panel is a modal dialog that keeps Tab inside. Real Chromium, real app."""
from __future__ import annotations

import pytest

from tests.support.server import serve

pytestmark = pytest.mark.browser

W = "no-contact-coach"
INPUT = f"{W} textarea#nc-input"
DONE = f"{W} .msg.bot[data-state='done']"
QUESTION = "My ex is my coworker, what do I do?"

ACTIVE_IN_PANEL = """() => {
  const host = document.querySelector('no-contact-coach');
  const a = host.shadowRoot.activeElement;
  return document.activeElement === host && !!a && host.shadowRoot.querySelector('.panel').contains(a);
}"""


@pytest.fixture(scope="module")
def site(pipeline, tmp_path_factory):
    with serve(pipeline, tmp_path_factory.mktemp("widget-conversation"), rate_limit="off") as (url, _):
        yield url


def open_and_ask(page, site: str, question: str):
    page.goto(site + "/")
    page.locator(f"{W} .launcher").click()
    page.locator(INPUT).fill(question)
    page.locator(INPUT).press("Enter")
    page.locator(DONE).first.wait_for()


def test_a_reload_restores_the_conversation_and_start_over_clears_it(site, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        open_and_ask(page, site, QUESTION)
        answer = page.locator(f"{DONE} .answer").first.inner_text()
        assert not context.cookies()  # sessionStorage only
        page.reload()
        page.locator(f"{W} .launcher").click()
        page.locator(DONE).first.wait_for()
        assert page.locator(f"{W} .msg.user").first.inner_text().endswith(QUESTION)
        assert page.locator(f"{DONE} .answer").first.inner_text() == answer
        assert page.locator(f"{DONE} .sources").count() == 1  # citations come back too
        page.locator(f"{W} .restart").click()
        assert page.locator(f"{W} .msg.user").count() == 0 and page.locator(DONE).count() == 0
        page.reload()
        page.locator(f"{W} .launcher").click()
        page.locator(f"{W} .msg.bot[data-state='intro']").wait_for()
        assert page.locator(f"{W} .msg.user").count() == 0
    finally:
        context.close()


def test_copy_answer_puts_the_answer_on_the_clipboard(site, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US",
                                  permissions=["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        open_and_ask(page, site, QUESTION)
        page.locator(f"{DONE} .copy").first.click()
        page.locator(f"{DONE} .copy:has-text('Copied')").wait_for()
        copied = page.evaluate("() => navigator.clipboard.readText()")
        shown = page.locator(f"{DONE} .answer").first.inner_text()
        assert copied and "[1]" not in copied and copied.split()[0] in shown
    finally:
        context.close()


def test_on_a_phone_the_panel_is_a_modal_that_keeps_tab_inside(site, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US", has_touch=True)
    try:
        page = context.new_page()
        page.goto(site + "/")
        page.locator(f"{W} .launcher").click()
        assert page.locator(f"{W} .panel").get_attribute("aria-modal") == "true"
        for _ in range(12):  # past every control, and round again
            page.keyboard.press("Tab")
            assert page.evaluate(ACTIVE_IN_PANEL)
        for _ in range(6):
            page.keyboard.press("Shift+Tab")
            assert page.evaluate(ACTIVE_IN_PANEL)
    finally:
        context.close()
    desktop = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    try:
        page = desktop.new_page()
        page.goto(site + "/")
        page.locator(f"{W} .launcher").click()
        assert page.locator(f"{W} .panel").get_attribute("aria-modal") is None  # beside the page, not over it
    finally:
        desktop.close()


@pytest.mark.parametrize("viewport", [{"width": 640, "height": 430}, {"width": 320, "height": 215}],
                         ids=["200%", "400%"])
def test_zoomed_in_an_urgent_reply_shows_its_call_button(site, browser, viewport):
    """A 1280x860 window at 200% and 400% zoom: the crisis action is in view without scrolling."""
    context = browser.new_context(viewport=viewport, locale="en-GB")
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        open_and_ask(page, site, "I don't want to be alive anymore")
        call = page.locator(f"{DONE} a.act.call").first.bounding_box()
        log = page.locator(f"{W} .log").bounding_box()
        assert log["y"] <= call["y"] and call["y"] + call["height"] <= log["y"] + log["height"] + 1, (call, log)
        assert call["x"] >= 0 and call["x"] + call["width"] <= viewport["width"]
    finally:
        context.close()


def test_no_two_sources_carry_the_same_label(site, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        open_and_ask(page, site, "should i tell my ex im going no contact or just disappear?")
        labels = page.locator(f"{DONE} .src .body > :first-child").all_inner_texts()
        assert len(labels) >= 2 and len(set(labels)) == len(labels), labels
    finally:
        context.close()


def test_each_answer_shows_its_reply_id_and_asks_carry_one_conversation_id(site, browser):
    """The reader can quote a reply id to have the conversation deleted; every question of one conversation is
    sent with the same random id, and Start over begins a new one. The about line says how long data is kept."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        sent = []
        page.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/api/ask/stream") else None)
        open_and_ask(page, site, QUESTION)
        reply_id = page.locator(DONE).first.get_attribute("data-reply-id")
        assert reply_id and page.locator(f"{DONE} .reply-id").first.inner_text() == f"Reply id {reply_id}"
        assert "erased after 30 days" in page.locator(f"{W} .disclaimer").inner_text()
        page.locator(INPUT).fill("And if he talks about personal things?")
        page.locator(INPUT).press("Enter")
        page.locator(DONE).nth(1).wait_for()
        page.locator(f"{W} .restart").click()
        page.locator(INPUT).fill("How long should no contact last?")
        page.locator(INPUT).press("Enter")
        page.locator(DONE).first.wait_for()
        ids = [body["conversation_id"] for body in sent]
        assert len(ids) == 3 and ids[0] == ids[1] != ids[2] and len(ids[0]) == 32
    finally:
        context.close()


def test_lines_in_the_readers_language_are_marked_for_screen_readers(site, browser):
    """A Spanish question: the note above the English answer is lang="es", the answer itself English; a French
    crisis message: the whole reply is lang="fr". Also after a reload."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="es-ES")
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        open_and_ask(page, site, "mi ex es mi compañero de trabajo, ¿qué hago?")
        answer = page.locator(f"{DONE} .answer").first
        assert answer.get_attribute("lang") == "en"
        note = answer.locator("p[lang='es']")
        assert note.count() == 1 and note.inner_text().startswith("Gracias por escribir")
        assert answer.locator("p:not([lang])").count() >= 1  # the answer paragraphs read as the widget's English
        page.locator(INPUT).fill("je veux mourir ce soir, j'ai les cachets")
        page.locator(INPUT).press("Enter")
        page.locator(DONE).nth(1).wait_for()
        assert page.locator(f"{DONE} .answer").nth(1).get_attribute("lang") == "fr"
        page.reload()
        page.locator(f"{W} .launcher").click()
        page.locator(DONE).nth(1).wait_for()
        assert page.locator(f"{DONE} .answer").first.locator("p[lang='es']").count() == 1
        assert page.locator(f"{DONE} .answer").nth(1).get_attribute("lang") == "fr"
    finally:
        context.close()
