"""The cockpit's lower sections: scenarios side by side, forecast accuracy, top exceptions."""

from __future__ import annotations

import pandas as pd

from reporting.cockpit import format as fmt
from reporting.cockpit.data import ACCURACY_CUTS, REASON_CODES, CockpitData
from reporting.cockpit.format import esc
from reporting.cockpit.markup import card, empty, legend, pill, section, table, td, tr
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


def _shown(value, how: str) -> str:
    if how == "money":
        return fmt.number(value)
    if how == "units":
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


def scenarios_section(data: CockpitData) -> str:
    lead = "Each scenario balanced by the S&amp;OP plan, side by side; the best value of each row is highlighted (lowest cost and loss, highest service)."
    frame = data.scenarios
    if frame.empty:
        return section("scenarios", "Scenarios side by side", lead, empty("No scenarios yet: the scenario summary has no rows."))
    names = list(frame["scenario"])
    headers = [("", False)] + [(name + (" (shown)" if name == data.scenario else ""), True) for name in names]
    rows = []
    for column, label, how, better in METRICS:
        values = list(frame[column])
        best = _best(values, better)
        cells = [td(esc(label), class_="sub" if column.endswith("_cost") and column != "total_cost" else None)]
        for i, (name, value) in enumerate(zip(names, values)):
            raw = fmt.data_value(value) if how in ("money", "units", "percent") else str(value)
            cells.append(td(esc(_shown(value, how)), num=True, class_="best" if i in best else None, data_scenario=name, data_metric=column, data_value=raw))
        rows.append(tr(cells, data_metric=column, class_="total" if column == "total_cost" else None))
    chart_rows = []
    for _, row in frame.iterrows():
        parts = [0.0 if fmt.is_missing(row[c]) else float(row[c]) for c, _ in COMPONENTS]
        other = (0.0 if fmt.is_missing(row["total_cost"]) else float(row["total_cost"])) - sum(parts)
        chart_rows.append((str(row["scenario"]), [*parts, max(other, 0.0)]))
    series = [label for _, label in COMPONENTS] + ["Other"]
    used = [k for k in range(len(series)) if any(values[k] > 0 for _, values in chart_rows)]
    keys = legend([(series[k], SERIES_COLOURS[k % len(SERIES_COLOURS)], False) for k in used])
    chart = stacked_bars(chart_rows, series, label="Total cost per scenario, by component", value_format=fmt.compact, row_attribute="data-scenario", width=440)
    notes = sorted({note for note in frame["cost_note"] if note})
    note = "".join(f'<p class="lead" data-field="cost-note">Costs not in money: {esc(text)}.</p>' for text in notes)
    content = (
        '<div class="split">'
        + card("<h3>Scenario summary</h3>" + note + table(headers, rows, data_table="scenarios"))
        + card("<h3>Total cost per scenario</h3>" + keys + chart, data_chart="scenario-cost")
        + "</div>"
    )
    return section("scenarios", "Scenarios side by side", lead, content)


def _accuracy_card(cut_type: str, rows: pd.DataFrame) -> str:
    if cut_type == "abc_class":
        rows = rows.sort_values("cut_value", kind="stable")
    else:
        rows = rows.sort_values(["actual_units", "cut_value"], ascending=[False, True], kind="stable")
    top_wape = max(rows["wape"].max(skipna=True), 1e-9) if rows["wape"].notna().any() else 1.0
    top_bias = max(rows["bias"].abs().max(skipna=True), 1e-9) if rows["bias"].notna().any() else 1.0
    body = []
    for _, row in rows.iterrows():
        wape, bias = row["wape"], row["bias"]
        wape_bar = "" if fmt.is_missing(wape) else f'<div class="bar"><span style="left:0;width:{min(float(wape) / top_wape, 1) * 100:.1f}%"></span></div>'
        bias_bar = ""
        if not fmt.is_missing(bias):
            half = min(abs(float(bias)) / top_bias, 1) * 50
            side = f"left:50%;width:{half:.1f}%" if float(bias) >= 0 else f"left:{50 - half:.1f}%;width:{half:.1f}%"
            bias_bar = f'<div class="bar diverging"><span class="{"over" if float(bias) >= 0 else "under"}" style="{side}"></span></div>'
        body.append(
            tr(
                [
                    td(esc(row["cut_value"])),
                    td(esc(fmt.percent(wape)), num=True, data_sort=fmt.data_value(wape)),
                    td(wape_bar, data_sort=fmt.data_value(wape)),
                    td(esc(fmt.signed_percent(bias)), num=True, data_sort=fmt.data_value(bias)),
                    td(bias_bar, data_sort=fmt.data_value(bias)),
                    td(esc(fmt.number(row["actual_units"])), num=True, data_sort=fmt.data_value(row["actual_units"])),
                ],
                data_cut_type=cut_type,
                data_cut_value=row["cut_value"],
                data_wape=fmt.data_value(wape),
                data_bias=fmt.data_value(bias),
            )
        )
    sources = ", ".join(sorted({s for s in rows["source"] if s})) or fmt.MISSING
    headers = [(fmt.humanize(cut_type), False), ("WAPE", True), ("", False), ("Bias", True), ("", False), ("Actual units", True)]
    note = f'<p class="small muted">Source: {esc(sources)}</p>'
    return card(
        f"<h3>By {esc(fmt.humanize(cut_type).lower() if cut_type != 'abc_class' else 'ABC class')}</h3>" + table(headers, body, sortable=True) + note,
        data_accuracy=cut_type,
    )


def accuracy_section(data: CockpitData) -> str:
    frame = data.forecast_accuracy
    sources = ", ".join(sorted({s for s in frame["source"] if s})) if not frame.empty else ""
    lead = (
        (f"Source: <b>{esc(sources)}</b>. " if sources else "")
        + "WAPE = \u03a3|actual \u2212 forecast| / \u03a3 actual; bias = \u03a3(forecast \u2212 actual) / \u03a3 actual (positive: over-forecast, negative: under-forecast)."
    )
    if frame.empty:
        return section("accuracy", "Forecast accuracy", lead, empty("No forecast accuracy yet: no backtest has been scored."))
    present = list(dict.fromkeys(frame["cut_type"]))
    order = [c for c in ACCURACY_CUTS if c in present] + [c for c in present if c not in ACCURACY_CUTS]
    cards = [_accuracy_card(cut_type, frame[frame["cut_type"] == cut_type]) for cut_type in order]
    return section("accuracy", "Forecast accuracy", lead, f'<div class="grid cards-wide">{"".join(cards)}</div>')


def _reason_pill(code: str) -> str:
    kind = {"capacity": "bad", "supplier": "warn", "lead_time": "warn", "allocation": "info"}.get(code, "")
    return pill(REASON_NAMES.get(code, fmt.humanize(code)), kind)


def exceptions_section(data: CockpitData) -> str:
    lead = "Counts over all exceptions by reason code; the table lists the top exceptions as ranked by the plan."
    counts, top = data.exception_counts, data.exceptions
    if counts.empty and top.empty:
        return section("exceptions", "Top exceptions", lead, empty("No exceptions yet: the plan has raised none, or it has not run."))
    content = ""
    if not counts.empty:
        by_reason = counts.groupby("reason_code", sort=False)[["exceptions", "units", "value"]].sum(min_count=1)
        codes = list(REASON_CODES) + sorted(c for c in by_reason.index if c not in REASON_CODES)
        chips = []
        for code in codes:
            n, units, value = by_reason.loc[code] if code in by_reason.index else (0.0, 0.0, 0.0)
            n = 0 if fmt.is_missing(n) else int(n)
            chips.append(
                f'<div class="chip{" zero" if n == 0 else ""}" data-reason="{esc(code)}" data-count="{n}">'
                f"<span>{esc(REASON_NAMES.get(code, fmt.humanize(code)))}</span><b>{esc(fmt.number(n))}</b>"
                f"<span>{esc(fmt.number(units))} units \u00b7 value {esc(fmt.compact(value))}</span></div>"
            )
        total = int(counts["exceptions"].sum())
        content += f'<div class="chips" data-total-exceptions="{total}">{"".join(chips)}</div>'
    else:
        total = None
        content += empty("No exception counts yet.")
    if top.empty:
        content += empty("No exceptions to list.")
    else:
        rows = []
        for rank, (_, row) in enumerate(top.iterrows(), start=1):
            rows.append(
                tr(
                    [
                        td(str(rank), num=True),
                        td(esc(fmt.humanize(row["exception_type"]))),
                        td(_reason_pill(row["reason_code"]), data_sort=row["reason_code"]),
                        td(f"<code>{esc(row['sku_id'])}</code>"),
                        td(esc(row["location_id"])),
                        td(esc(row["channel_id"])),
                        td(esc(fmt.iso_date(row["exception_date"])), class_="num"),
                        td(esc(fmt.number(row["units"])), num=True, data_sort=fmt.data_value(row["units"])),
                        td(esc(fmt.number(row["value"])), num=True, data_sort=fmt.data_value(row["value"])),
                        td(esc(row["detail"]), class_="detail"),
                    ],
                    data_reason=row["reason_code"],
                    data_sku=row["sku_id"],
                    data_units=fmt.data_value(row["units"]),
                    data_value=fmt.data_value(row["value"]),
                )
            )
        shown = f"Top {len(top)} of {fmt.number(total)} exceptions" if total is not None else f"Top {len(top)} exceptions"
        headers = [
            ("#", True),
            ("Type", False),
            ("Reason", False),
            ("SKU", False),
            ("Location", False),
            ("Channel", False),
            ("Date", True),
            ("Units", True),
            ("Value", True),
            ("Detail", False),
        ]
        content += card(f"<h3>{esc(shown)}</h3>" + table(headers, rows, sortable=True, data_table="exceptions"))
    if not counts.empty:
        ordered = counts.sort_values(["exceptions", "exception_type", "reason_code"], ascending=[False, True, True], kind="stable")
        rows = [
            tr(
                [
                    td(esc(fmt.humanize(r["exception_type"]))),
                    td(_reason_pill(r["reason_code"])),
                    td(esc(fmt.number(r["exceptions"])), num=True),
                    td(esc(fmt.number(r["units"])), num=True),
                    td(esc(fmt.number(r["value"])), num=True),
                ],
                data_type=r["exception_type"],
                data_count_reason=r["reason_code"],
            )
            for _, r in ordered.iterrows()
        ]
        headers = [("Type", False), ("Reason", False), ("Exceptions", True), ("Units", True), ("Value", True)]
        content += card(
            "<h3>All exceptions by type and reason</h3>" + table(headers, rows, data_table="exception-counts"), style="margin-top:14px;max-width:760px"
        )
    return section("exceptions", "Top exceptions", lead, content)
