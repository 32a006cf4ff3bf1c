"""State contracts as Great Expectations expectation suites, for the data docs (``docs.py``).

A suite describes the contract: one expectation per rule, in plain words, with the rule's name,
column and reason in its meta. It evaluates nothing: the rules are evaluated in SQL
(``sql_evaluator.py``), and the docs' validation results are built from that verdict
(``docs_results.py``). GX is imported lazily, inside the functions: it is slow to import.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from data_contracts.frame import FRESHNESS_COLUMN
from data_contracts.model import Contract, Rule

if TYPE_CHECKING:
    import great_expectations as gx

FRESHNESS_RULE = "freshness"
SCHEMA_RULE = "schema"


_QUOTED_COLUMN = re.compile(r"'([a-z_][a-z0-9_]*)'")


# A reason's {expected} in the docs: the notation depends on the company's source mapping.
EXPECTED_IN_DOCS = "the notation its source mapping gives"


def _without_value(rule: Rule) -> str:
    """The reason without the offending value it names in quarantine."""
    reason = rule.reason.removeprefix("{value}: ").replace(" ({value})", "").replace("'{value}' in", "a value in")
    return reason.format(value="…", column=rule.column, expected=EXPECTED_IN_DOCS)


def plain_words(rule: Rule) -> str:
    """The rule as what a valid row satisfies: its statement, else its reason (which says what
    is wrong), and the rows it applies to."""
    text = rule.statement or f"{rule.name.replace('_', ' ').capitalize()}: {_without_value(rule)}"
    if rule.when:
        text += f" (rows whose {rule.when[0]} is {', '.join(rule.when[1])})"
    return text


def section_title(rule: Rule) -> str:
    """The data docs' heading for the rule's column: a helper column (typed or problem column,
    ``_bad_launch_date``) is shown as the source column it is about and the rule's name."""
    if not rule.column.startswith("_"):
        return rule.column
    words = rule.name.replace("_", " ")
    about = _QUOTED_COLUMN.search(rule.statement or rule.reason.replace("'{value}'", ""))
    return f"{about.group(1)}: {words}" if about else words


def _expectation(rule: Rule):
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    meta = {"rule": rule.name, "reason": rule.reason, "column": rule.column, "section": section_title(rule)}
    held_back = _without_value(rule)
    extra = {
        "meta": meta,
        "description": html.escape(plain_words(rule), quote=False),  # GX's pages insert it as HTML
        "notes": f"Otherwise the row is held back in quarantine (rule `{rule.name}`): {held_back}",
    }
    if rule.when:
        extra["row_condition"] = Column(rule.when[0]).is_in(list(rule.when[1]))
    if rule.kind == "not_null":
        return gxe.ExpectColumnValuesToNotBeNull(column=rule.column, **extra)
    if rule.kind == "null":
        return gxe.ExpectColumnValuesToBeNull(column=rule.column, **extra)
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
                meta={"rule": FRESHNESS_RULE, "reason": f"newest row older than {contract.freshness_hours:g} h before the as-of time", "section": "freshness"},
                description=(
                    f"the newest '{contract.timestamp_column.lstrip('_')}' not later than the as-of time is at most "
                    f"{contract.freshness_hours:g} h before it (a stale source warns, it holds no row back)"
                ),
            )
        )
    return gx.ExpectationSuite(name=f"{contract.source}_contract", expectations=expectations, meta={"description": contract.description})
