"""Templates generated from the data contracts: what each table holds, and a company folder to start from.

For each Planline table: its fields with their type, whether a row must fill them, and an example
row (``field_table``); a CSV template (header and the example row) and a commented mapping a
company edits (``scaffold``). The minimal input (items, locations, sales history) is marked.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from data_contracts.company.checks import allowed_values, required_fields
from data_contracts.company.config import COMPANY_FILE, SOURCES_FOLDER

# The tables a company must bring for the whole chain to run; the others switch on more of it.
MINIMAL_TABLES = ("erp_items", "erp_locations", "sales_history")
_EXAMPLES = {"decimal": "12.5", "whole_decimal": "30", "integer": "3", "date": "2026-03-01", "timestamp": "2026-03-01T10:15:00Z"}
_TYPE_WORDS = {
    "decimal": "number ('.' decimals in the template; your files may write it otherwise: values.decimal, values.thousands)",
    "whole_decimal": "whole number",
    "integer": "whole number",
    "date": "date (YYYY-MM-DD in the template; your files may write it otherwise: values.date)",
    "timestamp": "time (YYYY-MM-DDTHH:MM:SSZ, UTC, in the template: values.timestamp, values.timestamp_zone)",
}


def field_table(contract) -> list[dict]:
    """One entry per field of the table: name, type, required, example, and the values it may
    take when the contract fixes them (the sales history's period: day, week, month)."""
    types = getattr(contract, "field_types", {})
    required = required_fields(contract)
    allowed = allowed_values(contract)
    return [
        {
            "field": name,
            "type": types.get(name, "text"),
            "required": name in required,
            "example": allowed[name][0] if name in allowed else _EXAMPLES.get(types.get(name, "text"), f"<{name}>"),
            "values": allowed.get(name, ()),
        }
        for name in contract.columns
    ]


def _type_text(entry: dict) -> str:
    """The type of a field in the reference: 'one of day, week, month' when the values are fixed."""
    return f"one of {', '.join(entry['values'])}" if entry["values"] else entry["type"]


def csv_template(contract) -> str:
    fields = field_table(contract)
    return ",".join(f["field"] for f in fields) + "\n" + ",".join(f["example"] for f in fields) + "\n"


def mapping_template(contract) -> str:
    """A mapping a company edits: every field listed, required ones first, each with its type."""
    lines = [
        f"# {contract.description}",
        f"# Fill in where your files are and which of their columns feeds each field; delete the fields you do not have"
        f" (required ones must stay: map them or give them under constants/defaults). Minimal input: {', '.join(MINIMAL_TABLES)}.",
        f"table: {contract.source}",
        f"files: {contract.source}/*.csv      # glob relative to the landing folder",
        "format:",
        "  type: csv            # csv | jsonl | parquet",
        '  delimiter: ","',
        "  quote: '\"'",
        "  encoding: utf-8",
        "  compression: none    # none | gzip",
        "  header: by_name      # by_name | exact (columns in the mapping's order)",
        "  extra_columns: refuse   # refuse | ignore",
        "values:",
        '  decimal: "."',
        '  thousands: ""',
        '  date: "%Y-%m-%d"',
        '  timestamp: "%Y-%m-%dT%H:%M:%SZ"',
        "  timestamp_zone: UTC  # UTC | business | an IANA zone",
        "columns:               # field: your column",
    ]
    fields = sorted(field_table(contract), key=lambda f: not f["required"])
    for f in fields:
        need = "required" if f["required"] else "optional"
        words = _type_text(f) if f["values"] else _TYPE_WORDS.get(f["type"], "text")
        lines.append(f"  {f['field']}: {f['field']}    # {need}, {words}")
    lines += ["constants: {}          # field: value for every row", "defaults: {}           # field: value where the file has none", ""]
    return "\n".join(lines)


def company_template(name: str) -> str:
    document = {"name": name, "business_timezone": "UTC"}
    return (
        "# The company's configuration (docs/company.md lists every key and its default).\n"
        + yaml.safe_dump(document, sort_keys=False)
        + "# as_of: 2026-09-30          # a fixed 'now' for snapshot data; without it, the clock\n"
        + "# partitions_start: 2026-09-01\n"
        + "# calendar: {start: 2020-01-01, end: 2030-12-31}\n"
        + "# planning: {forecast_horizon_days: 28, cycle_service_level: 0.95, fill_rate: 0.97, default_lead_time_days: 7,\n"
        + "#            default_review_period_days: 7, order_cost: 50, annual_holding_rate: 0.2}\n"
        + "# channels: [{code: SHOP, role: store}]   # roles: store, online, marketplace, wholesale\n"
        + "# location_types: [{code: DC, role: warehouse}]   # roles: plant, warehouse, store, virtual\n"
        + "# units: [{code: EA, role: base}]   # roles: base, case, store_pack, bundle, other; factor where master data has none\n"
        + "# history: {spread: none}   # sales history rows of a week or a month (field period): none, the monthly S&OP history only;\n"
        + "#                           # even, also daily demand, spread evenly over their days\n"
    )


def scaffold(folder: Path, name: str, contracts: dict, tables: tuple[str, ...] | None = None) -> list[Path]:
    """Write a company folder to start from: company.yaml, a mapping template per table (in
    ``templates/``, to copy into ``sources/`` once filled) and a CSV template per table.
    Refuses to overwrite an existing company.yaml."""
    folder = Path(folder)
    if (folder / COMPANY_FILE).exists():
        raise FileExistsError(f"{folder / COMPANY_FILE} exists: scaffold writes a new company folder only")
    written = []
    (folder / SOURCES_FOLDER).mkdir(parents=True, exist_ok=True)
    (folder / "templates").mkdir(exist_ok=True)
    (folder / COMPANY_FILE).write_text(company_template(name))
    written.append(folder / COMPANY_FILE)
    for source, contract in contracts.items():
        if tables and source not in tables:
            continue
        for path, text in (
            (folder / "templates" / f"{source}.yaml", mapping_template(contract)),
            (folder / "templates" / f"{source}.csv", csv_template(contract)),
        ):
            path.write_text(text)
            written.append(path)
    return written


def tables_reference(contracts: dict) -> str:
    """docs/company_tables.md: every Planline table a company can fill, its fields, types and examples."""
    lines = [
        "# Planline's tables: what a company's files fill",
        "",
        "Generated from the data contracts by `python -m orchestration.company reference` (a test checks it is current).",
        f"The minimal input is {', '.join(f'`{t}`' for t in MINIMAL_TABLES)}; every other table switches on more of the chain.",
        "A field marked required must be mapped (to a column, a constant or a default); the others may be left out and are then empty.",
        "Types are the canonical notation; a mapping's `values` say how the company's files write them.",
        "",
    ]
    for source, contract in contracts.items():
        lines += [f"## `{source}`", "", contract.description, "", "| field | type | required | example |", "| --- | --- | --- | --- |"]
        lines += [f"| `{f['field']}` | {_type_text(f)} | {'yes' if f['required'] else ''} | `{f['example']}` |" for f in field_table(contract)]
        lines.append("")
    return "\n".join(lines)
