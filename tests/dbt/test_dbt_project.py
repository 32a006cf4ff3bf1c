"""The dbt project is Planline's, valid for any company: no seed or model names a company's codes.

A company's channels, location types, units, segments and families reach the models through its
configuration (source company); the models select by Planline's roles and Planline's defaults
(seeds) are keyed by role. The demo company's codes stand for any company's here.
"""

from __future__ import annotations

import csv
import json
import re

import pytest

from demo_company import resolve_scale
from demo_company.company_config import company_document
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


# --- the marts' documentation: one YAML per model (as dbt-labs' jaffle-shop), every column typed ---

MARTS_DIR = DBT_PROJECT_DIR / "models" / "marts"
# a file name, a path or a glob: Markdown (dbt docs, Dagster's UI) would eat its * or _ outside backticks
_FILE_OR_GLOB = re.compile(r"[\w./<>-]*(?:\*[\w./<>*-]*|\.(?:ya?ml|py|csv|sql|md|json|parquet)\b)")


def _yaml(path):
    import yaml

    return yaml.safe_load(path.read_text()) or {}


def _descriptions(document: dict):
    """(where, description) of every model, source, table and column of a dbt YAML document."""
    for kind in ("models", "sources"):
        for node in document.get(kind) or []:
            yield node["name"], node.get("description") or ""
            for child in [*(node.get("columns") or []), *(node.get("tables") or [])]:
                yield f"{node['name']}.{child['name']}", child.get("description") or ""
                for column in child.get("columns") or []:
                    yield f"{node['name']}.{child['name']}.{column['name']}", column.get("description") or ""


def test_every_mart_model_has_its_own_yaml_with_each_column_described_and_typed():
    """dbt docs and Dagster's column schema (dagster-dbt reads data_type and description) show
    what every column of the marts holds; a model's YAML sits beside its SQL, named like it."""
    problems = []
    for sql in sorted(MARTS_DIR.rglob("*.sql")):
        own = sql.with_suffix(".yml")
        if not own.exists():
            problems.append(f"{sql.relative_to(MARTS_DIR)}: no {own.name} beside it")
            continue
        models = _yaml(own).get("models") or []
        if [m["name"] for m in models] != [sql.stem]:
            problems.append(f"{own.name} declares {[m['name'] for m in models]}, not {sql.stem} alone")
            continue
        model = models[0]
        if not (model.get("description") or "").strip():
            problems.append(f"{sql.stem}: no description")
        columns = model.get("columns") or []
        if not columns:
            problems.append(f"{sql.stem}: no columns")
        names = [c["name"] for c in columns]
        if len(names) != len(set(names)):
            problems.append(f"{sql.stem}: a column listed twice")
        problems += [f"{sql.stem}.{c['name']}: no {key}" for c in columns for key in ("description", "data_type") if not str(c.get(key) or "").strip()]
    # only the models' own files declare models (the sources stay in the folders' _*_sources.yml)
    for path in sorted(MARTS_DIR.rglob("*.yml")):
        if path.name.startswith("_") and _yaml(path).get("models"):
            problems.append(f"{path.relative_to(MARTS_DIR)} declares models: each belongs in its own <model>.yml")
    assert not problems, "\n".join(problems)


def test_file_names_and_globs_in_the_marts_descriptions_are_in_backticks():
    """`pos_sales_*.csv` or `company.yaml` outside backticks would be mangled by Markdown."""
    found = []
    for path in sorted(MARTS_DIR.rglob("*.yml")):
        for where, description in _descriptions(_yaml(path)):
            outside_code = re.sub(r"`[^`]*`", "", description)
            found += [f"{path.name} {where}: {token}" for token in _FILE_OR_GLOB.findall(outside_code)]
    assert not found, "\n".join(found)


def test_the_backtick_check_sees_what_markdown_would_mangle():
    assert _FILE_OR_GLOB.findall("reads pos_sales_*.csv and company.yaml (orchestration/defs/sop/assets.py), 80 % x cost")
    assert _FILE_OR_GLOB.findall("the units x unit cost, e.g. 1.5 days, fct_daily_demand's") == []


def _run_dbt_docs(home, *arguments):
    import os
    import subprocess
    import sys

    from orchestration.settings import home_environment

    environment = {**os.environ, **home_environment(home)}
    return subprocess.run([sys.executable, "-m", "orchestration.dbt_docs", *arguments], env=environment, capture_output=True, text=True, check=False)


def test_dbt_docs_without_a_warehouse_say_so_in_one_line(tmp_path):
    """make dbt-docs before any data run: one line naming the missing warehouse, status 2, no traceback."""
    ran = _run_dbt_docs(tmp_path / "home", "--no-serve")
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert ran.stderr.strip().count("\n") == 0 and "Traceback" not in ran.stderr
    assert f"no warehouse at {tmp_path / 'home' / 'warehouse.duckdb'}" in ran.stderr


@pytest.mark.e2e
def test_dbt_docs_describe_the_loaded_warehouse_with_the_types_it_has(reference, tmp_path):
    """`python -m orchestration.dbt_docs --no-serve` on the loaded tiny company writes the site, and
    dbt's catalog (the warehouse's own columns and types) agrees with each mart's YAML: the same
    columns in the same order, each with the data_type DuckDB gives it."""
    from tests.reference_home import copy_home

    home = copy_home(reference["home"], tmp_path / "home")
    ran = _run_dbt_docs(home, "--no-serve")
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    site = home / "dbt" / "docs"
    assert ran.stdout.strip().splitlines()[-1] == str(site)
    assert (site / "index.html").is_file()
    catalog = json.loads((site / "catalog.json").read_text())["nodes"]
    declared = {path.stem: (_yaml(path).get("models") or [{}])[0] for path in MARTS_DIR.rglob("*.yml") if not path.name.startswith("_")}
    compared, mismatches = [], []
    for unique_id, node in catalog.items():
        name = unique_id.split(".")[-1]
        if not unique_id.startswith("model.") or name not in declared:
            continue
        compared.append(name)
        built = sorted(node["columns"].values(), key=lambda column: column["index"])
        columns = declared[name]["columns"]
        if [c["name"] for c in built] != [c["name"] for c in columns]:
            mismatches.append(f"{name}: built {[c['name'] for c in built]}, declared {[c['name'] for c in columns]}")
            continue
        # an all-null column of an empty frame written from Python has DuckDB's type NULL: nothing to compare
        mismatches += [
            f"{name}.{c['name']}: built {b['type']}, declared {c['data_type']}"
            for b, c in zip(built, columns, strict=True)
            if b["type"] != '"NULL"' and b["type"].lower() != str(c["data_type"]).lower()
        ]
    # the data foundation's marts: core, governance, the S&OP history and the forecasting panel
    assert len(compared) >= 20, compared
    assert not mismatches, "\n".join(mismatches)
