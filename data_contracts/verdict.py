"""The verdict of a source's ``contract`` check: whether the share of quarantined rows says
something systemic (blocking the run) or only that a few rows are bad.

Plain Python, no Dagster: the raw assets' check (``orchestration/defs/ingestion/raw.py``) and the
company check (``python -m orchestration.company check``) both call ``contract_verdict``.
"""

from collections.abc import Mapping

from data_contracts.model import Contract

# (quarantined rows, rows) of the part judged: the whole table, a delivery, one file
Counts = tuple[int, int]


def _checked(name: str, counts: Counts) -> Counts:
    """``counts`` as (quarantined, rows), refused when it cannot be a count of rows."""
    try:
        bad, rows = counts
    except (TypeError, ValueError):
        raise ValueError(f"contract verdict: {name}: expected (quarantined rows, rows), got {counts!r}") from None
    if not 0 <= bad <= rows:
        raise ValueError(f"contract verdict: {name}: {bad} quarantined rows out of {rows}: expected 0 <= quarantined <= rows")
    return int(bad), int(rows)


def contract_verdict(contract: Contract, table: Counts, delivery: Counts, schema_ok: bool, files: Mapping[str, Counts] | None = None) -> tuple[bool, str]:
    """Whether the ``contract`` check passes, and what it judged, from the (quarantined, rows) of
    the whole table, of this run's new files together and of each new file (``files``).

    A share says something systemic only over enough rows: the table's, the delivery's and each
    file's are judged from ``min_rows_for_share`` rows on (a share of 0, master data, on any rows):
    a large bad file is not diluted by good ones. People's inputs (``blocking=False``) pass only
    with no row refused, as a warning that never blocks. Counts that cannot be counts of rows
    (negative, more quarantined rows than rows) raise ``ValueError`` naming the part.
    """
    counted = {"table": _checked("table", table), "delivery": _checked("delivery", delivery)}
    counted.update({name: _checked(f"file {name}", counts) for name, counts in (files or {}).items()})
    if not contract.blocking:
        return schema_ok and counted["table"][0] == 0, "people's input: warns while rows are refused, never blocks"
    strict = contract.max_quarantine_share == 0
    shares = {name: bad / rows for name, (bad, rows) in counted.items() if rows and (strict or rows >= contract.min_rows_for_share)}
    too_high = [name for name, share in shares.items() if share > contract.max_quarantine_share]
    judged = ", ".join(f"{name} share {share:.1%}" for name, share in shares.items()) or f"fewer than {contract.min_rows_for_share} rows: not judged"
    return schema_ok and not too_high, judged
