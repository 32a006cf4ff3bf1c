"""The KPI section's content: a tile per KPI (latest month against its target, a 12-month
sparkline, the change from the month before), then each KPI's cuts. Plain values here; the markup
is ``templates/kpis.html.j2``."""

from __future__ import annotations

import pandas as pd

from reporting.cockpit import format as fmt
from reporting.cockpit.data import CockpitData
from reporting.cockpit.svg import BLUE, sparkline

SPARK_MONTHS = 12
STATUS_TEXT = {"good": "On target", "none": "No target"}
NOT_COMPUTED = "Not computed"  # a KPI the company's data cannot give: its reason instead of a value
LEAD = (
    "Latest month against target; the line shows the last 12 months (dashed: target). Green meets the target, red misses it, grey has no target. "
    "Not computed: the company's data does not give the KPI; the tile says which input is missing."
)


def status(value, target, direction: str) -> str:
    """``good`` when the value meets its target in the KPI's direction, ``bad`` when it misses,
    ``none`` without a target or a value."""
    if fmt.is_missing(value) or fmt.is_missing(target):
        return "none"
    if direction == "zero":  # a bias: its distance from zero against the target
        met = abs(float(value)) <= float(target)
    else:
        met = float(value) >= float(target) if direction == "higher" else float(value) <= float(target)
    return "good" if met else "bad"


def status_text(state: str, direction: str, value=None) -> str:
    if state == "bad":
        return {"higher": "Below target", "zero": "Outside target"}.get(direction, "Above target")
    if state == "none" and fmt.is_missing(value):
        return "No value"
    return STATUS_TEXT[state]


def reason_text(reason: str) -> str:
    """A KPI's reason for not being computed as a sentence: ``The company sends no stock on hand (...).``"""
    reason = reason.strip()
    return reason[:1].upper() + reason[1:] + ("" if reason.endswith(".") else ".")


def not_computed(row) -> bool:
    return bool(row["reason"])


def kpi_view(data: CockpitData) -> dict:
    """``lead``; ``empty`` (the message when there is no KPI at all) or ``tiles`` and ``breakdowns``."""
    if data.kpis.empty and data.kpi_cuts.empty:
        return {"lead": LEAD, "empty": "No KPI data yet: the KPI marts have no rows."}
    groups = [group for _, group in data.kpis.groupby("kpi", sort=False)]
    # the KPIs with figures first, then those the data cannot give, each in the scorecard's order
    groups.sort(key=lambda group: not_computed(group.sort_values("month", kind="stable").iloc[-1]))
    return {"lead": LEAD, "empty": "", "tiles": [kpi_tile(group) for group in groups], "breakdowns": kpi_breakdowns(data)}


def kpi_tile(group: pd.DataFrame) -> dict:
    history = group.sort_values("month", kind="stable")
    latest = history.iloc[-1]
    if not_computed(latest):
        return not_computed_tile(latest)
    kpi, label, unit, direction = latest["kpi"], latest["label"] or latest["kpi"], latest["unit"], latest["direction"]
    value, target = latest["value"], latest["target"]
    state = status(value, target, direction)
    better = {"higher": "higher", "zero": "closer to zero"}.get(direction, "lower")
    bound = {"higher": "\u2265", "zero": "\u00b1"}.get(direction, "\u2264")
    recent = history.tail(SPARK_MONTHS)
    points = ", ".join(f"{fmt.iso_month(m)} {fmt.kpi_value(v, unit)}" for m, v in zip(recent["month"], recent["value"]))
    delta = None
    if len(history) > 1 and not fmt.is_missing(value) and not fmt.is_missing(history.iloc[-2]["value"]):
        previous = float(history.iloc[-2]["value"])
        change = float(value) - previous
        improved = abs(float(value)) < abs(previous) if direction == "zero" else (change > 0) == (direction == "higher")
        tone = "" if change == 0 else "good" if improved else "bad"
        delta = {"tone": tone, "text": f"{fmt.kpi_delta(change, unit)} vs {fmt.iso_month(history.iloc[-2]['month'])}"}
    return {
        "attributes": {
            "class": f"card tile {state}",
            "data-kpi": kpi,
            "data-value": fmt.data_value(value),
            "data-target": fmt.data_value(target),
            "data-status": state,
            "data-month": fmt.iso_date(latest["month"]),
            "data-unit": unit,
        },
        "label": label,
        "hint": f"{better} is better",
        "value": fmt.kpi_value(value, unit),
        "reason": "",
        "state": state,
        "status_text": status_text(state, direction, value),
        "target_text": f"Target {bound} {fmt.kpi_value(target, unit)}" if not fmt.is_missing(target) else f"{better} is better",
        "spark": sparkline(
            list(recent["value"]), target=None if fmt.is_missing(target) else float(target), label=f"{label}, last {len(recent)} months: {points}", colour=BLUE
        ),
        "month": fmt.iso_month(latest["month"]),
        "delta": delta,
    }


def not_computed_tile(latest: pd.Series) -> dict:
    """The tile of a KPI the company's data cannot give: no value, no status colour, the reason."""
    reason = reason_text(latest["reason"])
    return {
        "attributes": {
            "class": "card tile none not-computed",
            "data-kpi": latest["kpi"],
            "data-value": fmt.data_value(None),
            "data-target": fmt.data_value(latest["target"]),
            "data-status": "not_computed",
            "data-month": fmt.iso_date(latest["month"]),
            "data-unit": latest["unit"],
            "title": f"{NOT_COMPUTED}: {reason}",
        },
        "label": latest["label"] or latest["kpi"],
        "hint": None,
        "value": NOT_COMPUTED,
        "reason": reason,
        "month": fmt.iso_month(latest["month"]),
        "delta": None,
    }


def kpi_breakdowns(data: CockpitData) -> list[dict]:
    """One card per KPI: its cuts grouped by cut type, each row with its value, target and status."""
    cuts = data.kpi_cuts
    if cuts.empty:
        return []
    order = {kpi: i for i, kpi in enumerate(dict.fromkeys([*data.kpis["kpi"], *cuts["kpi"]]))}
    cards = []
    for kpi, group in sorted(cuts.groupby("kpi", sort=False), key=lambda item: order[item[0]]):
        groups = []
        for cut_type, block in group.groupby("cut_type", sort=False):
            rows = []
            for _, cut in block.iterrows():
                attributes = {"data-kpi": kpi, "data-cut-type": cut_type, "data-cut-value": cut["cut_value"]}
                target = fmt.kpi_value(cut["target"], cut["unit"])
                if not_computed(cut):
                    reason = reason_text(cut["reason"])
                    attributes |= {"data-value": fmt.data_value(None), "data-status": "not_computed"}
                    row = {"value": NOT_COMPUTED, "reason": reason, "dot": "none", "dot_title": f"{NOT_COMPUTED}: {reason}"}
                else:
                    state = status(cut["value"], cut["target"], cut["direction"])
                    attributes |= {"data-value": fmt.data_value(cut["value"]), "data-status": state}
                    row = {
                        "value": fmt.kpi_value(cut["value"], cut["unit"]),
                        "reason": None,
                        "dot": state,
                        "dot_title": status_text(state, cut["direction"], cut["value"]),
                    }
                rows.append({"attributes": attributes, "cut": cut["cut_value"], "target": target, **row})
            groups.append({"label": fmt.humanize(cut_type), "rows": rows})
        cards.append({"kpi": kpi, "title": group.iloc[0]["label"] or kpi, "groups": groups})
    return cards
