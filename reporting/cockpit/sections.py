"""The cockpit's lower sections: scenarios side by side, forecast accuracy, top exceptions. Plain
values here; the markup is ``templates/scenarios.html.j2``, ``accuracy.html.j2`` and
``exceptions.html.j2``."""

from __future__ import annotations

import pandas as pd

from reporting.cockpit import format as fmt
from reporting.cockpit.data import ACCURACY_CUTS, REASON_CODES, CockpitData
from reporting.cockpit.svg import SERIES_COLOURS, stacked_bars

COMPONENTS = (
    ("production_cost", "Production"),
    ("purchase_cost", "Purchase"),
    ("regular_labour_cost", "Regular labour"),
    ("overtime_cost", "Overtime"),
    ("holding_cost", "Holding"),
    ("backlog_cost", "Backlog"),
    ("lost_sales_cost", "Lost sales"),
)
# (column, label, how shown, which is best: "lower", "higher" or None)
METRICS = (
    ("total_cost", "Total cost", "money", "lower"),
    *((column, label, "money", "lower") for column, label in COMPONENTS),
    ("demand_units", "Demand units", "units", None),
    ("lost_units", "Lost units", "units", "lower"),
    ("service_level", "Service level", "percent", "higher"),
    ("busiest_resource", "Busiest resource", "text", None),
    ("busiest_month", "Busiest month", "month", None),
    ("busiest_utilisation", "Peak utilisation", "percent", "lower"),
)
REASON_NAMES = {"capacity": "Capacity", "lead_time": "Lead time", "supplier": "Supplier", "allocation": "Allocation", "data_quality": "Data quality"}
REASON_KINDS = {"capacity": "bad", "supplier": "warn", "lead_time": "warn", "allocation": "info"}


def _shown(value, how: str) -> str:
    if how in ("money", "units"):
        return fmt.number(value)
    if how == "percent":
        return fmt.percent(value)
    if how == "month":
        return fmt.iso_month(value) if value else fmt.MISSING
    return str(value) if value else fmt.MISSING


def _best(values: list, better: str | None) -> set[int]:
    """Positions holding the best value of a row (none when every scenario ties)."""
    known = [(i, float(v)) for i, v in enumerate(values) if not fmt.is_missing(v)]
    if better is None or len(known) < 2:
        return set()
    target = min(v for _, v in known) if better == "lower" else max(v for _, v in known)
    if all(abs(v - target) <= 1e-9 * max(1.0, abs(target)) for _, v in known):
        return set()
    return {i for i, v in known if abs(v - target) <= 1e-9 * max(1.0, abs(target))}


def scenarios_view(data: CockpitData) -> dict:
    """The summary table (a row per metric, a column per scenario, the best value marked), the
    notes on costs not in money and the stacked cost chart; ``empty`` without scenarios."""
    frame = data.scenarios
    if frame.empty:
        return {"empty": "No scenarios yet: the scenario summary has no rows."}
    names = list(frame["scenario"])
    rows = []
    for column, label, how, better in METRICS:
        values = list(frame[column])
        best = _best(values, better)
        cells = [
            {
                "text": _shown(value, how),
                "attributes": {
                    "class": "num best" if i in best else "num",
                    "data-scenario": name,
                    "data-metric": column,
                    "data-value": fmt.data_value(value) if how in ("money", "units", "percent") else str(value),
                },
            }
            for i, (name, value) in enumerate(zip(names, values))
        ]
        row_class = "total" if column == "total_cost" else None
        rows.append({"metric": column, "class": row_class, "label": label, "sub": column.endswith("_cost") and column != "total_cost", "cells": cells})
    chart_rows = []
    for _, row in frame.iterrows():
        parts = [0.0 if fmt.is_missing(row[c]) else float(row[c]) for c, _ in COMPONENTS]
        other = (0.0 if fmt.is_missing(row["total_cost"]) else float(row["total_cost"])) - sum(parts)
        chart_rows.append((str(row["scenario"]), [*parts, max(other, 0.0)]))
    series = [label for _, label in COMPONENTS] + ["Other"]
    used = [k for k in range(len(series)) if any(values[k] > 0 for _, values in chart_rows)]
    return {
        "empty": "",
        "headers": [("", False)] + [(name + (" (shown)" if name == data.scenario else ""), True) for name in names],
        "rows": rows,
        "notes": sorted({note for note in frame["cost_note"] if note}),
        "legend": [(series[k], SERIES_COLOURS[k % len(SERIES_COLOURS)], False) for k in used],
        "chart": stacked_bars(
            chart_rows, series, label="Total cost per scenario, by component", value_format=fmt.compact, row_attribute="data-scenario", width=440
        ),
    }


def _accuracy_card(cut_type: str, rows: pd.DataFrame) -> dict:
    if cut_type == "abc_class":
        rows = rows.sort_values("cut_value", kind="stable")
    else:
        rows = rows.sort_values(["actual_units", "cut_value"], ascending=[False, True], kind="stable")
    top_wape = max(rows["wape"].max(skipna=True), 1e-9) if rows["wape"].notna().any() else 1.0
    top_bias = max(rows["bias"].abs().max(skipna=True), 1e-9) if rows["bias"].notna().any() else 1.0
    body = []
    for _, row in rows.iterrows():
        wape, bias = row["wape"], row["bias"]
        wape_bar = None if fmt.is_missing(wape) else f"left:0;width:{min(float(wape) / top_wape, 1) * 100:.1f}%"
        bias_bar = None
        if not fmt.is_missing(bias):
            half = min(abs(float(bias)) / top_bias, 1) * 50
            side = f"left:50%;width:{half:.1f}%" if float(bias) >= 0 else f"left:{50 - half:.1f}%;width:{half:.1f}%"
            bias_bar = {"side": "over" if float(bias) >= 0 else "under", "style": side}
        body.append(
            {
                "attributes": {
                    "data-cut-type": cut_type,
                    "data-cut-value": row["cut_value"],
                    "data-wape": fmt.data_value(wape),
                    "data-bias": fmt.data_value(bias),
                },
                "cut": row["cut_value"],
                "wape": fmt.percent(wape),
                "wape_sort": fmt.data_value(wape),
                "wape_bar": wape_bar,
                "bias": fmt.signed_percent(bias),
                "bias_sort": fmt.data_value(bias),
                "bias_bar": bias_bar,
                "actual": fmt.number(row["actual_units"]),
                "actual_sort": fmt.data_value(row["actual_units"]),
            }
        )
    return {
        "cut_type": cut_type,
        "title": "By " + (fmt.humanize(cut_type).lower() if cut_type != "abc_class" else "ABC class"),
        "headers": [(fmt.humanize(cut_type), False), ("WAPE", True), ("", False), ("Bias", True), ("", False), ("Actual units", True)],
        "rows": body,
        "sources": ", ".join(sorted({s for s in rows["source"] if s})) or fmt.MISSING,
    }


def accuracy_view(data: CockpitData) -> dict:
    """The sources of the scores, then a card per cut type (family, location, channel, ABC class
    first); ``empty`` without scores."""
    frame = data.forecast_accuracy
    if frame.empty:
        return {"sources": "", "empty": "No forecast accuracy yet: no backtest has been scored."}
    present = list(dict.fromkeys(frame["cut_type"]))
    order = [c for c in ACCURACY_CUTS if c in present] + [c for c in present if c not in ACCURACY_CUTS]
    return {
        "sources": ", ".join(sorted({s for s in frame["source"] if s})),
        "empty": "",
        "cards": [_accuracy_card(cut_type, frame[frame["cut_type"] == cut_type]) for cut_type in order],
    }


def reason(code: str) -> dict:
    """A reason code as its pill: name and colour."""
    return {"code": code, "name": REASON_NAMES.get(code, fmt.humanize(code)), "kind": REASON_KINDS.get(code, "")}


def exceptions_view(data: CockpitData) -> dict:
    """The count per reason code, the top exceptions as the plan ranks them, every exception by
    type and reason; ``empty`` without any."""
    counts, top = data.exception_counts, data.exceptions
    if counts.empty and top.empty:
        return {"empty": "No exceptions yet: the plan has raised none, or it has not run."}
    view: dict = {"empty": "", "chips": None, "total": None, "top": None, "by_type": None}
    if not counts.empty:
        by_reason = counts.groupby("reason_code", sort=False)[["exceptions", "units", "value"]].sum(min_count=1)
        codes = list(REASON_CODES) + sorted(c for c in by_reason.index if c not in REASON_CODES)
        chips = []
        for code in codes:
            n, units, value = by_reason.loc[code] if code in by_reason.index else (0.0, 0.0, 0.0)
            n = 0 if fmt.is_missing(n) else int(n)
            chips.append(
                {
                    "code": code,
                    "count": n,
                    "name": REASON_NAMES.get(code, fmt.humanize(code)),
                    "shown": fmt.number(n),
                    "units": fmt.number(units),
                    "value": fmt.compact(value),
                }
            )
        view["chips"], view["total"] = chips, int(counts["exceptions"].sum())
        ordered = counts.sort_values(["exceptions", "exception_type", "reason_code"], ascending=[False, True, True], kind="stable")
        view["by_type"] = [
            {
                "type": r["exception_type"],
                "type_name": fmt.humanize(r["exception_type"]),
                "reason": reason(r["reason_code"]),
                "exceptions": fmt.number(r["exceptions"]),
                "units": fmt.number(r["units"]),
                "value": fmt.number(r["value"]),
            }
            for _, r in ordered.iterrows()
        ]
    if not top.empty:
        rows = [
            {
                "attributes": {
                    "data-reason": row["reason_code"],
                    "data-sku": row["sku_id"],
                    "data-units": fmt.data_value(row["units"]),
                    "data-value": fmt.data_value(row["value"]),
                },
                "rank": rank,
                "type": fmt.humanize(row["exception_type"]),
                "reason": reason(row["reason_code"]),
                "sku": row["sku_id"],
                "location": row["location_id"],
                "channel": row["channel_id"],
                "date": fmt.iso_date(row["exception_date"]),
                "units": fmt.number(row["units"]),
                "units_sort": fmt.data_value(row["units"]),
                "value": fmt.number(row["value"]),
                "value_sort": fmt.data_value(row["value"]),
                "detail": row["detail"],
            }
            for rank, (_, row) in enumerate(top.iterrows(), start=1)
        ]
        total = view["total"]
        view["top"] = {"title": f"Top {len(top)} of {fmt.number(total)} exceptions" if total is not None else f"Top {len(top)} exceptions", "rows": rows}
    return view
