"""Load pages in Debian's real headless Chromium and report what a user's browser would see.

A page's DOM after its scripts ran, and every console message, uncaught exception and browser log
entry (e.g. a resource that failed to load), with its level, through the DevTools protocol over a
websocket (``websockets``, already in the environment through uvicorn). Each browser gets a
temporary profile (``--user-data-dir``), removed on close; every wait is bounded by ``timeout``.

    with Browser() as browser:
        page = browser.load("/tmp/cockpit.html")
        assert not page.errors, page.errors

Chromium missing is an error (:class:`BrowserError`), never a skip. ``PLANLINE_CHROMIUM`` may name
another binary. From the shell: ``python -m tests.browser page.html [--screenshot out.png]``.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
)
ERROR_LEVELS = frozenset({"error", "assert", "exception"})


class BrowserError(RuntimeError):
    """Chromium is missing, did not start, crashed, or did not answer in time."""


@dataclass(frozen=True)
class ConsoleMessage:
    """``level``: a console call's type (log, info, warning, error, assert, ...), ``exception``
    for an uncaught one, or a log entry's level; ``origin``: console, exception or log (+ source)."""

    level: str
    text: str
    origin: str
    url: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = f" ({self.url}:{self.line})" if self.url else ""
        return f"[{self.origin}/{self.level}] {self.text}{where}"


@dataclass
class Page:
    url: str
    dom: str
    messages: list[ConsoleMessage] = field(default_factory=list)
    screenshot: Path | None = None

    @property
    def errors(self) -> list[ConsoleMessage]:
        """console.error and console.assert failures, uncaught exceptions, log entries at error
        level (a failed request, a refused script)."""
        return [m for m in self.messages if m.level in ERROR_LEVELS]


def chromium_binary() -> str:
    binary = os.environ.get("PLANLINE_CHROMIUM", DEFAULT_CHROMIUM)
    found = shutil.which(binary)
    if not found:
        raise BrowserError(
            f"Chromium not found at {binary}: install Debian's chromium (apt-get install chromium) or set PLANLINE_CHROMIUM to a Chromium binary"
        )
    return found


class Browser:
    """One headless Chromium; each :meth:`load` opens a fresh tab and closes it afterwards."""

    def __init__(self, timeout: float = 60.0, window: tuple[int, int] = (1400, 1000)):
        self.timeout, self.window = timeout, window
        self._process: subprocess.Popen | None = None
        self._socket = None
        self._stack = ExitStack()
        self._profile: Path | None = None
        self._next_id = 0
        self._events: list[dict] = []

    # -- lifetime -------------------------------------------------------------------------------
    def __enter__(self) -> Browser:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        try:
            from websockets.sync.client import connect
        except ImportError as error:  # pragma: no cover - websockets ships with the environment
            raise BrowserError("the browser harness needs the websockets package (pip install websockets)") from error
        binary = chromium_binary()
        self._profile = Path(tempfile.mkdtemp(prefix="planline-chromium-"))
        log = open(self._profile / "chromium.log", "wb")  # closed below, once chromium holds it
        command = [
            binary,
            *FLAGS,
            "--remote-debugging-port=0",
            f"--user-data-dir={self._profile / 'profile'}",
            f"--window-size={self.window[0]},{self.window[1]}",
            "about:blank",
        ]
        try:
            self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        finally:
            log.close()
        port_file = self._profile / "profile" / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while True:
            if port_file.exists() and len(lines := port_file.read_text().split("\n")) >= 2 and lines[1]:
                break
            if self._process.poll() is not None:
                tail = self._log_tail()
                self.close()
                raise BrowserError(f"chromium exited with code {self._process.returncode} before it was ready:\n{tail}")
            if time.monotonic() > deadline:
                tail = self._log_tail()
                self.close()
                raise BrowserError(f"chromium did not open its DevTools port within {self.timeout:.0f} s:\n{tail}")
            time.sleep(0.05)
        try:
            self._socket = self._stack.enter_context(
                connect(f"ws://127.0.0.1:{int(lines[0])}{lines[1]}", max_size=None, open_timeout=self.timeout, close_timeout=2)
            )
        except Exception as error:
            self.close()
            raise BrowserError(f"could not connect to chromium's DevTools: {error}") from error

    def close(self) -> None:
        """Close the browser (politely, then by its process group: only the processes it started)."""
        if self._socket is not None:
            try:
                self._send("Browser.close", wait=False)
            except Exception:
                pass
            try:
                self._stack.close()
            except Exception:
                pass
            self._socket = None
        if self._process is not None and self._process.poll() is None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self._process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self._process.wait(timeout=5)
        if self._process is not None:
            self._end_group(self._process.pid)
        if self._profile is not None:
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = None

    @staticmethod
    def _end_group(group: int, grace: float = 3.0) -> None:
        """Wait for the browser's helper processes (its own process group) to exit; kill the
        stragglers."""
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if not _live_members(group):
                return
            time.sleep(0.05)
        try:
            os.killpg(group, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def _log_tail(self, lines: int = 20) -> str:
        path = self._profile / "chromium.log" if self._profile else None
        if not path or not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    # -- protocol -------------------------------------------------------------------------------
    def _send(self, method: str, params: dict | None = None, session: str | None = None, *, wait: bool = True, deadline: float | None = None) -> dict:
        if self._socket is None:
            raise BrowserError("the browser is not running")
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._socket.send(json.dumps(message))
        if not wait:
            return {}
        answer = self._receive(lambda m: m.get("id") == message["id"], deadline, method)
        if "error" in answer:
            raise BrowserError(f"{method} failed: {answer['error']}")
        return answer.get("result", {})

    def _receive(self, wanted, deadline: float | None, what: str) -> dict:
        """Read messages until ``wanted(message)``; events on the way are kept."""
        from websockets.exceptions import ConnectionClosed

        deadline = deadline if deadline is not None else time.monotonic() + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrowserError(f"chromium did not answer {what} within {self.timeout:.0f} s")
            try:
                message = json.loads(self._socket.recv(timeout=remaining))
            except TimeoutError:
                raise BrowserError(f"chromium did not answer {what} within {self.timeout:.0f} s") from None
            except ConnectionClosed as error:
                raise BrowserError(f"chromium closed the DevTools connection ({error}):\n{self._log_tail()}") from None
            if "method" in message:
                self._events.append(message)
            if wanted(message):
                return message

    # -- pages ----------------------------------------------------------------------------------
    def load(self, target: str | Path, *, run: str | None = None, screenshot: str | Path | None = None, settle_ms: int = 150) -> Page:
        """Open ``target`` (a file path or a URL), wait for its load event and ``settle_ms`` more
        (timers), run the JavaScript ``run`` if given (a user's clicks, say: its errors are
        reported like the page's), and return the DOM and the messages; a full-page PNG to
        ``screenshot`` if given."""
        url = target if isinstance(target, str) and "://" in target else Path(target).resolve().as_uri()
        deadline = time.monotonic() + self.timeout
        self._events.clear()
        target_id = self._send("Target.createTarget", {"url": "about:blank"}, deadline=deadline)["targetId"]
        session = self._send("Target.attachToTarget", {"targetId": target_id, "flatten": True}, deadline=deadline)["sessionId"]
        try:
            for method in ("Runtime.enable", "Log.enable", "Page.enable"):
                self._send(method, session=session, deadline=deadline)
            width, height = self.window
            self._send(
                "Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session, deadline=deadline
            )
            self._events.clear()
            navigation = self._send("Page.navigate", {"url": url}, session, deadline=deadline)
            if navigation.get("errorText"):
                raise BrowserError(f"could not open {url}: {navigation['errorText']}")
            if not any(e.get("sessionId") == session and e["method"] == "Page.loadEventFired" for e in self._events):
                self._receive(lambda m: m.get("sessionId") == session and m.get("method") == "Page.loadEventFired", deadline, f"the load of {url}")
            self._evaluate(f"new Promise(done => setTimeout(done, {int(settle_ms)}))", session, deadline)
            ran = []
            if run:
                outcome = self._send("Runtime.evaluate", {"expression": run, "awaitPromise": True}, session, deadline=deadline)
                if "exceptionDetails" in outcome:
                    details = outcome["exceptionDetails"]
                    ran.append(ConsoleMessage("exception", (details.get("exception") or {}).get("description") or details.get("text", ""), "run"))
                self._evaluate(f"new Promise(done => setTimeout(done, {int(settle_ms)}))", session, deadline)
            dom = self._evaluate("document.documentElement.outerHTML", session, deadline)
            shot = None
            if screenshot is not None:
                full = self._evaluate("Math.ceil(document.documentElement.scrollHeight)", session, deadline)
                self._send(
                    "Emulation.setDeviceMetricsOverride",
                    {"width": width, "height": max(int(full), 1), "deviceScaleFactor": 1, "mobile": False},
                    session,
                    deadline=deadline,
                )
                data = self._send("Page.captureScreenshot", {"format": "png"}, session, deadline=deadline)["data"]
                shot = Path(screenshot)
                shot.write_bytes(base64.b64decode(data))
            messages = [m for e in self._events if e.get("sessionId") == session and (m := _message(e)) is not None] + ran
            return Page(url=url, dom=dom, messages=messages, screenshot=shot)
        finally:
            try:
                self._send("Target.closeTarget", {"targetId": target_id}, deadline=time.monotonic() + 5)
            except BrowserError:
                pass

    def _evaluate(self, expression: str, session: str, deadline: float):
        result = self._send("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True}, session, deadline=deadline)
        if "exceptionDetails" in result:
            raise BrowserError(f"evaluating {expression!r} failed: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")


def _live_members(group: int) -> bool:
    """Whether a process of the group is still running (zombies waiting for init don't count)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(group, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and fields[2] == str(group) and fields[0] != "Z":
            return True
    return False


def _remote_text(value: dict) -> str:
    if "value" in value:
        return value["value"] if isinstance(value["value"], str) else json.dumps(value["value"])
    return value.get("description") or value.get("unserializableValue") or value.get("type", "")


def _message(event: dict) -> ConsoleMessage | None:
    method, params = event["method"], event.get("params", {})
    if method == "Runtime.consoleAPICalled":
        frame = (params.get("stackTrace") or {}).get("callFrames") or [{}]
        text = " ".join(_remote_text(arg) for arg in params.get("args", []))
        return ConsoleMessage(params.get("type", "log"), text, "console", frame[0].get("url", ""), frame[0].get("lineNumber"))
    if method == "Runtime.exceptionThrown":
        details = params.get("exceptionDetails", {})
        exception = details.get("exception") or {}
        text = exception.get("description") or details.get("text", "exception")
        return ConsoleMessage("exception", text, "exception", details.get("url", ""), details.get("lineNumber"))
    if method == "Log.entryAdded":
        entry = params.get("entry", {})
        return ConsoleMessage(
            entry.get("level", "info"), entry.get("text", ""), f"log/{entry.get('source', '')}", entry.get("url", ""), entry.get("lineNumber")
        )
    return None


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
