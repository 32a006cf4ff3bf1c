"""The cockpit page: header, KPIs against targets, then the sections of
:mod:`reporting.cockpit.supply` and :mod:`reporting.cockpit.sections`.

The Python modules compute what each section shows (plain values, chart geometry); the Jinja2
templates in ``templates/`` write the HTML, with autoescape on, so every text that comes from the
data (codes, names, reasons) is escaped by the template engine. One HTML string, nothing loaded
from outside it: the stylesheet and the script are included in the page.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from reporting.cockpit import format as fmt
from reporting.cockpit import svg
from reporting.cockpit.data import CockpitData
from reporting.cockpit.kpis import kpi_view
from reporting.cockpit.refused import HEADERS as REFUSED_HEADERS
from reporting.cockpit.refused import refused_view
from reporting.cockpit.sections import accuracy_view, exceptions_view, scenarios_view
from reporting.cockpit.supply import BINDING_HEADERS, GAP_LEGEND, RESOURCE_LEGEND, supply_view

TEMPLATES = Path(__file__).parent / "templates"
NAVIGATION = (("kpis", "KPIs"), ("supply", "Demand vs capacity"), ("scenarios", "Scenarios"), ("accuracy", "Forecast accuracy"), ("exceptions", "Exceptions"))
EXCEPTION_HEADERS = (
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
)
SOP_STATUS_KINDS = {"approved": "good", "proposed": "warn", "rejected": "bad"}


@cache
def environment() -> jinja2.Environment:
    """The templates' environment: autoescape on for every template, an unknown name in a
    template is an error (not an empty string)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["colours"] = {name: getattr(svg, name) for name in ("INK", "MUTED", "GRID")}
    return env


def render_cockpit(data: CockpitData) -> str:
    """The whole page for ``data``: the same input gives the same text (``generated_at`` aside)."""
    refused = refused_view(data)
    status = (data.sop_status or "").strip()
    context = [
        {"name": "as-of", "label": "As of", "value": fmt.iso_date(data.as_of)},
        {"name": "plan-version", "label": "Inventory plan", "value": data.plan_version},
        {"name": "sop-plan-version", "label": "S&OP plan", "value": data.sop_plan_version, "status": status, "kind": SOP_STATUS_KINDS.get(status.lower(), "")},
        {"name": "scenario", "label": "Scenario shown", "value": data.scenario},
        {"name": "generated-at", "label": "Generated", "value": fmt.iso_timestamp(data.generated_at)},
    ]
    return (
        environment()
        .get_template("page.html.j2")
        .render(
            title="Planners' cockpit" + (f" \u00b7 {data.company}" if data.company else ""),
            company=data.company,
            as_of=fmt.iso_date(data.as_of),
            plan_version=data.plan_version,
            generated_at=fmt.iso_timestamp(data.generated_at),
            context=context,
            navigation=NAVIGATION + ((("refused-overrides", "Refused overrides"),) if refused else ()),
            kpis=kpi_view(data),
            supply=supply_view(data),
            scenarios=scenarios_view(data),
            accuracy=accuracy_view(data),
            exceptions=exceptions_view(data),
            refused=refused,
            resource_legend=RESOURCE_LEGEND,
            gap_legend=GAP_LEGEND,
            binding_headers=BINDING_HEADERS,
            exception_headers=EXCEPTION_HEADERS,
            refused_headers=REFUSED_HEADERS,
        )
    )
