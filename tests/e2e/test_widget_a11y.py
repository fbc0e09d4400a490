"""Issue 15: axe-core (bundled by axe-playwright-python, never downloaded) finds no violation in the widget in any
state, on a desktop and on a 390x844 phone, in real Chromium against the real app."""
from __future__ import annotations

import json
from pathlib import Path

import axe_playwright_python
import pytest

from tests.support.server import serve

pytestmark = pytest.mark.browser

AXE = Path(axe_playwright_python.__file__).parent / "axe.min.js"
W = "no-contact-coach"
DONE = f"{W} .msg.bot[data-state='done']"
RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => [n.target.join(' '), n.failureSummary].join(': ')).slice(0, 3)}));
}"""


@pytest.fixture(scope="module")
def site(pipeline, tmp_path_factory):
    with serve(pipeline, tmp_path_factory.mktemp("widget-a11y"), rate_limit="off") as (url, _):
        yield url


def violations(page) -> list:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)  # the whole page: the demo blog is ours too, and the widget lives inside it


@pytest.mark.parametrize("viewport,scheme", [({"width": 1280, "height": 860}, "light"),
                                             ({"width": 390, "height": 844}, "light"),
                                             ({"width": 1280, "height": 860}, "dark")],
                         ids=["desktop", "phone", "desktop-dark"])
def test_no_accessibility_violation_in_any_state(site, browser, viewport, scheme):
    context = browser.new_context(viewport=viewport, locale="en-US", color_scheme=scheme)
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(site + "/")
        states = {"closed": violations(page)}
        page.locator(f"{W} .launcher").click()
        page.locator(f"{W} .panel").wait_for(state="visible")
        states["open"] = violations(page)
        page.locator(f"{W} textarea#nc-input").fill("My ex is my coworker, what do I do?")
        page.locator(f"{W} textarea#nc-input").press("Enter")
        page.locator(DONE).nth(0).wait_for()
        states["answered"] = violations(page)
        page.locator(f"{W} textarea#nc-input").fill("I don't want to be alive anymore")
        page.locator(f"{W} textarea#nc-input").press("Enter")
        page.locator(DONE).nth(1).wait_for()
        states["urgent"] = violations(page)
        # The error state: the API gone (the blog's server still serves the page and the script).
        page.route("**/api/ask/stream", lambda route: route.abort("connectionrefused"))
        page.locator(f"{W} textarea#nc-input").fill("i have the pills ready tonight")
        page.locator(f"{W} textarea#nc-input").press("Enter")
        page.locator(f"{W} .resources.fallback").wait_for()
        states["error"] = violations(page)
        bad = {k: v for k, v in states.items() if v}
        assert not bad, json.dumps(bad, indent=1)
    finally:
        context.close()
