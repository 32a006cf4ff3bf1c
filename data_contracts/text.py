"""Show text the way a user can act on it: characters that print as nothing escaped.

A byte-order mark inside a value (two exports concatenated), a zero-width space or a
non-breaking space pasted from a spreadsheet make a value differ from the one it looks like;
a reason that prints them raw reads "'ST01' is not a known store". Escaped, it reads
"'\\ufeffST01' is not a known store".
"""

from __future__ import annotations

import re

import pandas as pd

# Control characters, no-break and odd-width spaces, zero-width and direction marks, line and
# paragraph separators, the byte-order mark (zero-width no-break space) and soft hyphen.
INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00a0\u00ad\u061c\u115f\u1160\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u2066-\u206f\u3000\u3164\ufeff\ufff9-\ufffb]"
)


def _escape(match: re.Match) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def visible(text: str) -> str:
    """``text`` with its invisible characters written as escapes (``\\ufeff``, ``\\x00``)."""
    return INVISIBLE.sub(_escape, text)


def visible_series(texts: pd.Series) -> pd.Series:
    """``visible`` over a column of reasons (nulls kept); only the values holding such a character are rewritten."""
    if texts.empty:
        return texts
    marked = texts.str.contains(INVISIBLE, na=False)
    if not marked.any():
        return texts
    out = texts.copy()
    out[marked] = texts[marked].str.replace(INVISIBLE, _escape, regex=True)
    return out
