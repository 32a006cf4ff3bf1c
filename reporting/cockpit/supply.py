"""Demand versus capacity for the selected scenario: used vs capacity per resource and month
(binding months highlighted), demand vs constrained supply by month and family (gap report), and
the binding constraints named. Plain values here; the markup is ``templates/supply.html.j2``."""

from __future__ import annotations

import pandas as pd

from reporting.cockpit import format as fmt
from reporting.cockpit.data import CockpitData
from reporting.cockpit.svg import INK, LIGHT_BLUE, RED, bar_line_chart

SOURCE_NAMES = {"production": "Production line", "purchase": "Supplier"}
RESOURCE_LEGEND = (("Used", LIGHT_BLUE, False), ("Used, binding month", RED, False), ("Capacity", INK, True))
GAP_LEGEND = (("Constrained supply", LIGHT_BLUE, False), ("Supply, month with unmet demand", RED, False), ("Demand", INK, True))
BINDING_HEADERS = (("Constraint", False), ("Months", False), ("Resources", False), ("Families short", False), ("Unmet units", True))


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


def supply_view(data: CockpitData) -> dict:
    """The scenario; the resources' charts or why there are none; the gap chart, the binding
    constraints and the coverage table, or why there are none."""
    resources, why = _for_scenario(data.resource_months, data.scenario, "capacity data")
    gap, why_gap = _for_scenario(data.gap_report, data.scenario, "gap report")
    return {
        "scenario": data.scenario,
        "resources_missing": why,
        "resources": [] if why else resource_charts(resources),
        "gap_missing": why_gap,
        "gap": None if why_gap else gap_chart(gap),
        "coverage": None if why_gap else gap_heat_table(gap),
        # the binding constraints need the gap report or, without it, the capacity data
        "binding": binding_table(resources, gap) if not (why and why_gap) else None,
    }


def resource_charts(rows: pd.DataFrame) -> list[dict]:
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
        peak = group["utilisation"].max()
        count = sum(binding)
        cards.append(
            {
                "attributes": {
                    "data-resource": resource,
                    "data-source-type": source_type,
                    "data-binding-months": count,
                    "data-peak-utilisation": fmt.data_value(peak),
                },
                "resource": resource,
                "flag": (f"{count} binding month{'s' if count != 1 else ''}", "bad") if count else ("not binding", "good"),
                "source": f"{SOURCE_NAMES.get(source_type, fmt.humanize(source_type))} \u00b7 {unit}",
                "peak": f"peak {fmt.percent(peak)} in "
                + (fmt.iso_month(group.loc[group["utilisation"].idxmax(), "month"]) if group["utilisation"].notna().any() else fmt.MISSING),
                "chart": bar_line_chart(
                    months,
                    list(group["used"]),
                    list(group["capacity"]),
                    highlight=binding,
                    titles=titles,
                    label=f"{resource}: used vs capacity per month, {unit}",
                ),
            }
        )
    return cards


def gap_chart(gap: pd.DataFrame) -> dict:
    monthly = gap.groupby("month", sort=True)[["demand", "constrained_supply", "unmet_units"]].sum(min_count=1).reset_index()
    months = [fmt.iso_month(m) for m in monthly["month"]]
    short = [not fmt.is_missing(u) and float(u) > 1e-6 for u in monthly["unmet_units"]]
    titles = [
        f"{m}: demand {fmt.number(d)}, constrained supply {fmt.number(s)}, unmet {fmt.number(u)} units"
        for m, d, s, u in zip(months, monthly["demand"], monthly["constrained_supply"], monthly["unmet_units"])
    ]
    total_demand, total_unmet = monthly["demand"].sum(), monthly["unmet_units"].sum()
    share = total_unmet / total_demand if total_demand else float("nan")
    return {
        "chart": bar_line_chart(
            months,
            list(monthly["constrained_supply"]),
            list(monthly["demand"]),
            highlight=short,
            titles=titles,
            label="Demand vs constrained supply per month, units",
            width=640,
            height=220,
        ),
        "summary": f"All families: demand {fmt.number(total_demand)} units, unmet {fmt.number(total_unmet)} ({fmt.percent(share)}).",
    }


def binding_table(resources: pd.DataFrame, gap: pd.DataFrame) -> list[dict]:
    """The binding constraints: their months and resources (capacity), the families short and
    their unmet units (gap report); empty when no month binds."""
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
    return [
        {
            "name": name,
            "months": ", ".join(sorted(item["months"])),
            "resources": ", ".join(sorted(item["resources"])) or fmt.MISSING,
            "families": ", ".join(sorted(item["families"])) or fmt.MISSING,
            "unmet": fmt.number(item["unmet"]),
            "unmet_sort": fmt.data_value(item["unmet"]),
        }
        for name, item in sorted(found.items(), key=lambda kv: (min(kv[1]["months"]), kv[0]))
    ]


def _coverage_class(demand, supply) -> str:
    if fmt.is_missing(demand) or float(demand) <= 0:
        return "c0"
    coverage = (0.0 if fmt.is_missing(supply) else float(supply)) / float(demand)
    return "c0" if coverage >= 1 - 1e-9 else "c1" if coverage >= 0.97 else "c2" if coverage >= 0.9 else "c3"


def _coverage(demand, supply) -> str:
    if fmt.is_missing(demand) or float(demand) <= 0:
        return fmt.MISSING
    return fmt.percent((0.0 if fmt.is_missing(supply) else float(supply)) / float(demand))


def gap_heat_table(gap: pd.DataFrame) -> dict:
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
        row = []
        for month in months:
            if (family, month) not in cells.index:
                row.append({"text": fmt.MISSING, "attributes": {"class": "cell"}})
                continue
            demand, supply, unmet = cells.loc[(family, month)]
            title = f"{family} \u00b7 {fmt.iso_month(month)}: demand {fmt.number(demand)}, supply {fmt.number(supply)}, unmet {fmt.number(unmet)}"
            if binding.get((family, month)):
                title += f" \u00b7 binding: {binding[(family, month)]}"
            attributes = {
                "class": f"cell {_coverage_class(demand, supply)}",
                "title": title,
                "data-month": fmt.iso_month(month),
                "data-unmet": fmt.data_value(unmet),
            }
            row.append({"text": _coverage(demand, supply), "attributes": attributes})
        rows.append({"family": family, "cells": row, "unmet": fmt.number(cells.loc[family]["unmet_units"].sum())})
    monthly = cells.groupby(level="month").sum(min_count=1)
    footer = [{"text": "All families", "css": None}]
    footer += [{"text": _coverage(monthly.loc[m, "demand"], monthly.loc[m, "constrained_supply"]), "css": "cell"} for m in months]
    footer.append({"text": fmt.number(monthly["unmet_units"].sum()), "css": "num"})
    headers = [("Family", False), *[(fmt.iso_month(m), True) for m in months], ("Unmet units", True)]
    return {"headers": headers, "rows": rows, "footer": footer}
