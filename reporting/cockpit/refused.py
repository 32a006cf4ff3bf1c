"""The cockpit's list of refused planner overrides: which rows the data contract refused and why,
so that their author can correct them (the section appears only while there are some)."""

from __future__ import annotations

from reporting.cockpit.data import CockpitData
from reporting.cockpit.format import esc
from reporting.cockpit.markup import card, section, table, td, tr

HEADERS = (("Override", False), ("Author", False), ("Item or family", False), ("For", False), ("Submitted", False), ("File and row", False), ("Why", False))


def refused_overrides_section(data: CockpitData) -> str:
    refused = data.refused_overrides
    if refused.empty:
        return ""
    rows = [
        tr(
            [
                td(f"<code>{esc(r.override_id)}</code>"),
                td(esc(r.author)),
                td(esc(r.item_or_family)),
                td(esc(r.location_or_customer)),
                td(esc(r.submitted_at)),
                td(esc(f"{r.source_file}:{int(r.row_number)}")),
                td(esc(r.reason), class_="detail"),
            ],
            data_override=r.override_id,
        )
        for r in refused.itertuples(index=False)
    ]
    lead = "These overrides were not applied: correct them and submit the file again (the other overrides of the file apply)."
    return section("refused-overrides", f"Refused overrides ({len(refused)})", lead, card(table(HEADERS, rows, data_table="refused-overrides")))
