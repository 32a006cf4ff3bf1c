"""Strict parsing: a file is read whole or rejected with its line and cause."""

from __future__ import annotations

import pytest

from orchestration.ingestion.parsers import UnparseableFile, parse_csv, parse_jsonl

COLUMNS = ("a", "b", "c")


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_csv_rows_are_text_with_empty_fields_as_none(tmp_path):
    path = write(tmp_path, "ok.csv", b"a;b;c\n1;;x\n2;3,5;y\n")
    assert parse_csv(path, "ok.csv", COLUMNS, ";") == [("1", None, "x"), ("2", "3,5", "y")]


def test_csv_with_byte_order_mark_is_read(tmp_path):
    path = write(tmp_path, "bom.csv", "\ufeffa,b,c\n1,2,3\n".encode())
    assert parse_csv(path, "bom.csv", COLUMNS, ",") == [("1", "2", "3")]


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
def test_csv_problems_name_the_line(tmp_path, content, message):
    path = write(tmp_path, "bad.csv", content)
    with pytest.raises(UnparseableFile, match=message) as error:
        parse_csv(path, "erp/bad.csv", COLUMNS, ";")
    assert "erp/bad.csv" in str(error.value)


def test_jsonl_values_become_text_and_extra_keys_are_kept(tmp_path):
    path = write(tmp_path, "e.jsonl", b'{"a": 1, "b": 2.5, "c": null, "z": true}\n{"a": "x"}\n')
    assert parse_jsonl(path, "e.jsonl", COLUMNS) == [("1", "2.5", None, '{"z": true}'), ("x", None, None, None)]


def test_truncated_jsonl_is_rejected_with_its_line(tmp_path):
    path = write(tmp_path, "t.jsonl", b'{"a": 1}\n{"a": 2}\n{"a": "tru')
    with pytest.raises(UnparseableFile, match="line 3: invalid JSON"):
        parse_jsonl(path, "t.jsonl", COLUMNS)


def test_jsonl_record_must_be_an_object(tmp_path):
    path = write(tmp_path, "l.jsonl", b"[1, 2]\n")
    with pytest.raises(UnparseableFile, match="expected a JSON object"):
        parse_jsonl(path, "l.jsonl", COLUMNS)
