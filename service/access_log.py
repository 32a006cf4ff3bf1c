"""Structured access logs: one JSON line per request on the ``planline.access`` logger.

Each line holds the time (UTC), method, path (never the query string: it could carry codes a log
should not keep), status, duration in milliseconds, client address and a request id, also returned
in the ``X-Request-ID`` header (or the caller's own, when it sends one of up to 64 safe characters).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOGGER = logging.getLogger("planline.access")
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def configure_access_log(stream=None) -> None:
    """Access lines go to ``stream`` (stderr) as they are, one JSON object per line."""
    if LOGGER.handlers:
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False


class AccessLogMiddleware:
    """ASGI middleware (pure: no per-request task, unlike BaseHTTPMiddleware, which costs latency)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SAFE_ID.fullmatch(given) else uuid.uuid4().hex[:16]
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if LOGGER.isEnabledFor(logging.INFO):
                client = scope.get("client")
                LOGGER.info(
                    json.dumps(
                        {
                            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                            "method": scope.get("method"),
                            "path": scope.get("path"),
                            "status": status,
                            "ms": round((time.perf_counter() - started) * 1000, 3),
                            "client": f"{client[0]}:{client[1]}" if client else None,
                            "request_id": request_id,
                        }
                    )
                )
