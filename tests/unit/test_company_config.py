"""Company configuration and source mappings: checked before any file is read, applied exactly."""

from __future__ import annotations

import gzip
import io
import json
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from data_contracts.company import CompanyConfigError, SourceMapping, load_company
from data_contracts.company.apply import apply_mapping
from demo_company.company_config import write_company
from demo_company.config import resolve_scale
from orchestration.ingestion.mapped_files import read_file
from orchestration.ingestion.parsers import UnparseableFile


def _parsed(**columns) -> pa.Table:
    rows = len(next(iter(columns.values())))
    return pa.table(
        {**{k: pa.array(v, pa.string()) for k, v in columns.items()}, "_extra": pa.nulls(rows, pa.string()), "_parse_problem": pa.nulls(rows, pa.string())}
    )


def _company(tmp_path, mappings: dict[str, dict] | None = None, company: dict | None = None):
    folder = tmp_path / "company"
    (folder / "sources").mkdir(parents=True)
    (folder / "company.yaml").write_text(yaml.safe_dump(company or {"name": "Test Co"}))
    for name, document in (mappings or {}).items():
        (folder / "sources" / f"{name}.yaml").write_text(yaml.safe_dump(document, sort_keys=False) if isinstance(document, dict) else document)
    return folder


SUPPLIERS = {
    "table": "erp_suppliers",
    "files": "suppliers*.csv",
    "columns": {"supplier_code": "code", "name": "name", "lead_time_days": "lt", "payment_terms_days": "terms"},
}


def test_the_demo_company_configuration_is_valid(tmp_path):
    write_company(tmp_path / "demo", resolve_scale("tiny"))
    configuration = load_company(tmp_path / "demo")
    assert configuration.company.business_timezone == "Europe/Paris"
    assert configuration.mappings["erp_items"].values.decimal == ","
    assert set(configuration.mappings) >= {"erp_items", "pos_sales", "oms_events"}


def test_a_minimal_company_and_mapping_load(tmp_path):
    configuration = load_company(_company(tmp_path, {"suppliers": SUPPLIERS}))
    assert configuration.company.name == "Test Co"
    assert configuration.company.planning.forecast_horizon_days == 28  # documented default
    assert configuration.mappings["erp_suppliers"].source_columns == ("code", "name", "lt", "terms")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"columns": {**SUPPLIERS["columns"], "colour": "c"}}, "suppliers.yaml: columns.colour: 'colour' is not a field of erp_suppliers"),
        ({"values": {"date": "%d/%q/%Y"}}, "suppliers.yaml: values.date: '%d/%q/%Y' uses %q, not a date directive"),
        ({"values": {"date": "%d/%m"}}, "suppliers.yaml: values.date: '%d/%m' does not give a whole date"),
        ({"columns": {"supplier_code": "code", "lead_time_days": "lt", "payment_terms_days": "terms"}}, "required field 'name' of erp_suppliers is not mapped"),
        ({"format": {"type": "csv", "delimiter": ";;"}}, "suppliers.yaml: format.delimiter: ';;' is not one character"),
        ({"format": {"type": "xls"}}, "suppliers.yaml: format.type:"),
        ({"colour": "blue"}, "suppliers.yaml: colour: unknown key"),
        ({"table": "erp_colours"}, "table: 'erp_colours' is not a Planline table"),
        ({"format": {"encoding": "klingon"}}, "format.encoding: 'klingon' is not an encoding Python knows"),
        ({"values": {"decimal": ",", "thousands": ","}}, "thousands separator ',' is also the decimal separator"),
    ],
)
def test_a_broken_mapping_is_named_by_file_and_key_before_any_file_is_read(tmp_path, change, expected):
    folder = _company(tmp_path, {"suppliers": {**SUPPLIERS, **change}})
    with pytest.raises(CompanyConfigError) as error:
        load_company(folder)
    assert expected in str(error.value)


def test_a_broken_company_file_is_named_with_its_key(tmp_path):
    folder = _company(tmp_path, company={"name": "X", "business_timezone": "Mars/Olympus", "planning": {"fill_rate": 1.5}})
    with pytest.raises(CompanyConfigError) as error:
        load_company(folder)
    message = str(error.value)
    assert "company.yaml: business_timezone: 'Mars/Olympus' is not an IANA time zone" in message
    assert "company.yaml: planning.fill_rate:" in message


SALES = {
    "table": "sales_history",
    "files": "sales/*.csv",
    "columns": {"item_code": "sku", "location_code": "store", "sale_date": "week", "quantity": "units"},
    "constants": {"period": "week"},
}


def test_a_weekly_history_is_a_constant_period_and_how_it_is_spread_a_setting(tmp_path):
    """history.spread defaults to none (week and month rows feed the monthly S&OP history only);
    even spreads them to days. A mapping gives a whole file's period under constants."""
    from data_contracts.company.export import company_tables

    configuration = load_company(_company(tmp_path, {"sales": SALES}))
    assert configuration.company.history.spread == "none"
    assert configuration.mappings["sales_history"].constants == {"period": "week"}
    even = load_company(_company(tmp_path / "even", {"sales": SALES}, company={"name": "Weekly Co", "history": {"spread": "even"}})).company
    assert even.history.spread == "even"
    (settings,) = company_tables(even)["planning_settings"]
    assert settings[-1] == "even"  # company.planning_settings.history_spread, read by dbt


def test_a_files_period_may_come_from_its_folder(tmp_path):
    """One mapping reads a monthly history and a daily one, each file's period from its folder."""
    from data_contracts.registry import CONTRACTS

    mapping = {**SALES, "files": "sales/*/*.csv", "constants": {}, "path_values": {"period": "^sales/(day|week|month)/"}}
    configuration = load_company(_company(tmp_path, {"sales": mapping}))
    contract = CONTRACTS["sales_history"]
    parsed = _parsed(sku=["A"], store=["S1"], week=["2019-01-01"], units=["310"])
    for folder in ("month", "day"):
        (row,) = apply_mapping(
            parsed, configuration.mappings["sales_history"], contract.columns, contract.field_types, relative=f"sales/{folder}/f.csv"
        ).to_pylist()
        assert row["period"] == folder and row["sale_date"] == "2019-01-01"


@pytest.mark.parametrize(
    ("company", "mapping", "expected"),
    [
        ({"history": {"spread": "linear"}}, SALES, "company.yaml: history.spread: 'linear' is not a way to spread week and month rows to days (none: "),
        ({"history": {"spread": "even", "over": "weekdays"}}, SALES, "company.yaml: history.over: unknown key"),
        (
            {},
            {**SALES, "constants": {"period": "weekly"}},
            "sales.yaml: constants.period: 'weekly' is not an allowed value of period (allowed: day, week, month)",
        ),
        ({}, {**SALES, "constants": {}, "defaults": {"period": "Month"}}, "sales.yaml: defaults.period: 'Month' is not an allowed value of period"),
    ],
)
def test_a_period_or_spread_that_is_not_one_is_named_before_any_file_is_read(tmp_path, company, mapping, expected):
    folder = _company(tmp_path, {"sales": mapping}, company={"name": "Weekly Co", **company})
    with pytest.raises(CompanyConfigError) as error:
        load_company(folder)
    assert expected in str(error.value)


def test_yaml_that_is_not_yaml_names_its_line(tmp_path):
    folder = _company(tmp_path, {"suppliers": "table: erp_suppliers\nfiles: [unclosed\n"})
    with pytest.raises(CompanyConfigError, match=r"suppliers.yaml: not valid YAML at line \d"):
        load_company(folder)


def test_no_company_folder_says_how_to_make_one(tmp_path):
    with pytest.raises(CompanyConfigError, match="no company configuration here"):
        load_company(tmp_path / "nowhere")


def test_numbers_dates_and_times_are_rewritten_to_canonical_text():
    mapping = SourceMapping.model_validate(
        {
            "table": "t",
            "files": "x",
            "values": {"decimal": ",", "thousands": ".", "date": "%d/%m/%Y", "timestamp": "%d/%m/%Y %H:%M", "timestamp_zone": "Europe/Paris"},
            "columns": {"price": "p", "day": "d", "at": "t", "n": "n"},
        }
    )
    parsed = _parsed(p=["1.234,50", "7", "-0,5"], d=["31/01/2026", "01/02/2026", None], t=["01/03/2026 14:30", "01/07/2026 14:30", None], n=["3", "4", "5"])
    out = apply_mapping(parsed, mapping, ("price", "day", "at", "n"), {"price": "decimal", "day": "date", "at": "timestamp", "n": "integer"}).to_pylist()
    assert [r["price"] for r in out] == ["1234.50", "7", "-0.5"]
    assert [r["day"] for r in out] == ["2026-01-31", "2026-02-01", None]
    # winter and summer time in Paris, written in UTC
    assert [r["at"] for r in out] == ["2026-03-01T13:30:00Z", "2026-07-01T12:30:00Z", None]
    assert all(r["_unparsed"] is None for r in out)


def test_a_value_not_written_as_the_mapping_says_is_kept_verbatim_and_named():
    mapping = SourceMapping.model_validate({"table": "t", "files": "x", "values": {"decimal": ",", "date": "%d/%m/%Y"}, "columns": {"price": "p", "day": "d"}})
    parsed = _parsed(p=["12.5", "12,5"], d=["2026-01-31", "31/02/2026"])
    out = apply_mapping(parsed, mapping, ("price", "day"), {"price": "decimal", "day": "date"}).to_pylist()
    # 12.5 in a file of decimal commas is not twelve and a half: kept as written, flagged
    assert out[0]["price"] == "12.5" and out[0]["day"] == "2026-01-31"
    assert set(json.loads(out[0]["_unparsed"])) == {"price", "day"}
    assert "','" in json.loads(out[0]["_unparsed"])["price"]
    # 31 February is no date
    assert out[1]["price"] == "12.5" and out[1]["day"] == "31/02/2026"
    assert set(json.loads(out[1]["_unparsed"])) == {"day"}


def test_constants_and_defaults_fill_fields_the_files_lack():
    mapping = SourceMapping.model_validate(
        {"table": "t", "files": "x", "columns": {"item": "i", "qty": "q"}, "constants": {"channel": "SHOP"}, "defaults": {"qty": 0}}
    )
    out = apply_mapping(_parsed(i=["A", "B"], q=["2", None]), mapping, ("item", "channel", "qty", "price"), {"qty": "decimal"}).to_pylist()
    assert [(r["item"], r["channel"], r["qty"], r["price"]) for r in out] == [("A", "SHOP", "2", None), ("B", "SHOP", "0", None)]


def test_a_wide_layout_becomes_one_row_per_cell_blank_cells_kept():
    mapping = SourceMapping.model_validate(
        {
            "table": "t",
            "files": "x",
            "columns": {"item": "item_id"},
            "wide": {"columns": "d_([0-9]+)", "key": "day", "value": "qty", "key_as": "day_number", "origin": "2011-01-29"},
        }
    )
    parsed = _parsed(item_id=["A", "B"], d_1=["1", "2"], d_2=["3", None])
    out = apply_mapping(parsed, mapping, ("item", "day", "qty"), {"day": "date", "qty": "decimal"}).to_pylist()
    assert [(r["item"], r["day"], r["qty"]) for r in out] == [
        ("A", "2011-01-29", "1"),
        ("A", "2011-01-30", "3"),
        ("B", "2011-01-29", "2"),
        ("B", "2011-01-30", None),
    ]


def test_master_data_drawn_from_a_transactional_file_counts_each_row_once():
    mapping = SourceMapping.model_validate({"table": "t", "files": "x", "columns": {"item": "i", "family": "f"}, "distinct": True})
    out = apply_mapping(_parsed(i=["B", "A", "B"], f=["X", "Y", "X"]), mapping, ("item", "family"), {}).to_pylist()
    assert [(r["item"], r["family"]) for r in out] == [("B", "X"), ("A", "Y")]


class _Contract:
    columns = ("supplier_code", "name")
    field_types: dict = {}


def _mapping(**format_options) -> SourceMapping:
    return SourceMapping.model_validate(
        {"table": "erp_suppliers", "files": "x", "format": format_options, "columns": {"supplier_code": "code", "name": "name"}}
    )


def test_csv_columns_are_found_by_name_and_unread_columns_refused_unless_ignored():
    data = b"name;code;colour\nAcme;S1;red\n"
    mapping = _mapping(delimiter=";")
    with pytest.raises(UnparseableFile, match="columns its mapping does not read: colour"):
        read_file(data, "suppliers.csv", mapping, _Contract())
    table = read_file(data, "suppliers.csv", _mapping(delimiter=";", extra_columns="ignore"), _Contract())
    assert table.select(["code", "name"]).to_pylist() == [{"code": "S1", "name": "Acme"}]
    with pytest.raises(UnparseableFile, match="lacks the columns its mapping reads: code"):
        read_file(b"name\nAcme\n", "suppliers.csv", mapping, _Contract())


def test_other_encodings_quotes_and_compression_are_read_as_the_mapping_says():
    text = "code|name\nS1|'Müller | Söhne'\n".encode("latin-1")
    mapping = _mapping(delimiter="|", quote="'", encoding="latin-1", compression="gzip")
    table = read_file(gzip.compress(text), "suppliers.csv.gz", mapping, _Contract())
    assert table.select(["code", "name"]).to_pylist() == [{"code": "S1", "name": "Müller | Söhne"}]
    with pytest.raises(UnparseableFile, match="not a gzip file"):
        read_file(text, "suppliers.csv.gz", mapping, _Contract())
    with pytest.raises(UnparseableFile, match="not valid UTF-8"):
        read_file(text, "suppliers.csv", _mapping(delimiter="|", quote="'"), _Contract())


def test_parquet_files_are_read_with_typed_columns_as_canonical_text():
    buffer = io.BytesIO()
    pq.write_table(pa.table({"code": ["S1"], "name": ["Acme"]}), buffer)
    table = read_file(buffer.getvalue(), "suppliers.parquet", _mapping(type="parquet"), _Contract())
    assert table.select(["code", "name"]).to_pylist() == [{"code": "S1", "name": "Acme"}]
    with pytest.raises(UnparseableFile, match="not a readable Parquet file"):
        read_file(b"not parquet", "suppliers.parquet", _mapping(type="parquet"), _Contract())


def test_the_tables_reference_in_the_docs_is_current():
    from data_contracts.company.templates import tables_reference
    from data_contracts.registry import CONTRACTS
    from orchestration.company import REFERENCE_FILE

    assert REFERENCE_FILE.read_text() == tables_reference(CONTRACTS), "run: python -m orchestration.company reference"


def test_scaffold_writes_a_company_folder_to_start_from_and_never_over_one(tmp_path):
    from orchestration.company import main

    assert main(["scaffold", str(tmp_path / "new"), "--name", "New Co"]) == 0
    assert load_company(tmp_path / "new").company.name == "New Co"  # valid as written: no mapping yet
    template = yaml.safe_load((tmp_path / "new" / "templates" / "erp_items.yaml").read_text())
    assert template["table"] == "erp_items" and "item_code" in template["columns"]
    header, example = (tmp_path / "new" / "templates" / "erp_items.csv").read_text().splitlines()
    assert header.split(",")[0] == "item_code" and len(example.split(",")) == len(header.split(","))
    # a field of fixed values says them, and its example is one: the sales history's period
    header, example = (tmp_path / "new" / "templates" / "sales_history.csv").read_text().splitlines()
    assert dict(zip(header.split(","), example.split(",")))["period"] == "day"
    assert "period: period    # optional, one of day, week, month" in (tmp_path / "new" / "templates" / "sales_history.yaml").read_text()
    assert "# history: {spread: none}" in (tmp_path / "new" / "company.yaml").read_text()
    with pytest.raises(FileExistsError):
        main(["scaffold", str(tmp_path / "new")])


def test_one_delivered_file_feeds_several_tables_and_leaves_once_each_has_loaded_it(tmp_path):
    from datetime import datetime

    import duckdb

    from data_contracts.registry import CONTRACTS
    from orchestration.ingestion.loader import load_source

    landing, processed = tmp_path / "landing", tmp_path / "processed"
    (landing / "shared").mkdir(parents=True)
    (landing / "shared" / "partners.csv").write_text("code,name,lt,terms\nP1,Acme,5,30\n")
    suppliers = SourceMapping.model_validate(
        {
            "table": "erp_suppliers",
            "files": "shared/*.csv",
            "columns": {"supplier_code": "code", "name": "name", "lead_time_days": "lt", "payment_terms_days": "terms"},
        }
    )
    locations = SourceMapping.model_validate(
        {
            "table": "erp_locations",
            "files": "shared/*.csv",
            "format": {"extra_columns": "ignore"},
            "columns": {"location_code": "code", "name": "name"},
            "constants": {"location_type": "SITE", "region": "ALL", "wms_receiving_unit": "EA"},
        }
    )
    now = datetime(2026, 10, 1)
    with duckdb.connect() as con:
        first = load_source(
            con,
            CONTRACTS["erp_suppliers"],
            landing,
            tmp_path / "rejected",
            now,
            mapping=suppliers,
            company_mappings=[suppliers, locations],
            processed_dir=processed,
        )
        assert first.rows_loaded == 1 and (landing / "shared" / "partners.csv").exists()
        assert first.waiting == ["shared/partners.csv: loaded; it also feeds erp_locations, which will move it once loaded"]
        second = load_source(
            con,
            CONTRACTS["erp_locations"],
            landing,
            tmp_path / "rejected",
            now,
            mapping=locations,
            company_mappings=[suppliers, locations],
            processed_dir=processed,
        )
        assert second.rows_loaded == 1 and not second.waiting
        assert not (landing / "shared" / "partners.csv").exists() and (processed / "shared" / "partners.csv").exists()
        assert con.execute("SELECT location_code, location_type FROM raw.erp_locations").fetchall() == [("P1", "SITE")]


def test_fields_a_path_gives_are_checked_against_the_rows_or_filled_from_it():
    checked = SourceMapping.model_validate({"table": "t", "files": "x", "columns": {"store": "store", "qty": "q"}, "path_values": {"store": "^pos/([^/]+)/"}})
    out = apply_mapping(_parsed(store=["ST01", "ST02"], q=["1", "2"]), checked, ("store", "qty"), {}, relative="pos/ST01/sales.csv").to_pylist()
    assert [r["_path_problem"] for r in out] == [None, "store ST02 in the file of ST01"]
    filled = SourceMapping.model_validate({"table": "t", "files": "x", "columns": {"qty": "q"}, "path_values": {"store": "^pos/([^/]+)/"}})
    out = apply_mapping(_parsed(q=["1"]), filled, ("store", "qty"), {}, relative="pos/ST07/sales.csv").to_pylist()
    assert out[0]["store"] == "ST07" and out[0]["_path_problem"] is None
    with pytest.raises(ValueError, match="has no group"):
        SourceMapping.model_validate({"table": "t", "files": "x", "path_values": {"store": "^pos/"}})


def test_check_reads_the_settings_as_a_run_does_and_names_a_broken_one(tmp_path, monkeypatch, capsys):
    """``check`` takes PLANLINE_* from the environment first, as a run does: an earlier as-of makes
    the later sales future rows there too; a broken setting is one line naming it, status 2."""
    from orchestration.company import main
    from tests.e2e.test_minimal_company import AS_OF, write_minimal_company

    write_minimal_company(tmp_path, [{"code": "SHOP", "role": "store"}])
    command = ["check", "--company", str(tmp_path / "company"), "--data", str(tmp_path / "landing")]
    monkeypatch.setenv("PLANLINE_AS_OF", AS_OF.isoformat())
    assert main(command) == 0
    assert "future_date" not in capsys.readouterr().out
    monkeypatch.setenv("PLANLINE_AS_OF", "2026-09-15")
    main(command)
    assert re.search(r"sales_history: \w+: 1 file\(s\), [\d,]+ rows, [1-9][\d,]* would be quarantined", out := capsys.readouterr().out) and "future_date" in out
    monkeypatch.setenv("PLANLINE_FORECAST_HORIZON_DAYS", "-3")
    with pytest.raises(SystemExit) as stopped:
        main(command)
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "PLANLINE_FORECAST_HORIZON_DAYS" in error and "-3" in error and "Traceback" not in error


def test_check_says_when_a_mappings_pattern_matches_no_file(tmp_path, capsys):
    from orchestration.company import main
    from tests.e2e.test_minimal_company import write_minimal_company

    write_minimal_company(tmp_path, [{"code": "SHOP", "role": "store"}])
    mapping = tmp_path / "company" / "sources" / "sales.yaml"
    mapping.write_text(mapping.read_text().replace("sales/*.csv", "sale/*.csv"))  # a typo
    assert main(["check", "--company", str(tmp_path / "company"), "--data", str(tmp_path / "landing")]) == 1  # its files are then unclaimed
    out = capsys.readouterr().out
    assert "sales_history: ok: 0 file(s), 0 rows, 0 would be quarantined (no file matches its mapping's pattern 'sale/*.csv': nothing would load)" in out
