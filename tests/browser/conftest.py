"""Fixtures for the browser tests: the built book on a local port, Debian's chromium through
Playwright, every request outside 127.0.0.1 blocked and recorded, screenshots of failures.

Run after the book is built: ``python -m pytest tests/browser`` (``make test`` does both).
Settings (environment variables) are in browser_support.py.
"""
import http.server
import threading
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, HTML


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def book_url():
    """The built book served on 127.0.0.1 on a free port, for the whole session."""
    if not (HTML / "index.html").is_file():
        pytest.fail(f"no built book in {HTML}: run 'make book' (or jupyter-book build .) first")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_QuietHandler, directory=str(HTML)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"chromium not found at {CHROMIUM}: install it with "
                    "'apt-get install -y chromium' (the Makefile's browser target does), "
                    "or set CHROMIUM=/path/to/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageLog:
    """What a page did wrong: console errors, uncaught exceptions, outside requests."""

    def __init__(self):
        self.errors, self.outside, self.local = [], [], []

    def attach(self, context, page):
        def route(route):
            host = urlsplit(route.request.url).hostname
            if host == "127.0.0.1":
                self.local.append(route.request.url)
                route.continue_()
            else:
                self.outside.append(route.request.url)
                route.abort()

        context.route("**/*", route)
        page.on("console", lambda m: m.type == "error" and self.errors.append(
            f"console: {m.text} ({m.location.get('url')})"))
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        page.on("response", lambda r: r.status >= 400 and self.errors.append(
            f"HTTP {r.status}: {r.url}"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, request):
    """A fresh page; ``page.log`` collects its errors; a screenshot is saved if the test fails."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.log = PageLog()
    page.log.attach(context, page)
    page.set_default_timeout(15_000)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.name)
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        except Exception:  # noqa: BLE001 - the screenshot is a courtesy
            pass
    context.close()
