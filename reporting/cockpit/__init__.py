"""The planners' cockpit: one self-contained HTML page from a few frames read from the marts.

``render_cockpit(CockpitData(...))`` returns the page as a string, written by the Jinja2 templates
of ``templates/`` (autoescape: every text from the data is escaped by the template engine): inline
CSS, inline SVG charts (geometry computed in Python, ``svg.py``) and a small inline script
(sortable tables); nothing is loaded from outside the file, so it works offline, prints, and can
be mailed. No Dagster, no dbt here: the asset that reads
the marts and writes the file lives in ``orchestration``.

Sections: the plan context (as-of date, inventory and S&OP plan versions, S&OP status); KPIs
against their targets (a tile per KPI with a 12-month sparkline, then each KPI's cuts); demand
versus capacity of the selected scenario (used vs capacity per resource and month, demand vs
constrained supply by family, binding constraints); the scenarios side by side; forecast accuracy
(WAPE and bias by family, location, channel and ABC class); the top exceptions with counts per
reason code.

Figures are machine-checkable: KPI tiles carry ``data-kpi`` and ``data-value`` (the raw value
rounded to 6 decimals), scenario cells ``data-scenario``, ``data-metric`` and ``data-value``,
top-exception rows ``data-reason``; see :mod:`reporting.cockpit.data` for the input contract.
"""

from reporting.cockpit.data import CockpitData
from reporting.cockpit.render import render_cockpit

__all__ = ["CockpitData", "render_cockpit"]
