"""Availability of SPEC section 6: ATP and ATS by SKU x location x day, allocation of scarce stock.

Units: quantities in base units (eaches), dates as ``datetime64[ns]`` day values. Every function
takes long frames (one row per key) and works on all SKU x location pairs at once: sorts,
grouped cumulative sums and minima, no loop over rows, order lines or pairs.

- ``available_to_promise``: projected balance ``on hand + cumulative receipts - cumulative
  committed`` and the cumulative ATP with look-ahead, the reverse cumulative minimum of the
  projected balance floored at 0 (what can still be promised on a day without breaking a later
  commitment).
- ``available_to_sell``: ATS per sales channel, ATP minus the channel's safety buffer, floored at 0.
- ``allocate_scarce_stock``: the stock of each SKU x location goes to key accounts first, then to
  committed-volume customers up to their reserved buffer, then to everything else by order date;
  every short line carries a reason code (``SHORT_REASONS``) and a sentence.

Ship-from routing of online orders is in ``ml.inventory.routing``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PAIR = ["sku_id", "location_id"]
LINE_KEY = ["order_id", "order_line"]
SEGMENT_TIERS = {"KEY_ACCOUNT": 1, "COMMITTED_VOLUME": 2, "STANDARD": 3}
SHORT_REASONS = {
    "NO_STOCK": "nothing available for the SKU at the location",
    "INSUFFICIENT_STOCK": "the line got all there was and is still short",
    "HIGHER_PRIORITY": "higher tiers (key accounts, committed-volume buffers) took the stock; no line of its own tier went before it",
    "EARLIER_ORDERS": "lines of its own tier served before it (earlier promised or order date) took the stock, after any higher tiers",
    "BEYOND_RESERVED_BUFFER": "a committed-volume line served within its customer's reserved buffer, short on the quantity beyond it",
}
_TOLERANCE = 1e-9
_ALLOCATION_COLUMNS = [*LINE_KEY, *PAIR, "customer_id", "segment", "reserved_buffer_pct", "order_date", "promised_date", "open_quantity"]
_SEGMENT_WORDS = {"KEY_ACCOUNT": "key-account", "COMMITTED_VOLUME": "committed-volume", "STANDARD": "standard"}


def _example(frame: pd.DataFrame, mask, keys: list[str]) -> str:
    """The key of the first row where ``mask`` holds, for error messages."""
    row = frame.loc[np.asarray(mask, dtype=bool)].iloc[0]
    shown = [f"{row[key]:%Y-%m-%d}" if isinstance(row[key], pd.Timestamp) else repr(row[key]) if isinstance(row[key], str) else row[key] for key in keys]
    return ", ".join(f"{key}={value}" for key, value in zip(keys, shown))


def _checked(frame: pd.DataFrame, name: str, columns: list[str], keys: list[str], nullable: tuple[str, ...] = ()) -> pd.DataFrame:
    """A copy of ``frame`` after checking that ``columns`` are present, filled (except
    ``nullable``) and that ``keys`` identify the rows."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{name} must be a DataFrame, got {type(frame).__name__}")
    absent = [column for column in columns if column not in frame.columns]
    if absent:
        raise ValueError(f"{name} lacks column {absent[0]!r} (needs {', '.join(columns)})")
    for column in columns:  # a loop over column names, not rows
        missing = frame[column].isna()
        if column not in nullable and missing.any():
            raise ValueError(f"{name}.{column} has missing values, e.g. at {_example(frame, missing, keys)}")
    duplicated = frame.duplicated(keys, keep=False)
    if duplicated.any():
        raise ValueError(f"{name} has several rows for the key ({', '.join(keys)}), e.g. {_example(frame, duplicated, keys)}")
    return frame.copy()


def _quantities(frame: pd.DataFrame, name: str, column: str, keys: list[str], strict: bool = False) -> pd.Series:
    """``frame[column]`` as floats, checked ``>= 0`` (``> 0`` when ``strict``)."""
    try:
        values = pd.to_numeric(frame[column]).astype(float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}.{column} must be numeric: {error}") from error
    bad = (values <= 0) if strict else (values < 0)
    if bad.any():
        raise ValueError(f"{name}.{column} must be {'>' if strict else '>='} 0, got {values[bad].iloc[0]:g} at {_example(frame, bad, keys)}")
    return values


def _datetimes(frame: pd.DataFrame, name: str, column: str, keys: list[str], whole_days: bool = False) -> pd.Series:
    """``frame[column]`` (datetime64, Timestamps or python dates) as naive ``datetime64[ns]``."""
    try:
        values = pd.to_datetime(frame[column])
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}.{column} must hold dates: {error}") from error
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        raise ValueError(f"{name}.{column} must hold naive dates (no time zone)")
    values = values.astype("datetime64[ns]")
    timed = values.ne(values.dt.normalize())
    if whole_days and timed.any():
        raise ValueError(f"{name}.{column} must hold whole days (no time of day), e.g. at {_example(frame, timed, keys)}")
    return values


def _units(values: pd.Series) -> pd.Series:
    """Quantities as text: whole numbers without decimals, others rounded to 3 decimals."""
    rounded = values.astype(float).round(3)
    whole = rounded.eq(np.floor(rounded))
    if whole.all():
        return rounded.astype("int64").astype(str)
    return rounded.astype(str).where(~whole, rounded.round().astype("int64").astype(str))


def available_to_promise(balances: pd.DataFrame) -> pd.DataFrame:
    """Projected balance and cumulative ATP with look-ahead by SKU x location x day.

    ``balances``: one row per ``sku_id`` x ``location_id`` x ``date`` for *every* day of the
    horizon (the same first and last day for all pairs), with ``on_hand`` (stock at the start of
    the horizon: the same value repeated on every row of the pair), ``receipts`` (scheduled
    receipts arriving that day) and ``committed`` (committed orders due that day), all ``>= 0``
    units. Dates: whole days (``datetime64``, Timestamps or python dates).

    Returns the rows sorted by ``sku_id, location_id, date`` (fresh index, other input columns
    kept, ``date`` as ``datetime64[ns]``, quantities as floats) with:

    - ``projected_balance``: ``on_hand + receipts - committed`` cumulated up to and including the
      day (negative when commitments exceed the stock);
    - ``atp``: ``max(0, min of projected_balance over this and every later day)``, the quantity
      that can still be promised for delivery on that day without breaking a later commitment
      (a later commitment lowers earlier ATP; a receipt raises ATP only from its day on);
      non-decreasing over the days of a pair;
    - ``atp_new_on_day``: the increase of ``atp`` over the previous day (``atp`` on the first day).

    Raises ValueError naming the column and an example key for missing columns or values,
    duplicate keys, missing days, negative quantities or an ``on_hand`` that changes within a pair.
    """
    keys = [*PAIR, "date"]
    frame = _checked(balances, "balances", [*keys, "on_hand", "receipts", "committed"], keys)
    frame["date"] = _datetimes(frame, "balances", "date", keys, whole_days=True)
    for column in ("on_hand", "receipts", "committed"):
        frame[column] = _quantities(frame, "balances", column, keys)
    frame = frame.sort_values(keys, kind="stable").reset_index(drop=True)
    pairs = frame.groupby(PAIR, sort=False)

    if len(frame):
        start, end = frame["date"].min(), frame["date"].max()
        expected = start + pd.to_timedelta(pairs.cumcount(), unit="D")
        gap = frame["date"].ne(expected)
        size = pairs["date"].transform("size")
        early_end = size.lt((end - start).days + 1) & pairs.cumcount().eq(size - 1)
        for bad, missing in ((gap, expected), (early_end, frame["date"] + pd.Timedelta(days=1))):
            if bad.any():
                first = int(np.argmax(bad.to_numpy()))
                raise ValueError(
                    f"balances.date misses {missing.iloc[first]:%Y-%m-%d} for {_example(frame, np.arange(len(frame)) == first, PAIR)} "
                    f"(every pair needs every day from {start:%Y-%m-%d} to {end:%Y-%m-%d})"
                )
        changing = pairs["on_hand"].transform("nunique").gt(1)
        if changing.any():
            raise ValueError(
                f"balances.on_hand must repeat the stock at the start of the horizon on every day of a pair; it changes for {_example(frame, changing, PAIR)}"
            )

    frame["projected_balance"] = frame["on_hand"] + pairs["receipts"].cumsum() - pairs["committed"].cumsum()
    reverse_minimum = frame["projected_balance"].iloc[::-1].groupby([frame[key].iloc[::-1] for key in PAIR], sort=False).cummin()
    frame["atp"] = reverse_minimum.sort_index().clip(lower=0.0)
    frame["atp_new_on_day"] = frame.groupby(PAIR, sort=False)["atp"].diff().fillna(frame["atp"])
    return frame


def available_to_sell(atp: pd.DataFrame, channel_buffers: pd.DataFrame) -> pd.DataFrame:
    """ATS per channel: ``max(0, atp - buffer_units)`` by SKU x location x day x channel.

    ``atp``: the output of ``available_to_promise`` (``sku_id, location_id, date, atp``).
    ``channel_buffers``: ``location_id, channel_id, buffer_units`` (>= 0 units held back from the
    channel), optionally ``sku_id``: a row with a ``sku_id`` sets the buffer of that SKU, a row
    without one (column absent or null) the buffer of every other SKU at the location.

    A location sells through the channels the table names for it: each ATP row gets one row per
    such channel (a channel named only for some SKUs gets a buffer of 0 for the others);
    locations the table does not name get no ATS rows. Returns ``sku_id, location_id, date,
    channel_id, atp, buffer_units, ats`` sorted by those keys, fresh index.
    """
    frame = _checked(atp, "atp", [*PAIR, "date", "atp"], [*PAIR, "date"])
    per_sku = "sku_id" in channel_buffers.columns
    keys = ["location_id", "channel_id", *(["sku_id"] if per_sku else [])]
    buffers = _checked(channel_buffers, "channel_buffers", [*keys, "buffer_units"], keys, nullable=("sku_id",))
    buffers["buffer_units"] = _quantities(buffers, "channel_buffers", "buffer_units", keys)
    specific = buffers["sku_id"].notna() if per_sku else pd.Series(False, index=buffers.index)

    channels = buffers[["location_id", "channel_id"]].drop_duplicates()
    rows = frame[[*PAIR, "date", "atp"]].merge(channels, on="location_id")
    location_wide = buffers.loc[~specific, ["location_id", "channel_id", "buffer_units"]]
    rows = rows.merge(location_wide, on=["location_id", "channel_id"], how="left", validate="many_to_one")
    if per_sku:
        sku_level = buffers.loc[specific, [*PAIR, "channel_id", "buffer_units"]].rename(columns={"buffer_units": "sku_buffer"})
        rows = rows.merge(sku_level, on=[*PAIR, "channel_id"], how="left", validate="many_to_one")
        rows["buffer_units"] = rows.pop("sku_buffer").fillna(rows["buffer_units"])
    rows["buffer_units"] = rows["buffer_units"].fillna(0.0).astype(float)
    rows["ats"] = (rows["atp"] - rows["buffer_units"]).clip(lower=0.0)
    columns = [*PAIR, "date", "channel_id", "atp", "buffer_units", "ats"]
    return rows[columns].sort_values([*PAIR, "date", "channel_id"], kind="stable").reset_index(drop=True)


def allocate_scarce_stock(lines: pd.DataFrame, supply: pd.DataFrame) -> pd.DataFrame:
    """Allocate the stock of each SKU x location to the open order lines competing for it.

    ``lines``: one row per ``order_id, order_line`` with ``sku_id, location_id, customer_id``,
    ``segment`` (KEY_ACCOUNT, COMMITTED_VOLUME, STANDARD), ``reserved_buffer_pct`` (0 to 100, the
    customer's reserved buffer; read for committed-volume customers only, the same for all lines of
    a customer), ``order_date``, ``promised_date`` and ``open_quantity`` (> 0 units); optionally
    ``priority``, which must then agree with the segment (1, 2, 3).
    ``supply``: ``sku_id, location_id, available_quantity`` (>= 0 units that can be allocated
    now; a pair without a row has none).

    Per SKU x location, with ``A`` its available quantity, stock goes in tier order:

    1. key-account lines, by promised date, order date, order id and line;
    2. committed-volume lines within their customer's reserved buffer: customer ``c`` has
       ``floor(reserved_buffer_pct_c / 100 * A)`` units of the pair's stock reserved (the buffer is
       a share of the pair's stock, rounded down to whole units), used by its lines in promised
       date, order date, order id and line order; the part of a line beyond what is left of the
       buffer goes to tier 3. Tier 2 is served by promised date, order date, order id and line
       (buffers adding up to more than what key accounts leave are served in that order);
    3. everything else: standard lines and committed-volume quantity beyond the buffer, by order
       date, then promised date, order id and line.

    Returns the input rows in their order (index and columns kept) with ``allocated_quantity``,
    ``short_quantity`` (``allocated + short == open_quantity``, and per pair the allocations add up
    to at most ``A``), ``allocation_tier`` (tier of the line's first part: 1, 2 or 3),
    ``fill_status`` (FULL, PARTIAL, NONE), and for short lines ``short_reason`` (a code of
    ``SHORT_REASONS``) and ``short_reason_text``, both null on fully served lines. The code looks
    at where the line first fell short: NO_STOCK (``A == 0``), BEYOND_RESERVED_BUFFER (short only
    beyond a committed-volume buffer), HIGHER_PRIORITY (only higher tiers were served before the
    line), EARLIER_ORDERS (lines of its own tier were served before it, after any higher tiers),
    INSUFFICIENT_STOCK (nothing went to other lines before it). The text gives the pair's quantity and who took it, e.g.
    ``120 available at DC01; 80 went to key accounts and 40 to committed-volume buffers before
    this standard line (ordered 2026-09-20); 30 of 30 short``.
    """
    work = _checked(lines, "lines", _ALLOCATION_COLUMNS, LINE_KEY)
    stock = _checked(supply, "supply", [*PAIR, "available_quantity"], PAIR)
    work["open_quantity"] = _quantities(work, "lines", "open_quantity", LINE_KEY, strict=True)
    work["reserved_buffer_pct"] = _quantities(work, "lines", "reserved_buffer_pct", LINE_KEY)
    stock["available_quantity"] = _quantities(stock, "supply", "available_quantity", PAIR)
    for column in ("order_date", "promised_date"):
        work[column] = _datetimes(work, "lines", column, LINE_KEY)
    unknown = ~work["segment"].isin(list(SEGMENT_TIERS))
    if unknown.any():
        raise ValueError(
            f"lines.segment must be one of {', '.join(SEGMENT_TIERS)}, got {work['segment'][unknown].iloc[0]!r} at {_example(work, unknown, LINE_KEY)}"
        )
    tier = work["segment"].map(SEGMENT_TIERS).to_numpy(dtype=int)
    if "priority" in work.columns:
        disagree = pd.to_numeric(work["priority"], errors="coerce").to_numpy() != tier
        if disagree.any():
            raise ValueError(
                f"lines.priority must follow the segment (KEY_ACCOUNT 1, COMMITTED_VOLUME 2, STANDARD 3), it does not at {_example(work, disagree, LINE_KEY)}"
            )
    if work["reserved_buffer_pct"].gt(100).any():
        raise ValueError(f"lines.reserved_buffer_pct must be at most 100, e.g. at {_example(work, work['reserved_buffer_pct'].gt(100), LINE_KEY)}")
    varying = work.groupby("customer_id")["reserved_buffer_pct"].transform("nunique").gt(1)
    if varying.any():
        raise ValueError(f"lines.reserved_buffer_pct must be the same on all lines of a customer, e.g. customer {work['customer_id'][varying].iloc[0]!r}")

    result = work.copy()
    work = work.reset_index(drop=True)
    quantity = work["open_quantity"].to_numpy()
    work["available"] = work[PAIR].merge(stock, on=PAIR, how="left")["available_quantity"].fillna(0.0).to_numpy()
    buffered = (tier == 2) & (work["reserved_buffer_pct"].to_numpy() > 0)
    work["reserved"] = np.where(buffered, np.floor(work["reserved_buffer_pct"] / 100 * work["available"] + _TOLERANCE), 0.0)

    # the part of each committed-volume line within what its customer's earlier lines left of the buffer
    by_customer = work.sort_values([*PAIR, "customer_id", "promised_date", "order_date", *LINE_KEY], kind="stable")
    used_before = by_customer.groupby([*PAIR, "customer_id"], sort=False)["open_quantity"].cumsum() - by_customer["open_quantity"]
    within = (by_customer["reserved"] - used_before).clip(lower=0.0).clip(upper=by_customer["open_quantity"]).sort_index().to_numpy()

    # a line is one or two portions (tier 2 within the buffer, tier 3 beyond), filled in tier order
    first_tier = np.select([tier == 1, within > 0], [1, 2], 3)
    columns = [*PAIR, *LINE_KEY, "order_date", "promised_date", "available"]
    excess = (within > 0) & (within < quantity)
    portions = pd.concat(
        [
            work[columns].assign(row=np.arange(len(work)), tier=first_tier, quantity=np.where(within > 0, within, quantity)),
            work.loc[excess, columns].assign(row=np.flatnonzero(excess), tier=3, quantity=(quantity - within)[excess]),
        ],
        ignore_index=True,
    )
    third = portions["tier"].eq(3)
    portions["first_key"] = portions["promised_date"].where(~third, portions["order_date"])
    portions["second_key"] = portions["order_date"].where(~third, portions["promised_date"])
    portions = portions.sort_values([*PAIR, "tier", "first_key", "second_key", *LINE_KEY], kind="stable")
    pairs = portions.groupby(PAIR, sort=False)
    portions["before"] = pairs["quantity"].cumsum() - portions["quantity"]
    portions["allocated"] = (portions["available"] - portions["before"]).clip(lower=0.0).clip(upper=portions["quantity"]).round(9)
    portions["short"] = (portions["quantity"] - portions["allocated"]).round(9)

    rows = portions["row"].to_numpy()
    allocated = np.bincount(rows, weights=portions["allocated"].to_numpy(), minlength=len(work)).round(9)
    short = (quantity - allocated).round(9)
    result["allocated_quantity"] = allocated
    result["short_quantity"] = short
    result["allocation_tier"] = first_tier
    result["fill_status"] = np.select([short <= _TOLERANCE, allocated <= _TOLERANCE], ["FULL", "NONE"], "PARTIAL")

    # why each short line is short: the first of its portions that fell short, and who took the stock before it
    tier_quantity = portions[PAIR].assign(
        key=portions["quantity"].where(portions["tier"].eq(1), 0.0), buffer=portions["quantity"].where(portions["tier"].eq(2), 0.0)
    )
    tier_totals = tier_quantity.groupby(PAIR, sort=False)[["key", "buffer"]].transform("sum")
    key_taken = np.minimum(tier_totals["key"], portions["available"])
    buffer_taken = np.minimum(tier_totals["key"] + tier_totals["buffer"], portions["available"]) - key_taken
    own_buffer = np.bincount(rows, weights=portions["allocated"].where(portions["tier"].eq(2), 0.0).to_numpy(), minlength=len(work))
    portions = portions.assign(key_taken=key_taken, buffer_taken=buffer_taken)
    first_short = portions[portions["short"] > _TOLERANCE].drop_duplicates("row").set_index("row").sort_index()
    codes, texts = _short_reasons(first_short, work.loc[first_short.index], own_buffer[first_short.index], short[first_short.index])
    for column, values in (("short_reason", codes), ("short_reason_text", texts)):
        column_values = np.full(len(work), None, dtype=object)
        column_values[first_short.index.to_numpy()] = np.asarray(values, dtype=object)
        result[column] = column_values
    return result


def _short_reasons(portion: pd.DataFrame, line: pd.DataFrame, own_buffer: np.ndarray, short: np.ndarray) -> tuple[np.ndarray, pd.Series]:
    """Reason code and sentence of each short line from the first of its portions that fell short
    (``portion``, indexed like ``line``): the pair's stock, who took it before, the line's tier."""
    index = portion.index
    tier = portion["tier"].to_numpy()
    available = portion["available"].to_numpy()
    consumed = np.minimum(portion["before"].to_numpy(), available)
    key = np.where(tier > 1, portion["key_taken"], 0.0)
    buffers = np.where(tier > 2, portion["buffer_taken"], 0.0)
    earlier = consumed - key - buffers
    buffers = buffers - np.where(tier == 3, own_buffer, 0.0)  # the line's own buffer is not someone else's
    beyond = line["segment"].eq("COMMITTED_VOLUME").to_numpy() & (line["reserved_buffer_pct"].to_numpy() > 0)
    codes = np.select(
        [available <= _TOLERANCE, beyond & (tier == 3), (earlier <= _TOLERANCE) & (key + buffers > _TOLERANCE), earlier > _TOLERANCE],
        ["NO_STOCK", "BEYOND_RESERVED_BUFFER", "HIGHER_PRIORITY", "EARLIER_ORDERS"],
        "INSUFFICIENT_STOCK",
    )

    def units(values) -> pd.Series:
        return _units(pd.Series(np.asarray(values, dtype=float), index=index))

    location = line["location_id"].astype(str)
    same_tier = pd.Series(tier, index=index).map({1: "earlier key-account lines", 2: "committed-volume buffers due earlier", 3: "earlier orders"})
    parts = (
        (units(key) + " to key accounts").where(key > _TOLERANCE, "")
        + "|"
        + (units(buffers) + " to committed-volume buffers").where(buffers > _TOLERANCE, "")
        + "|"
        + (units(earlier) + " to " + same_tier).where(earlier > _TOLERANCE, "")
    )
    parts = parts.str.replace(r"\|+", "|", regex=True).str.strip("|").str.replace(r"\|(?=[^|]*$)", " and ", regex=True).str.replace("|", ", ", regex=False)
    parts = parts.str.replace(" to ", " went to ", n=1, regex=False)

    buffer_text = (
        " its customer's reserved buffer of " + units(line["reserved"]) + " (" + units(line["reserved_buffer_pct"]) + " % of " + units(available) + ")"
    )
    dated = (" (promised " + line["promised_date"].dt.strftime("%Y-%m-%d") + ")").where(
        tier < 3, " (ordered " + line["order_date"].dt.strftime("%Y-%m-%d") + ")"
    )
    description = line["segment"].map(_SEGMENT_WORDS) + " line" + dated
    description = description + buffer_text.radd(" within").where(tier == 2, "") + buffer_text.radd(" beyond").where(beyond & (tier == 3), "")
    detail = (parts + " before this " + description).where(parts.ne(""), "all of it went to this " + description)
    texts = units(available) + " available at " + location + "; " + detail + "; " + units(short) + " of " + units(line["open_quantity"]) + " short"
    texts = texts.where(codes != "NO_STOCK", "no stock available for SKU " + line["sku_id"].astype(str) + " at " + location)
    return codes, texts
