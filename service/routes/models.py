"""The answers' shapes: documented in the OpenAPI, validated and serialized by pydantic (in
compiled code: FastAPI skips its generic encoder when a route declares its response model)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Problem(BaseModel):
    rule: str = Field(description="the contract's rule (the one a file's row gets in quarantine)")
    field: str | None = Field(description="the field as the source system names it")
    value: str | None = Field(description="the value found")
    reason: str = Field(description="what is wrong and who can fix it")


class EventResult(BaseModel):
    index: int = Field(description="the event's position in the request, from 0")
    key: dict[str, str | None] = Field(description="the event's key (the contract's key fields)")
    status: str = Field(description="accepted, duplicate or rejected")
    problems: list[Problem]


class IntakeAnswer(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    results: list[EventResult]


class LocationAvailability(BaseModel):
    location_id: str
    movements: int = Field(description="events applied to the pair since the plan")
    reservations: int = Field(description="reservations held at the pair")
    date: list[str]
    atp: list[float] = Field(description="ATP by day, base units: the plan's with every event since and the reservations")
    plan_atp: list[float] = Field(description="the published plan's ATP by day")
    ats: list[float] | None = Field(None, description="ATS for the channel by day: ATP less the channel's safety buffer")
    channel_buffer: float | None = None


class PlanIdentity(BaseModel):
    published_at: str | None
    run_id: str | None
    first_day: str
    last_day: str


class Availability(BaseModel):
    item: str
    sku_id: str
    channel: str | None
    unit: str
    from_: str = Field(alias="from", serialization_alias="from")
    to: str
    answered_at: str
    last_event_time: str | None = Field(description="the newest event time applied (UTC)")
    watermark: str = Field(description="when the plan's ATP was computed (UTC)")
    loaded_through: str | None = Field(description="the newest load the plan's ATP holds (UTC)")
    plan: PlanIdentity
    locations: list[LocationAvailability]


class PromiseLine(BaseModel):
    location_id: str
    date: str
    quantity: float


class Shortfall(BaseModel):
    quantity: float
    reason: str = Field(description="a reason code: NO_STOCK, INSUFFICIENT_STOCK, HIGHER_PRIORITY, CHANNEL_BUFFER, EARLIER_ORDERS, BEYOND_HORIZON...")
    text: str


class ReservationLine(BaseModel):
    date: str
    quantity: float


class Reservation(BaseModel):
    id: str
    sku_id: str
    location_id: str
    lines: list[ReservationLine]
    created_at: str
    expires_at: str | None
    confirmed_at: str | None
    status: str = Field(description="held, confirmed or cancelled")


class Quote(BaseModel):
    item: str
    sku_id: str
    quantity: float
    unit: str
    requested_date: str
    customer: str | None
    channel: str | None
    location_id: str | None
    promised_quantity: float
    complete_on_requested_date: bool
    lines: list[PromiseLine]
    shortfalls: list[Shortfall]
    routing_reason: str | None
    reservation: Reservation | None
