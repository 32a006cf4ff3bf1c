"""Data contracts: one contract per source (SPEC section 4).

A contract states what a valid row of a source looks like (schema, types, mandatory fields,
ranges, allowed values, uniqueness, references to master data, freshness). Validation evaluates
its rules in SQL on the raw table (``validate.py``, ``sql_evaluator.py``) and returns one
quarantine entry per broken rule and row, each with the source file, row number and a reason a
person can act on. Each contract is also a Great Expectations suite (``suites.py``), shown with
the validations' verdicts in the data docs (``docs.py``); only that command imports Great
Expectations (it takes seconds to import).
"""

import importlib

__all__ = ["CONTRACTS", "Contract", "Rule", "contract_for"]
_HOME = {"CONTRACTS": "registry", "contract_for": "registry", "Contract": "model", "Rule": "model"}


def __getattr__(name: str):
    # Lazy: the settings check imports data_contracts.dbt_vars before the settings the contracts
    # read at import (PLANLINE_MAX_FUTURE_DAYS...) are known to be valid.
    if name in _HOME:
        return getattr(importlib.import_module(f"data_contracts.{_HOME[name]}"), name)
    raise AttributeError(f"module 'data_contracts' has no attribute {name!r}")
