"""Strict parsing: a file is read whole or rejected with its line and cause."""

from __future__ import annotations

from datetime import datetime

import pytest

from orchestration.ingestion.parsers import UnparseableFile, parse_csv, parse_jsonl

COLUMNS = ("a", "b", "c")


def test_csv_rows_are_text_with_empty_fields_as_none():
    data = b"a;b;c\n1;;x\n2;3,5;y\n"
    assert parse_csv(data, "ok.csv", COLUMNS, ";") == [("1", None, "x"), ("2", "3,5", "y")]


def test_csv_with_byte_order_mark_is_read():
    data = "\ufeffa,b,c\n1,2,3\n".encode()
    assert parse_csv(data, "bom.csv", COLUMNS, ",") == [("1", "2", "3")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"a;b\n1;2\n", "missing columns: c"),
        (b"a;b;c;d\n1;2;3;4\n", "unexpected columns: d"),
        (b"a;c;b\n1;2;3\n", "different order"),
        (b"a;b;c\n1;2;3\n4;5\n", "line 3: 2 fields instead of 3"),
        (b"a;b;c\n1;2;3\n\x00\x00", "NUL bytes at line 3"),
        (b"a;b;c\n1;\xe9;3\n", "not valid UTF-8 at line 2"),
    ],
)
def test_csv_problems_name_the_line(content, message):
    data = content
    with pytest.raises(UnparseableFile, match=message) as error:
        parse_csv(data, "erp/bad.csv", COLUMNS, ";")
    assert "erp/bad.csv" in str(error.value)


@pytest.mark.parametrize("reader", ["exact", "arrow"])
def test_csv_may_leave_out_optional_columns_which_then_read_as_empty(reader):
    from orchestration.ingestion.parsers import read_csv_table

    def read(data: bytes) -> list[tuple]:
        if reader == "exact":
            return parse_csv(data, "o.csv", ("a", "b", "c", "d"), ";", optional=("c", "d"))
        return [tuple(r.values())[:-2] for r in read_csv_table(data, "o.csv", ("a", "b", "c", "d"), ";", ("c", "d")).to_pylist()]

    assert read(b"a;b;c;d\n1;2;3;4\n") == [("1", "2", "3", "4")]
    assert read(b"a;b\n1;2\n") == [("1", "2", None, None)]  # an older export
    assert read(b"a;b;d\n1;2;4\n") == [("1", "2", None, "4")]
    with pytest.raises(UnparseableFile, match=r"missing columns: b\).*\(optional: c, d\)"):
        read(b"a;c;d\n1;3;4\n")
    with pytest.raises(UnparseableFile, match="columns in a different order"):
        read(b"a;b;d;c\n1;2;4;3\n")


def test_jsonl_values_become_text_and_extra_keys_are_kept():
    data = b'{"a": 1, "b": 2.5, "c": null, "z": true}\n{"a": "x"}\n'
    assert parse_jsonl(data, "e.jsonl", COLUMNS) == [("1", "2.5", None, '{"z": true}', None), ("x", None, None, None, None)]


def test_truncated_jsonl_is_rejected_with_its_line():
    data = b'{"a": 1}\n{"a": 2}\n{"a": "tru'
    with pytest.raises(UnparseableFile, match="line 3: invalid JSON"):
        parse_jsonl(data, "t.jsonl", COLUMNS)


def test_a_jsonl_line_that_is_not_an_object_is_a_row_with_its_problem():
    data = b'[1, 2]\n{"a": 1}\n'
    assert parse_jsonl(data, "l.jsonl", COLUMNS) == [(None, None, None, None, "line is not a JSON object (found an array)"), ("1", None, None, None, None)]


def test_arrow_readers_give_exactly_what_the_exact_parsers_give(tiny_landing):
    from data_contracts import CONTRACTS
    from orchestration.ingestion.loader import source_files
    from orchestration.ingestion.parsers import read_csv_table, read_jsonl_table

    landing, manifest = tiny_landing
    rejected = {f["file"] for f in manifest["rejected_files"]}
    compared = 0
    for contract in CONTRACTS.values():
        for relative, path in source_files(contract, landing):
            if relative in rejected:
                continue
            data = path.read_bytes()
            if contract.file_format == "csv":
                table = read_csv_table(data, relative, contract.columns, contract.separator, contract.optional_columns)
                rows = [(*r, None, None) for r in parse_csv(data, relative, contract.columns, contract.separator, contract.optional_columns)]
            else:
                table = read_jsonl_table(data, relative, contract.columns)
                rows = parse_jsonl(data, relative, contract.columns)
            assert [tuple(r.values()) for r in table.to_pylist()] == rows, relative
            compared += 1
    assert compared > 100


def test_arrow_reader_falls_back_for_mixed_types_and_unknown_fields():
    from orchestration.ingestion.parsers import read_jsonl_table

    data = b'{"a": 1, "b": "2026-01-01T00:00:00Z"}\n{"a": "x", "c": 3}\n'
    assert read_jsonl_table(data, "m.jsonl", COLUMNS).to_pylist() == [
        {"a": "1", "b": "2026-01-01T00:00:00Z", "c": None, "_extra": None, "_parse_problem": None},
        {"a": "x", "b": None, "c": "3", "_extra": None, "_parse_problem": None},
    ]
    data = b'{"a": 1, "z": [1, 2]}\n'
    assert read_jsonl_table(data, "u.jsonl", COLUMNS).to_pylist() == [{"a": "1", "b": None, "c": None, "_extra": '{"z": [1, 2]}', "_parse_problem": None}]


@pytest.mark.parametrize("content", [b'{"a": 1}\n{"a": "tru', b"a;b;c\n1;2;3\n4;5\n"])
def test_arrow_readers_reject_broken_files_naming_the_line(content):
    from orchestration.ingestion.parsers import read_csv_table, read_jsonl_table

    with pytest.raises(UnparseableFile, match="line 2|line 3"):
        if content.startswith(b"{"):
            read_jsonl_table(content, "x.jsonl", COLUMNS)
        else:
            read_csv_table(content, "x.csv", COLUMNS, ";")


# ---- hostile inputs (issue 15 point 11) -------------------------------------------------------


def _problems(table) -> list:
    return table.column("_parse_problem").to_pylist()


@pytest.mark.parametrize("ends", ["\r", "\r\n", "\n"])
def test_every_line_end_reads_the_same_rows_in_both_csv_readers(ends):
    from orchestration.ingestion.parsers import read_csv_table

    data = ends.join(["a;b;c", "1;2;3", '"x";;y', ""]).encode()
    assert parse_csv(data, "mac.csv", COLUMNS, ";") == [("1", "2", "3"), ("x", None, "y")]
    assert [tuple(r.values())[:3] for r in read_csv_table(data, "mac.csv", COLUMNS, ";").to_pylist()] == [("1", "2", "3"), ("x", None, "y")]


@pytest.mark.parametrize("ends", ["\r", "\r\n"])
def test_every_line_end_reads_the_same_records_in_both_jsonl_readers(ends):
    from orchestration.ingestion.parsers import read_jsonl_table

    data = ends.join(['{"a": 1, "b": "x"}', '{"a": 2, "b": "y"}', ""]).encode()
    expected = [("1", "x", None, None, None), ("2", "y", None, None, None)]
    assert parse_jsonl(data, "mac.jsonl", COLUMNS) == expected
    assert [tuple(r.values()) for r in read_jsonl_table(data, "mac.jsonl", COLUMNS).to_pylist()] == expected


def test_a_trailing_separator_is_named_as_such():
    from orchestration.ingestion.parsers import read_csv_table

    with pytest.raises(UnparseableFile, match="line 1: trailing separator: empty unnamed column at the end of the header") as error:
        read_csv_table(b"a;b;c;\n1;2;3;\n", "t.csv", COLUMNS, ";")
    assert "unexpected columns: )" not in str(error.value)
    with pytest.raises(UnparseableFile, match=r"unexpected columns: \(an unnamed column\)"):
        read_csv_table(b"a;b;;c\n1;2;;3\n", "t.csv", COLUMNS, ";")


@pytest.mark.parametrize("last_row", [b"4;5;6", b'"4\n4";5;6'])
def test_a_repeated_header_is_one_marked_row_in_both_csv_readers(last_row):
    """pyarrow reads the first file; the exact parser the second (a line end inside a quoted value)."""
    from orchestration.ingestion.parsers import REPEATED_HEADER, read_csv_table

    data = b"a;b;c\n1;2;3\n\xef\xbb\xbfa;b;c\n" + last_row + b"\n"  # two exports concatenated, BOM and all
    assert _problems(read_csv_table(data, "cat.csv", COLUMNS, ";")) == [None, REPEATED_HEADER, None]


@pytest.mark.parametrize("other_line", ['{"a": 3, "b": "z"}', '{"a": "3", "b": "z", "extra": 1}'])
def test_a_null_json_line_is_the_same_marked_row_whichever_reader_reads_the_file(other_line):
    """pyarrow reads the first file (a `null` line as a row of nulls), the exact parser the second
    (a field outside the contract): both mark the line, neither rejects the file."""
    from orchestration.ingestion.parsers import read_jsonl_table

    data = f'{{"a": 1, "b": "x"}}\nnull\n{other_line}\n'.encode()
    table = read_jsonl_table(data, "n.jsonl", COLUMNS)
    assert _problems(table) == [None, "line is not a JSON object (found null)", None]
    assert table.column("a").to_pylist() == ["1", None, "3"]
    assert _problems(read_jsonl_table(b'{"a": 1}\n{}\n', "e.jsonl", COLUMNS)) == [None, None]  # an empty object is an object


def test_a_key_given_twice_in_a_json_object_marks_the_row():
    from orchestration.ingestion.parsers import read_jsonl_table

    data = b'{"a": 1, "b": "x"}\n{"a": 5, "b": "y", "a": 7}\n'
    table = read_jsonl_table(data, "d.jsonl", COLUMNS)
    assert _problems(table) == [None, "key 'a' appears twice in the object"]


def test_a_reader_failure_names_the_file(monkeypatch, tmp_path):
    import duckdb

    from data_contracts import contract_for
    from orchestration.ingestion import loader

    landing = tmp_path / "landing"
    (landing / "erp").mkdir(parents=True)
    (landing / "erp" / "suppliers.csv").write_bytes(b"whatever\n")

    def broken(*args, **kwargs):
        raise ValueError("odd bytes")

    monkeypatch.setattr(loader, "read_csv_table", broken)
    with duckdb.connect() as con:
        report = loader.load_source(con, contract_for("erp_suppliers"), landing, tmp_path / "rejected", datetime(2026, 10, 1, 6))
    [rejected] = report.rejected
    assert rejected.error == "erp/suppliers.csv: could not be read as CSV (ValueError: odd bytes)"


def test_concatenated_json_lines_exports_read_whole_despite_the_second_byte_order_mark():
    from orchestration.ingestion.parsers import read_jsonl_table

    data = b'\xef\xbb\xbf{"a": 1}\n\xef\xbb\xbf{"a": 2}\n'
    assert read_jsonl_table(data, "cat.jsonl", COLUMNS).column("a").to_pylist() == ["1", "2"]
