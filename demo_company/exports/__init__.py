"""Canonical events -> each source's export table, in the source system's codes, units and format.

Every builder returns a frame of the file's columns plus ``file`` (path relative to the landing
folder). Rows are in file order. Dirt is injected afterwards (see ``dirt.py``).
"""

from demo_company.exports.erp import ErpExports
from demo_company.exports.streams import StreamExports


class Exports(ErpExports, StreamExports):
    """All export builders of the demo company."""


__all__ = ["Exports"]
