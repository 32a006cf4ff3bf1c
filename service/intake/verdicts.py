"""The door's answers: each event's verdict and problems, the batch's result.

A problem is ``{rule, field, value, reason}``: the contract's rule and reason (a quarantine entry of
the loader's evaluator), the field named as the source system names it (the mapping's column),
the offending value as text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from data_contracts.company.mapping import SourceMapping
from data_contracts.model import Contract, duplicate_rule
from data_contracts.row_problems import PARSE_RULE
from service.intake.encoding import unknown_fields

UNKNOWN_FIELD = "unknown_field"
ACCEPTED, DUPLICATE, REJECTED = "accepted", "duplicate", "rejected"


@dataclass
class Verdict:
    """One event's answer: its index in the batch, key (the contract's key fields, as the source
    system names them), status (accepted, duplicate, rejected) and problems ({rule, field, value, reason})."""

    index: int
    key: dict[str, str | None]
    status: str
    problems: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"index": self.index, "key": self.key, "status": self.status, "problems": self.problems}


@dataclass
class DoorResult:
    """A batch's verdicts in order, the indexes the log keeps, and the accepted events' movements
    (``effects.MOVEMENT_COLUMNS``, one row per accepted event, quantities in base units)."""

    source: str
    verdicts: list[Verdict]
    to_log: list[int]
    movements: pd.DataFrame
    # (key, canonical payload) of the events to log, for ``Door.remember``
    seen: list[tuple[str, str]] = field(default_factory=list, repr=False)

    def count(self, status: str) -> int:
        return sum(v.status == status for v in self.verdicts)


_KEY = "(key)"
_FIELDS: dict[tuple[str, str, str], str | None] = {}


def field_of(contract: Contract, rule: str, column: str | None) -> str | None:
    """The contract field a rule's column is about: the column itself, the field the rule types
    (``_bad_qty``: qty), the key for the duplicate rule, a field the problem column is named
    after (``_implausible_qty``), else None."""
    if column is None or column in contract.columns:
        return column
    if (contract.source, rule, column) not in _FIELDS:
        _FIELDS[contract.source, rule, column] = _problem_field(contract, rule, column)
    return _FIELDS[contract.source, rule, column]


def _problem_field(contract: Contract, rule: str, column: str) -> str | None:
    if rule == duplicate_rule(contract.key).name:
        return _KEY
    typed = [r.field for r in contract.row_rules if r.name == rule and r.column == column and r.field]
    if typed:
        return typed[0]
    named = [c for c in contract.columns if column.lstrip("_") == c or column.endswith(f"_{c}")]
    return max(named, key=len) if named else None


def shape_problems(event, mapping: SourceMapping, columns: frozenset[str], where: str) -> list[dict]:
    """The problems of an event that is not an object of the mapping's columns (``columns``;
    ``where``: the mapping file, named in the reason): rejected, never logged."""
    if not isinstance(event, dict):
        return [{"rule": PARSE_RULE, "field": None, "value": None, "reason": "the event is not a JSON object"}]
    if event.keys() <= columns:  # the usual case, without asking the mapping
        return []
    return [
        {
            "rule": UNKNOWN_FIELD,
            "field": name,
            "value": None if event.get(name) is None else str(event.get(name)),
            "reason": f"'{name}' is not a column the source mapping reads ({where}): it reads {', '.join(mapping.source_columns)}",
        }
        for name in unknown_fields(event, mapping)
    ]


def raw_key(contract: Contract, mapping: SourceMapping, event) -> dict[str, str | None]:
    """The key fields as the event gives them (no canonical row to read them from)."""
    if not isinstance(event, dict):
        return {}
    key = {}
    for name in contract.key:
        spec = mapping.field_source(name)
        value = event.get(spec.column) if spec else None
        key[spec.column if spec else name] = None if value is None else str(value)
    return key


def problem(contract: Contract, mapping: SourceMapping, rule: str, column: str | None, value, reason: str) -> dict:
    """A quarantine entry as a problem, its field named as the source system names it (None:
    a problem of no one field, such as a receipt's site and unit together)."""
    name = field_of(contract, rule, column)
    field = ", ".join(source_column(mapping, c) for c in contract.key) if name == _KEY else source_column(mapping, name) if name else None
    return {"rule": rule, "field": field, "value": value if isinstance(value, str) else None, "reason": reason}


def changed_problem(contract: Contract, mapping: SourceMapping, key: str, first: str | None, payload: str) -> dict:
    """The duplicate rule's problem of an event whose key was received with another payload
    (``first``: the first payload received, None when unknown)."""
    rule = duplicate_rule(contract.key)
    changes = ""
    if first is not None:
        old, new = dict(zip(contract.columns, json.loads(first))), dict(zip(contract.columns, json.loads(payload)))
        named = [f"{source_column(mapping, c)} {old[c] or 'empty'} -> {new[c] or 'empty'}" for c in contract.columns if old[c] != new[c]]
        changes = f" ({'; '.join(named)})" if named else ""
    reason = (
        f"duplicate of an event received before (same {', '.join(contract.key)}: {key}), re-sent with a different payload{changes}: "
        "the first one received is kept"
    )
    return {"rule": rule.name, "field": ", ".join(source_column(mapping, c) for c in contract.key), "value": key, "reason": reason}


def source_column(mapping: SourceMapping, name: str) -> str:
    """The source system's column the mapping reads a field from (the field's name if none)."""
    spec = mapping.field_source(name)
    return spec.column if spec else name
