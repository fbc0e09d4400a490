"""Debian's Chromium for the browser tests (never a downloaded browser)."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def coach_page(browser, width: int = 1280, height: int = 900):
    """A fresh browser context's page (British English, 60 s timeouts) and the list of every URL it requested, so a
    test can check nothing left the site; the context is closed after."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    requested: list[str] = []
    context.on("request", lambda r: requested.append(r.url))
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        yield page, requested
    finally:
        context.close()
