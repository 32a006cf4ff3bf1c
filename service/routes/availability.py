"""``GET /v1/availability``: ATP (and ATS for a channel) by day, to the second.

The last published plan's ATP plus every event received since its watermark (sales and shipments
consume, receipts add, reservations hold), answered from memory: a batch run writing the warehouse
never blocks it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from service.auth import require_read
from service.routes.models import Availability

router = APIRouter(tags=["availability"])


@router.get(
    "/v1/availability",
    summary="ATP and ATS by day for an item at its locations",
    response_model=Availability,
    dependencies=[Depends(require_read)],
    responses={
        404: {"description": "unknown item, location or channel"},
        422: {"description": "dates outside the plan"},
        503: {"description": "no plan loaded yet"},
    },
)
def get_availability(
    request: Request,
    item: Annotated[str, Query(min_length=1, max_length=200, description="the item's code in any system the company maps (ERP code, barcode, WMS code...)")],
    location: Annotated[str | None, Query(min_length=1, max_length=200, description="a location code; every location holding the item when left out")] = None,
    channel: Annotated[str | None, Query(min_length=1, max_length=200, description="a sales channel: ATS (ATP less the channel's buffer) is added")] = None,
    start: Annotated[date | None, Query(alias="from", description="first day (default: the plan's first day)")] = None,
    end: Annotated[date | None, Query(alias="to", description="last day, inclusive (default: the plan's last day)")] = None,
) -> Availability:
    return request.app.state.live.availability(item, location, channel, start, end)
