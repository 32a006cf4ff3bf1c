"""Number, date and text formatting for the cockpit: one place, so tiles, tables and charts agree.
Plain text out: the templates escape it.

Missing numbers show as an en dash; negative numbers carry a true minus sign; percents are given
as fractions (0.939 is shown 93.9 %).
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

MISSING = "\u2013"  # en dash
MINUS = "\u2212"


def is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def _signed(text: str, negative: bool) -> str:
    return f"{MINUS}{text}" if negative else text


def number(value, decimals: int = 0) -> str:
    """``12,345`` or ``12,345.6``."""
    if is_missing(value):
        return MISSING
    value = float(value)
    text = f"{abs(value):,.{decimals}f}"
    return _signed(text, value < 0 and float(text.replace(",", "")) != 0)


def compact(value) -> str:
    """Large amounts in a few characters: ``1.25 M``, ``845.3 k``, ``950``."""
    if is_missing(value):
        return MISSING
    value = float(value)
    size = abs(value)
    if size >= 1e9:
        text = f"{size / 1e9:.2f} B"
    elif size >= 1e6:
        text = f"{size / 1e6:.2f} M"
    elif size >= 1e4:
        text = f"{size / 1e3:.1f} k"
    else:
        return number(value, 0)
    return _signed(text, value < 0)


def percent(value, decimals: int = 1) -> str:
    """A fraction as a percent: 0.939 -> ``93.9 %``."""
    if is_missing(value):
        return MISSING
    return number(float(value) * 100, decimals) + " %"


def signed_percent(value, decimals: int = 1) -> str:
    """``+3.2 %`` / ``−3.2 %``: for a bias, a change."""
    if is_missing(value):
        return MISSING
    text = percent(value, decimals)
    return text if text.startswith(MINUS) or float(value) * 100 == 0 else "+" + text


def kpi_value(value, unit: str) -> str:
    """A KPI's value in its unit (see :data:`reporting.cockpit.data.KPI_UNITS`)."""
    if is_missing(value):
        return MISSING
    value = float(value)
    if unit == "percent":
        return percent(value)
    if unit == "ratio":
        return number(value, 2)
    if unit == "currency":
        return compact(value)
    if unit == "days":
        return number(value, 1) + " d"
    if unit == "seconds":
        return number(value, 1 if abs(value) < 100 else 0) + " s"
    if unit == "turns":
        return number(value, 1) + " turns"
    if unit == "units":
        return number(value, 0)
    return number(value, 2)


def kpi_delta(delta, unit: str) -> str:
    """A change between two months in the KPI's unit, with its sign; percents in points."""
    if is_missing(delta):
        return MISSING
    delta = float(delta)
    text = number(abs(delta) * 100, 1) + " pt" if unit == "percent" else kpi_value(abs(delta), unit)
    return ("+" if delta > 0 else MINUS if delta < 0 else "\u00b1") + text


def data_value(value) -> str:
    """The raw value for a ``data-value`` attribute: repr of the float rounded to 6 decimals
    (``0.939``, ``1234567.5``), ``nan`` when missing."""
    if is_missing(value):
        return "nan"
    value = round(float(value), 6)
    return repr(value + 0.0 if value == 0 else value)


def iso_date(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def iso_month(value) -> str:
    """``2026-10`` for a month (a timestamp, a date or an ISO date string)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    if isinstance(value, str):
        try:
            value = pd.Timestamp(value)
        except ValueError:
            return value
    return f"{value:%Y-%m}"


def iso_timestamp(value: dt.datetime) -> str:
    """``2026-09-30 06:15:00`` (with its UTC offset when it has one)."""
    return value.replace(microsecond=0).isoformat(sep=" ")


def humanize(identifier: str) -> str:
    """``customer_segment`` -> ``Customer segment``, ``abc_class`` -> ``ABC class``."""
    words = str(identifier).replace("_", " ").strip().split()
    if not words:
        return MISSING
    known = {"abc": "ABC", "otif": "OTIF", "wape": "WAPE", "sku": "SKU", "kpi": "KPI", "id": "ID"}
    words = [known.get(word.lower(), word) for word in words]
    first = words[0]
    return " ".join([first[:1].upper() + first[1:], *words[1:]])
