"""Events as the bytes of one file in their source mapping's format, read back by the loader's code.

An event is a JSON object whose keys are the source system's column names as the company's mapping
reads them (``SourceMapping.source_columns``). ``encode_events`` writes a batch of them as the file
the source system would have delivered: CSV (the mapping's delimiter, quote and encoding, a header
of the mapping's columns in the mapping's order, which both ``header: exact`` and ``by_name``
accept), JSON lines (one object per line, keys as given) or Parquet (string columns), gzipped when
``format.compression`` says so. The same events give the same bytes (gzip without a time stamp).

Values: a text as is; None or a missing key an empty field (CSV), null (JSON lines, Parquet);
JSON numbers, booleans and anything else written as the text the loader reads from a JSON-lines
file (``orchestration.ingestion.parsers``: ``true``/``false``, ``2.0`` as ``2``), so that one
event gives the same canonical row whichever format its source uses.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re

from data_contracts.company.mapping import SourceMapping
from orchestration.ingestion.parsers import _text as _loader_text  # the loader's text of a JSON value

Event = dict[str, object]


class UnencodableEvent(ValueError):
    """An event the mapping's file format cannot hold (a character its encoding lacks); the
    message names the event's index, the field and the encoding."""


def value_text(value: object) -> str | None:
    """The text the loader reads for a JSON value (None: an empty field)."""
    return _loader_text(value)


def _wide_patterns(mapping: SourceMapping) -> list[str]:
    return [part.wide.columns for part in mapping.expanded() if part.wide]


def unknown_fields(event: Event, mapping: SourceMapping) -> list[str]:
    """The event's keys the mapping does not read, in the event's order ([] when the mapping's
    ``format.extra_columns`` is ``ignore``: such keys are dropped as a file's extra columns are)."""
    if mapping.format.extra_columns == "ignore":
        return []
    known = set(mapping.source_columns)
    patterns = _wide_patterns(mapping)
    return [key for key in event if key not in known and not any(re.fullmatch(p, key) for p in patterns)]


def _columns(mapping: SourceMapping) -> tuple[str, ...]:
    if _wide_patterns(mapping):
        raise ValueError(f"source {mapping.source}: a mapping with a wide layout (one column per date) does not take events; map the source's events as rows")
    return mapping.source_columns


def _encoded(text: str, events_of_line: list[Event], mapping: SourceMapping) -> bytes:
    """``text`` in the mapping's encoding; a character it lacks names the event and field."""
    encoding = mapping.format.encoding
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as error:
        character = error.object[error.start]
        for index, event in enumerate(events_of_line):
            for key, value in event.items():
                if character in str(value) or character in key:
                    raise UnencodableEvent(
                        f"source {mapping.source}: event {index}, field '{key}': {character!r} cannot be written in {encoding} "
                        f"(format.encoding of the source's mapping)"
                    ) from None
        raise UnencodableEvent(f"source {mapping.source}: {character!r} cannot be written in {encoding} (format.encoding of the source's mapping)") from None


def _csv_bytes(events: list[Event], mapping: SourceMapping) -> bytes:
    columns = _columns(mapping)
    fmt = mapping.format
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=fmt.delimiter, quotechar=fmt.quote, lineterminator="\n", quoting=csv.QUOTE_MINIMAL, doublequote=True)
    writer.writerow(columns)
    for event in events:
        writer.writerow([value_text(event.get(column)) or "" for column in columns])
    return _encoded(out.getvalue(), events, mapping)


def _jsonl_bytes(events: list[Event], mapping: SourceMapping) -> bytes:
    if not events:  # the loader refuses an empty file: there is no file of no events
        raise ValueError(f"source {mapping.source}: no events to write (a JSON-lines file of no record is refused as empty)")
    text = "".join(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n" for event in events)
    return _encoded(text, events, mapping)


def _parquet_bytes(events: list[Event], mapping: SourceMapping) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = _columns(mapping)
    table = pa.table({c: pa.array([value_text(event.get(c)) for event in events], type=pa.string()) for c in columns})
    out = io.BytesIO()
    pq.write_table(table, out, compression="snappy", write_statistics=False, store_schema=False)
    return out.getvalue()


def encode_events(events: list[Event], mapping: SourceMapping) -> bytes:
    """The bytes of one file of ``events`` (in their order, one row each) in ``mapping``'s format.

    Raises ValueError (UnencodableEvent) for an event the format cannot hold, naming it."""
    kind = mapping.format.type
    if kind == "csv":
        data = _csv_bytes(events, mapping)
    elif kind == "jsonl":
        data = _jsonl_bytes(events, mapping)
    else:
        data = _parquet_bytes(events, mapping)
    if mapping.format.compression == "gzip":
        data = gzip.compress(data, compresslevel=6, mtime=0)
    return data
