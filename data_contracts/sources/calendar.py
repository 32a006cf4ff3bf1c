"""The company's calendar as files: its own period codes and its events.

- ``calendar_periods``: the day -> period code table of a company that names weeks or months by
  codes of its own (a retail week ``11101``, a fiscal period ``FY26-P03``). A price list may then
  give its validity as a period code (``erp_prices.valid_period``): staging turns the code into
  the period's first and last day.
- ``calendar_events``: what happens on a day that moves demand (a sporting final, a religious
  feast, a benefit payment day): company-wide, or for one region or one location. The forecast
  reads them as known-future inputs (``fct_demand_panel``). Public holidays and closures stay in
  company.yaml (``holidays``).

Both are master data: the whole table is sent each time, and the future of it is known.
"""

from __future__ import annotations

from data_contracts.fields import date_format
from data_contracts.model import Contract, known, required
from data_contracts.sources.erp import UNKNOWN_LOCATION
from data_contracts.sources.sql import codes

UNKNOWN_REGION = "region '{value}' is not the region of any location in the ERP location master: correct the region or leave it empty (company-wide)"

CALENDAR_PERIODS = Contract(
    source="calendar_periods",
    system="calendar",
    description="The company's period codes by day (retail or fiscal weeks and months named by codes of its own).",
    columns=("calendar_date", "period_code"),
    rules=(
        *required("calendar_date", "period_code"),
        *date_format("calendar_date"),
    ),
    # one period code per day: two codes for a day would make a price's validity ambiguous
    key=("calendar_date",),
)

CALENDAR_EVENTS = Contract(
    source="calendar_events",
    system="calendar",
    description="Events that move demand, by day: company-wide, or for one region or one location.",
    columns=("event_date", "event_name", "event_type", "region", "location_code"),
    rules=(
        *required("event_date", "event_name"),
        *date_format("event_date"),
        known("region", "regions", UNKNOWN_REGION, name="unknown_region"),
        known("location_code", "locations", UNKNOWN_LOCATION),
    ),
    key=("event_date", "event_name", "region", "location_code"),
    key_may_be_empty=("region", "location_code"),
    parameters={"regions": codes("erp_locations", "region"), "locations": codes("erp_locations", "location_code")},
    depends_on=("erp_locations",),
)

# Validation stages (data_contracts/registry.py): the period codes are looked up by price lists.
MASTER_DATA = (CALENDAR_PERIODS,)
HISTORY = (CALENDAR_EVENTS,)
