"""Compile contracts into Great Expectations expectation suites (imported lazily: GX is slow to import)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from data_contracts.model import Contract, Rule
from data_contracts.registry import contract_for

if TYPE_CHECKING:
    import great_expectations as gx

FRESHNESS_RULE = "freshness"
# Timestamp of the rows that are not in the future, computed by the validator.
FRESHNESS_COLUMN = "_freshness_ts"
SCHEMA_RULE = "schema"


def _expectation(rule: Rule):
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    meta = {"rule": rule.name, "reason": rule.reason, "column": rule.column}
    extra = {"meta": meta}
    if rule.when:
        extra["row_condition"] = Column(rule.when[0]).is_in(list(rule.when[1]))
    if rule.kind == "not_null":
        return gxe.ExpectColumnValuesToNotBeNull(column=rule.column, **extra)
    if rule.kind == "null":
        return gxe.ExpectColumnValuesToBeNull(column=rule.column, **extra)
    if rule.kind == "regex":
        return gxe.ExpectColumnValuesToMatchRegex(column=rule.column, regex=rule.params["regex"], **extra)
    if rule.kind == "in_set":
        return gxe.ExpectColumnValuesToBeInSet(column=rule.column, value_set=rule.params["value_set"], **extra)
    if rule.kind == "between":
        return gxe.ExpectColumnValuesToBeBetween(column=rule.column, min_value=rule.params.get("min_value"), max_value=rule.params.get("max_value"), **extra)
    raise ValueError(f"unknown rule kind {rule.kind!r} in rule {rule.name!r}")


def build_suite(contract: Contract) -> gx.ExpectationSuite:
    """The contract as an expectation suite: schema, one expectation per rule, freshness."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    expectations = [
        gxe.ExpectTableColumnsToMatchSet(
            column_set=list(contract.columns),
            exact_match=False,
            meta={"rule": SCHEMA_RULE, "reason": "every file of the source must have these columns"},
        ),
        *(_expectation(rule) for rule in contract.row_rules),
    ]
    if contract.timestamp_column:
        expectations.append(
            gxe.ExpectColumnMaxToBeBetween(
                column=FRESHNESS_COLUMN,  # future-dated rows cannot make a source fresh
                min_value={"$PARAMETER": "fresh_after"},
                meta={"rule": FRESHNESS_RULE, "reason": f"newest row older than {contract.freshness_hours:g} h before the as-of time"},
            )
        )
    return gx.ExpectationSuite(name=f"{contract.source}_contract", expectations=expectations, meta={"description": contract.description})


@cache
def suite_for(source: str) -> gx.ExpectationSuite:
    return build_suite(contract_for(source))
