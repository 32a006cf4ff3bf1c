"""What the live state raises for a request it cannot answer, each turned into its HTTP status by
the application (``install_handlers``) with the message as ``detail``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


class ServiceError(Exception):
    status_code = 500


class NotFound(ServiceError):
    """An unknown source, item, location, channel, customer or reservation (404)."""

    status_code = 404


class Invalid(ServiceError):
    """A request whose values contradict each other or the plan (422)."""

    status_code = 422


class NotReady(ServiceError):
    """No published plan or master data loaded yet (503)."""

    status_code = 503


def install_handlers(app: FastAPI) -> None:
    async def handle(request: Request, error: ServiceError) -> JSONResponse:
        headers = {"Retry-After": "5"} if isinstance(error, NotReady) else None
        return JSONResponse({"detail": str(error)}, status_code=error.status_code, headers=headers)

    app.add_exception_handler(ServiceError, handle)
