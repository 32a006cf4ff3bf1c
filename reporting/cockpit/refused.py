"""The cockpit's list of refused planner overrides: which rows the data contract refused and why,
so that their author can correct them (the section appears only while there are some). Plain
values here; the markup is ``templates/refused.html.j2``."""

from __future__ import annotations

from reporting.cockpit.data import CockpitData

HEADERS = (("Override", False), ("Author", False), ("Item or family", False), ("For", False), ("Submitted", False), ("File and row", False), ("Why", False))


def refused_view(data: CockpitData) -> list[dict]:
    """One row per refused override (none: no section)."""
    return [
        {
            "override": r.override_id,
            "author": r.author,
            "item_or_family": r.item_or_family,
            "location_or_customer": r.location_or_customer,
            "submitted_at": r.submitted_at,
            "where": f"{r.source_file}:{int(r.row_number)}",
            "reason": r.reason,
        }
        for r in data.refused_overrides.itertuples(index=False)
    ]
