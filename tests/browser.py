"""Load pages in Debian's real headless Chromium and report what a user's browser would see.

A page's DOM after its scripts ran, and every console message, uncaught exception and failed
request (a resource that did not load), through Playwright's sync API driving the chromium found
on PATH (``executable_path``: Playwright downloads no browser and needs no network). Each
:class:`Browser` has a browser context of its own (a fresh profile, gone on close) and each
:meth:`Browser.load` a new tab in it; every wait is bounded by ``timeout``.

    with Browser() as browser:
        page = browser.load("/tmp/cockpit.html")
        assert not page.errors, page.errors

Chromium missing is an error (:class:`BrowserError`), never a skip. ``PLANLINE_CHROMIUM`` may name
another binary. From the shell: ``python -m tests.browser page.html [--screenshot out.png]``.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser as PlaywrightBrowser
from playwright.sync_api import BrowserContext, Playwright, Request, sync_playwright
from playwright.sync_api import ConsoleMessage as PlaywrightConsoleMessage
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

DEFAULT_CHROMIUM = "chromium"
ERROR_LEVELS = frozenset({"error", "assert", "exception"})


class BrowserError(RuntimeError):
    """Chromium is missing, did not start, crashed, or did not answer in time."""


@dataclass(frozen=True)
class ConsoleMessage:
    """``level``: a console call's type (log, info, warning, error, assert, ...), ``exception``
    for an uncaught one, ``error`` for a failed request; ``origin``: console, exception, request
    or run (the script :meth:`Browser.load` was asked to run)."""

    level: str
    text: str
    origin: str
    url: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = f" ({self.url}{'' if self.line is None else f':{self.line}'})" if self.url else ""
        return f"[{self.origin}/{self.level}] {self.text}{where}"


@dataclass
class Page:
    url: str
    dom: str
    messages: list[ConsoleMessage] = field(default_factory=list)
    screenshot: Path | None = None

    @property
    def errors(self) -> list[ConsoleMessage]:
        """console.error and console.assert failures, uncaught exceptions, failed requests (a
        missing file, a refused script)."""
        return [m for m in self.messages if m.level in ERROR_LEVELS]


def chromium_binary() -> str:
    binary = os.environ.get("PLANLINE_CHROMIUM", DEFAULT_CHROMIUM)
    found = shutil.which(binary)
    if not found:
        raise BrowserError(
            f"Chromium not found at {binary}: install Debian's chromium (make browser, or apt-get install chromium) or set PLANLINE_CHROMIUM to a Chromium binary"
        )
    return found


class _Driver:
    """Playwright's driver (one node process), shared by the browsers open at a time: its sync
    API cannot be started twice in one thread. Started by the first browser, stopped by the last."""

    playwright: Playwright | None = None
    users = 0

    @classmethod
    def acquire(cls) -> Playwright:
        if cls.playwright is None:
            cls.playwright = sync_playwright().start()
        cls.users += 1
        return cls.playwright

    @classmethod
    def release(cls) -> None:
        cls.users -= 1
        if cls.users == 0 and cls.playwright is not None:
            cls.playwright.stop()
            cls.playwright = None


class Browser:
    """One headless Chromium with one browser context; each :meth:`load` opens a tab and closes it
    afterwards (a context per load would start a renderer of its own: measured 0.7 s more a page)."""

    def __init__(self, timeout: float = 60.0, window: tuple[int, int] = (1400, 1000)):
        self.timeout, self.window = timeout, window
        self._playwright: Playwright | None = None
        self._browser: PlaywrightBrowser | None = None
        self._context: BrowserContext | None = None

    def __enter__(self) -> Browser:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        binary = chromium_binary()
        self._playwright = _Driver.acquire()
        try:
            self._browser = self._playwright.chromium.launch(executable_path=binary, headless=True, timeout=self.timeout * 1000)
            width, height = self.window
            self._context = self._browser.new_context(viewport={"width": width, "height": height})
            self._context.set_default_timeout(self.timeout * 1000)
        except PlaywrightError as error:
            self.close()
            raise BrowserError(f"chromium ({binary}) did not start: {error.message}") from None

    def close(self) -> None:
        """Close the browser, then Playwright's driver (both ended by Playwright, which started them)."""
        if self._browser is not None:
            try:
                self._browser.close()
            except PlaywrightError:
                pass
            self._browser = self._context = None
        if self._playwright is not None:
            self._playwright = None
            _Driver.release()

    def load(self, target: str | Path, *, run: str | None = None, screenshot: str | Path | None = None, settle_ms: int = 150) -> Page:
        """Open ``target`` (a file path or a URL), wait for its load event and ``settle_ms`` more
        (timers), run the JavaScript ``run`` if given (a user's clicks, say: its errors are
        reported like the page's), and return the DOM and the messages; a full-page PNG to
        ``screenshot`` if given."""
        if self._context is None:
            raise BrowserError("the browser is not running")
        url = target if isinstance(target, str) and "://" in target else Path(target).resolve().as_uri()
        messages: list[ConsoleMessage] = []
        tab = self._context.new_page()
        try:
            tab.on("console", lambda message: messages.append(_console(message)))
            tab.on("pageerror", lambda error: messages.append(ConsoleMessage("exception", error.stack or f"{error.name}: {error.message}", "exception")))
            tab.on("requestfailed", lambda request: messages.append(_failed(request)))
            try:
                tab.goto(url, wait_until="load")
            except PlaywrightTimeout:
                raise BrowserError(f"chromium did not answer the load of {url} within {self.timeout:.0f} s") from None
            except PlaywrightError as error:
                raise BrowserError(f"could not open {url}: {error.message}") from None
            tab.wait_for_timeout(settle_ms)
            if run:
                try:
                    tab.evaluate(run)
                except PlaywrightError as error:
                    messages.append(ConsoleMessage("exception", error.message, "run"))
                tab.wait_for_timeout(settle_ms)
            dom = tab.evaluate("document.documentElement.outerHTML")
            shot = None
            if screenshot is not None:
                shot = Path(screenshot)
                tab.screenshot(path=shot, full_page=True)
            return Page(url=url, dom=dom, messages=messages, screenshot=shot)
        finally:
            try:
                tab.close()
            except PlaywrightError:
                pass


def _console(message: PlaywrightConsoleMessage) -> ConsoleMessage:
    location = message.location or {}
    return ConsoleMessage(message.type, message.text, "console", location.get("url", ""), location.get("lineNumber"))


def _failed(request: Request) -> ConsoleMessage:
    return ConsoleMessage("error", f"{request.failure or 'failed'}: {request.method} {request.url}", "request", request.url)


def load_page(target: str | Path, *, timeout: float = 60.0, screenshot: str | Path | None = None, window: tuple[int, int] = (1400, 1000)) -> Page:
    """One page in a browser of its own."""
    with Browser(timeout=timeout, window=window) as browser:
        return browser.load(target, screenshot=screenshot)


if __name__ == "__main__":  # pragma: no cover - a developer's tool
    import argparse

    parser = argparse.ArgumentParser(description="Load a page in headless Chromium: its console messages, optionally a full-page screenshot.")
    parser.add_argument("page")
    parser.add_argument("--screenshot")
    parser.add_argument("--width", type=int, default=1400)
    arguments = parser.parse_args()
    page = load_page(arguments.page, screenshot=arguments.screenshot, window=(arguments.width, 1000))
    for message in page.messages:
        print(message)
    print(f"{len(page.dom)} characters of DOM, {len(page.errors)} error(s)" + (f", screenshot {page.screenshot}" if page.screenshot else ""))
    raise SystemExit(1 if page.errors else 0)
