"""The small hand-made companies the asset-group tests run on: every table (dbt model, seed or
source) a group's Python assets read, with only the columns they read, as ``schema.table`` ->
frame for ``tests.assets.group_runs.write_tables``. The figures the tests expect are worked out
from these beside the assertions.

No demo-company code appears here: SKU-1, warehouse W1, stores S1 and S2, families F1 and F2.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd


def table(**columns) -> pd.DataFrame:
    """A frame from columns of equal length, a scalar repeated: ``table(a=[1, 2], b="x")``."""
    lengths = {len(v) for v in columns.values() if pd.api.types.is_list_like(v)}
    if len(lengths) > 1:
        raise ValueError(f"columns of different lengths: {sorted(lengths)}")
    rows = lengths.pop() if lengths else 1
    return pd.DataFrame({name: list(v) if pd.api.types.is_list_like(v) else [v] * rows for name, v in columns.items()})


# -- a tiny network for the inventory group ---------------------------------------------------------
# One SKU, a warehouse W1 buying from supplier V1 and two stores it supplies: S1 with little stock
# and steady sales, S2 overstocked. The history ends on AS_OF; the plan covers HORIZON_DAYS days.
AS_OF = pd.Timestamp("2026-09-30")
HORIZON_DAYS = 7
DAYS = list(pd.date_range(AS_OF + pd.Timedelta(days=1), periods=HORIZON_DAYS).date)
SKU = "SKU-1"
UNIT_COST, LIST_PRICE = 2.0, 10.0
# per location: type, supply, source, lead time and review period (days), mean daily demand and
# forecast error sd (units; a store's own, a warehouse's for its whole echelon), order multiple
NETWORK = pd.DataFrame(
    {
        "location_id": ["W1", "S1", "S2"],
        "location_type": ["warehouse", "store", "store"],
        "location_role": ["warehouse", "store", "store"],
        "supply_type": ["PURCHASE", "TRANSFER", "TRANSFER"],
        "source_id": ["V1", "W1", "W1"],
        "lead_time_days": [2.0, 2.0, 2.0],
        "review_period_days": [1, 7, 7],
        "mean_daily_demand": [6.0, 5.0, 1.0],
        "forecast_error_sd": [3.0, 2.0, 1.0],
        "local_mean_daily_forecast": [0.0, 5.0, 1.0],
        "local_forecast_error_sd": [0.0, 2.0, 1.0],
        "order_multiple": [10.0, 1.0, 1.0],
    }
)
ON_HAND = {"W1": 30.0, "S1": 5.0, "S2": 100.0}
# W1's order book: two lines due on the first day competing for its 30 units (a key account's and
# another customer's), one later line, and a stale one; an open purchase order of 20 due on day 4
ORDER_BOOK = pd.DataFrame(
    {
        "order_id": ["O-1", "O-2", "O-3", "O-4"],
        "order_line": [1, 1, 1, 1],
        "customer_id": ["C-2", "C-1", "C-3", "C-4"],
        "segment": ["OTHER", "KEY", "OTHER", "OTHER"],
        "allocation_priority": [2, 1, 2, 2],
        "order_date": pd.to_datetime(["2026-09-20", "2026-09-25", "2026-09-28", "2026-06-01"]).date,
        "due_date": [DAYS[0], DAYS[0], DAYS[4], DAYS[0]],
        "open_quantity": [20.0, 25.0, 10.0, 7.0],
        "is_stale": [False, False, False, True],
    }
)
RECEIPT_DAY, RECEIPT_UNITS = DAYS[3], 20.0
SEGMENTS = pd.DataFrame({"segment": ["KEY", "OTHER"], "cycle_service_level": [0.98, 0.95], "fill_rate": [0.99, 0.97], "allocation_priority": [1, 2]})
CHANNEL_SHARES = pd.DataFrame({"location_type": ["warehouse", "store"], "channel_id": ["WEB", "SHOP"], "safety_stock_share": [0.5, 0.25]})


def replenishment_parameters(network: pd.DataFrame = NETWORK) -> pd.DataFrame:
    """``inventory.fct_replenishment_parameters`` of the network: a 95 % cycle service level (the
    50 % fill rate never binds), no lead-time spread, no lot (orders bring the position up to the
    order-up-to level), each location reviewing on the plan's first day."""
    return network.drop(columns=["location_role"]).assign(
        sku_id=SKU,
        lead_time_sd_days=0.0,
        review_anchor_date=DAYS[0],
        lot_sizing="none",
        minimum_order_quantity=0.0,
        unit_cost=UNIT_COST,
        list_price=LIST_PRICE,
        order_cost=0.0,
        annual_holding_rate=0.2,
        demand_pattern="smooth",
        cycle_service_level=0.95,
        fill_rate_target=0.5,
    )


def committed_by_day() -> pd.Series:
    """The open (not stale) order book's units by due day at W1."""
    open_lines = ORDER_BOOK[~ORDER_BOOK.is_stale]
    return open_lines.groupby("due_date").open_quantity.sum().reindex(DAYS, fill_value=0.0)


def inventory_inputs() -> dict[str, pd.DataFrame]:
    """Every table the inventory group's Python assets read, for the network above."""
    from ml.inventory.policies import compute_policies

    parameters = replenishment_parameters()
    sales = {"W1": 0.0, "S1": 5.0, "S2": 1.0}  # the stores' daily forecast; W1 sells only its order book
    committed = committed_by_day()
    inputs = pd.concat(
        [
            table(
                sku_id=SKU,
                location_id=location,
                projection_date=DAYS,
                forecast_units=[sales[location]] * HORIZON_DAYS,
                committed_units=list(committed) if location == "W1" else [0.0] * HORIZON_DAYS,
                scheduled_receipts=[RECEIPT_UNITS if location == "W1" and day == RECEIPT_DAY else 0.0 for day in DAYS],
            )
            for location in NETWORK.location_id
        ],
        ignore_index=True,
    )
    # the forecast consumed by the committed orders
    inputs["independent_demand_units"] = inputs[["forecast_units", "committed_units"]].max(axis=1)
    atp_inputs = inputs.rename(columns={"projection_date": "date", "scheduled_receipts": "receipts", "committed_units": "committed"}).assign(
        on_hand=inputs.location_id.map(ON_HAND)
    )[["sku_id", "location_id", "date", "on_hand", "receipts", "committed"]]
    # what dbt's fct_placement_policies selects of the policies (the placement reads it, not the policies table)
    placement = compute_policies(parameters).merge(NETWORK[["location_id", "location_role"]], on="location_id")
    placement_columns = ["sku_id", "location_id", "supply_type", "source_id", "lead_time_days", "review_period_days", "local_forecast_error_sd"]
    return {
        "inventory.fct_replenishment_parameters": parameters,
        "inventory.fct_projection_inputs": inputs,
        "inventory.fct_stock_position": table(sku_id=SKU, location_id=list(ON_HAND), on_hand_units=list(ON_HAND.values()), as_of_date=AS_OF.date()),
        "inventory.fct_scheduled_receipts": table(sku_id=SKU, location_id="W1", due_date=RECEIPT_DAY, open_quantity=RECEIPT_UNITS),
        "inventory.fct_stock_count_days": table(snapshot_date=AS_OF.date(), stock_counts=3),
        "inventory.fct_placement_policies": placement[[*placement_columns, "lead_time_demand_sd", "safety_stock_units", "unit_cost", "location_role"]],
        "inventory.dim_transfer_lanes": table(
            from_location_id=["W1", "W1", "S2"], to_location_id=["S1", "S2", "S1"], transfer_cost_per_unit=[0.2, 0.2, 0.5], transfer_days=1
        ),
        "marts.dim_sku": table(sku_id=SKU, pack_size=1.0),
        "inventory.fct_atp_inputs": atp_inputs,
        "inventory.dim_channel_safety_buffers": CHANNEL_SHARES,
        "inventory.fct_committed_orders": ORDER_BOOK.assign(
            sku_id=SKU, location_id="W1", promised_date=ORDER_BOOK.due_date, reserved_buffer_pct=0.0, channel_id="B2B"
        ),
        "company.segment_service_levels": SEGMENTS,
        # web orders: one the order system sent to S2, one for a region no location ships to
        "inventory.fct_online_orders_to_route": table(
            order_id=["WEB-1", "WEB-2"],
            order_line=1,
            sku_id=SKU,
            quantity=[2.0, 3.0],
            region=["NORTH", "ISLANDS"],
            ordered_at=pd.to_datetime(["2026-09-30 09:00", "2026-09-30 10:00"]),
            oms_ship_from_location_id=["S2", None],
        ),
        "inventory.fct_online_stock_to_route": table(location_id=["W1", "S2"], sku_id=SKU, available_quantity=[0.0, 10.0]),
        "inventory.dim_shipping_lanes": table(location_id=["W1", "S2"], region="NORTH", cost_per_unit=[1.0, 2.0]),
        "inventory.fct_online_picking_load": table(location_id=["W1", "S2"], open_lines=0, capacity_lines=[100, 20]),
        # what the ERP files read: purchases in cases of 12, transfers in eaches
        "marts.dim_sku_order_units": table(
            sku_id=SKU,
            order_type=["PURCHASE_ORDER", "TRANSFER_ORDER", "MANUFACTURING_ORDER"],
            unit=["CS", "EA", "EA"],
            factor_to_base=[12.0, 1.0, 1.0],
            base_unit="EA",
        ),
        "marts.dim_production_line": pd.DataFrame({"production_line_id": pd.Series(dtype=str), "plant_location_id": pd.Series(dtype=str)}),
    }


# -- a tiny S&OP cycle --------------------------------------------------------------------------
# Two families in one region: F1 made on line L1 (10 units an hour, 25 regular and 5 overtime hours
# a month: 250 units, 300 with overtime), F2 bought from supplier V1 without a known limit. Three
# complete months of history; the S&OP horizon is SOP_MONTHS months from October 2026.
SOP_MONTHS = 3
PLAN_MONTHS = list(pd.date_range("2026-10-01", periods=SOP_MONTHS, freq="MS").date)
HISTORY = {"F1": [100.0, 120.0, 140.0], "F2": [None, None, 30.0]}  # July to September 2026; F2 sold from September
PLAN_UNITS = {"F1": 200.0, "F2": 50.0}  # a month, in every month of the horizon


def demand_plan(units: Mapping[str, float] = PLAN_UNITS) -> pd.DataFrame:
    """``sop.fct_demand_plan``: ``units`` a month per family, in region R1."""
    return pd.concat([table(month=PLAN_MONTHS, family=family, region="R1", plan_units=monthly) for family, monthly in units.items()], ignore_index=True)


def sop_inputs() -> dict[str, pd.DataFrame]:
    """Every table the S&OP cycle's Python assets read: the base scenario and a boom of F1's
    demand by 60 % (320 a month, 20 more than L1 can make with overtime)."""
    months = pd.date_range("2026-07-01", periods=3, freq="MS").date
    history = pd.concat([table(month=list(months), family=family, region="R1", units=units).dropna() for family, units in HISTORY.items()], ignore_index=True)
    return {
        "sop.fct_monthly_demand_history": history,
        "sop.fct_demand_plan": demand_plan(),
        "sop.fct_supply_sources": table(
            planning_group=["F1 / L1", "F2 / V1"],
            family=["F1", "F2"],
            source_type=["production", "purchase"],
            resource_id=["L1", "V1"],
            region="R1",
            share_of_family=1.0,
            unit_cost=[2.0, 1.0],
            list_price=[5.0, 2.0],
            units_per_hour=[10.0, None],
        ),
        "sop.fct_supply_capacity": pd.concat(
            [
                table(month=PLAN_MONTHS, resource_id="L1", source_type="production", regular_hours=25.0, overtime_hours=5.0, cost_per_hour=10.0).assign(
                    overtime_cost_per_hour=15.0, capacity_units=None
                ),
                table(month=PLAN_MONTHS, resource_id="V1", source_type="purchase", capacity_units=None),
            ],
            ignore_index=True,
        ),
        "sop.fct_sop_opening_stock": table(planning_group="F1 / L1", region="R1", on_hand_units=0.0),
        "reference.sop_scenarios": table(
            scenario=["base", "boom"], description=["The plan", "F1 up 60 %"], target_type="demand", target=["*", "F1"], multiplier=[1.0, 1.6]
        ),
    }


# -- the KPIs and the cockpit ---------------------------------------------------------------------
COMPANY_NAME = "Test Company"
PLAN_VERSION = "PLAN-20260930-0123abcd"
KPI_MONTHS = list(pd.date_range("2026-08-01", periods=2, freq="MS").date)
OEE_REASON = "no production orders: send erp_production_orders"


def kpi_scorecard() -> pd.DataFrame:
    """``kpi.kpi_scorecard``: OTIF for August and September (headline, and by channel in September),
    a forecast bias with no value in September, an OEE the company's data cannot give."""
    otif = {"kpi": "otif_rate", "label": "OTIF", "unit": "percent", "direction": "higher", "target": 0.95, "status": "computed", "reason": None}
    bias = {"kpi": "forecast_bias", "label": "Forecast bias", "unit": "percent", "direction": "zero", "target": 0.1, "status": "computed", "reason": None}
    oee = {"kpi": "oee", "label": "OEE", "unit": "percent", "direction": "higher", "target": 0.85, "status": "not_computed", "reason": OEE_REASON}
    rows = [
        *({**otif, "month": month, "cut_type": "all", "cut_value": "ALL", "value": value} for month, value in zip(KPI_MONTHS, [0.90, 0.96], strict=True)),
        *({**otif, "month": KPI_MONTHS[1], "cut_type": "channel", "cut_value": channel, "value": value} for channel, value in [("WEB", 0.80), ("B2B", 0.99)]),
        *({**bias, "month": month, "cut_type": "all", "cut_value": "ALL", "value": value} for month, value in zip(KPI_MONTHS, [0.05, None], strict=True)),
        {**oee, "month": KPI_MONTHS[1], "cut_type": "all", "cut_value": "ALL", "value": None},
    ]
    return pd.DataFrame(rows)


# exceptions: one the plan raises, one late line of last week, one of July (older than the
# cockpit's 28 days of recent history)
EXCEPTIONS = pd.DataFrame(
    {
        "exception_id": ["E-PLAN", "E-RECENT", "E-OLD"],
        "exception_type": ["projected_shortage", "late_line", "late_line"],
        "horizon": ["plan", "history", "history"],
        "reason_code": ["lead_time", "supplier", "supplier"],
        "reason_detail": ["S1 runs short before its transfer arrives", "PO-7 arrived 3 days late", "PO-2 arrived 9 days late"],
        "sku_id": "SKU-1",
        "location_id": ["S1", "W1", "W1"],
        "channel_id": None,
        "exception_date": pd.to_datetime(["2026-10-02", "2026-09-25", "2026-07-01"]),
        "units": [5.0, 12.0, 40.0],
        "value": [40.0, 24.0, 80.0],
    }
)


def cockpit_inputs() -> dict[str, pd.DataFrame]:
    """Every table the KPI and cockpit groups' Python assets read, before any S&OP cycle (its
    tables absent), with one planner override the contract refused."""
    by_type = EXCEPTIONS.groupby(["exception_type", "reason_code"], as_index=False)
    return {
        "kpi.kpi_scorecard": kpi_scorecard(),
        "cockpit.plan_context": table(
            company_name=COMPANY_NAME, history_end=pd.Timestamp("2026-09-30").date(), plan_version=PLAN_VERSION, sop_plan_version=None, sop_status=None
        ),
        "cockpit.forecast_accuracy_by_cut": table(cut_type="family", cut_value="F1", source="published", wape=0.2, bias=0.05, actual_units=100.0),
        "exceptions.fct_exceptions": EXCEPTIONS,
        "cockpit.exception_counts": by_type.agg(exceptions=("exception_id", "size"), units=("units", "sum"), value=("value", "sum")),
        "cockpit.refused_overrides": table(
            override_id="OVR-9",
            author="a.planner",
            item_or_family="SKU-1",
            location_or_customer="W1",
            submitted_at="2026-09-29",
            source_file="overrides/overrides_20260929.csv",
            row_number=4,
            reason="adjustment_units is not a number: 'twelve'",
        ),
    }
