"""All contracts, master data first (later contracts look up master data that passed its own)."""

from __future__ import annotations

from data_contracts.model import Contract
from data_contracts.sources.calendar import CALENDAR_EVENTS, CALENDAR_PERIODS
from data_contracts.sources.erp import MASTER_DATA, TRANSACTIONS
from data_contracts.sources.history import SALES_HISTORY
from data_contracts.sources.streams import OMS_EVENTS, PLANNER_OVERRIDES, POS_SALES, WMS_EVENTS, WMS_STOCK

CONTRACTS: dict[str, Contract] = {
    c.source: c
    for c in (CALENDAR_PERIODS, *MASTER_DATA, CALENDAR_EVENTS, SALES_HISTORY, *TRANSACTIONS, WMS_EVENTS, WMS_STOCK, POS_SALES, OMS_EVENTS, PLANNER_OVERRIDES)
}


def contract_for(source: str) -> Contract:
    try:
        return CONTRACTS[source]
    except KeyError:
        raise KeyError(f"no data contract for source {source!r}; known: {', '.join(CONTRACTS)}") from None
