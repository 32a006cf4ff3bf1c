"""Bearer-token authentication: every write needs the token, every read too unless reads are open.

The token is compared as its SHA-256 digest in constant time (``ServiceSettings.token_matches``);
a request without it, or with another, gets 401 and ``WWW-Authenticate: Bearer``. With no token
configured at all, requests that need one get 401 naming how to make one.
"""

from __future__ import annotations

from fastapi import HTTPException, Request, status

BEARER = "bearer "


def _refuse(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def check_token(request: Request) -> None:
    settings = request.app.state.settings
    if settings.token_digest is None:
        raise _refuse(f"no token is configured ({settings.token_origin} does not exist): make one with `python -m service token` or set PLANLINE_SERVICE_TOKEN")
    header = request.headers.get("authorization", "")
    if not header.lower().startswith(BEARER):
        raise _refuse("this request needs the header Authorization: Bearer <token>")
    if not settings.token_matches(header[len(BEARER) :].strip()):
        raise _refuse("the token is not the service's")


def require_write(request: Request) -> None:
    """Dependency of every route that changes something."""
    check_token(request)


def require_read(request: Request) -> None:
    """Dependency of the routes that read plans and availability (open with PLANLINE_SERVICE_OPEN_READS)."""
    if not request.app.state.settings.open_reads:
        check_token(request)
