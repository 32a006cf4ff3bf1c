"""Order promising: ``POST /v1/quotes`` (optionally reserving), then confirm or cancel the reservation.

A quote promises dates and quantities from ATP under the allocation rules (key accounts first,
committed-volume buffers) and, for an online order without location, the routing rules; every
shortfall carries its reason. A reservation holds the promised quantities at once and expires
unless confirmed.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.auth import require_write
from service.routes.models import Quote, Reservation

router = APIRouter(tags=["promising"])
_CODE = {"min_length": 1, "max_length": 200}


class QuoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: str = Field(description="the item's code in any system the company maps", **_CODE)
    quantity: float = Field(gt=0, le=1e9, description="units of the item's base unit")
    requested_date: date = Field(description="the day the customer wants it delivered")
    customer: str | None = Field(None, description="a B2B customer's code (its segment's allocation rules apply)", **_CODE)
    channel: str | None = Field(None, description="a sales channel (online, marketplace, store...) when there is no customer", **_CODE)
    location: str | None = Field(None, description="the location to promise from; chosen by the rules when left out", **_CODE)
    region: str | None = Field(None, description="the delivery region of an online order (shipping cost of the routing); a customer's own otherwise", **_CODE)
    reserve: bool = Field(False, description="hold the promised quantities until confirmed or expired")

    @model_validator(mode="after")
    def _customer_or_channel(self) -> QuoteRequest:
        if not self.customer and not self.channel:
            raise ValueError("a quote needs a customer or a channel")
        return self


@router.post(
    "/v1/quotes",
    summary="Promise dates and quantities for an order (and reserve them)",
    dependencies=[Depends(require_write)],
    responses={404: {"description": "unknown item, customer, channel or location"}, 503: {"description": "no plan loaded yet"}},
)
def post_quote(request: Request, quote: QuoteRequest) -> Quote:
    return request.app.state.live.quote(quote)


@router.post(
    "/v1/reservations/{reservation_id}/confirm",
    summary="Confirm a reservation: it holds until a newer plan includes the order",
    dependencies=[Depends(require_write)],
    responses={404: {"description": "no such reservation (or it expired)"}},
)
def confirm(request: Request, reservation_id: str) -> Reservation:
    return request.app.state.live.confirm(reservation_id)


@router.delete(
    "/v1/reservations/{reservation_id}",
    summary="Cancel a reservation: its quantities are available again",
    dependencies=[Depends(require_write)],
    responses={404: {"description": "no such reservation (or it expired)"}},
)
def cancel(request: Request, reservation_id: str) -> Reservation:
    return request.app.state.live.cancel(reservation_id)
