"""A planner's refused override reaches its author: listed in the cockpit with the reason. The rows
are the model cockpit/refused_overrides' (tested over a warehouse in tests/dbt/test_cockpit_models.py)."""

from __future__ import annotations

import pandas as pd

from reporting.cockpit import render_cockpit
from tests.unit.test_cockpit import dom, tiny_data

REASON = "item '1000X444' is not in the ERP item master"
# the model's columns, as the cockpit asset reads them
REFUSED = pd.DataFrame(
    [("OV1", "a.martin", "1000X444", "DC01", "2026-09-21T17:26:59Z", "planning/overrides_am.csv", 2, REASON)],
    columns=["override_id", "author", "item_or_family", "location_or_customer", "submitted_at", "source_file", "row_number", "reason"],
)


def test_a_refused_override_is_listed_in_the_cockpit_with_its_reason():
    page = render_cockpit(tiny_data(refused_overrides=REFUSED))
    assert 'id="refused-overrides"' in page and 'href="#refused-overrides"' in page
    section = dom(page).one("section", id="refused-overrides")
    assert "a.martin" in section.text and "planning/overrides_am.csv:2" in section.text and "not in the ERP item master" in section.text
    assert 'id="refused-overrides"' not in render_cockpit(tiny_data(refused_overrides=REFUSED.iloc[0:0]))  # nothing refused: no section
