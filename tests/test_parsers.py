"""Strict parsing: a file is read whole or rejected with its line and cause."""

from __future__ import annotations

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
        return [tuple(r.values())[:-1] for r in read_csv_table(data, "o.csv", ("a", "b", "c", "d"), ";", ("c", "d")).to_pylist()]

    assert read(b"a;b;c;d\n1;2;3;4\n") == [("1", "2", "3", "4")]
    assert read(b"a;b\n1;2\n") == [("1", "2", None, None)]  # an older export
    assert read(b"a;b;d\n1;2;4\n") == [("1", "2", None, "4")]
    with pytest.raises(UnparseableFile, match=r"missing columns: b\).*\(optional: c, d\)"):
        read(b"a;c;d\n1;3;4\n")
    with pytest.raises(UnparseableFile, match="columns in a different order"):
        read(b"a;b;d;c\n1;2;4;3\n")


def test_jsonl_values_become_text_and_extra_keys_are_kept():
    data = b'{"a": 1, "b": 2.5, "c": null, "z": true}\n{"a": "x"}\n'
    assert parse_jsonl(data, "e.jsonl", COLUMNS) == [("1", "2.5", None, '{"z": true}'), ("x", None, None, None)]


def test_truncated_jsonl_is_rejected_with_its_line():
    data = b'{"a": 1}\n{"a": 2}\n{"a": "tru'
    with pytest.raises(UnparseableFile, match="line 3: invalid JSON"):
        parse_jsonl(data, "t.jsonl", COLUMNS)


def test_jsonl_record_must_be_an_object():
    data = b"[1, 2]\n"
    with pytest.raises(UnparseableFile, match="expected a JSON object"):
        parse_jsonl(data, "l.jsonl", COLUMNS)


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
                rows = [(*r, None) for r in parse_csv(data, relative, contract.columns, contract.separator, contract.optional_columns)]
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
        {"a": "1", "b": "2026-01-01T00:00:00Z", "c": None, "_extra": None},
        {"a": "x", "b": None, "c": "3", "_extra": None},
    ]
    data = b'{"a": 1, "z": [1, 2]}\n'
    assert read_jsonl_table(data, "u.jsonl", COLUMNS).to_pylist() == [{"a": "1", "b": None, "c": None, "_extra": '{"z": [1, 2]}'}]


@pytest.mark.parametrize("content", [b'{"a": 1}\n{"a": "tru', b"a;b;c\n1;2;3\n4;5\n"])
def test_arrow_readers_reject_broken_files_naming_the_line(content):
    from orchestration.ingestion.parsers import read_csv_table, read_jsonl_table

    with pytest.raises(UnparseableFile, match="line 2|line 3"):
        if content.startswith(b"{"):
            read_jsonl_table(content, "x.jsonl", COLUMNS)
        else:
            read_csv_table(content, "x.csv", COLUMNS, ";")
