"""Availability of SPEC section 6: ATP and ATS by SKU x location x day, allocation of scarce stock.

Units: quantities in base units (eaches), dates as ``datetime64[ns]`` day values. Every function
takes long frames (one row per key) and works on all SKU x location pairs at once: sorts,
grouped cumulative sums and minima, no loop over rows, order lines or pairs.

- ``available_to_promise``: projected balance ``on hand + cumulative receipts - cumulative
  committed`` and the cumulative ATP with look-ahead, the reverse cumulative minimum of the
  projected balance floored at 0 (what can still be promised on a day without breaking a later
  commitment).
- ``available_to_sell``: ATS per sales channel, ATP minus the channel's safety buffer, floored at 0.
- ``allocate_scarce_stock``: the stock of each SKU x location goes by the customer segments'
  allocation priority (seed ``segment_service_levels``, passed in): the first priority in full (key
  accounts), the priorities between the first and the last up to their customer's reserved buffer
  (committed-volume customers), then everything else by order date; every short line carries a
  reason code (``SHORT_REASONS``) and a sentence naming the segments.

Ship-from routing of online orders is in ``ml.inventory.routing``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ml.schema import FrameSchema

PAIR = ["sku_id", "location_id"]
LINE_KEY = ["order_id", "order_line"]
SHORT_REASONS = {
    "NO_STOCK": "nothing available for the SKU at the location",
    "INSUFFICIENT_STOCK": "the line got all there was and is still short",
    "HIGHER_PRIORITY": "higher tiers (the first priority, reserved buffers) took the stock; no line of its own tier went before it",
    "EARLIER_ORDERS": "lines of its own tier served before it (earlier promised or order date) took the stock, after any higher tiers",
    "BEYOND_RESERVED_BUFFER": "a line served within its customer's reserved buffer, short on the quantity beyond it",
}
_TOLERANCE = 1e-9

# the inputs: quantities >= 0 units, each row named by its key in errors
BALANCES = FrameSchema(
    {"sku_id": "any", "location_id": "any", "date": "day", "on_hand": "number", "receipts": "number", "committed": "number"},
    non_negative=("on_hand", "receipts", "committed"),
    unique=(*PAIR, "date"),
)
ATP = FrameSchema({"sku_id": "any", "location_id": "any", "date": "any", "atp": "number"}, unique=(*PAIR, "date"))
SEGMENTS = FrameSchema(
    {"segment": "any", "allocation_priority": "number"}, non_negative=("allocation_priority",), whole=("allocation_priority",), unique=("segment",)
)
SUPPLY = FrameSchema({"sku_id": "any", "location_id": "any", "available_quantity": "number"}, non_negative=("available_quantity",), unique=PAIR)


def _buffers_schema(per_sku: bool) -> FrameSchema:
    """Channel buffers by location and channel, or also by SKU (a null SKU: every other SKU)."""
    keys = ["location_id", "channel_id", *(["sku_id"] if per_sku else [])]
    return FrameSchema(
        {**dict.fromkeys(keys, "any"), "buffer_units": "number"}, nullable=("sku_id",) if per_sku else (), non_negative=("buffer_units",), unique=keys
    )


def _lines_schema(segments: Sequence[str]) -> FrameSchema:
    """Open order lines, their segment one of the ranked ``segments``."""
    columns = {**dict.fromkeys([*LINE_KEY, *PAIR, "customer_id", "segment"], "any"), "reserved_buffer_pct": "number", "order_date": "date"}
    columns |= {"promised_date": "date", "open_quantity": "number"}
    return FrameSchema(columns, non_negative=("reserved_buffer_pct",), positive=("open_quantity",), choices={"segment": list(segments)}, unique=LINE_KEY)


def _example(frame: pd.DataFrame, mask, keys: list[str]) -> str:
    """The key of the first row where ``mask`` holds, for error messages."""
    row = frame.loc[np.asarray(mask, dtype=bool)].iloc[0]
    shown = [f"{row[key]:%Y-%m-%d}" if isinstance(row[key], pd.Timestamp) else repr(row[key]) if isinstance(row[key], str) else row[key] for key in keys]
    return ", ".join(f"{key}={value}" for key, value in zip(keys, shown))


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
    frame = BALANCES.validate(balances, "balances")
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
    frame = ATP.validate(atp, "atp")
    per_sku = isinstance(channel_buffers, pd.DataFrame) and "sku_id" in channel_buffers.columns
    buffers = _buffers_schema(per_sku).validate(channel_buffers, "channel_buffers")
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


class SegmentTiers:
    """The allocation tiers of the customer segments: ``segments`` has ``segment`` and
    ``allocation_priority`` (whole numbers, the smaller served first; seed
    ``segment_service_levels``). The first (smallest) priority is served in full; the priorities
    between the first and the last are served within their customer's reserved buffer; the last
    priority (with quantities beyond the buffers) is served by order date. With a single priority,
    it is the last."""

    def __init__(self, segments: pd.DataFrame) -> None:
        frame = SEGMENTS.validate(segments, "segments")
        if frame.empty:
            raise ValueError("segments is empty: give every customer segment its allocation_priority (seed segment_service_levels)")
        priority = frame["allocation_priority"]
        ranked = pd.DataFrame({"segment": frame["segment"].astype(str).to_numpy(), "priority": priority.astype("int64").to_numpy()})
        ranked = ranked.sort_values(["priority", "segment"], kind="stable")
        self.priority = pd.Series(ranked["priority"].to_numpy(), index=ranked["segment"].to_numpy())  # by priority, then name
        self.first = int(self.priority.min())
        self.last = int(self.priority.max())

    def ranked(self) -> str:
        """``KEY_ACCOUNT 1, COMMITTED_VOLUME 2, STANDARD 3``: the segments by priority."""
        return ", ".join(f"{segment} {priority}" for segment, priority in self.priority.items())

    def lowest(self) -> str:
        """The segment of the last priority (the last by name when several share it)."""
        return str(self.priority.index[-1])

    def is_first(self, tier) -> np.ndarray:
        """Served in full: the first priority, when there are several."""
        return (np.asarray(tier) == self.first) & (self.first != self.last)

    def is_buffered(self, tier) -> np.ndarray:
        """Served within the customer's reserved buffer: the priorities between the first and the last."""
        tier = np.asarray(tier)
        return (tier > self.first) & (tier < self.last)

    def adjective(self, tiers) -> pd.Series:
        """``key-account``: the segments of each tier, in words (``/`` between several)."""
        words = self.priority.groupby(self.priority.to_numpy()).apply(lambda group: "/".join(_adjective(segment) for segment in group.index))
        return pd.Series(np.asarray(tiers), dtype="int64").map(words).astype(str)

    def first_plural(self) -> str:
        """``key accounts``: the segments of the first priority, as a plural noun."""
        return "/".join(_plural(segment) for segment in self.priority[self.priority.eq(self.first)].index)

    def buffered_before(self, tiers) -> pd.Series:
        """``committed-volume``: the buffered segments of a higher priority than each tier, in words."""
        buffered = self.priority[self.is_buffered(self.priority.to_numpy())]
        names = {int(t): "/".join(_adjective(s) for s in buffered[buffered.lt(t)].index) for t in np.unique(np.asarray(tiers))}
        return pd.Series(np.asarray(tiers), dtype="int64").map(names).astype(str)


def _adjective(segment: str) -> str:
    """A segment code in words before a noun: KEY_ACCOUNT -> key-account."""
    return str(segment).lower().replace("_", "-")


def _plural(segment: str) -> str:
    """A segment code as a plural noun: KEY_ACCOUNT -> key accounts."""
    return str(segment).lower().replace("_", " ") + "s"


def allocate_scarce_stock(lines: pd.DataFrame, supply: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Allocate the stock of each SKU x location to the open order lines competing for it.

    ``lines``: one row per ``order_id, order_line`` with ``sku_id, location_id, customer_id``,
    ``segment`` (one of ``segments``), ``reserved_buffer_pct`` (0 to 100, the customer's reserved
    buffer; read for the segments of a priority between the first and the last only, the same for
    all lines of a customer), ``order_date``, ``promised_date`` and ``open_quantity`` (> 0 units);
    optionally ``priority``, which must then be the segment's allocation priority.
    ``supply``: ``sku_id, location_id, available_quantity`` (>= 0 units that can be allocated
    now; a pair without a row has none).
    ``segments``: ``segment, allocation_priority`` (seed ``segment_service_levels``; see
    :class:`SegmentTiers`). A line of a segment it lacks is refused: the caller decides where such
    lines rank (the asset ranks them with the lowest priority and says so).

    Per SKU x location, with ``A`` its available quantity, stock goes in tier order (the demo's
    segments: key accounts 1, committed-volume customers 2, standard customers 3):

    1. lines of the first priority, by promised date, order date, order id and line;
    2. lines of a priority between the first and the last within their customer's reserved
       buffer: customer ``c`` has ``floor(reserved_buffer_pct_c / 100 * A)`` units of the pair's
       stock reserved (the buffer is a share of the pair's stock, rounded down to whole units), used
       by its lines in promised date, order date, order id and line order; the part of a line
       beyond what is left of the buffer goes to the last tier. Each such priority is served in
       turn by promised date, order date, order id and line (buffers adding up to more than what
       the first priority leaves are served in that order);
    3. everything else: lines of the last priority and buffered quantity beyond the buffer, by
       order date, then promised date, order id and line.

    Returns the input rows in their order (index and columns kept) with ``allocated_quantity``,
    ``short_quantity`` (``allocated + short == open_quantity``, and per pair the allocations add up
    to at most ``A``), ``allocation_tier`` (the priority of the line's first part: its segment's,
    the last one for a buffered line without buffer), ``fill_status`` (FULL, PARTIAL, NONE), and
    for short lines ``short_reason`` (a code of ``SHORT_REASONS``) and ``short_reason_text``, both
    null on fully served lines. The code looks at where the line first fell short: NO_STOCK
    (``A == 0``), BEYOND_RESERVED_BUFFER (short only beyond its buffer), HIGHER_PRIORITY (only
    higher tiers were served before the line), EARLIER_ORDERS (lines of its own tier were served
    before it, after any higher tiers), INSUFFICIENT_STOCK (nothing went to other lines before it).
    The text gives the pair's quantity and who took it, the segments named from their codes, e.g.
    ``120 available at DC01; 80 went to key accounts and 40 to committed-volume buffers before
    this standard line (ordered 2026-09-20); 30 of 30 short``.
    """
    tiers = SegmentTiers(segments)
    work = _lines_schema(tiers.priority.index).validate(lines, "lines")
    stock = SUPPLY.validate(supply, "supply")
    tier = work["segment"].map(tiers.priority).to_numpy(dtype="int64")
    if "priority" in work.columns:
        disagree = pd.to_numeric(work["priority"], errors="coerce").to_numpy() != tier
        if disagree.any():
            raise ValueError(f"lines.priority must follow the segment ({tiers.ranked()}), it does not at {_example(work, disagree, LINE_KEY)}")
    if work["reserved_buffer_pct"].gt(100).any():
        raise ValueError(f"lines.reserved_buffer_pct must be at most 100, e.g. at {_example(work, work['reserved_buffer_pct'].gt(100), LINE_KEY)}")
    varying = work.groupby("customer_id")["reserved_buffer_pct"].transform("nunique").gt(1)
    if varying.any():
        raise ValueError(f"lines.reserved_buffer_pct must be the same on all lines of a customer, e.g. customer {work['customer_id'][varying].iloc[0]!r}")

    result = work.copy()
    work = work.reset_index(drop=True)
    quantity = work["open_quantity"].to_numpy()
    work["available"] = work[PAIR].merge(stock, on=PAIR, how="left")["available_quantity"].fillna(0.0).to_numpy()
    buffered = tiers.is_buffered(tier) & (work["reserved_buffer_pct"].to_numpy() > 0)
    work["reserved"] = np.where(buffered, np.floor(work["reserved_buffer_pct"] / 100 * work["available"] + _TOLERANCE), 0.0)

    # the part of each buffered line within what its customer's earlier lines left of the buffer
    by_customer = work.sort_values([*PAIR, "customer_id", "promised_date", "order_date", *LINE_KEY], kind="stable")
    used_before = by_customer.groupby([*PAIR, "customer_id"], sort=False)["open_quantity"].cumsum() - by_customer["open_quantity"]
    within = (by_customer["reserved"] - used_before).clip(lower=0.0).clip(upper=by_customer["open_quantity"]).sort_index().to_numpy()

    # a line is one or two portions (its tier within the buffer, the last tier beyond), filled in tier order
    first_tier = np.where(tiers.is_first(tier) | (within > 0), tier, tiers.last)
    columns = [*PAIR, *LINE_KEY, "order_date", "promised_date", "available"]
    excess = (within > 0) & (within < quantity)
    portions = pd.concat(
        [
            work[columns].assign(row=np.arange(len(work)), tier=first_tier, quantity=np.where(within > 0, within, quantity)),
            work.loc[excess, columns].assign(row=np.flatnonzero(excess), tier=tiers.last, quantity=(quantity - within)[excess]),
        ],
        ignore_index=True,
    )
    last = portions["tier"].eq(tiers.last)
    portions["first_key"] = portions["promised_date"].where(~last, portions["order_date"])
    portions["second_key"] = portions["order_date"].where(~last, portions["promised_date"])
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

    # why each short line is short: the first of its portions that fell short, and who took the stock before it:
    # the first priority, then the buffers of the priorities above the portion's
    portion_tier = portions["tier"].to_numpy()
    first_quantity = portions["quantity"].where(tiers.is_first(portion_tier), 0.0)
    first_total = first_quantity.groupby([portions[key] for key in PAIR], sort=False).transform("sum")
    buffer_quantity = portions[PAIR].assign(tier=portions["tier"], quantity=portions["quantity"].where(tiers.is_buffered(portion_tier), 0.0))
    per_tier = buffer_quantity.groupby([*PAIR, "tier"], sort=True)["quantity"].sum()
    higher = (per_tier.groupby(level=PAIR, sort=False).cumsum() - per_tier).rename("buffers_before")
    buffers_before = portions[[*PAIR, "tier"]].merge(higher.reset_index(), on=[*PAIR, "tier"], how="left")["buffers_before"].to_numpy()
    key_taken = np.minimum(first_total.to_numpy(), portions["available"].to_numpy())
    buffer_taken = np.minimum(first_total.to_numpy() + buffers_before, portions["available"].to_numpy()) - key_taken
    own_buffer = np.bincount(rows, weights=portions["allocated"].where(tiers.is_buffered(portion_tier), 0.0).to_numpy(), minlength=len(work))
    portions = portions.assign(key_taken=key_taken, buffer_taken=buffer_taken)
    first_short = portions[portions["short"] > _TOLERANCE].drop_duplicates("row").set_index("row").sort_index()
    codes, texts = _short_reasons(
        first_short, work.loc[first_short.index], own_buffer[first_short.index], short[first_short.index], buffered[first_short.index], tiers
    )
    for column, values in (("short_reason", codes), ("short_reason_text", texts)):
        column_values = np.full(len(work), None, dtype=object)
        column_values[first_short.index.to_numpy()] = np.asarray(values, dtype=object)
        result[column] = column_values
    return result


def _short_reasons(
    portion: pd.DataFrame, line: pd.DataFrame, own_buffer: np.ndarray, short: np.ndarray, beyond: np.ndarray, tiers: SegmentTiers
) -> tuple[np.ndarray, pd.Series]:
    """Reason code and sentence of each short line from the first of its portions that fell short
    (``portion``, indexed like ``line``): the pair's stock, who took it before, the line's tier.
    ``beyond``: the line has a reserved buffer (its part beyond it is in the last tier)."""
    index = portion.index
    tier = portion["tier"].to_numpy()
    available = portion["available"].to_numpy()
    consumed = np.minimum(portion["before"].to_numpy(), available)
    key = np.where(tier > tiers.first, portion["key_taken"], 0.0)
    buffers = portion["buffer_taken"].to_numpy()
    earlier = consumed - key - buffers
    buffers = buffers - np.where(tier == tiers.last, own_buffer, 0.0)  # the line's own buffer is not someone else's
    codes = np.select(
        [available <= _TOLERANCE, beyond & (tier == tiers.last), (earlier <= _TOLERANCE) & (key + buffers > _TOLERANCE), earlier > _TOLERANCE],
        ["NO_STOCK", "BEYOND_RESERVED_BUFFER", "HIGHER_PRIORITY", "EARLIER_ORDERS"],
        "INSUFFICIENT_STOCK",
    )

    def units(values) -> pd.Series:
        return _units(pd.Series(np.asarray(values, dtype=float), index=index))

    def words(values: pd.Series) -> pd.Series:
        return pd.Series(values.to_numpy(), index=index)

    location = line["location_id"].astype(str)
    own_words = words(tiers.adjective(tier))
    same_tier = ("earlier " + own_words + " lines").where(
        tiers.is_first(tier), (own_words + " buffers due earlier").where(tiers.is_buffered(tier), "earlier orders")
    )
    parts = (
        (units(key) + " to " + tiers.first_plural()).where(key > _TOLERANCE, "")
        + "|"
        + (units(buffers) + " to " + words(tiers.buffered_before(tier)) + " buffers").where(buffers > _TOLERANCE, "")
        + "|"
        + (units(earlier) + " to " + same_tier).where(earlier > _TOLERANCE, "")
    )
    parts = parts.str.replace(r"\|+", "|", regex=True).str.strip("|").str.replace(r"\|(?=[^|]*$)", " and ", regex=True).str.replace("|", ", ", regex=False)
    parts = parts.str.replace(" to ", " went to ", n=1, regex=False)

    buffer_text = (
        " its customer's reserved buffer of " + units(line["reserved"]) + " (" + units(line["reserved_buffer_pct"]) + " % of " + units(available) + ")"
    )
    dated = (" (promised " + line["promised_date"].dt.strftime("%Y-%m-%d") + ")").where(
        tier < tiers.last, " (ordered " + line["order_date"].dt.strftime("%Y-%m-%d") + ")"
    )
    description = line["segment"].map(_adjective) + " line" + dated
    description = (
        description + buffer_text.radd(" within").where(tiers.is_buffered(tier), "") + buffer_text.radd(" beyond").where(beyond & (tier == tiers.last), "")
    )
    detail = (parts + " before this " + description).where(parts.ne(""), "all of it went to this " + description)
    texts = units(available) + " available at " + location + "; " + detail + "; " + units(short) + " of " + units(line["open_quantity"]) + " short"
    texts = texts.where(codes != "NO_STOCK", "no stock available for SKU " + line["sku_id"].astype(str) + " at " + location)
    return codes, texts
