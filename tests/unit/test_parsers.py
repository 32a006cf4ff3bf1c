"""Strict parsing: a file is read whole or rejected with its line and cause."""

from __future__ import annotations

from datetime import datetime

import pytest

from orchestration.ingestion.parsers import UnparseableFile, parse_csv, parse_jsonl
from tests.demo_sources import DEMO_MAPPINGS, load_demo_source

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
    from orchestration.ingestion.listing import source_files
    from orchestration.ingestion.parsers import read_csv_table, read_jsonl_table

    landing, manifest = tiny_landing
    rejected = {f["file"] for f in manifest["rejected_files"]}
    compared = 0
    for contract in [c for c in CONTRACTS.values() if c.source in DEMO_MAPPINGS]:  # the demo delivers no sales history nor calendar
        for relative, path in source_files(DEMO_MAPPINGS[contract.source], landing):
            if relative in rejected:
                continue
            data = path.read_bytes()
            mapping = DEMO_MAPPINGS[contract.source]
            if mapping.format.type == "csv":
                optional = tuple(mapping.optional)
                table = read_csv_table(data, relative, mapping.source_columns, mapping.format.delimiter, optional)
                rows = [(*r, None, None) for r in parse_csv(data, relative, mapping.source_columns, mapping.format.delimiter, optional)]
            else:
                table = read_jsonl_table(data, relative, mapping.source_columns)
                rows = parse_jsonl(data, relative, mapping.source_columns)
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
    from orchestration.ingestion import mapped_files

    landing = tmp_path / "landing"
    (landing / "erp").mkdir(parents=True)
    (landing / "erp" / "suppliers.csv").write_bytes(b"whatever\n")

    def broken(*args, **kwargs):
        raise ValueError("odd bytes")

    monkeypatch.setattr(mapped_files, "read_csv_table", broken)
    with duckdb.connect() as con:
        report = load_demo_source(con, contract_for("erp_suppliers"), landing, tmp_path / "rejected", datetime(2026, 10, 1, 6))
    [rejected] = report.rejected
    assert rejected.error == "erp/suppliers.csv: could not be read as CSV (ValueError: odd bytes)"


def test_concatenated_json_lines_exports_read_whole_despite_the_second_byte_order_mark():
    from orchestration.ingestion.parsers import read_jsonl_table

    data = b'\xef\xbb\xbf{"a": 1}\n\xef\xbb\xbf{"a": 2}\n'
    assert read_jsonl_table(data, "cat.jsonl", COLUMNS).column("a").to_pylist() == ["1", "2"]


# ---- one fate whichever reader runs, and every reason names its line (issue 15 point 11) -----


def _read_jsonl(reader: str, data: bytes):
    """The exact parser, or the vectorized reader (pyarrow, the exact parser as its fallback)."""
    from orchestration.ingestion.parsers import read_jsonl_table

    if reader == "exact":
        return [r[:3] for r in parse_jsonl(data, "w.jsonl", COLUMNS)]
    return [tuple(r.values())[:3] for r in read_jsonl_table(data, "w.jsonl", COLUMNS).to_pylist()]


def _read_csv(reader: str, data: bytes, columns: tuple[str, ...] = COLUMNS):
    from orchestration.ingestion.parsers import read_csv_table

    if reader == "exact":
        return parse_csv(data, "s.csv", columns, ";")
    return [tuple(r.values())[: len(columns)] for r in read_csv_table(data, "s.csv", columns, ";").to_pylist()]


def _deep(depth: int) -> bytes:
    return b'{"a": 1, "b": ' + b"[" * depth + b"]" * depth + b"}"


def _read_in_a_process(data: bytes) -> str:
    """What the vectorized JSON reader says of ``data``, in a process of its own: pyarrow's JSON
    reader kills the process on some inputs (SIGSEGV: the sensor process died on every tick)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from orchestration.ingestion.parsers import UnparseableFile, read_jsonl_table\n"
        "try:\n    print(read_jsonl_table(sys.stdin.buffer.read(), 'wms/x.jsonl', ('a', 'b', 'c')).column('_parse_problem').to_pylist())\n"
        "except UnparseableFile as error:\n    print(error)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, timeout=120)
    assert done.returncode == 0, f"the reader's process died ({done.returncode}): {done.stderr.decode()[-500:]}"
    return done.stdout.decode().strip()


def test_a_json_line_nested_thousands_deep_is_rejected_naming_its_line_without_killing_the_process():
    assert _read_in_a_process(b'{"a": 1}\n' + _deep(30000) + b"\n") == (
        "wms/x.jsonl: line 2: JSON nested deeper than 256 levels (arrays or objects inside each other): ask for a re-export"
    )


NULL_LINE = "line is not a JSON object (found null)"


@pytest.mark.parametrize(
    ("data", "problems"),
    [
        (b"null\n", [NULL_LINE]),
        (b'\n null\n{"a": 1}\n', [NULL_LINE, None]),
        (b'\xef\xbb\xbfnull\r\n{"a": 1}\r\n', [NULL_LINE, None]),
        (b'{"a": 1}\n' * 2 + b"null\n" * 2, [None, None, NULL_LINE, NULL_LINE]),
    ],
)
def test_a_null_json_line_never_kills_the_process(data, problems):
    """pyarrow 25 dies (SIGSEGV) on a `null` record that starts a block of its input, as the first line does."""
    assert _read_in_a_process(data) == str(problems)


@pytest.mark.parametrize("reader", ["exact", "arrow"])
@pytest.mark.parametrize("depth", [257, 1500])  # 30000: above, in a process of its own
def test_a_json_line_nested_too_deep_gets_one_plain_reason_from_both_readers(reader, depth):
    data = b'{"a": 1}\n\n' + _deep(depth) + b"\n"
    with pytest.raises(UnparseableFile) as error:
        _read_jsonl(reader, data)
    assert str(error.value) == "w.jsonl: line 3: JSON nested deeper than 256 levels (arrays or objects inside each other): ask for a re-export"


@pytest.mark.parametrize("reader", ["exact", "arrow"])
def test_many_brackets_that_are_not_deep_nesting_read_the_same_in_both_readers(reader):
    """The guard counts brackets per line, an upper bound of the depth: brackets inside a text or
    arrays side by side send the file to the exact parser, which reads it."""
    brackets_in_text = b'{"a": "' + b"[{" * 300 + b'", "b": 2}'
    side_by_side = b'{"a": 3, "z": [' + b",".join([b"[1]"] * 300) + b"]}"
    just_deep_enough = _deep(255)
    rows = _read_jsonl(reader, b"\n".join([brackets_in_text, side_by_side, just_deep_enough]) + b"\n")
    assert rows == [("[{" * 300, "2", None), ("3", None, None), ("1", "[" * 255 + "]" * 255, None)]


@pytest.mark.parametrize("reader", ["exact", "arrow"])
def test_a_lone_surrogate_escape_is_rejected_naming_its_line_in_plain_words(reader):
    data = b'{"a": "ok \\ud83d\\ude00"}\n{"a": 2, "b": "x\\ud800y"}\n'
    with pytest.raises(UnparseableFile) as error:
        _read_jsonl(reader, data)
    assert str(error.value) == (
        "w.jsonl: line 2: '\\ud800' is half of a UTF-16 character pair (a lone surrogate), not text: the export is broken; ask for a re-export"
    )
    assert _read_jsonl(reader, data.split(b"\n")[0]) == [("ok \U0001f600", None, None)]  # a whole pair is a character


@pytest.mark.parametrize("reader", ["exact", "arrow"])
@pytest.mark.parametrize("header", [b"a; b; c", b"a;b;c ", b" a ;\tb;c"])
def test_spaces_around_header_names_read_the_same_in_both_csv_readers(reader, header):
    assert _read_csv(reader, header + b"\n1;2;3\n4; 5 ;\n") == [("1", "2", "3"), ("4", " 5 ", None)]  # values keep theirs


@pytest.mark.parametrize("reader", ["exact", "arrow"])
@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b'{"a": 1}\n{"a": 2}{"a": 3}\n{"a": 4}\n', 2),  # two exports glued without a line end
        (b'{"a": 1}\n{"a": 2} {"a": 3}\n', 2),
        (b'{"a": 1}\n[1] {"a": 3}\n', 2),
    ],
)
def test_two_json_values_on_one_line_get_the_same_reason_from_both_readers(reader, data, line):
    with pytest.raises(UnparseableFile) as error:
        _read_jsonl(reader, data)
    assert str(error.value).startswith(f"w.jsonl: line {line}: invalid JSON: a second JSON value starts at column ")
    assert "two records on one line (exports glued without a line end?)" in str(error.value)


@pytest.mark.parametrize("reader", ["exact", "arrow"])
def test_pretty_printed_json_gets_the_same_reason_from_both_readers(reader):
    data = b'{"a": 1}\n{\n  "a": 2,\n  "b": "x"\n}\n{"a": 3}\n'
    with pytest.raises(UnparseableFile) as error:
        _read_jsonl(reader, data)
    assert str(error.value) == (
        "w.jsonl: line 2: invalid JSON: the record does not end on its line (pretty-printed JSON?): "
        "JSON lines hold one whole record per line; ask for a re-export"
    )


@pytest.mark.parametrize("reader", ["exact", "arrow"])
@pytest.mark.parametrize("value", [b'"12"34', b'"12" ', b'""34', b'"x;"y', b'"12"""34'])
def test_text_after_a_closing_quote_gets_the_same_reason_from_both_csv_readers(reader, value):
    """pyarrow glues `"12"34` into `1234` (and keeps `"12" ` as `12 `): a value nobody wrote."""
    data = b"a;b;c\n1;2;3\n" + value + b";5;6\n"
    with pytest.raises(UnparseableFile, match=r"^s\.csv: line 3: '.' expected after '\"'") as error:
        _read_csv(reader, data)
    assert "text after the closing quote of a value" in str(error.value)


@pytest.mark.parametrize("reader", ["exact", "arrow"])
def test_well_quoted_values_read_the_same_in_both_csv_readers(reader):
    data = b'a;b;c\n"1";"x;y";"say ""hi"""\n"";ST"01;""""\n"4"\r\n'
    assert _read_csv(reader, data.replace(b"\r\n", b";;\r\n")) == [("1", "x;y", 'say "hi"'), (None, 'ST"01', '"'), ("4", None, None)]


@pytest.mark.parametrize("reader", ["exact", "arrow"])
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (__import__("gzip").compress(b"a;b;c\n1;2;3\n", mtime=0), "s.csv: gzip-compressed (it starts with the gzip signature): deliver the file uncompressed"),
        ("a;b;c\n1;2;3\n".encode("utf-16-le"), "s.csv: looks UTF-16 encoded (every other byte is NUL, no byte-order mark): re-export the file in UTF-8"),
        ("a;b;c\n1;2;3\n".encode("utf-16-be"), "s.csv: looks UTF-16 encoded (every other byte is NUL, no byte-order mark): re-export the file in UTF-8"),
    ],
)
def test_a_compressed_or_utf16_file_is_named_for_what_it_is(reader, data, message):
    with pytest.raises(UnparseableFile) as error:
        _read_csv(reader, data)
    assert str(error.value) == message
    assert "failed transfer" not in str(error.value)


@pytest.mark.parametrize("reader", ["exact", "arrow"])
def test_an_empty_json_lines_file_is_not_said_to_lack_a_header(reader):
    with pytest.raises(UnparseableFile) as error:
        _read_jsonl(reader, b"")
    assert str(error.value) == "w.jsonl: the file is empty (not a single record): ask the source system for a new export"
