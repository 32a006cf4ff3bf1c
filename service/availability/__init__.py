"""The in-memory availability book of the live service: ATP/ATS to the second, order promising,
reservations (issue 18, points 3 and 4). Plain Python: no Dagster, no HTTP.

:class:`AvailabilityBook` (``book.py``) loads the last published plan (``snapshot.py``), keeps the
effects of movements and reservations (``ledger.py``) and promises orders (``promise.py``).
"""

from service.availability.book import AvailabilityBook
from service.availability.promise import QUOTE_REASONS, Quote

__all__ = ["QUOTE_REASONS", "AvailabilityBook", "Quote"]
