"""Issue 17 in real Chromium: the widget shows a model's answer sentence by sentence as it is checked, and a sentence
that fails its check mid-stream never reaches the page (a MutationObserver records every text the widget ever
rendered); the grounded answer replaces what was shown, with a note. The model is the wire-protocol test server
writing at a model's pace."""
from __future__ import annotations

import pytest

from service.answering.pipeline import AnswerPipeline
from tests.support.answers import GOOD, cited_as_shown, shown_passages
from tests.support.browser import coach_page
from tests.support.model_server import Behaviour
from tests.support.server import serve
from tests.support.settings import llm_settings

pytestmark = pytest.mark.browser

W = "no-contact-coach"
INPUT = f"{W} textarea#nc-input"
DONE = f"{W} .msg.bot[data-state='done']"
QUESTION = GOOD[0]["question"]
HARMFUL = "Text him tonight and tell him you miss him, it shows you care."

# Every text node and attribute the widget's shadow root ever held, recorded as it changes.
RECORD = """() => {
  window.__seen = [];
  const root = document.querySelector('no-contact-coach').shadowRoot;
  const note = () => window.__seen.push(root.textContent || '');
  new MutationObserver(note).observe(root, {subtree: true, childList: true, characterData: true});
}"""
FIRST_SENTENCE_AT = """() => new Promise(resolve => {
  const root = document.querySelector('no-contact-coach').shadowRoot;
  const start = performance.now();
  const tick = () => {
    const bot = root.querySelectorAll('.msg.bot');
    const last = bot[bot.length - 1];
    const answer = last && last.querySelector('.answer');
    if (answer && /work-related/.test(answer.textContent)) {
      resolve({at: performance.now() - start, state: last.getAttribute('data-state')});
    } else requestAnimationFrame(tick);
  };
  tick();
})"""


@pytest.fixture(scope="module")
def site(fake, built_settings, embedder, tmp_path_factory):
    pipeline = AnswerPipeline.build(llm_settings(built_settings, fake.url, llm_timeout=10.0), embedder)
    with serve(pipeline, tmp_path_factory.mktemp("widget-live"), rate_limit="off") as (url, _):
        yield url, pipeline


def _ask(page, url: str, question: str) -> None:
    page.goto(url + "/")
    page.locator(f"{W} .launcher").click()
    page.evaluate(RECORD)
    page.locator(INPUT).fill(question)
    page.locator(INPUT).press("Enter")


def test_the_first_checked_sentence_shows_while_the_model_is_still_writing(site, fake, browser):
    url, pipeline = site
    answer = cited_as_shown(GOOD[0], shown_passages(pipeline, QUESTION))
    fake.enqueue(Behaviour(answer, rate=25))
    with coach_page(browser) as (page, _):
        _ask(page, url, QUESTION)
        first = page.evaluate(FIRST_SENTENCE_AT)
        assert first["state"] == "streaming"  # shown before the answer was finished
        page.locator(DONE).first.wait_for()
        shown = page.locator(f"{DONE} .answer").first.inner_text()
        assert "work-related" in shown and "keep your distance" in shown
        assert page.locator(f"{DONE}[data-replaced]").count() == 0


def test_a_harmful_sentence_mid_stream_never_appears_on_the_page(site, fake, browser):
    url, pipeline = site
    answer = cited_as_shown(GOOD[0], shown_passages(pipeline, QUESTION))
    first, rest = answer.split("\n", 1)
    fake.enqueue(Behaviour(f"{first}\n{HARMFUL} {rest}\n{rest}", rate=40))
    with coach_page(browser) as (page, _):
        _ask(page, url, QUESTION)
        page.locator(DONE).first.wait_for()
        seen = page.evaluate("() => window.__seen")
        assert seen, "the recorder saw nothing"
        assert not any("Text him tonight" in text for text in seen)
        assert any("work-related" in text for text in seen[:-1])  # the good first sentence was shown on the way
        bot = page.locator(f"{DONE}[data-replaced='true']").first
        assert "didn't pass our checks" in bot.locator(".replaced").inner_text()
        assert "work-related" in bot.locator(".answer").inner_text()  # the grounded answer, with its sources
        assert bot.locator(".sources, .source, [class*=source]").count() > 0
