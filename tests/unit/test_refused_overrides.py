"""A planner's refused override reaches its author: listed in the cockpit with the reason."""

from __future__ import annotations

import duckdb

from data_contracts.validate import ensure_governance_schema
from orchestration.defs.reporting.cockpit import refused_overrides
from orchestration.resources import DuckDBWarehouse
from reporting.cockpit import render_cockpit
from tests.unit.test_cockpit import tiny_data

REASON = "item '1000X444' is not in the ERP item master"


def test_a_refused_override_is_listed_in_the_cockpit_with_its_reason(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        ensure_governance_schema(con)
        con.execute("CREATE SCHEMA raw")
        con.execute(
            "CREATE TABLE raw.planning_overrides AS SELECT * FROM (VALUES ('OV1', 'a.martin', '1000X444', 'DC01', '2026-09-21T17:26:59Z', "
            "'planning/overrides_am.csv', 2), ('OV2', 'a.martin', '10001444', 'DC01', '2026-09-21T17:26:59Z', 'planning/overrides_am.csv', 1)) "
            "t(override_id, author, item_or_family, location_or_customer, submitted_at, _source_file, _row_number)"
        )
        con.execute(
            "INSERT INTO governance.quarantine VALUES ('planning_overrides', 'planning/overrides_am.csv', 2, 'unknown_reference', "
            "'item_or_family', '1000X444', ?, TIMESTAMP '2026-09-30 06:00:00')",
            [REASON],
        )
    refused = refused_overrides(DuckDBWarehouse(database=str(path)))
    assert refused[["override_id", "author", "row_number", "reason"]].values.tolist() == [["OV1", "a.martin", 2, REASON]]
    page = render_cockpit(tiny_data(refused_overrides=refused))
    assert 'id="refused-overrides"' in page and 'href="#refused-overrides"' in page
    assert "a.martin" in page and "planning/overrides_am.csv:2" in page and "not in the ERP item master" in page
    assert 'id="refused-overrides"' not in render_cockpit(tiny_data())  # nothing refused: no section
