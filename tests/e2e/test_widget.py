"""The reader's widget driven in real headless Chromium against the app served for real by uvicorn.

Chromium is Debian's package (`apt-get install -y chromium`), never a browser download: without it these tests
fail, they do not skip.
"""
from __future__ import annotations

import json

import pytest

from service.db.engine import make_engine
from service.db.tables import feedback, replies
from service.feedback.store import FeedbackStore
from tests.support.paths import ARTIFACTS
from tests.support.server import serve

pytestmark = pytest.mark.browser

COWORKER = "My ex is my coworker, what do I do?"
FOLLOW_UP = "What if they talk to me first at lunch?"
URGENT = "I don't want to be alive anymore"
DISTRESS = "I can't stop crying and I haven't slept for days since the breakup, I feel hopeless"
HOTPINK = "rgb(255, 105, 180)"

W = "no-contact-coach"  # the widget's host element; Playwright's CSS locators pierce its open shadow root
LAUNCHER = f"{W} .launcher"
PANEL = f"{W} .panel"
INPUT = f"{W} textarea#nc-input"
DONE = f"{W} .msg.bot[data-state='done']"

ACTIVE = """() => {
  const host = document.querySelector('no-contact-coach');
  const outside = document.activeElement;
  if (!host || outside !== host) return 'page:' + (outside && outside.tagName);
  const a = host.shadowRoot.activeElement;
  return a ? (a.id || a.className) : null;
}"""

HOST_STYLES = """() => {
  const css = s => getComputedStyle(document.querySelector(s));
  return {
    h1Font: css('#article-title').fontFamily, h1Size: css('#article-title').fontSize,
    pFont: css('article p').fontFamily, pColor: css('article p').color, pLine: css('article p').lineHeight,
    buttonBg: css('button.subscribe').backgroundColor, buttonFont: css('button.subscribe').fontFamily,
    buttonBorder: css('button.subscribe').borderTopColor, linkColor: css('.site-header nav a').color,
    bodyMargin: css('body').margin, bodyBg: css('html').backgroundColor,
    sheets: document.styleSheets.length,
  };
}"""


@pytest.fixture(scope="module")
def site(pipeline, tmp_path_factory):
    with serve(pipeline, tmp_path_factory.mktemp("widget-data"), rate_limit="minute:1000") as (url, settings):
        yield url, settings


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


def open_widget(page, base: str):
    page.goto(base + "/")
    page.locator(LAUNCHER).click()
    page.locator(PANEL).wait_for(state="visible")


def ask(page, question: str, n_done: int):
    page.locator(INPUT).fill(question)
    page.locator(INPUT).press("Enter")
    page.locator(DONE).nth(n_done - 1).wait_for()
    return page.locator(DONE).nth(n_done - 1)


def test_asks_streams_cites_follows_up_and_takes_feedback(site, page):
    base, settings = site
    open_widget(page, base)
    assert page.evaluate(ACTIVE) == "nc-input", "focus moves into the panel on open"
    assert page.locator(f"{W} .disclaimer").inner_text() == (
        "An automated coach, not a person. Not therapy or crisis care. In an emergency call your local "
        f"emergency number. Questions are erased after {settings.retention_days} days; to have a conversation "
        "deleted sooner, send the coach a reply's id.")

    # The answer streams in as SSE deltas, then a done event; the widget renders it with its sources.
    with page.expect_response(lambda r: r.url.endswith("/api/ask/stream")) as streamed:
        first = ask(page, COWORKER, 1)
    response = streamed.value
    assert response.status == 200 and response.headers["content-type"].startswith("text/event-stream")
    body = response.text()
    assert body.count("event: delta") >= 3 and body.count("event: done") == 1
    done = json.loads(body.replace("\r\n", "\n").split("event: done\ndata: ", 1)[1].split("\n", 1)[0])
    assert first.get_attribute("data-reply-id") == done["id"]
    assert "work-related" in first.locator(".answer").inner_text()
    assert first.locator(".answer .cite").count() >= 1  # [n] marks became citation buttons
    sources = first.locator(".src")
    assert sources.count() >= 1
    source = sources.first.inner_text()
    assert "What is the no contact rule?" in source and "Zan" in source
    # The title is a button that expands the quoted passage; the article's own page is a link beside it.
    toggle = sources.first.locator(".src-toggle")
    quote = sources.first.locator("blockquote")
    assert toggle.get_attribute("aria-expanded") == "false" and quote.is_hidden()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and "work-related" in quote.inner_text()
    link = sources.first.locator("a.src-link")
    assert link.get_attribute("href") == "https://magnetofsuccess.com/what-is-the-no-contact-rule"
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    label = link.get_attribute("aria-label")  # the visible words first (WCAG 2.5.3, label in name)
    assert label.startswith("Read the article: What is the no contact rule?") and label.endswith("(opens in a new tab)")
    box = link.bounding_box()
    assert box["height"] >= 24  # WCAG 2.2 target size
    assert page.locator(f"{W} #nc-live").inner_text().startswith("The coach answered:")

    ARTIFACTS.mkdir(exist_ok=True)
    page.mouse.move(5, 5)
    page.evaluate("""() => {  // as the reader sees it when the answer arrives: question, then the answer
      const root = document.querySelector('no-contact-coach').shadowRoot;
      const log = root.querySelector('.log');
      log.scrollTop = root.querySelector('.msg.user').offsetTop - 12;
    }""")
    page.screenshot(path=str(ARTIFACTS / "widget-desktop.png"))

    # A follow-up carries the conversation as history.
    with page.expect_request(lambda r: r.url.endswith("/api/ask/stream")) as sent:
        second = ask(page, FOLLOW_UP, 2)
    payload = sent.value.post_data_json
    assert payload["question"] == FOLLOW_UP and payload["locale"] == "en-US"
    assert [t["role"] for t in payload["history"]] == ["user", "assistant"]
    assert payload["history"][0]["content"] == COWORKER
    assert payload["history"][1]["content"] == done["answer"]
    assert second.locator(".answer").inner_text().strip()

    # Thumbs down with a comment on the first answer, stored with its question, answer id and generator.
    reply_id = first.get_attribute("data-reply-id")
    first.locator(".thumb.down").click()
    assert first.locator(".thumb.down").get_attribute("aria-pressed") == "true"
    first.locator(".fb-form textarea").fill("Too general: my ex is also my manager.")
    first.locator(".fb-form .btn[type=submit]").click()
    first.locator(".fb-status", has_text="comment was sent").wait_for()

    store = FeedbackStore(make_engine(settings.db_url))
    try:
        [row] = [r for r in store.reviews("down") if r["reply_id"] == reply_id]
        with store.engine.connect() as conn:
            n_replies = conn.execute(replies.select()).all()
            n_feedback = conn.execute(feedback.select().where(feedback.c.reply_id == reply_id)).all()
    finally:
        store.engine.dispose()
    assert row["question"] == COWORKER and row["generator"] == "grounded" and row["scope"] == "in"
    assert row["comment"] == "Too general: my ex is also my manager." and "work-related" in row["answer"]
    assert len(n_feedback) == 1  # the rating and the later comment are one feedback row
    assert {r.question for r in n_replies} >= {COWORKER, FOLLOW_UP}


def test_urgent_reply_shows_resources_first_with_tap_to_call(site, page):
    base, _ = site
    open_widget(page, base)
    reply = ask(page, URGENT, 1)
    assert reply.get_attribute("data-safety") == "urgent"
    box = reply.locator(".resources.urgent")
    assert box.is_visible()
    assert "Help you can reach right now" in box.inner_text()
    # Above the answer, in the layout and in reading order.
    assert box.bounding_box()["y"] < reply.locator(".answer").bounding_box()["y"]
    assert reply.evaluate("n => n.querySelector('.resources').compareDocumentPosition("
                          "n.querySelector('.answer')) & Node.DOCUMENT_POSITION_FOLLOWING")
    hrefs = box.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "tel:911" in hrefs and "tel:988" in hrefs and "sms:988" in hrefs
    assert any(h.startswith("sms:741741") and "HOME" in h for h in hrefs)
    assert not any(h.startswith("tel:130") for h in hrefs)  # "130+ countries" is not a phone number
    live = page.locator(f"{W} #nc-alert")
    live.filter(has_text="Help you can reach right now").wait_for(state="attached")
    ARTIFACTS.mkdir(exist_ok=True)
    page.mouse.move(5, 5)
    page.screenshot(path=str(ARTIFACTS / "widget-urgent.png"))


def test_support_reply_shows_resources_beneath_the_answer(site, page):
    base, _ = site
    open_widget(page, base)
    reply = ask(page, DISTRESS, 1)
    assert reply.get_attribute("data-safety") == "support"
    box = reply.locator(".resources.support")
    assert box.is_visible()
    assert box.bounding_box()["y"] > reply.locator(".answer").bounding_box()["y"]
    assert reply.locator(".resources.urgent").count() == 0


def test_rate_limit_shows_a_friendly_message(pipeline, browser, tmp_path):
    with serve(pipeline, tmp_path, rate_limit="minute:2") as (base, _):
        context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
        try:
            page = context.new_page()
            open_widget(page, base)
            ask(page, COWORKER, 1)
            ask(page, "How long should no contact last?", 2)
            page.locator(INPUT).fill("What if I see them at a party?")
            page.locator(INPUT).press("Enter")
            notice = page.locator(f"{W} .notice")
            notice.wait_for()
            text = notice.inner_text()
            assert text.startswith("You're sending messages quickly — please wait ")
            seconds = int(text.split("please wait ")[1].split()[0])
            assert 1 <= seconds <= 60
            assert page.locator(INPUT).input_value() == "What if I see them at a party?"  # nothing lost
            assert page.locator(f"{W} .msg.user").count() == 2
            assert page.locator(f"{W} .send").get_attribute("aria-disabled") == "true"
        finally:
            context.close()


def test_host_page_css_and_widget_css_stay_apart(site, browser):
    base, _ = site
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    try:
        without = context.new_page()
        without.route("**/widget.js", lambda route: route.abort())
        without.goto(base + "/")
        before = without.evaluate(HOST_STYLES)
        assert without.locator(W).count() == 0
        assert before["buttonBg"] == HOTPINK and "Georgia" in before["h1Font"]

        page = context.new_page()
        page.goto(base + "/")
        page.locator(LAUNCHER).click()
        page.locator(PANEL).wait_for(state="visible")
        page.mouse.move(5, 5)  # no hover state on the launcher
        after = page.evaluate(HOST_STYLES)
        assert after == before  # nothing of the widget's CSS reached the page (not even a style sheet)

        widget = page.evaluate("""() => {
          const root = document.querySelector('no-contact-coach').shadowRoot;
          const css = s => getComputedStyle(root.querySelector(s));
          return {launcherBg: css('.launcher').backgroundColor, launcherFont: css('.launcher').fontFamily,
                  sendBg: css('.send').backgroundColor, closeBg: css('.close').backgroundColor,
                  textFont: css('.disclaimer').fontFamily, inputFont: css('textarea').fontFamily};
        }""")
        assert HOTPINK not in (widget["launcherBg"], widget["sendBg"], widget["closeBg"])
        assert widget["launcherBg"] == "rgb(13, 91, 97)"
        for font in (widget["launcherFont"], widget["textFont"], widget["inputFont"]):
            assert "Georgia" not in font and font.startswith("system-ui")
    finally:
        context.close()


def test_keyboard_only(site, page):
    base, _ = site
    page.goto(base + "/")
    page.locator(LAUNCHER).wait_for()
    for _ in range(60):  # Tab through the blog's links and form to the launcher
        page.keyboard.press("Tab")
        if page.evaluate(ACTIVE) == "launcher":
            break
    assert page.evaluate(ACTIVE) == "launcher"
    assert page.locator(LAUNCHER).get_attribute("aria-expanded") == "false"

    page.keyboard.press("Enter")
    page.locator(PANEL).wait_for(state="visible")
    page.wait_for_function(
        "() => document.querySelector('no-contact-coach').shadowRoot.activeElement?.id === 'nc-input'")
    assert page.locator(LAUNCHER).get_attribute("aria-expanded") == "true"
    page.keyboard.type("How long should no contact last?")
    page.keyboard.press("Enter")
    page.locator(DONE).first.wait_for()
    live = page.locator(f"{W} #nc-live")
    live.filter(has_text="The coach answered:").wait_for(state="attached")
    assert "no contact" in live.inner_text().lower()

    page.keyboard.press("Escape")
    page.locator(PANEL).wait_for(state="hidden")
    assert page.evaluate(ACTIVE) == "launcher", "focus returns to the launcher on close"

    page.keyboard.press("Space")
    page.locator(PANEL).wait_for(state="visible")
    page.wait_for_function(
        "() => document.querySelector('no-contact-coach').shadowRoot.activeElement?.id === 'nc-input'")
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE) == "send"
    page.keyboard.press("Escape")
    page.locator(PANEL).wait_for(state="hidden")
    assert page.evaluate(ACTIVE) == "launcher"


def test_usable_at_375px(site, browser):
    base, _ = site
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="en-US")
    try:
        page = context.new_page()
        page.goto(base + "/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # the blog itself fits
        launcher = page.locator(LAUNCHER).bounding_box()
        assert launcher["x"] >= 0 and launcher["x"] + launcher["width"] <= 375
        page.locator(LAUNCHER).tap()
        panel = page.locator(PANEL)
        panel.wait_for(state="visible")
        box = panel.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375 and box["width"] >= 370
        reply = ask(page, COWORKER, 1)
        reply.locator(".src-toggle").first.tap()
        overflow = page.evaluate("""() => {
          const root = document.querySelector('no-contact-coach').shadowRoot;
          const log = root.querySelector('.log');
          return {log: log.scrollWidth - log.clientWidth, page: document.documentElement.scrollWidth};
        }""")
        assert overflow["log"] <= 0 and overflow["page"] <= 375
        for part in (".close", ".send", "textarea#nc-input", ".disclaimer"):
            b = page.locator(f"{W} {part}").bounding_box()
            assert b and b["x"] >= 0 and b["x"] + b["width"] <= 375 and b["y"] + b["height"] <= 740, part
        assert page.locator(f"{W} .close").bounding_box()["width"] >= 40  # a comfortable tap target
        ARTIFACTS.mkdir(exist_ok=True)
        reply.locator("blockquote").first.scroll_into_view_if_needed()  # show the expanded passage
        page.screenshot(path=str(ARTIFACTS / "widget-375.png"))
        page.locator(f"{W} .close").tap()
        panel.wait_for(state="hidden")
        assert page.locator(LAUNCHER).is_visible()
    finally:
        context.close()
