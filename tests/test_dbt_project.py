"""The dbt project is Planline's, valid for any company: no seed or model names a company's codes.

A company's channels, location types, units, segments and families reach the models through its
configuration (source company); the models select by Planline's roles and Planline's defaults
(seeds) are keyed by role. The demo company's codes stand for any company's here.
"""

from __future__ import annotations

import csv
import re

from ml.demo_company import resolve_scale
from ml.demo_company.company_config import company_document
from orchestration.dbt_project import DBT_PROJECT_DIR

_DEMO = company_document(resolve_scale("tiny"))
# what only a company names (its code systems' names, ERP, WMS, POS, are also Planline's names of
# the systems it reads: sources erp_*, wms_*, pos_*)
DEMO_CODES = {
    *(c["code"] for key in ("channels", "location_types", "units", "segments") for c in _DEMO[key]),
    *_DEMO["families"],
    *(h["name"] for h in _DEMO["holidays"]),
}
_QUOTED = re.compile(r"'([^']*)'")


def test_no_seed_or_model_names_a_code_of_the_demo_company():
    found = []
    for path in sorted(DBT_PROJECT_DIR.glob("seeds/*.csv")):
        with path.open(newline="") as file:
            for number, row in enumerate(csv.reader(file), start=1):
                found += [(path.name, number, cell) for cell in row if cell in DEMO_CODES or any(f" {code} " in f" {cell} " for code in DEMO_CODES)]
    for folder in ("models", "macros", "tests"):
        for path in sorted((DBT_PROJECT_DIR / folder).rglob("*.sql")):
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                found += [(path.name, number, literal) for literal in _QUOTED.findall(line) if literal in DEMO_CODES]
    assert not found, f"the demo company's codes in the dbt project: {found[:10]}"


def test_planlines_defaults_are_keyed_by_role():
    """The seeds that depend on a company's network name location and channel roles, never its types or channels."""
    roles = {"location_role": {"plant", "warehouse", "store", "virtual"}, "channel_role": {"store", "online", "marketplace", "wholesale"}}
    for name in ("channel_safety_buffers", "replenishment_settings", "shipping_costs", "transfer_costs"):
        with (DBT_PROJECT_DIR / "seeds" / f"{name}.csv").open(newline="") as file:
            rows = list(csv.DictReader(file))
        assert rows, name
        assert not {"location_type", "from_location_type", "to_location_type", "channel_id"} & set(rows[0]), name
        for row in rows:
            for column, value in row.items():
                kind = next((k for k in roles if column.endswith(k)), None)
                assert kind is None or value in roles[kind], (name, column, value)


def test_a_companys_holidays_are_its_calendar_table():
    """holidays in company.yaml become company.holidays (dim_date's holidays); a day listed twice is refused."""
    import pytest
    from pydantic import ValidationError

    from data_contracts.company.config import Company
    from data_contracts.company.export import company_tables

    company = Company.model_validate(
        {
            "name": "Acme",
            "holidays": [{"date": "2026-07-04", "name": "Independence Day", "stores_closed": True}, {"date": "2026-11-26", "name": "Thanksgiving"}],
        }
    )
    assert [(str(day), name, closed) for day, name, closed in company_tables(company)["holidays"]] == [
        ("2026-07-04", "Independence Day", True),
        ("2026-11-26", "Thanksgiving", False),
    ]
    assert company_tables(Company(name="Acme"))["holidays"] == []  # no calendar: no holidays, the table still exists
    with pytest.raises(ValidationError, match="holidays listed twice: 2026-07-04"):
        Company.model_validate({"name": "Acme", "holidays": [{"date": "2026-07-04", "name": "A"}, {"date": "2026-07-04", "name": "B"}]})
    # the demo company's: the French public holidays of its calendar, stores closed on three
    demo = Company.model_validate(_DEMO).holidays
    assert len(demo) == 11 * 11 and sum(h.stores_closed for h in demo) == 3 * 11
    assert {(str(h.date), h.name) for h in demo} >= {("2026-04-06", "Easter Monday"), ("2026-05-14", "Ascension Day"), ("2030-06-10", "Whit Monday")}


def test_the_unnamed_source_is_one_name_in_dbt_and_in_the_balancing():
    """Items without supplier or line are bought from dbt's var unnamed_source; the S&OP balancing
    matches their opening stock to it by the same text."""
    import yaml

    from orchestration.defs.sop.assets import UNNAMED_SOURCE

    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    assert project["vars"]["unnamed_source"] == UNNAMED_SOURCE
