"""Read delivered files as their source mapping says, then turn them into canonical rows.

The bytes are decompressed and decoded as the mapping's ``format`` says, read by the strict
parsers (``parsers``: every value text, every structural problem named by line), checked against
the columns the mapping reads (by name or in the exact order), and handed to
``data_contracts.company.apply`` for the canonical rows. Any failure to read is an
``UnparseableFile`` naming the file, and the line or column: the loader rejects the file whole.

The loader reads its files one by one (``read_file``: a file that cannot be read fails alone) and
maps them together (``canonical_batch``: one query per layout of columns, the per-file query that
cost most when a store delivers a file a day); a batch whose query fails is mapped file by file,
so that the failure is the failing file's alone.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import zlib

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from data_contracts.company.apply import apply_mapping, apply_mapping_batch
from data_contracts.company.mapping import SourceMapping
from data_contracts.model import Contract
from orchestration.ingestion.parsers import PARSE_PROBLEM, UnparseableFile, read_csv_table, read_jsonl_table

_BOM = codecs.BOM_UTF8
_UTF8 = {"utf-8", "utf8", "utf_8", "utf-8-sig"}


def _decompressed(data: bytes, label: str, mapping: SourceMapping) -> bytes:
    if mapping.format.compression != "gzip":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise UnparseableFile(f"{label}: not a gzip file as its mapping says (format.compression: gzip): {error}") from None


def _as_utf8(data: bytes, label: str, mapping: SourceMapping) -> bytes:
    """The text re-encoded in UTF-8 (what the parsers read), a file in another encoding decoded first."""
    encoding = mapping.format.encoding
    if codecs.lookup(encoding).name in _UTF8 or mapping.format.type == "parquet":
        return data
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UnparseableFile(f"{label}: not valid {encoding} at line {line} (byte {error.start}): check format.encoding in the mapping") from None


def _optional_source_columns(mapping: SourceMapping, contract: Contract) -> set[str]:
    """File columns the mapping reads into fields a file may lack (optional fields, or ones with a default)."""
    optional = set(mapping.optional) | set(mapping.defaults)
    return {mapping.field_source(name).column for name in mapping.columns if name in optional}


def _header(data: bytes, mapping: SourceMapping) -> list[str]:
    body = data[len(_BOM) :] if data.startswith(_BOM) else data
    first = re.split(rb"\r\n|\r|\n", body, maxsplit=1)[0].decode("utf-8", errors="replace")
    return [h.strip() for h in next(csv.reader([first], delimiter=mapping.format.delimiter, quotechar=mapping.format.quote), [])]


def _wide_columns(mapping: SourceMapping, names: list[str]) -> list[str]:
    """The file's columns a wide layout of the mapping (or of one of its parts) unpivots."""
    patterns = [part.wide.columns for part in mapping.expanded() if part.wide]
    return [n for n in names if any(re.fullmatch(pattern, n) for pattern in patterns)]


def _check_names(names: list[str], label: str, mapping: SourceMapping, contract: Contract) -> None:
    """The file has every column the mapping needs, and no other unless the mapping ignores them."""
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UnparseableFile(f"{label}: line 1: columns named twice in the header: {', '.join(twice)}")
    needed = [c for c in mapping.source_columns if c not in _optional_source_columns(mapping, contract)]
    missing = [c for c in needed if c not in names]
    if missing:
        raise UnparseableFile(f"{label}: line 1: the header lacks the columns its mapping reads: {', '.join(missing)} (found: {', '.join(names)})")
    for part in [p for p in mapping.expanded() if p.wide]:
        if not _wide_columns(part, names):
            raise UnparseableFile(f"{label}: line 1: no column matches the wide layout's pattern {part.wide.columns!r} (found: {', '.join(names[:20])})")
    if mapping.format.extra_columns == "refuse":
        used = set(mapping.source_columns) | set(_wide_columns(mapping, names))
        extra = [n for n in names if n not in used]
        if extra:
            raise UnparseableFile(
                f"{label}: line 1: columns its mapping does not read: {', '.join(extra)} (map them, or set format.extra_columns: ignore in the mapping)"
            )


def _read_csv(data: bytes, label: str, mapping: SourceMapping, contract: Contract) -> pa.Table:
    fmt = mapping.format
    if fmt.header == "exact":
        optional = tuple(c for c in mapping.source_columns if c in _optional_source_columns(mapping, contract))
        return read_csv_table(data, label, mapping.source_columns, fmt.delimiter, optional, fmt.quote)
    names = _header(data, mapping)
    _check_names(names, label, mapping, contract)
    return read_csv_table(data, label, tuple(names), fmt.delimiter, (), fmt.quote)


def _text_column(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A typed Parquet column as the canonical text of its values."""
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column.cast(pa.string()))
    if pa.types.is_date(kind):
        return pc.strftime(column.cast(pa.timestamp("s")), format="%Y-%m-%d")
    if pa.types.is_timestamp(kind):
        if kind.tz is not None:  # an instant: written in UTC
            return pc.strftime(pc.cast(column, pa.timestamp(kind.unit, "UTC")), format="%Y-%m-%dT%H:%M:%SZ")
        return pc.strftime(column, format="%Y-%m-%dT%H:%M:%S")
    if pa.types.is_boolean(kind):
        return pc.if_else(column, "true", "false")
    return column.cast(pa.string())


def _read_parquet(data: bytes, label: str, mapping: SourceMapping, contract: Contract) -> pa.Table:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception as error:  # pyarrow's errors on a broken file vary (ArrowInvalid, OSError...)
        raise UnparseableFile(f"{label}: not a readable Parquet file ({type(error).__name__}: {error})") from None
    names = list(table.column_names)
    _check_names(names, label, mapping, contract)
    nested = [f.name for f in table.schema if pa.types.is_nested(f.type)]
    if nested:
        raise UnparseableFile(f"{label}: columns holding lists or structs, not values: {', '.join(nested)}")
    out = {name: _text_column(table[name]) for name in names}
    out["_extra"] = pa.nulls(table.num_rows, pa.string())
    out[PARSE_PROBLEM] = pa.nulls(table.num_rows, pa.string())
    return pa.table(out)


def read_file(data: bytes, label: str, mapping: SourceMapping, contract: Contract) -> pa.Table:
    """The file's own columns as text, then ``_extra`` and ``_parse_problem``."""
    data = _as_utf8(_decompressed(data, label, mapping), label, mapping)
    if mapping.format.type == "csv":
        return _read_csv(data, label, mapping, contract)
    if mapping.format.type == "jsonl":
        return read_jsonl_table(data, label, mapping.source_columns)
    return _read_parquet(data, label, mapping, contract)


def unreadable(error: Exception, label: str, mapping: SourceMapping) -> UnparseableFile:
    """A failure of the readers or of the mapping query as the file's rejection, naming the file."""
    if isinstance(error, UnparseableFile):
        return error
    return UnparseableFile(f"{label}: could not be read as {mapping.format.type.upper()} ({type(error).__name__}: {error})")


def canonical_rows(
    data: bytes, label: str, mapping: SourceMapping, contract: Contract, business_timezone: str, con: duckdb.DuckDBPyConnection | None = None
) -> pa.Table:
    """The file's canonical rows: the contract's columns as canonical text, ``_extra``,
    ``_parse_problem`` and ``_unparsed`` (see data_contracts.company.apply)."""
    parsed = read_file(data, label, mapping, contract)
    return apply_mapping(parsed, mapping, contract.columns, contract.field_types, business_timezone, con, relative=label)


def canonical_batch(
    files: list[tuple[str, pa.Table]], mapping: SourceMapping, contract: Contract, business_timezone: str, con: duckdb.DuckDBPyConnection | None = None
) -> list[pa.Table | Exception]:
    """The canonical rows of parsed files (their label and ``read_file``'s table), in their order,
    as ``canonical_rows`` gives each: one query per group of files with the same columns (a
    header by name may differ from file to file). A file whose mapping fails has its exception in
    its place; the others their rows."""
    groups: dict[tuple, list[int]] = {}
    for index, (_, table) in enumerate(files):
        groups.setdefault(tuple(zip(table.schema.names, table.schema.types)), []).append(index)
    results: list[pa.Table | Exception] = [pa.table({})] * len(files)
    for indexes in groups.values():
        mapped = _mapped_group([files[i] for i in indexes], mapping, contract, business_timezone, con)
        for index, rows in zip(indexes, mapped):
            results[index] = rows
    return results


def _mapped_group(files: list[tuple[str, pa.Table]], mapping: SourceMapping, contract: Contract, business_timezone: str, con) -> list[pa.Table | Exception]:
    """A group of files of the same columns mapped in one query; should it fail, file by file."""
    tables, labels = [table for _, table in files], [label for label, _ in files]
    try:
        return apply_mapping_batch(tables, labels, mapping, contract.columns, contract.field_types, business_timezone, con)
    except Exception as error:  # one file's values the query cannot take: find which
        if len(files) == 1:
            return [error]
    return [_mapped_alone(table, label, mapping, contract, business_timezone, con) for label, table in files]


def _mapped_alone(table: pa.Table, label: str, mapping: SourceMapping, contract: Contract, business_timezone: str, con) -> pa.Table | Exception:
    try:
        return apply_mapping(table, mapping, contract.columns, contract.field_types, business_timezone, con, relative=label)
    except Exception as error:
        return error
