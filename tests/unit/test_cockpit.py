"""The planners' cockpit (reporting/cockpit): the renderer on tiny frames, and the page in a real browser."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from reporting.cockpit import CockpitData, render_cockpit
from reporting.cockpit import format as fmt
from reporting.cockpit.data import COLUMNS, kpi_frames
from reporting.cockpit.sample import sample_data
from tests.browser import Browser, BrowserError

NAN = float("nan")
MONTHS = [dt.date(2026, 8, 1), dt.date(2026, 9, 1)]
INJECTION = '<script>alert("pwned")</script> & "quoted" <b>bold</b>'


# -- a small DOM: elements with their attributes and text, from the page or from chromium's DOM ------
class Element:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None):
        self.tag, self.attrs, self.parent, self.children, self.parts = tag, attrs, parent, [], []

    @property
    def text(self) -> str:
        return "".join(p if isinstance(p, str) else p.text for p in self.parts)

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        found = []
        for child in self.children:
            if (tag is None or child.tag == tag) and all(child.attrs.get(k) == v or (v is True and k in child.attrs) for k, v in wanted.items()):
                found.append(child)
            found.extend(child.find_all(tag, **attrs))
        return found

    def one(self, tag: str | None = None, **attrs: str) -> Element:
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"{len(found)} elements {tag} {attrs}"
        return found[0]

    def has_class(self, name: str) -> bool:
        return name in self.attrs.get("class", "").split()


class _Builder(HTMLParser):
    VOID = {"meta", "br", "img", "input", "link", "hr", "col", "area", "base", "source", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#root", {}, None)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v if v is not None else "" for k, v in attrs}, self.current)
        self.current.children.append(element)
        self.current.parts.append(element)
        if tag not in self.VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.current = self.current.parent

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.parts.append(data)


def dom(page: str) -> Element:
    builder = _Builder()
    builder.feed(page)
    builder.close()
    return builder.root


# -- tiny synthetic data ------------------------------------------------------------------------------
KPI_CASES = [
    # kpi, unit, direction, previous, value, target, shown, status, pill
    ("otif_rate", "percent", "higher", 0.95, 0.939, 0.95, "93.9 %", "bad", "Below target"),
    ("unit_fill_rate", "percent", "higher", 0.96, 0.981, 0.97, "98.1 %", "good", "On target"),
    ("inventory_value", "currency", "lower", 1.3e6, 1_250_000.0, NAN, "1.25 M", "none", "No target"),
    ("days_of_supply", "days", "lower", 31.0, 27.5, 30.0, "27.5 d", "good", "On target"),
    ("plan_runtime", "seconds", "lower", 800.0, 1234.0, 900.0, "1,234 s", "bad", "Above target"),
    ("inventory_turnover", "turns", "higher", 8.0, 8.4, 8.0, "8.4 turns", "good", "On target"),
    ("forecast_ratio", "ratio", "higher", 0.9, 0.87, 0.9, "0.87", "bad", "Below target"),
    ("units_shipped", "units", "higher", 11000.0, 12345.0, NAN, "12,345", "none", "No target"),
    ("stock_accuracy", "percent", "higher", 0.9, NAN, 0.95, fmt.MISSING, "none", "No value"),
    ("forecast_bias", "percent", "zero", -0.091, -0.009, 0.1, "\u22120.9 %", "good", "On target"),  # judged by its distance from zero
    ("store_bias", "percent", "zero", 0.05, -0.12, 0.1, "\u221212.0 %", "bad", "Outside target"),
]


def tiny_frames() -> dict[str, pd.DataFrame]:
    kpis = pd.DataFrame(
        [
            (kpi, kpi.replace("_", " ").title(), unit, direction, month, value, target)
            for kpi, unit, direction, previous, latest, target, *_ in KPI_CASES
            for month, value in zip(MONTHS, (previous, latest))
        ],
        columns=list(COLUMNS["kpis"]),
    )
    cuts = pd.DataFrame(
        [
            ("otif_rate", "OTIF", "percent", "higher", "channel", "ecommerce", 0.97, 0.95),
            ("otif_rate", "OTIF", "percent", "higher", "channel", "retail", 0.91, 0.95),
            ("inventory_value", "Inventory value", "currency", "lower", "location", "DC_NORTH", 800_000.0, NAN),
        ],
        columns=list(COLUMNS["kpi_cuts"]),
    )
    resources = pd.DataFrame(
        [
            (scenario, "LINE_A", "production", "hours", month, used, 100.0, used / 100.0, "line_a_hours" if used >= 100 else "none")
            for scenario in ("base", "rush")
            for month, used in zip(MONTHS, (80.0, 100.0))
        ],
        columns=list(COLUMNS["resource_months"]),
    )
    gap = pd.DataFrame(
        [("base", MONTHS[0], "Snacks", 500.0, 500.0, 0.0, "none"), ("base", MONTHS[1], "Snacks", 600.0, 560.0, 40.0, "line_a_hours")],
        columns=list(COLUMNS["gap_report"]),
    )
    scenarios = pd.DataFrame(
        [
            ("base", 1000.0, 400.0, 300.0, 150.0, 50.0, 60.0, 20.0, 20.0, 1100.0, 40.0, 0.9636, "LINE_A", "2026-09-01", 1.0),
            ("rush", 1300.0, 450.0, 330.0, 150.0, 220.0, 90.0, 30.0, 30.0, 1210.0, 60.0, 0.9504, "LINE_A", "2026-09-01", 1.0),
        ],
        columns=list(COLUMNS["scenarios"]),
    )
    accuracy = pd.DataFrame(
        [("family", "Snacks", 0.21, -0.03, 5000.0, "backtest"), ("abc_class", "A", 0.15, 0.02, 4000.0, "backtest")],
        columns=list(COLUMNS["forecast_accuracy"]),
    )
    exceptions = pd.DataFrame(
        [
            ("stockout_risk", "capacity", "SKU-1", "DC_NORTH", "retail", dt.date(2026, 10, 3), 120.0, 960.0, INJECTION),
            ("late_purchase_order", "supplier", 'SKU-"2"', "DC_SOUTH", "ecommerce", dt.date(2026, 10, 9), 80.0, 400.0, "Supplier late by 9 days."),
        ],
        columns=list(COLUMNS["exceptions"]),
    )
    counts = pd.DataFrame(
        [("stockout_risk", "capacity", 7, 700.0, 5600.0), ("late_purchase_order", "supplier", 3, 240.0, 1200.0)],
        columns=list(COLUMNS["exception_counts"]),
    )
    return {
        "kpis": kpis,
        "kpi_cuts": cuts,
        "resource_months": resources,
        "gap_report": gap,
        "scenarios": scenarios,
        "forecast_accuracy": accuracy,
        "exceptions": exceptions,
        "exception_counts": counts,
    }


def tiny_data(**changes) -> CockpitData:
    values = {
        "as_of": dt.date(2026, 9, 30),
        "plan_version": "PLAN-20260930-0a1b2c3d",
        "sop_plan_version": "SOP-202610-1234abcd",
        "sop_status": "approved",
        "generated_at": dt.datetime(2026, 9, 30, 6, 0, 0),
        **tiny_frames(),
    }
    values.update(changes)
    return CockpitData(**values)


@pytest.fixture(scope="module")
def tiny_page() -> str:
    return render_cockpit(tiny_data())


# -- the renderer -------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", KPI_CASES, ids=[case[0] for case in KPI_CASES])
def test_kpi_tile_shows_the_latest_value_and_its_status(tiny_page, case):
    kpi, _, _, _, value, _, shown, status, pill = case
    tile = dom(tiny_page).one("div", data_kpi=kpi)
    assert tile.one(class_="tile-value").text == shown
    assert tile.attrs["data-status"] == status and tile.has_class(status)
    assert tile.one("span", class_=f"pill {status}").text == pill
    assert tile.attrs["data-month"] == "2026-09-01"
    raw = tile.attrs["data-value"]
    assert (math.isnan(value) and raw == "nan") or math.isclose(float(raw), value, abs_tol=1e-6)


def test_kpi_tile_has_a_sparkline_and_the_change_from_last_month(tiny_page):
    tile = dom(tiny_page).one("div", data_kpi="otif_rate")
    assert tile.one("svg", class_="spark").attrs["aria-label"].startswith("Otif Rate, last 2 months: 2026-08 95.0 %, 2026-09 93.9 %")
    assert tile.one("span", class_="delta bad").text == "\u22121.1 pt vs 2026-08"
    assert "Target \u2265 95.0 %" in tile.text


def test_a_bias_moving_toward_zero_is_an_improvement(tiny_page):
    tile = dom(tiny_page).one("div", data_kpi="forecast_bias")
    assert tile.one("span", class_="delta good").text.startswith("+8.2 pt")  # -9.1 % -> -0.9 %
    assert "Target \u00b1 10.0 %" in tile.text


def test_kpi_breakdown_rows_carry_their_status(tiny_page):
    rows = {row.attrs["data-cut-value"]: row for row in dom(tiny_page).find_all("tr", data_kpi="otif_rate")}
    assert rows["ecommerce"].attrs["data-status"] == "good" and "97.0 %" in rows["ecommerce"].text
    assert rows["retail"].attrs["data-status"] == "bad"
    assert dom(tiny_page).one("tr", data_kpi="inventory_value").attrs["data-status"] == "none"


# -- KPIs the company's data cannot give (kpi.kpi_availability): the reason, never a made-up figure ----
NO_STOCK = "the company sends no stock on hand (erp_inventory, wms_stock)"


def minimal_company_kpis() -> pd.DataFrame:
    """The scorecard's headlines of a company of items, locations and sales alone: forecast accuracy
    computed, days of coverage and OTIF not (one row each, no value, the reason)."""
    rows = [
        ("forecast_wape", "Forecast WAPE", "percent", "lower", MONTHS[1], 0.42, 1.0, ""),
        ("days_of_coverage", "Days of coverage", "days", "higher", MONTHS[1], NAN, 14.0, NO_STOCK),
        ("otif_rate", "OTIF", "percent", "higher", MONTHS[1], NAN, 0.95, "the company sends no customer orders (erp_sales_orders, oms_events)"),
    ]
    return pd.DataFrame(rows, columns=[*COLUMNS["kpis"], "reason"])


def test_a_kpi_the_data_cannot_give_says_not_computed_and_why_instead_of_a_value():
    page = render_cockpit(tiny_data(kpis=minimal_company_kpis()))
    tile = dom(page).one("div", data_kpi="days_of_coverage")
    assert tile.one(class_="tile-value").text == "Not computed"
    assert tile.one("span", data_field="reason").text == "The company sends no stock on hand (erp_inventory, wms_stock)."
    assert tile.attrs["data-status"] == "not_computed" and tile.attrs["data-value"] == "nan"
    assert not tile.has_class("bad") and not tile.has_class("good")  # neither red nor green
    assert "0.0 d" not in tile.text and "Below target" not in tile.text and not tile.find_all("svg")
    otif = dom(page).one("div", data_kpi="otif_rate")
    assert "customer orders" in otif.text and otif.attrs["data-status"] == "not_computed"
    # the KPIs with a figure come first
    order = [t.attrs["data-kpi"] for t in dom(page).find_all("div", class_=True, data_kpi=True) if t.has_class("tile")]
    assert order == ["forecast_wape", "days_of_coverage", "otif_rate"]
    assert dom(page).one("div", data_kpi="forecast_wape").one(class_="tile-value").text == "42.0 %"


def test_a_breakdown_row_the_data_cannot_give_says_not_computed():
    cuts = tiny_frames()["kpi_cuts"].assign(reason=["", "", "its items have no unit cost (erp_items unit_cost)"])
    page = render_cockpit(tiny_data(kpi_cuts=cuts))
    row = dom(page).one("tr", data_kpi="inventory_value")
    assert row.attrs["data-status"] == "not_computed" and "Not computed" in row.text
    assert row.find_all("td", title="Its items have no unit cost (erp_items unit_cost).")
    assert dom(page).one("tr", data_cut_value="retail").attrs["data-status"] == "bad"  # the others as before


def test_frames_without_a_reason_column_are_all_computed(tiny_page):
    assert not dom(tiny_page).find_all(data_status="not_computed") and not dom(tiny_page).find_all("span", data_field="reason")


def test_scenario_costs_counted_in_units_say_so():
    note = "2 of 3 planning groups have neither unit cost nor list price: their costs count a unit as 1, not money"
    page = render_cockpit(tiny_data(scenarios=tiny_frames()["scenarios"].assign(cost_note=note)))
    assert dom(page).one("p", data_field="cost-note").text == f"Costs not in money: {note}."
    assert not dom(render_cockpit(tiny_data())).find_all("p", data_field="cost-note")  # costs in money: nothing to say


def test_text_from_the_data_is_escaped(tiny_page):
    assert tiny_page.count("<script") == 1  # the page's own script only
    # as the template engine escapes (markupsafe: a double quote is &#34;)
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt; &amp; &#34;quoted&#34; &lt;b&gt;bold&lt;/b&gt;" in tiny_page
    assert "<b>bold</b>" not in tiny_page
    row = dom(tiny_page).one("tr", data_sku='SKU-"2"')
    assert row.attrs["data-reason"] == "supplier"
    detail = dom(tiny_page).one("tr", data_sku="SKU-1").one("td", class_="detail")
    assert detail.text == INJECTION and not detail.children


HOSTILE = "<script>alert(1)</script>"


def hostile_data() -> CockpitData:
    """Every text a company or a planner supplies set to a script: item, location, channel,
    resource, family, scenario, cut and KPI names, reasons, the override's author, the company."""
    frames = tiny_frames()
    exceptions = frames["exceptions"].assign(sku_id=[HOSTILE, "SKU-2"], location_id=HOSTILE, channel_id=HOSTILE)
    refused = pd.DataFrame([("OV1", HOSTILE, HOSTILE, HOSTILE, "2026-09-01", "planning/overrides.csv", 2, HOSTILE)], columns=list(COLUMNS["refused_overrides"]))
    kpis = frames["kpis"].assign(label=HOSTILE, reason="")
    kpis.loc[kpis["kpi"] == "otif_rate", "reason"] = HOSTILE  # a KPI not computed, its reason the script
    return tiny_data(
        kpis=kpis,
        kpi_cuts=frames["kpi_cuts"].assign(cut_value=HOSTILE),
        resource_months=frames["resource_months"].assign(resource_id=HOSTILE, binding_constraint=HOSTILE),
        gap_report=frames["gap_report"].assign(family=HOSTILE),
        scenarios=frames["scenarios"].assign(scenario=["base", HOSTILE]),
        forecast_accuracy=frames["forecast_accuracy"].assign(cut_value=HOSTILE),
        exceptions=exceptions,
        refused_overrides=refused,
        company=HOSTILE,
        plan_version=HOSTILE,
    )


def test_hostile_names_and_reasons_are_escaped_by_the_templates():
    page = render_cockpit(hostile_data())
    assert page.count("<script") == 1 and HOSTILE not in page  # the page's own script only
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert page.count(escaped) > 20
    tree = dom(page)
    assert tree.one("div", class_="brand").text == f"{HOSTILE} \u00b7 Planline"
    assert tree.one("body").attrs["data-plan-version"] == HOSTILE
    assert tree.one("tr", data_sku=HOSTILE).find_all("td")[4].text == HOSTILE  # the location
    assert tree.one("div", data_kpi="otif_rate").one("span", data_field="reason").text == HOSTILE[:1].upper() + HOSTILE[1:] + "."
    resource = tree.one("div", data_resource=HOSTILE)
    assert resource.one("h3").text == HOSTILE and resource.one("svg").attrs["aria-label"].startswith(HOSTILE)
    assert all(rect.text.endswith(f"binding: {HOSTILE}") for rect in resource.find_all("rect") if rect.attrs["fill"] == "#c0392b")
    assert tree.one("tr", data_family=HOSTILE).find_all("b")[0].text == HOSTILE
    assert tree.one("g", data_scenario=HOSTILE).find_all("title")[0].text == HOSTILE  # the bar's label
    assert tree.one("tr", data_cut_type="family").attrs["data-cut-value"] == HOSTILE
    assert [td.text for td in tree.one("tr", data_override="OV1").find_all("td")[1:4]] == [HOSTILE] * 3
    assert tree.one("tr", data_override="OV1").one("td", class_="detail").text == HOSTILE


def test_scenarios_side_by_side_with_the_best_value_highlighted(tiny_page):
    page = dom(tiny_page)
    base, rush = (page.one("td", data_scenario=name, data_metric="total_cost") for name in ("base", "rush"))
    assert (base.text, base.attrs["data-value"]) == ("1,000", "1000.0") and base.has_class("best")
    assert rush.text == "1,300" and not rush.has_class("best")
    assert page.one("td", data_scenario="base", data_metric="service_level").has_class("best")
    # the same demand in every scenario is no contest; neither are the texts
    assert not any(td.has_class("best") for td in page.find_all("td", data_metric="busiest_resource"))
    assert page.one("g", data_scenario="rush").text.endswith("1,300")


def test_capacity_and_gap_of_the_selected_scenario(tiny_page):
    page = dom(tiny_page)
    line = page.one("div", data_resource="LINE_A")
    assert line.attrs["data-binding-months"] == "1" and "1 binding month" in line.text
    assert len(line.find_all("rect")) == 2 and line.find_all("rect", fill="#c0392b")
    binding = page.one("tr", data_constraint="line_a_hours")
    assert "2026-09" in binding.text and "Snacks" in binding.text and binding.find_all("td")[-1].text == "40"
    cell = page.one("td", data_month="2026-09")
    assert cell.text == "93.3 %" and "binding: line_a_hours" in cell.attrs["title"]

    other = dom(render_cockpit(tiny_data(scenario="rush")))
    assert (
        other.one("div", data_resource="LINE_A")
        and "No gap report for scenario \u201crush\u201d (scenarios present: base)" in other.one("section", id="supply").text
    )


def test_accuracy_and_exception_counts(tiny_page):
    page = dom(tiny_page)
    assert page.one("tr", data_cut_type="family", data_cut_value="Snacks").attrs["data-wape"] == "0.21"
    assert "\u22123.0 %" in page.one("tr", data_cut_type="family").text
    assert "Source: backtest" in page.one("section", id="accuracy").text
    chips = {chip.attrs["data-reason"]: chip.attrs["data-count"] for chip in page.find_all("div", class_="chip") + page.find_all("div", class_="chip zero")}
    assert chips == {"capacity": "7", "lead_time": "0", "supplier": "3", "allocation": "0", "data_quality": "0"}
    assert "Top 2 of 10 exceptions" in page.one("section", id="exceptions").text
    assert [row.attrs["data-reason"] for row in page.one("table", data_table="exceptions").find_all("tr", data_reason=True)] == ["capacity", "supplier"]


def test_header_names_the_plan_context(tiny_page):
    header = dom(tiny_page).one("header")
    for text in ("2026-09-30", "PLAN-20260930-0a1b2c3d", "SOP-202610-1234abcd", "approved", "2026-09-30 06:00:00"):
        assert text in header.text
    assert "none yet" in dom(render_cockpit(tiny_data(sop_plan_version=None, sop_status=None))).one("header").text


MESSAGES = {
    "kpis": "No KPI history yet",
    "kpi_cuts": "No KPI breakdowns yet",
    "resource_months": "No capacity data yet",
    "gap_report": "No gap report yet",
    "scenarios": "No scenarios yet",
    "forecast_accuracy": "No forecast accuracy yet",
    "exceptions": "No exceptions to list",
    "exception_counts": "No exception counts yet",
}


@pytest.mark.parametrize("frame", list(MESSAGES))
def test_an_empty_frame_says_no_data_yet(frame):
    columns_only = tiny_frames()[frame].iloc[0:0]
    page = render_cockpit(tiny_data(**{frame: columns_only}))
    assert MESSAGES[frame] in page


def test_every_frame_empty():
    page = render_cockpit(tiny_data(**dict.fromkeys(COLUMNS, pd.DataFrame())))
    sections = {s.attrs["id"]: s for s in dom(page).find_all("section")}
    assert set(sections) == {"kpis", "supply", "scenarios", "accuracy", "exceptions"}
    assert all(s.find_all("div", data_empty="true") for s in sections.values())
    assert "No KPI data yet" in page and "No exceptions yet" in page


def test_missing_columns_are_named():
    frames = tiny_frames()
    with pytest.raises(ValueError, match=r"^kpis lacks the columns \['direction', 'target'\] \("):
        tiny_data(kpis=frames["kpis"].drop(columns=["direction", "target"]).assign(extra=1))
    with pytest.raises(ValueError, match=r"exceptions lacks the columns \['detail'\]"):
        tiny_data(exceptions=frames["exceptions"].drop(columns=["detail"]))
    with pytest.raises(ValueError, match=r"kpis.unit must be one of percent, .*, got 'percentage' at row 0"):
        tiny_data(kpis=frames["kpis"].assign(unit="percentage"))
    with pytest.raises(ValueError, match="scenarios.total_cost must be numeric, got 'a lot' at row 0"):
        tiny_data(scenarios=frames["scenarios"].assign(total_cost="a lot"))
    with pytest.raises(TypeError, match="as_of must be a date"):
        tiny_data(as_of="2026-09-30")


def test_the_scorecard_gives_every_month_of_the_headlines_and_the_cuts_of_each_kpis_latest_month():
    aug, sep = (pd.Timestamp(m) for m in MONTHS)
    columns = ["kpi", "label", "unit", "direction", "month", "cut_type", "cut_value", "value", "target", "reason"]
    scorecard = pd.DataFrame(
        [
            ("stockout_rate", "Stockouts", "percent", "lower", sep, "all", "ALL", 0.03, 0.02, ""),
            ("otif_rate", "OTIF", "percent", "higher", aug, "all", "ALL", 0.95, 0.95, ""),
            ("otif_rate", "OTIF", "percent", "higher", aug, "channel", "WEB", 0.90, 0.95, ""),
            ("otif_rate", "OTIF", "percent", "higher", sep, "channel", "WEB", 0.97, 0.95, ""),
            ("otif_rate", "OTIF", "percent", "higher", sep, "all", "ALL", 0.96, 0.95, ""),
            # the stockout rate's cuts stop in August: its latest month (September, headline) has none
            ("stockout_rate", "Stockouts", "percent", "lower", aug, "location", "DC01", 0.01, 0.02, ""),
        ],
        columns=columns,
    )
    kpis, cuts = kpi_frames(scorecard)
    # the headlines of every month, in the scorecard's order (the tiles keep it), without the cut columns
    assert kpis[["kpi", "month", "value"]].values.tolist() == [["stockout_rate", sep, 0.03], ["otif_rate", aug, 0.95], ["otif_rate", sep, 0.96]]
    assert "cut_type" not in kpis.columns and "month" in kpis.columns
    # the cuts of each KPI's latest month only: no August figure shown as the latest
    assert cuts[["kpi", "cut_type", "cut_value", "value"]].values.tolist() == [["otif_rate", "channel", "WEB", 0.97]]
    assert "month" not in cuts.columns
    page = dom(render_cockpit(tiny_data(kpis=kpis, kpi_cuts=cuts)))  # the frames the page takes
    assert [t.attrs["data-kpi"] for t in page.find_all("div", class_=True, data_kpi=True) if t.has_class("tile")] == ["stockout_rate", "otif_rate"]
    assert page.one("tr", data_kpi="otif_rate").attrs["data-cut-value"] == "WEB"
    with pytest.raises(ValueError, match=r"kpi scorecard lacks the columns \['cut_value'\]"):
        kpi_frames(scorecard.drop(columns=["cut_value"]))


def test_the_page_is_self_contained(tiny_page):
    page = render_cockpit(sample_data())
    for text in (tiny_page, page):
        lowered = text.lower()
        for needle in ("http://", "https://", "src=", "url(", "@import", "<link", "<iframe", "<img", "//cdn"):
            assert needle not in lowered, needle
        assert set(re.findall(r'href="([^"]*)"', text)) <= {f"#{anchor}" for anchor in ("kpis", "supply", "scenarios", "accuracy", "exceptions")}


def test_same_input_same_page_and_inputs_untouched():
    frames = tiny_frames()
    before = {name: frame.copy() for name, frame in frames.items()}
    data = tiny_data(**frames)
    first = render_cockpit(data)
    assert render_cockpit(tiny_data(**frames)) == first
    later = render_cockpit(dataclasses.replace(data, generated_at=dt.datetime(2026, 9, 30, 7, 30)))
    assert later.replace("2026-09-30 07:30:00", "2026-09-30 06:00:00") == first
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_formats():
    assert fmt.percent(0.939) == "93.9 %" and fmt.signed_percent(-0.0312) == "\u22123.1 %" and fmt.signed_percent(0.02) == "+2.0 %"
    assert fmt.compact(1_250_000) == "1.25 M" and fmt.compact(84_530) == "84.5 k" and fmt.compact(-950) == "\u2212950"
    assert fmt.number(np.nan) == fmt.MISSING and fmt.number(-0.2) == "0" and fmt.number(1234.5, 1) == "1,234.5"
    assert fmt.data_value(0.1 + 0.2) == "0.3" and fmt.data_value(1234567.1234567) == "1234567.123457" and fmt.data_value(-0.0) == "0.0"
    assert fmt.kpi_delta(-0.011, "percent") == "\u22121.1 pt" and fmt.iso_month("2026-11-01") == "2026-11"


def test_renderer_imports_neither_dagster_nor_dbt():
    code = "import sys, reporting.cockpit; print(sorted(m for m in sys.modules if m.split('.')[0] in ('dagster', 'dbt', 'orchestration')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- in chromium ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    """One headless chromium for the module; missing chromium is a failure, not a skip."""
    try:
        with Browser(timeout=60) as running:
            yield running
    except BrowserError as error:
        pytest.fail(f"the browser tests need chromium: {error}")


def test_harness_reports_console_errors(browser, tmp_path):
    page = tmp_path / "boom.html"
    page.write_text(
        '<!DOCTYPE html><title>t</title><p id="p">before</p><script>console.log("fine"); console.error("boom"); document.getElementById("p").textContent = "after";</script>'
    )
    loaded = browser.load(page)
    assert [(m.level, m.text) for m in loaded.errors] == [("error", "boom")]
    assert ("log", "fine") in [(m.level, m.text) for m in loaded.messages]
    assert '<p id="p">after</p>' in loaded.dom  # the DOM after the script ran


def test_harness_reports_uncaught_exceptions_and_failed_loads(browser, tmp_path):
    page = tmp_path / "throw.html"
    page.write_text('<!DOCTYPE html><title>t</title><img src="missing.png" alt=""><script>setTimeout(function () { throw new Error("kaboom"); }, 0);</script>')
    errors = browser.load(page).errors
    assert any(m.origin == "exception" and "Error: kaboom" in m.text for m in errors), errors
    assert any(m.origin == "request" and "ERR_FILE_NOT_FOUND" in m.text and m.url.endswith("/missing.png") for m in errors), errors


def test_harness_times_out_cleanly(tmp_path):
    page = tmp_path / "hang.html"
    page.write_text("<!DOCTYPE html><title>t</title><script>while (true) {}</script>")
    with Browser(timeout=2) as stuck, pytest.raises(BrowserError, match="did not answer"):
        stuck.load(page)


def test_cockpit_in_chromium(browser, tmp_path):
    data = sample_data()
    path = tmp_path / "cockpit.html"
    path.write_text(render_cockpit(data), encoding="utf-8")
    loaded = browser.load(path)
    assert not loaded.errors, [str(m) for m in loaded.errors]
    assert not [m for m in loaded.messages if m.level == "warning"], loaded.messages
    page = dom(loaded.dom)
    assert page.one("html").attrs.get("data-ready") == "1"  # the page's script ran
    latest = data.kpis.sort_values("month").groupby("kpi").tail(1)
    assert len(latest) == len(page.find_all("div", data_kpi=True))
    for row in latest.itertuples():
        tile = page.one("div", data_kpi=row.kpi)
        assert tile.one(class_="tile-value").text == fmt.kpi_value(row.value, row.unit)
        assert math.isclose(float(tile.attrs["data-value"]), row.value, rel_tol=1e-9, abs_tol=1e-6)
    for row in data.scenarios.itertuples():
        cell = page.one("td", data_scenario=row.scenario, data_metric="total_cost")
        assert cell.text == fmt.number(row.total_cost)
        assert math.isclose(float(cell.attrs["data-value"]), row.total_cost, abs_tol=1e-6)
        assert page.one("g", data_scenario=row.scenario).text.endswith(fmt.compact(row.total_cost))
    table = page.one("table", data_table="exceptions")
    assert [r.attrs["data-reason"] for r in table.find_all("tr", data_reason=True)] == list(data.exceptions["reason_code"])


def test_escaped_injection_stays_text_in_chromium(browser, tmp_path, tiny_page):
    path = tmp_path / "tiny.html"
    path.write_text(tiny_page, encoding="utf-8")
    loaded = browser.load(path)
    assert not loaded.errors, [str(m) for m in loaded.errors]
    page = dom(loaded.dom)
    assert len(page.find_all("script")) == 1
    assert page.one("tr", data_sku="SKU-1").one("td", class_="detail").text == INJECTION


def test_hostile_names_stay_text_in_chromium(browser, tmp_path):
    path = tmp_path / "hostile.html"
    path.write_text(render_cockpit(hostile_data()), encoding="utf-8")
    loaded = browser.load(path)
    assert not loaded.errors, [str(m) for m in loaded.errors]
    page = dom(loaded.dom)
    assert len(page.find_all("script")) == 1 and page.one("html").attrs.get("data-ready") == "1"
    assert page.one("tr", data_override="OV1").one("td", class_="detail").text == HOSTILE


def test_tables_sort_in_chromium(browser, tmp_path):
    data = sample_data()
    path = tmp_path / "cockpit.html"
    path.write_text(render_cockpit(data), encoding="utf-8")
    click_units_twice = "var th = document.querySelectorAll('table[data-table=exceptions] th')[7]; th.click(); th.click();"
    loaded = browser.load(path, run=click_units_twice)
    assert not loaded.errors, [str(m) for m in loaded.errors]
    table = dom(loaded.dom).one("table", data_table="exceptions")
    assert table.find_all("th")[7].attrs["aria-sort"] == "descending"
    shown = [float(row.attrs["data-units"]) for row in table.find_all("tr", data_reason=True)]
    assert shown == sorted(data.exceptions["units"], reverse=True)
