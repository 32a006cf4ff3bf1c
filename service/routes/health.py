"""Liveness and readiness: ``/health`` answers while the process runs; ``/ready`` once the plan and
the contracts' master data are loaded from a published copy of the warehouse."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["operations"])


@router.get("/health", summary="The process is up")
def health() -> dict:
    return {"status": "ok"}


@router.get("/ready", summary="Ready to answer: a plan and the master data are loaded", responses={503: {"description": "not ready, with the reason"}})
def ready(request: Request) -> JSONResponse:
    state = request.app.state.live
    report = state.readiness()
    return JSONResponse(report, status_code=200 if report["ready"] else 503)
