"""``POST /v1/events/{source}``: one event or a batch, answered event by event.

An event is a JSON object with the source system's fields as the company's source mapping reads
them (the same names and notations as in its export files). The answer lists, in the order sent,
each event's key and status: ``accepted`` (durable in the intake log before this answer),
``duplicate`` (its key was received before with the same content: nothing added) or ``rejected``
with the contract's rule, the field, the value and the reason; a rejected event is kept in the log
too, and reaches the warehouse's quarantine with the next fold.
"""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, HTTPException, Path, Request, status
from fastapi.concurrency import run_in_threadpool

from service.auth import require_write
from service.routes.models import IntakeAnswer

router = APIRouter(tags=["intake"])
MAX_EVENTS = 10_000
_EVENT_SCHEMA = {"type": "object", "additionalProperties": {"type": ["string", "number", "integer", "boolean", "null"]}}
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {**_EVENT_SCHEMA, "title": "One event"},
                        {"type": "array", "items": _EVENT_SCHEMA, "maxItems": MAX_EVENTS, "title": "A batch of events"},
                    ]
                }
            }
        },
    }
}


def _events(body: bytes) -> list[dict]:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=f"the body is not JSON: {error}") from None
    events = [parsed] if isinstance(parsed, dict) else parsed
    if not isinstance(events, list):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="the body must be one event (a JSON object) or a batch (an array of objects)")
    if len(events) > MAX_EVENTS:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=f"{len(events):,} events in one request: send at most {MAX_EVENTS:,}")
    not_objects = [i for i, event in enumerate(events) if not isinstance(event, dict)]
    if not_objects:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"event {not_objects[0]} of the batch is not a JSON object")
    return events


@router.post(
    "/v1/events/{source}",
    summary="Send one event or a batch",
    dependencies=[Depends(require_write)],
    openapi_extra=_BODY,
    responses={
        400: {"description": "the body is not JSON"},
        404: {"description": "not a source of events of this company"},
        413: {"description": "too many events in one request"},
        503: {"description": "not ready: no published plan and master data yet"},
    },
)
async def post_events(
    request: Request, source: Annotated[str, Path(description="the source of the events, e.g. wms_events, oms_events, pos_sales")]
) -> IntakeAnswer:
    events = _events(await request.body())
    return await run_in_threadpool(request.app.state.live.intake, source, events)
