"""Issue 15: when the coach can't be reached, the widget still helps. Real Chromium, the real widget script served
by the real app; the failures are real too: a port nobody listens on, a server that accepts and never answers, and
a blog on another origin that the API's CORS settings don't allow."""
from __future__ import annotations

import io
import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from PIL import Image, ImageChops
from playwright.sync_api import expect

from tests.support.paths import ARTIFACTS
from tests.support.server import serve

pytestmark = pytest.mark.browser

W = "no-contact-coach"
INPUT = f"{W} textarea#nc-input"
CARD = f"{W} .resources.fallback"
NOTICE = f"{W} .notice.err"
URGENT = "I don't want to be alive anymore"
ORDINARY = "My ex is my coworker, what do I do?"


@pytest.fixture(scope="module")
def site(pipeline, tmp_path_factory):
    with serve(pipeline, tmp_path_factory.mktemp("widget-failures"), rate_limit="off") as (url, settings):
        yield url


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: connections are refused


class Hanging:
    """Accepts connections and never answers: an API that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.sock.close()
        for c in self.held:
            c.close()


class Blog:
    """A blog on its own origin (another port of this machine), served for real, embedding the widget."""

    def __init__(self):
        self.html = b""
        self.headers: dict[str, str] = {}
        blog = self

        class Page(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                for name, value in blog.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(blog.html)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/a-post"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def blog():
    b = Blog()
    yield b
    b.server.shutdown()


@contextmanager
def blog_page(browser, blog: Blog, site: str, api: str, locale: str = "en-US", timeout_ms: int | None = None,
              html_attrs: str = 'lang="en"', headers: dict[str, str] | None = None, attrs: str = "",
              scheme: str = "light"):
    """The blog's page with the widget from the coach's server and its API at `api` (and the console's lines)."""
    extra = (f' data-timeout="{timeout_ms}"' if timeout_ms else "") + attrs
    blog.headers = headers or {}
    blog.html = (f'<!doctype html><html {html_attrs}><head><title>A blog</title></head><body><h1>A blog</h1>'
                 f'<script src="{site}/widget.js" data-api="{api}" data-locale="{locale}"{extra}></script>'
                 f'</body></html>').encode()
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale=locale, color_scheme=scheme)
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        messages: list[str] = []
        page.on("console", lambda m: messages.append(m.text))
        page.goto(blog.url)
        page.locator(f"{W} .launcher").click()
        page.locator(f"{W} .panel").wait_for(state="visible")
        yield page, messages
    finally:
        context.close()


def send(page, text: str) -> float:
    page.locator(INPUT).fill(text)
    page.locator(INPUT).press("Enter")
    return time.monotonic()


def test_api_down_an_urgent_message_still_gets_the_crisis_lines_and_keeps_the_question(site, blog, browser):
    with blog_page(browser, blog, site, f"http://127.0.0.1:{closed_port()}/api", locale="en-GB") as (page, _):
        sent = send(page, URGENT)
        page.locator(CARD).wait_for()
        print(f"crisis card shown {1000 * (time.monotonic() - sent):.0f} ms after sending (API down)")
        card = page.locator(CARD).inner_text()
        assert "Samaritans" in card and "999" in card  # the reader's country (en-GB), carried by the script
        assert page.locator(f"{CARD} a.act.call").count() >= 1  # tap to call
        assert "can't be reached" in page.locator(NOTICE).inner_text()
        assert page.locator(INPUT).input_value() == URGENT  # nothing lost
        assert page.locator(f"{W} .msg.user").count() == 0 and page.locator(f"{W} .typing").count() == 0


def test_offline_an_urgent_message_gets_the_crisis_lines_and_says_offline(site, blog, browser):
    with blog_page(browser, blog, site, f"{site}/api", locale="en-US") as (page, _):
        page.context.set_offline(True)  # the script is loaded; the connection drops before the reader sends
        send(page, URGENT)
        page.locator(CARD).wait_for()
        assert "988" in page.locator(CARD).inner_text()  # the reader's country (en-US), carried by the script
        assert "offline" in page.locator(NOTICE).inner_text()
        assert page.locator(INPUT).input_value() == URGENT
        page.context.set_offline(False)


def test_api_down_an_ordinary_message_gets_a_calm_try_again_without_crisis_lines(site, blog, browser):
    with blog_page(browser, blog, site, f"http://127.0.0.1:{closed_port()}/api") as (page, _):
        send(page, ORDINARY)
        page.locator(NOTICE).wait_for()
        assert page.locator(CARD).count() == 0
        assert page.locator(f"{NOTICE} button:has-text('Try again')").count() == 1
        assert page.locator(INPUT).input_value() == ORDINARY


def test_a_hung_api_times_out_or_is_cancelled_and_the_question_is_kept(site, blog, browser):
    hanging = Hanging()
    try:
        with blog_page(browser, blog, site, f"http://127.0.0.1:{hanging.port}/api", timeout_ms=4000) as (page, _):
            send(page, ORDINARY)  # cancelled by the reader
            page.locator(f"{W} .cancel").click()
            page.locator(NOTICE).wait_for()
            assert page.locator(NOTICE).inner_text().startswith("Stopped.")
            assert page.locator(INPUT).input_value() == ORDINARY
            page.locator(INPUT).fill("")
            send(page, "i have the pills ready tonight")  # no answer at all: the widget stops waiting
            page.locator(CARD).wait_for(timeout=15_000)
            assert "taking too long" in page.locator(NOTICE).inner_text()
            assert page.locator(INPUT).input_value() == "i have the pills ready tonight"
    finally:
        hanging.close()


def test_a_blog_the_api_does_not_allow_tells_its_owner_in_the_console(site, blog, browser):
    with blog_page(browser, blog, site, f"{site}/api") as (page, messages):
        send(page, ORDINARY)
        page.locator(NOTICE).wait_for()
        page.wait_for_timeout(300)  # the owner's console line follows the probe
        assert any("COACH_CORS_ORIGINS" in m and blog.url.rsplit("/", 1)[0] in m for m in messages), messages


def test_the_script_carries_the_crisis_table_is_compressed_and_answers_head(site):
    with httpx.Client(base_url=site, timeout=30) as client:
        script = client.get("/widget.js")
        assert script.status_code == 200 and "var FALLBACK = {" in script.text and "988" in script.text
        assert "var FALLBACK = null;" not in script.text
        head = client.head("/widget.js")
        assert head.status_code == 200 and head.headers["etag"] == script.headers["etag"]
        br = client.get("/widget.js", headers={"Accept-Encoding": "br"})
        assert br.headers.get("content-encoding") == "br" and br.text == script.text
        gz = client.get("/widget.js", headers={"Accept-Encoding": "gzip"})
        assert gz.headers.get("content-encoding") == "gzip"
        raw = len(script.content)
        print(f"widget.js: {raw} bytes raw, {int(br.headers.get('content-length', 0) or 0)} brotli")


def test_the_widget_is_styled_under_a_strict_content_security_policy(site, blog, browser):
    csp = f"default-src 'none'; script-src {site}; connect-src {site}; style-src 'self'"
    with blog_page(browser, blog, site, f"{site}/api", headers={"Content-Security-Policy": csp}) as (page, messages):
        head = page.locator(f"{W} .head")
        assert head.evaluate("h => getComputedStyle(h).backgroundColor") == "rgb(13, 91, 97)"
        assert page.locator(f"{W} .panel").evaluate("p => getComputedStyle(p).position") == "fixed"
        assert not [m for m in messages if "Content Security Policy" in m], messages


def test_a_right_to_left_arabic_page_leaves_the_widget_english_and_left_to_right(site, blog, browser):
    with blog_page(browser, blog, site, f"{site}/api", html_attrs='lang="ar" dir="rtl"') as (page, _):
        root = page.locator(f"{W} .root")
        assert root.get_attribute("lang") == "en" and root.get_attribute("dir") == "ltr"
        assert page.locator(f"{W} .panel").evaluate("p => getComputedStyle(p).direction") == "ltr"


@pytest.mark.parametrize("scheme,attrs,panel,head", [
    ("dark", "", "rgb(21, 25, 29)", "rgb(13, 91, 97)"),  # the reader's system setting
    ("dark", ' data-theme="light"', "rgb(255, 255, 255)", "rgb(13, 91, 97)"),  # the blog says light
    ("light", ' data-theme="dark" data-color="#7b2cbf"', "rgb(21, 25, 29)", "rgb(123, 44, 191)"),  # and its colour
])
def test_dark_mode_theme_and_brand_colour(site, blog, browser, scheme, attrs, panel, head):
    with blog_page(browser, blog, site, f"{site}/api", attrs=attrs, scheme=scheme,
                                 html_attrs='lang="en" style="background:#000"') as (page, _):
        assert page.locator(f"{W} .panel").evaluate("p => getComputedStyle(p).backgroundColor") == panel
        assert page.locator(f"{W} .head").evaluate("h => getComputedStyle(h).backgroundColor") == head


def test_the_theme_follows_a_change_of_the_readers_system_setting_while_open(site, blog, browser):
    with blog_page(browser, blog, site, f"{site}/api", scheme="light") as (page, _):
        panel = page.locator(f"{W} .panel")
        expect(panel).to_have_css("background-color", "rgb(255, 255, 255)")
        page.emulate_media(color_scheme="dark")  # the reader's system switches while the page is open
        expect(panel).to_have_css("background-color", "rgb(21, 25, 29)")
        page.emulate_media(color_scheme="light")
        expect(panel).to_have_css("background-color", "rgb(255, 255, 255)")


def _panel_after_an_urgent_message(browser, blog, site, **page_options) -> Image.Image:
    """The open panel, crisis card shown (API down: the same content on every page), as a screenshot."""
    api = f"http://127.0.0.1:{closed_port()}/api"
    with blog_page(browser, blog, site, api, locale="en-GB", **page_options) as (page, _):
        send(page, URGENT)
        page.locator(CARD).wait_for()
        shot = page.locator(f"{W} .panel").screenshot(animations="disabled", caret="hide")
    return Image.open(io.BytesIO(shot)).convert("RGB")


def _same(a: Image.Image, b: Image.Image, corner: int = 16) -> bool:
    """Pixel for pixel (at most 0.1% of pixels off by more than 8 of 255: anti-aliasing), but for the panel's
    rounded corners (`.panel` border-radius: 16px in widget.js), where the host page shows through by design. A
    host page leaking in (mirrored layout, its fonts or colours) changes far more."""
    if a.size != b.size:
        return False
    diff = ImageChops.difference(a, b).convert("L")
    w, h = a.size
    for x, y in ((0, 0), (w - corner, 0), (0, h - corner), (w - corner, h - corner)):
        diff.paste(0, (x, y, x + corner, y + corner))
    off = sum(diff.point(lambda v: 255 if v > 8 else 0).histogram()[255:])
    return off <= 0.001 * w * h


def test_screenshots_the_widget_on_rtl_and_dark_host_pages_matches_a_plain_page(site, blog, browser):
    """Compared pixel for pixel: the host page's direction, language and colours never reach the widget; only the
    reader's or the blog's chosen theme does."""
    plain = _panel_after_an_urgent_message(browser, blog, site)
    rtl = _panel_after_an_urgent_message(browser, blog, site, html_attrs='lang="ar" dir="rtl"')
    dark_on_white = _panel_after_an_urgent_message(browser, blog, site, attrs=' data-theme="dark"')
    dark_on_black = _panel_after_an_urgent_message(browser, blog, site, attrs=' data-theme="dark"',
                                                   html_attrs='lang="ar" dir="rtl" style="background:#000;color:#fff"')
    ARTIFACTS.mkdir(exist_ok=True)
    for name, shot in (("ltr", plain), ("rtl", rtl), ("dark", dark_on_black)):
        shot.save(ARTIFACTS / f"widget-crisis-card-{name}.png")
    assert _same(plain, rtl)
    assert _same(dark_on_white, dark_on_black)
    assert not _same(plain, dark_on_white)  # the screenshots do show the theme
