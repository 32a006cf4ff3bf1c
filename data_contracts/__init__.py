"""Data contracts: one Great Expectations suite per source (SPEC section 4).

A contract states what a valid row of a source looks like (schema, types, mandatory fields,
ranges, allowed values, uniqueness, references to master data, freshness). Validation runs the
suite on the raw table and returns one quarantine entry per broken rule and row, each with the
source file, row number and a reason a person can act on.

Great Expectations is imported lazily (it takes seconds to import).
"""

from data_contracts.model import Contract, Rule
from data_contracts.registry import CONTRACTS, contract_for

__all__ = ["CONTRACTS", "Contract", "Rule", "contract_for"]
