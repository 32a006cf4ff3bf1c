"""Source mappings: how one company's files become the rows of a canonical table (a data contract).

A mapping is declarative (a YAML file per source in the company folder, ``sources/<name>.yaml``):
where the files are, how they are written (CSV with any delimiter, quote and encoding, JSON
lines, Parquet; gzip-compressed or not), how numbers, dates and times are written, which source
column feeds each canonical field, constants and defaults for fields the files lack, and wide
layouts (one column per day or week) turned into one row per cell. The loader applies it
(``data_contracts.company.apply``); the contracts then check canonical rows only, whatever the
source's conventions, and dbt's staging only casts.

Everything a mapping can get wrong (an unknown key or canonical field, a date format that is not
one, a required field left unmapped) is found by ``check_mapping`` before any file is read, each
problem naming the mapping file and the key.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Canonical text of typed values in the raw tables: what the contracts check and dbt casts.
CANONICAL_DATE = "%Y-%m-%d"
CANONICAL_TIMESTAMP = "%Y-%m-%dT%H:%M:%SZ"  # UTC
# strptime directives a date or time format may use (DuckDB's strptime reads them all; the
# contracts need fixed widths to recognize a value's shape: no %-d).
_DIRECTIVES = {"%Y", "%m", "%d", "%H", "%M", "%S", "%y", "%b", "%B", "%j", "%f", "%z", "%p", "%I", "%%"}
_DIRECTIVE = re.compile(r"%.")


def check_zone(value: str) -> str:
    """An IANA time zone name (UTC included)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Paris, America/Chicago, UTC)") from None
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_time_format(value: str, needs_time: bool = False) -> str:
    """A strptime format with a year, month and day (``needs_time``: and hours, minutes)."""
    used = set(_DIRECTIVE.findall(value))
    unknown = sorted(used - _DIRECTIVES)
    if unknown:
        raise ValueError(f"{value!r} uses {', '.join(unknown)}, not a date directive (use %Y %m %d %H %M %S %y %b %j %f %z %p %I)")
    has_day = ("%Y" in used or "%y" in used) and (("%m" in used or "%b" in used or "%B" in used) and "%d" in used or "%j" in used)
    if not has_day:
        raise ValueError(f"{value!r} does not give a whole date: it needs a year (%Y), a month (%m) and a day (%d), or a year and a day of year (%j)")
    if needs_time and not ({"%H", "%I"} & used):
        raise ValueError(f"{value!r} has no hour (%H): a timestamp format gives the time of day too")
    return value


class FileFormat(_Strict):
    """How a source's files are written."""

    type: Literal["csv", "jsonl", "parquet"] = "csv"
    delimiter: str = ","
    quote: str = '"'
    encoding: str = "utf-8"
    compression: Literal["none", "gzip"] = "none"
    # exact: the header lists the mapped columns in the mapping's order (a shifted export is
    # refused); by_name: any order, columns found by name
    header: Literal["exact", "by_name"] = "by_name"
    # columns of the file the mapping does not use: refused (a changed export is noticed) or ignored
    extra_columns: Literal["refuse", "ignore"] = "refuse"

    @field_validator("delimiter", "quote")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1 or value in "\r\n":
            raise ValueError(f"{value!r} is not one character (a line end cannot separate fields)")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        import codecs

        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"{value!r} is not an encoding Python knows (e.g. utf-8, latin-1, cp1252)") from None
        return value


class ValueFormats(_Strict):
    """How typed values are written in the files (a field's own ``column`` entry may override)."""

    decimal: Literal[".", ","] = "."
    thousands: Literal["", ".", ",", " ", "'"] = ""
    date: str = CANONICAL_DATE
    timestamp: str = CANONICAL_TIMESTAMP
    # the zone of timestamps written without an offset: UTC, "business" (the company's business
    # time zone) or an IANA zone name
    timestamp_zone: str = "UTC"

    @field_validator("date")
    @classmethod
    def _date_format(cls, value: str) -> str:
        return check_time_format(value)

    @field_validator("timestamp")
    @classmethod
    def _timestamp_format(cls, value: str) -> str:
        return check_time_format(value, needs_time=True)

    @field_validator("timestamp_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return value if value == "business" else check_zone(value)

    @model_validator(mode="after")
    def _separators_differ(self) -> ValueFormats:
        if self.thousands and self.thousands == self.decimal:
            raise ValueError(f"thousands separator {self.thousands!r} is also the decimal separator")
        return self


class FieldSource(_Strict):
    """One canonical field's origin: a column of the file, with its own value formats if they differ."""

    column: str
    decimal: Literal[".", ","] | None = None
    thousands: Literal["", ".", ",", " ", "'"] | None = None
    date: str | None = None
    timestamp: str | None = None
    timestamp_zone: str | None = None

    @field_validator("date")
    @classmethod
    def _date_format(cls, value: str | None) -> str | None:
        return None if value is None else check_time_format(value)

    @field_validator("timestamp")
    @classmethod
    def _timestamp_format(cls, value: str | None) -> str | None:
        return None if value is None else check_time_format(value, needs_time=True)

    @field_validator("timestamp_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return value if value in (None, "business") else check_zone(value)


class WideLayout(_Strict):
    """One column per period (``d_1 .. d_1941``, ``2024-01-05``, ``W01``): each cell becomes a row.

    ``columns`` is a regular expression matched against whole column names; its first group (or
    the whole name) is the period's label, turned into the ``key`` field as ``key_as`` says:
    ``date`` (the label is a date in ``key_format``), ``day_number`` (day 1 is ``origin``) or
    ``text`` (the label as it is: one column per region, ``snap_CA``, ``snap_TX``). The cell's
    value fills the ``value`` field; ``keep_values`` keeps only the cells holding one of them (a
    flag column: ``1`` a row, ``0`` none), and without ``value`` the cell says only that."""

    columns: str
    key: str
    value: str | None = None
    key_as: Literal["date", "day_number", "text"] = "date"
    key_format: str = CANONICAL_DATE
    origin: date | None = None
    # a blank cell: a row whose value is empty (the contract judges it) or no row, as the company says
    blank_cells: Literal["keep", "skip"] = "keep"
    keep_values: list[str] | None = None

    @field_validator("keep_values", mode="before")
    @classmethod
    def _values_as_text(cls, value):
        return [str(v) for v in value] if isinstance(value, list) else value

    @field_validator("columns")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"{value!r} is not a regular expression: {error}") from None
        return value

    @field_validator("key_format")
    @classmethod
    def _key_format(cls, value: str) -> str:
        return check_time_format(value)

    @model_validator(mode="after")
    def _origin_for_day_numbers(self) -> WideLayout:
        if self.key_as == "day_number" and self.origin is None:
            raise ValueError("key_as: day_number needs an origin (the date of day 1)")
        if self.value is None and not self.keep_values:
            raise ValueError("a wide layout without value needs keep_values (the cell values that make a row)")
        return self


FieldSpec = Annotated[str | FieldSource, Field(union_mode="left_to_right")]


def _constants_as_text(value):
    # YAML reads 12 or 2026-01-31 as numbers and dates: the canonical rows hold text
    if isinstance(value, dict):
        return {k: (v.isoformat() if isinstance(v, date) else str(v).lower() if isinstance(v, bool) else str(v)) for k, v in value.items()}
    return value


class MappingPart(_Strict):
    """Another way the same file fills the table (a calendar's second event column, its flags per
    region): the mapping's file, format, value notation and options, with columns, constants,
    defaults, a wide layout and ``skip_empty`` of its own. Each line of the file gives a row per part."""

    description: str = ""
    columns: dict[str, FieldSpec] = Field(default_factory=dict)
    constants: dict[str, str] = Field(default_factory=dict)
    defaults: dict[str, str] = Field(default_factory=dict)
    wide: WideLayout | None = None
    skip_empty: list[str] = Field(default_factory=list)

    @field_validator("constants", "defaults", mode="before")
    @classmethod
    def _as_text(cls, value):
        return _constants_as_text(value)


class SourceMapping(_Strict):
    """How one source's files fill one canonical table."""

    table: str = Field(description="the canonical table (data contract) the rows go to")
    files: str = Field(description="glob of the files, relative to the landing folder")
    description: str = ""
    format: FileFormat = FileFormat()
    values: ValueFormats = ValueFormats()
    columns: dict[str, FieldSpec] = Field(default_factory=dict, description="canonical field: source column")
    constants: dict[str, str] = Field(default_factory=dict, description="canonical field: value of every row")
    defaults: dict[str, str] = Field(default_factory=dict, description="canonical field: value where the file has none")
    # fields older files may lack (a column a newer export added): empty where a file has no such column
    optional: list[str] = Field(default_factory=list)
    # fields the file's path gives: a regular expression over the path relative to the landing
    # folder, its first group the value (a store's files: "^pos/([^/]+)/"); a field also read from a
    # column is checked against it (rule wrong_file), one not read from a column gets it
    path_values: dict[str, str] = Field(default_factory=dict)
    wide: WideLayout | None = None
    # master data drawn from a transactional file (an item per line of a sales file): identical
    # canonical rows count once
    distinct: bool = False
    # fields whose empty value makes a line no row of the table (a calendar's event column, filled
    # on event days only): such lines are left out, not quarantined
    skip_empty: list[str] = Field(default_factory=list)

    # further ways the same file fills the table (MappingPart), their rows after the mapping's own
    parts: list[MappingPart] = Field(default_factory=list)

    @field_validator("constants", "defaults", mode="before")
    @classmethod
    def _as_text(cls, value):
        return _constants_as_text(value)

    @field_validator("path_values")
    @classmethod
    def _one_group(cls, value: dict[str, str]) -> dict[str, str]:
        for name, pattern in value.items():
            try:
                groups = re.compile(pattern).groups
            except re.error as error:
                raise ValueError(f"{name}: {pattern!r} is not a regular expression: {error}") from None
            if groups < 1:
                raise ValueError(f"{name}: {pattern!r} has no group: its first group (...) is the field's value")
        return value

    @property
    def source(self) -> str:
        """The source name its files are listed and logged under: the table it fills."""
        return self.table

    def field_source(self, name: str) -> FieldSource | None:
        spec = self.columns.get(name)
        return FieldSource(column=spec) if isinstance(spec, str) else spec

    def expanded(self) -> list[SourceMapping]:
        """The mapping as one mapping per part: its own first, then each part's (its file, format
        and options, the part's columns, constants, defaults, wide layout and skip_empty)."""
        own = self.model_copy(update={"parts": []})
        return [own, *(own.model_copy(update={**part.model_dump(exclude={"description"}), "columns": part.columns, "wide": part.wide}) for part in self.parts)]

    @property
    def source_columns(self) -> tuple[str, ...]:
        """The file's columns the mapping reads (its parts' too), in the mapping's order (wide columns aside)."""
        specs = [spec for mapping in ([self] if not self.parts else self.expanded()) for spec in mapping.columns.values()]
        return tuple(dict.fromkeys(spec if isinstance(spec, str) else spec.column for spec in specs))

    def formats_of(self, name: str) -> ValueFormats:
        """The value formats of canonical field ``name``: the mapping's, overridden by the field's own."""
        spec = self.field_source(name)
        if spec is None:
            return self.values
        own = {k: v for k, v in spec.model_dump(exclude={"column"}).items() if v is not None}
        return self.values.model_copy(update=own)
