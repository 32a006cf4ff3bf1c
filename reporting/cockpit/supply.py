"""Demand versus capacity for the selected scenario: used vs capacity per resource and month
(binding months highlighted), demand vs constrained supply by month and family (gap report), and
the binding constraints named."""

from __future__ import annotations

import pandas as pd

from reporting.cockpit import format as fmt
from reporting.cockpit.data import CockpitData
from reporting.cockpit.format import esc
from reporting.cockpit.markup import card, empty, legend, pill, section, table, td, tr
from reporting.cockpit.svg import INK, LIGHT_BLUE, RED, bar_line_chart

SOURCE_NAMES = {"production": "Production line", "purchase": "Supplier"}


def is_binding(value) -> bool:
    return str(value).strip().lower() not in ("", "none", "nan")


def _for_scenario(frame: pd.DataFrame, scenario: str, what: str) -> tuple[pd.DataFrame, str]:
    """The frame's rows of the scenario, or a message why there are none."""
    if frame.empty:
        return frame, f"No {what} yet: the frame has no rows."
    rows = frame[frame["scenario"] == scenario]
    if rows.empty:
        present = ", ".join(sorted(set(frame["scenario"])))
        return rows, f"No {what} for scenario \u201c{scenario}\u201d (scenarios present: {present})."
    return rows, ""


def supply_section(data: CockpitData) -> str:
    scenario = data.scenario
    lead = f"Scenario <b>{esc(scenario)}</b>. Bars: capacity used per month; line: capacity. Red bars are months where the resource is a binding constraint."
    resources, why = _for_scenario(data.resource_months, scenario, "capacity data")
    content = "<h3>Capacity vs used, by resource</h3>" + (empty(why) if why else resource_charts(resources))
    gap, why_gap = _for_scenario(data.gap_report, scenario, "gap report")
    if why_gap:
        content += "<h4>Demand vs constrained supply</h4>" + empty(why_gap)
    else:
        content += "<h4>Demand vs constrained supply</h4>" + f'<div class="split even">{gap_chart(gap)}{binding_table(resources, gap)}</div>'
        content += card("<h3>Coverage by family and month</h3>" + gap_heat_table(gap), style="margin-top:14px")
    if why_gap and not why:
        content += "<h4>Binding constraints</h4>" + binding_table(resources, gap)
    return section("supply", "Demand versus capacity by month", lead, content)


def resource_charts(rows: pd.DataFrame) -> str:
    keys = legend([("Used", LIGHT_BLUE, False), ("Used, binding month", RED, False), ("Capacity", INK, True)])
    order = rows.assign(_kind=rows["source_type"].map({"production": 0, "purchase": 1}).fillna(2))
    cards = []
    for (_, source_type, resource), group in order.groupby(["_kind", "source_type", "resource_id"], sort=True):
        group = group.sort_values("month", kind="stable")
        unit = str(group["unit"].iloc[0])
        binding = [is_binding(b) for b in group["binding_constraint"]]
        months = [fmt.iso_month(m) for m in group["month"]]
        titles = [
            (
                f"{m}: used {fmt.number(u)} of {fmt.number(c)} {unit} ({fmt.percent(p)})"
                if c != float("inf")
                else f"{m}: used {fmt.number(u)} {unit}, no capacity limit known"
            )
            + (f" \u00b7 binding: {b}" if hot else "")
            for m, u, c, p, b, hot in zip(months, group["used"], group["capacity"], group["utilisation"], group["binding_constraint"], binding)
        ]
        chart = bar_line_chart(
            months, list(group["used"]), list(group["capacity"]), highlight=binding, titles=titles, label=f"{resource}: used vs capacity per month, {unit}"
        )
        peak = group["utilisation"].max()
        peak_at = fmt.iso_month(group.loc[group["utilisation"].idxmax(), "month"]) if group["utilisation"].notna().any() else fmt.MISSING
        count = sum(binding)
        flag = pill(f"{count} binding month{'s' if count != 1 else ''}", "bad") if count else pill("not binding", "good")
        head = (
            f'<div class="resource-head"><h3>{esc(resource)}</h3>{flag}</div>'
            f'<div class="resource-head sub"><span>{esc(SOURCE_NAMES.get(source_type, fmt.humanize(source_type)))} \u00b7 {esc(unit)}</span>'
            f"<span>peak {esc(fmt.percent(peak))} in {esc(peak_at)}</span></div>"
        )
        cards.append(
            card(head + chart, data_resource=resource, data_source_type=source_type, data_binding_months=count, data_peak_utilisation=fmt.data_value(peak))
        )
    return keys + f'<div class="grid resources">{"".join(cards)}</div>'


def gap_chart(gap: pd.DataFrame) -> str:
    monthly = gap.groupby("month", sort=True)[["demand", "constrained_supply", "unmet_units"]].sum(min_count=1).reset_index()
    months = [fmt.iso_month(m) for m in monthly["month"]]
    short = [not fmt.is_missing(u) and float(u) > 1e-6 for u in monthly["unmet_units"]]
    titles = [
        f"{m}: demand {fmt.number(d)}, constrained supply {fmt.number(s)}, unmet {fmt.number(u)} units"
        for m, d, s, u in zip(months, monthly["demand"], monthly["constrained_supply"], monthly["unmet_units"])
    ]
    chart = bar_line_chart(
        months,
        list(monthly["constrained_supply"]),
        list(monthly["demand"]),
        highlight=short,
        titles=titles,
        label="Demand vs constrained supply per month, units",
        width=640,
        height=220,
    )
    keys = legend([("Constrained supply", LIGHT_BLUE, False), ("Supply, month with unmet demand", RED, False), ("Demand", INK, True)])
    total_demand, total_unmet = monthly["demand"].sum(), monthly["unmet_units"].sum()
    share = total_unmet / total_demand if total_demand else float("nan")
    summary = f'<p class="small muted">All families: demand {esc(fmt.number(total_demand))} units, unmet {esc(fmt.number(total_unmet))} ({esc(fmt.percent(share))}).</p>'
    return card("<h3>All families, units per month</h3>" + keys + chart + summary, data_chart="gap")


def binding_table(resources: pd.DataFrame, gap: pd.DataFrame) -> str:
    """The binding constraints: their months and resources (capacity), the families short and
    their unmet units (gap report)."""
    found: dict[str, dict] = {}

    def entry(name: str) -> dict:
        return found.setdefault(name, {"months": set(), "resources": set(), "families": set(), "unmet": 0.0})

    if not resources.empty:
        for _, row in resources[resources["binding_constraint"].map(is_binding)].iterrows():
            item = entry(str(row["binding_constraint"]))
            item["months"].add(fmt.iso_month(row["month"]))
            item["resources"].add(str(row["resource_id"]))
    if not gap.empty:
        for _, row in gap[gap["binding_constraint"].map(is_binding)].iterrows():
            item = entry(str(row["binding_constraint"]))
            item["months"].add(fmt.iso_month(row["month"]))
            item["families"].add(str(row["family"]))
            item["unmet"] += 0.0 if fmt.is_missing(row["unmet_units"]) else float(row["unmet_units"])
    if not found:
        return card("<h3>Binding constraints</h3>" + empty("No binding constraint in this scenario: every month has spare capacity."))
    rows = [
        tr(
            [
                td(f"<b>{esc(name)}</b>"),
                td(esc(", ".join(sorted(item["months"])))),
                td(esc(", ".join(sorted(item["resources"])) or fmt.MISSING)),
                td(esc(", ".join(sorted(item["families"])) or fmt.MISSING)),
                td(esc(fmt.number(item["unmet"])), num=True, data_sort=fmt.data_value(item["unmet"])),
            ],
            data_constraint=name,
        )
        for name, item in sorted(found.items(), key=lambda kv: (min(kv[1]["months"]), kv[0]))
    ]
    headers = [("Constraint", False), ("Months", False), ("Resources", False), ("Families short", False), ("Unmet units", True)]
    return card("<h3>Binding constraints</h3>" + table(headers, rows, sortable=True), data_table="binding")


def _coverage_class(demand, supply) -> str:
    if fmt.is_missing(demand) or float(demand) <= 0:
        return "c0"
    coverage = (0.0 if fmt.is_missing(supply) else float(supply)) / float(demand)
    return "c0" if coverage >= 1 - 1e-9 else "c1" if coverage >= 0.97 else "c2" if coverage >= 0.9 else "c3"


def _coverage(demand, supply) -> str:
    if fmt.is_missing(demand) or float(demand) <= 0:
        return fmt.MISSING
    return fmt.percent((0.0 if fmt.is_missing(supply) else float(supply)) / float(demand))


def gap_heat_table(gap: pd.DataFrame) -> str:
    """Families x months: constrained supply as a share of demand, tinted by the shortfall."""
    cells = gap.groupby(["family", "month"], sort=True)[["demand", "constrained_supply", "unmet_units"]].sum(min_count=1)
    binding = (
        gap.assign(_b=gap["binding_constraint"].where(gap["binding_constraint"].map(is_binding), ""))
        .groupby(["family", "month"])["_b"]
        .agg(lambda s: ", ".join(sorted({v for v in s if v})))
    )
    months = sorted(gap["month"].unique())
    rows = []
    for family in sorted(gap["family"].unique()):
        parts = [td(f"<b>{esc(family)}</b>")]
        for month in months:
            if (family, month) not in cells.index:
                parts.append(td(fmt.MISSING, class_="cell"))
                continue
            demand, supply, unmet = cells.loc[(family, month)]
            title = f"{family} \u00b7 {fmt.iso_month(month)}: demand {fmt.number(demand)}, supply {fmt.number(supply)}, unmet {fmt.number(unmet)}"
            if binding.get((family, month)):
                title += f" \u00b7 binding: {binding[(family, month)]}"
            parts.append(
                td(
                    esc(_coverage(demand, supply)),
                    class_=f"cell {_coverage_class(demand, supply)}",
                    title=title,
                    data_month=fmt.iso_month(month),
                    data_unmet=fmt.data_value(unmet),
                )
            )
        family_rows = cells.loc[family]
        parts.append(td(f"<b>{esc(fmt.number(family_rows['unmet_units'].sum()))}</b>", num=True))
        rows.append(tr(parts, data_family=family))
    monthly = cells.groupby(level="month").sum(min_count=1)
    total = [td("All families")]
    total += [td(esc(_coverage(monthly.loc[m, "demand"], monthly.loc[m, "constrained_supply"])), class_="cell") for m in months]
    total.append(td(esc(fmt.number(monthly["unmet_units"].sum())), num=True))
    headers = [("Family", False), *[(fmt.iso_month(m), True) for m in months], ("Unmet units", True)]
    note = '<p class="small muted">Cells: constrained supply as a share of demand. Green: fully covered; amber: 97\u2013100 %; red: below 97 % (darker below 90 %). Hover a cell for units and the binding constraint.</p>'
    return table(headers, rows, class_="heat", footer_rows=[tr(total, class_="total")]) + note
