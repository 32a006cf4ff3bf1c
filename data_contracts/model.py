"""The contract model: sources, their file layout and their rules.

Rules are declarative: ``sql_evaluator.py`` evaluates them in SQL (the only evaluator) and
``suites.py`` states them as Great Expectations expectations for the data docs. A rule
checks a raw column, a typed column (``derived``: SQL over the raw row) or a *problem column*:
a derived column that holds the offending value when a cross-table rule is broken (a code
missing from the cross-reference, a duplicate key) and is null otherwise.

Raw tables hold canonical text whatever the company's notation (its source mapping, applied by
the loader): numbers with an optional ``.`` decimal part and no thousands separator, dates
``YYYY-MM-DD``, UTC times ``YYYY-MM-DDTHH:MM:SSZ``. A value not written as the mapping says is
kept verbatim, and the row's ``_unparsed`` (a JSON object) gives the notation its field expected:
a typed field's format rule holds such a row back, its reason saying that notation
(``{expected}``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# No "regex" kind: a pattern is a problem column computed in SQL (fields.matches), matched whole
# (a Python pattern's "$" would match before a final newline).
RuleKind = Literal["not_null", "null", "in_set", "between"]
# Types of typed fields: the loader rewrites their values from the company's notation to the
# canonical text; ``whole_decimal`` is a whole number that may be written with zero decimals (30,00).
FieldType = Literal["decimal", "whole_decimal", "integer", "date", "timestamp"]
# The raw column listing, per row, the fields whose value is not written as the source mapping says.
UNPARSED = "_unparsed"
# The canonical text of each field type, in words: what a reason expects when ``_unparsed`` does
# not name the company's notation (a constant of the mapping, a row written by hand).
CANONICAL_NOTATION: dict[str, str] = {
    "decimal": "digits with an optional '.' decimal part, no thousands separator, e.g. 1234.50",
    "whole_decimal": "a whole number: digits, optionally '.' and zeros, e.g. 30 or 30.00",
    "integer": "a whole number: digits only, e.g. 30",
    "date": "a date written YYYY-MM-DD, e.g. 2026-03-01",
    "timestamp": "a UTC time written YYYY-MM-DDTHH:MM:SSZ, e.g. 2026-03-01T14:30:00Z",
}


@dataclass(frozen=True)
class Rule:
    """One expectation on one column.

    Attributes:
        name: rule id shown in quarantine and metadata (``mandatory_field``, ``unique_key``...).
        kind: expectation family.
        column: checked column (raw, typed or problem column).
        reason: what is wrong and how to fix it; ``{value}`` and ``{column}`` are filled in, and
            ``{expected}``: the notation ``field`` is written in (its entry in the row's
            ``_unparsed``, else the canonical notation of ``field_type``).
        params: expectation arguments (``value_set``, ``min_value``, ``max_value``);
            a ``{"$PARAMETER": name}`` value is resolved at validation time.
        when: optional (column, allowed values): the rule applies only to those rows.
        sql: SQL computing ``column`` when the rule checks a problem column of its own.
        statement: the rule in plain words, as what a valid row satisfies (the data docs show it
            instead of the expectation on a helper column); without it the docs show the reason.
        field: the source column the rule types (``fields.decimal``, ``fields.date_format``...).
        field_type: that column's type (FieldType): the loader rewrites its values to canonical text.
    """

    name: str
    kind: RuleKind
    column: str
    reason: str
    params: dict[str, Any] = field(default_factory=dict)
    when: tuple[str, tuple[str, ...]] | None = None
    sql: str | None = None
    statement: str | None = None
    field: str | None = None
    field_type: FieldType | None = None

    def __post_init__(self) -> None:
        if self.field_type is not None and (self.field is None or self.field_type not in CANONICAL_NOTATION):
            raise ValueError(f"rule {self.name} on {self.column}: field type {self.field_type!r} needs a field and one of {', '.join(CANONICAL_NOTATION)}")
        if "{expected}" in self.reason and self.field_type is None:
            raise ValueError(f"rule {self.name} on {self.column}: a reason with {{expected}} needs the field and type it is about")

    @property
    def expected(self) -> str:
        """The canonical notation of the rule's field in words ('' for an untyped rule)."""
        return CANONICAL_NOTATION[self.field_type] if self.field_type else ""


@dataclass(frozen=True)
class Contract:
    """What a valid row of one of Planline's tables looks like, whoever delivers it: where a
    company's files are and how they are written is its source mapping's business
    (data_contracts.company.mapping).

    Attributes:
        source: table name, also the raw table's (``raw.<source>``).
        system: the kind of system such rows come from (erp, wms, pos, oms, planning, history).
        description: one line for the UI.
        columns: the table's fields (canonical text in the raw table).
        key: columns identifying a row; duplicates after the first occurrence are quarantined.
        key_may_be_empty: key columns whose empty value is a value of its own (a price without
            location is the price at every location): rows alike in them, empty or not, are
            duplicates; a row with another key column empty is judged by no duplicate rule.
        derived: typed and problem columns: name -> SQL expression over the raw row ``r``.
        joins: SQL joins the derived expressions need (lookups into valid master data).
        parameters: value sets from master data: name -> SQL query returning one column.
        rules: the rules.
        timestamp_column: typed column used for freshness (the newest row must be recent).
        freshness_hours: maximum age of the newest row, relative to the as-of time.
        max_quarantine_share: above this share of quarantined rows the contract check fails and
            blocks downstream assets: a systemic problem, not a few bad rows.
        min_rows_for_share: a share is judged only over at least this many rows (the table's, or a
            delivery's): 1 bad row in 8 says nothing systemic. A share of 0 is judged on any rows.
        blocking: False for people's inputs (planner overrides): the contract check then warns
            while rows are refused and never stops a run; the refused rows go back to their author.
        depends_on: master-data sources this contract looks up.
        partition_date: for transactional sources, SQL over the raw row ``r`` giving its business
            day (DATE): the daily partition the row belongs to. Master data has none.
    """

    source: str
    system: str
    description: str
    columns: tuple[str, ...]
    rules: tuple[Rule, ...]
    key: tuple[str, ...] = ()
    key_may_be_empty: tuple[str, ...] = ()
    derived: dict[str, str] = field(default_factory=dict)
    joins: tuple[str, ...] = ()
    parameters: dict[str, str] = field(default_factory=dict)
    timestamp_column: str | None = None
    freshness_hours: float = 48.0
    max_quarantine_share: float = 0.10
    min_rows_for_share: int = 200
    blocking: bool = True
    depends_on: tuple[str, ...] = ()
    partition_date: str | None = None

    def __post_init__(self) -> None:
        types: dict[str, set[str]] = {}
        for rule in self.rules:
            if rule.field_type:
                types.setdefault(rule.field, set()).add(rule.field_type)
        twice = {f: sorted(t) for f, t in types.items() if len(t) > 1}
        if twice:
            raise ValueError(f"{self.source}: fields given two types: {twice}")
        if set(self.key_may_be_empty) - set(self.key):
            raise ValueError(f"{self.source}: key_may_be_empty names columns outside the key: {sorted(set(self.key_may_be_empty) - set(self.key))}")

    @property
    def field_types(self) -> dict[str, FieldType]:
        """Typed columns and their type (FieldType), from the rules: the fields whose values the
        loader rewrites from the company's notation to canonical text; other columns are text."""
        return {rule.field: rule.field_type for rule in self.rules if rule.field_type}

    @property
    def partitioned(self) -> bool:
        return self.partition_date is not None

    @property
    def table(self) -> str:
        return f"raw.{self.source}"

    @property
    def row_rules(self) -> tuple[Rule, ...]:
        """The rules a row is checked against: the contract's, the file's path rule (the loader's
        ``_path_problem``: a field its mapping reads from the path differs from the row's) and, with
        a key, the duplicate rule (``_duplicate_of`` is derived from the key by the validation frame)."""
        return (*self.rules, PATH_RULE, *((duplicate_rule(self.key),) if self.key else ()))


# ---- rule helpers: the vocabulary contracts are written in ----------------------------------


def required(*columns: str) -> tuple[Rule, ...]:
    return tuple(
        Rule("mandatory_field", "not_null", c, f"mandatory field '{c}' is empty: fill it in the source system and re-export", statement=f"'{c}' is filled in")
        for c in columns
    )


def allowed(column: str, values: tuple[str, ...], name: str = "allowed_values", when=None) -> Rule:
    return Rule(
        name,
        "in_set",
        column,
        f"'{{value}}' is not an allowed value of '{column}' (allowed: {', '.join(values)})",
        {"value_set": list(values)},
        when,
        statement=f"'{column}' is empty or one of {', '.join(values)}",
    )


def known(column: str, parameter: str, reason: str, name: str = "unknown_reference", when=None) -> Rule:
    # a problem column (``_item_unit``) has no words of its own: the docs show the reason
    statement = (
        None if column.startswith("_") else f"'{column}' is empty or one of the {parameter.replace('_', ' ')} in master data that passed its own contract"
    )
    return Rule(name, "in_set", column, reason, {"value_set": {"$PARAMETER": parameter}}, when, statement=statement)


def not_negative(column: str, reason: str, when=None) -> Rule:
    return Rule("negative_quantity", "between", column, reason, {"min_value": 0}, when, statement=f"'{column.lstrip('_')}' is not negative")


def positive_price(column: str, reason: str, when=None) -> Rule:
    return Rule("zero_price", "between", column, reason, {"min_value": 0.000001}, when, statement=f"'{column.lstrip('_')}' is above zero")


def plausible_quantity(quantity_sql: str, raw_column: str, maximum: int, unit: str) -> Rule:
    """The quantity (SQL over the raw row, in the file's units) is at most ``maximum`` in absolute
    value: beyond it a row is a keying or scanning error (a barcode typed into the quantity), and
    planning on it would swamp a whole series."""
    return absent(
        "implausible_quantity",
        f"_implausible_{raw_column}",
        f"quantity {{value}} in '{raw_column}' is beyond the plausible maximum of {maximum:,} {unit}: "
        "probably a keying or scanning error; correct it in the source system",
        sql=f"CASE WHEN abs({quantity_sql}) > {maximum} THEN r.{raw_column} END",
        statement=f"'{raw_column}' is at most {maximum:,} {unit} (either sign)",
    )


def absent(name: str, problem_column: str, reason: str, sql: str | None = None, statement: str | None = None) -> Rule:
    """A cross-table rule: ``problem_column`` (derived) must be null; its value names the problem."""
    return Rule(name, "null", problem_column, reason, sql=sql, statement=statement)


def duplicate_rule(key: tuple[str, ...]) -> Rule:
    return absent(
        "duplicate_row",
        "_duplicate_of",
        f"duplicate of {{value}} (same {', '.join(key)}): the row was exported twice; the first occurrence is kept",
        statement=f"no earlier row has the same {', '.join(key)} (only the first occurrence flows on)",
    )


# A field the file's path gives (a store's file: pos/<store>/...) that the row contradicts: the
# loader compares them (the company's mapping says which fields, path_values) and names both.
PATH_PROBLEM = "_path_problem"
PATH_RULE = absent(
    "wrong_file",
    PATH_PROBLEM,
    "{value}: a file carries only the rows its path gives; send the rows in their own file",
    statement="each field the file's path gives (the mapping's path_values) is the row's",
)
