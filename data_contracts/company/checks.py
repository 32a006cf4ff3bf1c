"""A source mapping checked against the data contract it fills, before any file is read."""

from __future__ import annotations

from data_contracts.company.mapping import SourceMapping


def required_fields(contract) -> set[str]:
    """Fields every row must fill (the contract's mandatory-field rules): a mapping must give them.
    The others a company may not have: left unmapped, they are empty."""
    return {rule.column for rule in contract.rules if rule.name == "mandatory_field" and rule.column in contract.columns}


def allowed_values(contract) -> dict[str, tuple[str, ...]]:
    """Fields whose every value must be one of a fixed list (an ``in_set`` rule of literal values
    on every row, such as the sales history's period): field -> the values."""
    return {
        rule.column: tuple(rule.params["value_set"])
        for rule in getattr(contract, "rules", ())
        if rule.kind == "in_set" and rule.when is None and isinstance(rule.params.get("value_set"), list)
    }


def _fields_text(columns) -> str:
    return ", ".join(columns)


def check_mapping(mapping: SourceMapping, contracts: dict, label: str, company=None) -> list[str]:
    """Problems of ``mapping`` (``label``: its file), each naming the key: an unknown table or
    field, a field given twice, a required field left unmapped, a wide layout that does not fit;
    each of its parts is checked as a mapping of its own (``parts[i]`` in the key)."""
    if mapping.parts:
        own, *parts = mapping.expanded()
        problems = check_mapping(own, contracts, label, company)
        return problems + [p for number, part in enumerate(parts) for p in check_mapping(part, contracts, f"{label}: parts[{number}]", company)]
    contract = contracts.get(mapping.table)
    if contract is None:
        return [f"{label}: table: {mapping.table!r} is not a Planline table (tables: {', '.join(sorted(contracts))})"]
    fields = set(contract.columns)
    problems = []
    given: dict[str, str] = {}
    wide_fields = {name: key for name, key in ((mapping.wide.key, "wide.key"), (mapping.wide.value, "wide.value")) if name} if mapping.wide else {}
    for section, names in (("columns", mapping.columns), ("constants", mapping.constants), ("wide", wide_fields)):
        for name in names:
            key = wide_fields[name] if section == "wide" else f"{section}.{name}"
            if name not in fields:
                problems.append(f"{label}: {key}: {name!r} is not a field of {mapping.table} (fields: {_fields_text(contract.columns)})")
            elif name in given:
                problems.append(f"{label}: {key}: field {name!r} is already given by {given[name]}")
            else:
                given[name] = key
    for section, names in (("optional", mapping.optional), ("path_values", mapping.path_values), ("skip_empty", mapping.skip_empty)):
        for name in names:
            if name not in fields:
                problems.append(f"{label}: {section}.{name}: {name!r} is not a field of {mapping.table} (fields: {_fields_text(contract.columns)})")
    for name in mapping.path_values:
        if given.get(name, f"columns.{name}") != f"columns.{name}":  # read from a column (checked) or from the path alone
            problems.append(f"{label}: path_values.{name}: field {name!r} is already given by {given[name]}")
        given.setdefault(name, f"path_values.{name}")
    for name in [n for n in mapping.skip_empty if n in fields and n not in given]:
        problems.append(f"{label}: skip_empty.{name}: field {name!r} is not mapped: every line would be left out (map a column to it)")
    for name in mapping.defaults:
        if name not in fields:
            problems.append(f"{label}: defaults.{name}: {name!r} is not a field of {mapping.table} (fields: {_fields_text(contract.columns)})")
        elif name in mapping.constants:
            problems.append(f"{label}: defaults.{name}: field {name!r} is a constant already (constants.{name})")
    for name in [c for c in contract.columns if c in required_fields(contract)]:
        if name not in given and name not in mapping.defaults:
            problems.append(
                f"{label}: columns: required field {name!r} of {mapping.table} is not mapped (map a column to it, or give it under constants or defaults)"
            )
    # a constant or default every row would take: a value the contract refuses is said now, not row by row in quarantine
    allowed = allowed_values(contract)
    for section, values in (("constants", mapping.constants), ("defaults", mapping.defaults)):
        for name, value in values.items():
            if name in allowed and value not in allowed[name]:
                problems.append(f"{label}: {section}.{name}: {value!r} is not an allowed value of {name} (allowed: {', '.join(allowed[name])})")
    if mapping.wide and mapping.format.header == "exact":
        problems.append(f"{label}: format.header: exact cannot be used with a wide layout (its columns are found by wide.columns)")
    if mapping.wide and mapping.format.type == "jsonl":
        problems.append(f"{label}: wide: a JSON-lines file has no column layout to unpivot")
    if mapping.format.type == "jsonl" and (mapping.format.delimiter != "," or mapping.format.quote != '"'):
        problems.append(f"{label}: format: delimiter and quote apply to CSV files only")
    field_types = getattr(contract, "field_types", {})
    for name, spec in mapping.columns.items():
        if isinstance(spec, str):
            continue
        kind = field_types.get(name)
        if spec.decimal or spec.thousands is not None:
            if kind not in ("decimal", "whole_decimal", "integer"):
                problems.append(f"{label}: columns.{name}: decimal/thousands given for a field that is not a number")
        if spec.date and kind != "date":
            problems.append(f"{label}: columns.{name}.date: {name!r} is not a date field")
        if (spec.timestamp or spec.timestamp_zone) and kind != "timestamp":
            problems.append(f"{label}: columns.{name}.timestamp: {name!r} is not a timestamp field")
    return problems
