"""ATP, ATS and the allocation of scarce stock (SPEC section 6) on hand-computed cases."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest

from ml.inventory import availability


def _balances(on_hand, receipts, committed, sku="A", location="DC01", start="2026-10-01") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sku_id": sku,
            "location_id": location,
            "date": pd.date_range(start, periods=len(receipts)),
            "on_hand": on_hand,
            "receipts": receipts,
            "committed": committed,
        }
    )


def test_a_later_commitment_lowers_earlier_atp_and_a_receipt_raises_only_later_atp():
    # 10 on hand; 3 committed on day 1, 20 received on day 3, 12 committed on day 4, 5 on day 5
    atp = availability.available_to_promise(_balances(10, [0, 0, 20, 0, 0], [3, 0, 0, 12, 5]))
    assert atp["projected_balance"].tolist() == [7.0, 7.0, 27.0, 15.0, 10.0]
    # days 1-2 can promise 7 (the receipt comes later); from day 3 the minimum ahead is 10
    assert atp["atp"].tolist() == [7.0, 7.0, 10.0, 10.0, 10.0]
    assert atp["atp_new_on_day"].tolist() == [7.0, 0.0, 3.0, 0.0, 0.0]
    assert atp["date"].dtype == "datetime64[ns]"


def test_atp_is_floored_at_zero_and_computed_per_pair():
    short = _balances(5, [0, 0, 0], [4, 4, 0], sku="A")  # balance 1, -3, -3: nothing to promise
    long = _balances(0, [6, 0, 0], [0, 2, 1], sku="B")  # 6, 4, 3
    atp = availability.available_to_promise(pd.concat([long, short], ignore_index=True))
    assert atp["sku_id"].tolist() == ["A"] * 3 + ["B"] * 3  # sorted by sku, location, date
    assert atp["projected_balance"].tolist() == [1.0, -3.0, -3.0, 6.0, 4.0, 3.0]
    assert atp["atp"].tolist() == [0.0, 0.0, 0.0, 3.0, 3.0, 3.0]


def test_atp_accepts_python_dates():
    frame = _balances(4, [0, 1], [1, 0])
    frame["date"] = [dt.date(2026, 10, 1), dt.date(2026, 10, 2)]
    assert availability.available_to_promise(frame)["atp"].tolist() == [3.0, 4.0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(index=1), r"balances.date misses 2026-10-02 for sku_id='A', location_id='DC01'"),
        (lambda f: pd.concat([f, f.iloc[[0]]]), r"balances has several rows .* sku_id='A', location_id='DC01', date=2026-10-01"),
        (lambda f: f.assign(committed=[1, -2, 0]), r"balances.committed must be >= 0, got -2 at sku_id='A', location_id='DC01', date=2026-10-02"),
        (lambda f: f.assign(on_hand=[5, 4, 4]), r"balances.on_hand must repeat"),
        (lambda f: f.drop(columns="receipts"), r"balances lacks the columns \['receipts'\]"),
        (lambda f: f.assign(receipts=[1, None, 0]), r"balances.receipts has missing values"),
        (lambda f: f.assign(date=f["date"] + pd.Timedelta(hours=6)), r"balances.date must hold whole days"),
    ],
)
def test_atp_validation_names_the_column_and_a_key(change, message):
    frame = _balances(5, [0, 0, 0], [1, 0, 0])
    with pytest.raises(ValueError, match=message):
        availability.available_to_promise(change(frame))


def test_atp_needs_every_pair_over_the_whole_horizon():
    full = _balances(5, [0, 0, 0], [0, 0, 0])
    late = _balances(5, [0, 0], [0, 0], sku="B", start="2026-10-02")
    with pytest.raises(ValueError, match=r"misses 2026-10-01 for sku_id='B', location_id='DC01'"):
        availability.available_to_promise(pd.concat([full, late]))
    early_end = _balances(5, [0, 0], [0, 0], location="DC02")
    with pytest.raises(ValueError, match=r"misses 2026-10-03 for sku_id='A', location_id='DC02'"):
        availability.available_to_promise(pd.concat([full, early_end]))


def test_ats_subtracts_channel_buffers_floored_at_zero():
    atp = availability.available_to_promise(pd.concat([_balances(10, [0, 20], [3, 0], sku="A"), _balances(2, [0, 0], [0, 0], sku="B")]))
    buffers = pd.DataFrame(
        {
            "location_id": ["DC01", "DC01", "DC01", "DC02"],
            "channel_id": ["ONLINE", "B2B", "ONLINE", "ONLINE"],
            "sku_id": [None, None, "A", None],  # A has its own online buffer, B the location's
            "buffer_units": [5.0, 0.0, 8.0, 1.0],
        }
    )
    ats = availability.available_to_sell(atp, buffers)
    assert list(ats.columns) == ["sku_id", "location_id", "date", "channel_id", "atp", "buffer_units", "ats"]
    assert len(ats) == 8  # DC02 has no ATP rows; each DC01 row gets both channels
    online = ats[ats["channel_id"].eq("ONLINE")]
    assert online["buffer_units"].tolist() == [8.0, 8.0, 5.0, 5.0]
    assert online["ats"].tolist() == [0.0, 19.0, 0.0, 0.0]  # A: 7 - 8 floored, 27 - 8; B: 2 - 5 floored
    assert ats.loc[ats["channel_id"].eq("B2B"), "ats"].tolist() == [7.0, 27.0, 2.0, 2.0]


def test_ats_without_sku_column_and_its_validation():
    atp = availability.available_to_promise(_balances(10, [0], [0]))
    ats = availability.available_to_sell(atp, pd.DataFrame({"location_id": ["DC01"], "channel_id": ["ONLINE"], "buffer_units": [3]}))
    assert ats["ats"].tolist() == [7.0]
    with pytest.raises(ValueError, match=r"channel_buffers.buffer_units must be >= 0, got -1 at location_id='DC01', channel_id='ONLINE'"):
        availability.available_to_sell(atp, pd.DataFrame({"location_id": ["DC01"], "channel_id": ["ONLINE"], "buffer_units": [-1]}))
    with pytest.raises(ValueError, match=r"channel_buffers has several rows"):
        availability.available_to_sell(atp, pd.DataFrame({"location_id": ["DC01"] * 2, "channel_id": ["ONLINE"] * 2, "buffer_units": [1, 2]}))


# the demo company's segments (company.yaml segments, table company.segment_service_levels): the allocation knows them only from this table
SEGMENTS = pd.DataFrame({"segment": ["KEY_ACCOUNT", "COMMITTED_VOLUME", "STANDARD"], "allocation_priority": [1, 2, 3]})
PRIORITY = dict(zip(SEGMENTS["segment"], SEGMENTS["allocation_priority"]))


def _line(order_id, customer, segment, quantity, ordered, promised="2026-10-01", pct=0, line=1, sku="SKU1", location="DC01"):
    return {
        "order_id": order_id,
        "order_line": line,
        "sku_id": sku,
        "location_id": location,
        "customer_id": customer,
        "segment": segment,
        "priority": PRIORITY[segment],
        "reserved_buffer_pct": pct,
        "order_date": pd.Timestamp(ordered),
        "promised_date": pd.Timestamp(promised),
        "open_quantity": quantity,
    }


def _scarce_pair() -> pd.DataFrame:
    """120 units at DC01 for 200 ordered: key account 80; committed volume C1 (20 %: 24 reserved)
    and C2 (10 %: 12); standard S1 and S2."""
    return pd.DataFrame(
        [
            _line("S1", "ST1", "STANDARD", 30, "2026-09-20"),
            _line("K1", "KA1", "KEY_ACCOUNT", 80, "2026-09-25"),
            _line("C1", "CV1", "COMMITTED_VOLUME", 30, "2026-09-12", pct=20),
            _line("C2", "CV2", "COMMITTED_VOLUME", 20, "2026-09-11", pct=10),
            _line("S2", "ST2", "STANDARD", 10, "2026-09-15"),
            _line("C1", "CV1", "COMMITTED_VOLUME", 10, "2026-09-13", pct=20, line=2),
            _line("S3", "ST3", "STANDARD", 20, "2026-09-10", sku="SKU2"),
        ]
    )


def test_key_accounts_first_then_reserved_buffers_then_the_rest_by_order_date():
    supply = pd.DataFrame({"sku_id": ["SKU1"], "location_id": ["DC01"], "available_quantity": [120]})
    lines = _scarce_pair()
    result = availability.allocate_scarce_stock(lines, supply, SEGMENTS)
    assert result.index.equals(lines.index) and result["order_id"].tolist() == lines["order_id"].tolist()
    # K1 80 in full; C1 24 and C2 12 within their buffers; 4 left for tier 3, where C2's excess
    # (ordered 09-11) comes before C1's (09-12), S2 (09-15), C1 line 2 (09-13) and S1 (09-20)
    assert result["allocated_quantity"].tolist() == [0.0, 80.0, 24.0, 16.0, 0.0, 0.0, 0.0]
    assert result["short_quantity"].tolist() == [30.0, 0.0, 6.0, 4.0, 10.0, 10.0, 20.0]
    assert result["allocation_tier"].tolist() == [3, 1, 2, 2, 3, 3, 3]  # C1 line 2: its customer's buffer is used up
    assert result["fill_status"].tolist() == ["NONE", "FULL", "PARTIAL", "PARTIAL", "NONE", "NONE", "NONE"]
    assert result["short_reason"].tolist()[0] == "EARLIER_ORDERS"
    assert pd.isna(result["short_reason"].iloc[1]) and pd.isna(result["short_reason_text"].iloc[1])
    assert result["short_reason"].tolist()[2:] == ["BEYOND_RESERVED_BUFFER", "BEYOND_RESERVED_BUFFER", "EARLIER_ORDERS", "BEYOND_RESERVED_BUFFER", "NO_STOCK"]
    texts = result["short_reason_text"].tolist()
    assert texts[0] == (
        "120 available at DC01; 80 went to key accounts, 36 to committed-volume buffers and 4 to earlier orders before this standard line (ordered 2026-09-20); 30 of 30 short"
    )
    assert texts[2] == (
        "120 available at DC01; 80 went to key accounts, 12 to committed-volume buffers and 4 to earlier orders before this committed-volume line "
        "(ordered 2026-09-12) beyond its customer's reserved buffer of 24 (20 % of 120); 6 of 30 short"
    )
    assert texts[3].startswith(
        "120 available at DC01; 80 went to key accounts and 24 to committed-volume buffers before this committed-volume line (ordered 2026-09-11)"
    )
    assert texts[6] == "no stock available for SKU SKU2 at DC01"


def test_enough_stock_leaves_no_line_short():
    supply = pd.DataFrame({"sku_id": ["SKU1", "SKU2"], "location_id": ["DC01", "DC01"], "available_quantity": [500, 500]})
    result = availability.allocate_scarce_stock(_scarce_pair(), supply, SEGMENTS)
    assert result["short_quantity"].eq(0).all() and result["fill_status"].eq("FULL").all()
    assert result["short_reason"].isna().all() and result["short_reason_text"].isna().all()


def test_higher_priority_and_a_line_larger_than_the_stock():
    lines = pd.DataFrame(
        [
            _line("K1", "KA1", "KEY_ACCOUNT", 80, "2026-09-25", sku="A"),
            _line("C1", "CV1", "COMMITTED_VOLUME", 40, "2026-09-01", pct=20, sku="A"),  # 20 reserved of 100
            _line("S1", "ST1", "STANDARD", 30, "2026-09-20", sku="A"),
            _line("K2", "KA2", "KEY_ACCOUNT", 50, "2026-09-25", sku="B"),
            _line("K3", "KA3", "KEY_ACCOUNT", 50, "2026-09-26", promised="2026-09-30", sku="B"),  # promised earlier: first
        ]
    )
    supply = pd.DataFrame({"sku_id": ["A", "B"], "location_id": ["DC01", "DC01"], "available_quantity": [100, 30]})
    result = availability.allocate_scarce_stock(lines, supply, SEGMENTS).set_index("order_id")
    assert result["allocated_quantity"].to_dict() == {"K1": 80.0, "C1": 20.0, "S1": 0.0, "K2": 0.0, "K3": 30.0}
    assert pd.isna(result["short_reason"]["K1"])
    assert result["short_reason"].drop("K1").to_dict() == {
        "C1": "BEYOND_RESERVED_BUFFER",
        "S1": "HIGHER_PRIORITY",
        "K2": "EARLIER_ORDERS",
        "K3": "INSUFFICIENT_STOCK",
    }
    assert result["short_reason_text"]["S1"] == (
        "100 available at DC01; 80 went to key accounts and 20 to committed-volume buffers before this standard line (ordered 2026-09-20); 30 of 30 short"
    )
    assert result["short_reason_text"]["C1"].startswith("100 available at DC01; 80 went to key accounts before this committed-volume line")
    assert result["short_reason_text"]["K2"] == (
        "30 available at DC01; 30 went to earlier key-account lines before this key-account line (promised 2026-10-01); 50 of 50 short"
    )
    assert result["short_reason_text"]["K3"] == "30 available at DC01; all of it went to this key-account line (promised 2026-09-30); 20 of 50 short"


def _reference_allocation(lines: pd.DataFrame, supply: pd.DataFrame, segments: pd.DataFrame = SEGMENTS) -> np.ndarray:
    """The allocation rule, one line at a time: the first priority in full, the priorities between
    the first and the last within their customer's buffer, the rest by order date."""
    priority = dict(zip(segments["segment"], segments["allocation_priority"]))
    first, last = min(priority.values()), max(priority.values())
    stock = {(r.sku_id, r.location_id): r.available_quantity for r in supply.itertuples()}
    allocated = np.zeros(len(lines))
    for (sku, location), group in lines.reset_index(drop=True).groupby(["sku_id", "location_id"]):
        available = stock.get((sku, location), 0.0)
        used, portions = defaultdict(float), []
        for r in group.sort_values(["customer_id", "promised_date", "order_date", "order_id", "order_line"]).itertuples():
            tier = priority[r.segment]
            if tier == first < last:
                portions.append((tier, r.promised_date, r.order_date, r.order_id, r.order_line, r.open_quantity, r.Index))
                continue
            within = 0.0
            if first < tier < last:
                within = min(max(math.floor(r.reserved_buffer_pct / 100 * available + 1e-9) - used[r.customer_id], 0.0), r.open_quantity)
                used[r.customer_id] += r.open_quantity
            if within > 0:
                portions.append((tier, r.promised_date, r.order_date, r.order_id, r.order_line, within, r.Index))
            if r.open_quantity > within:
                portions.append((last, r.order_date, r.promised_date, r.order_id, r.order_line, r.open_quantity - within, r.Index))
        for *_, quantity, row in sorted(portions):
            take = min(available, quantity)
            allocated[row] += take
            available -= take
    return allocated


@pytest.mark.parametrize("seed", range(6))
def test_allocation_matches_the_rule_line_by_line_and_conserves_stock(seed):
    rng = np.random.default_rng(seed)
    n = 60
    customers = pd.DataFrame({"customer_id": [f"C{i}" for i in range(9)], "segment": list(SEGMENTS["segment"]) * 3})
    customers["reserved_buffer_pct"] = np.where(customers["segment"].eq("COMMITTED_VOLUME"), rng.choice([10, 15, 20], 9), 0)
    lines = customers.iloc[rng.integers(0, 9, n)].reset_index(drop=True)
    lines = lines.assign(
        order_id=np.arange(n) // 2,
        order_line=np.arange(n) % 2 + 1,
        sku_id=rng.choice(["A", "B", "C"], n),
        location_id=rng.choice(["DC01", "DC02"], n),
        order_date=pd.Timestamp("2026-09-01") + pd.to_timedelta(rng.integers(0, 5, n), unit="D"),
        open_quantity=rng.integers(1, 30, n).astype(float),
    )
    lines["promised_date"] = lines["order_date"] + pd.to_timedelta(rng.integers(3, 6, n), unit="D")
    lines.index = rng.permutation(n) + 100  # an arbitrary index is kept
    supply = pd.DataFrame({"sku_id": ["A", "A", "B", "C"], "location_id": ["DC01", "DC02", "DC01", "DC02"], "available_quantity": rng.integers(0, 150, 4)})

    result = availability.allocate_scarce_stock(lines, supply, SEGMENTS)
    assert result.index.equals(lines.index)
    assert result["allocated_quantity"].to_numpy() == pytest.approx(_reference_allocation(lines, supply))
    assert (result["allocated_quantity"] + result["short_quantity"]).to_numpy() == pytest.approx(lines["open_quantity"].to_numpy())
    per_pair = result.groupby(["sku_id", "location_id"])["allocated_quantity"].sum()
    available = supply.set_index(["sku_id", "location_id"])["available_quantity"].reindex(per_pair.index).fillna(0)
    assert (per_pair <= available + 1e-9).all()
    short = result["short_quantity"] > 0
    assert result.loc[short, "short_reason"].isin(list(availability.SHORT_REASONS)).all()
    assert result.loc[short, "short_reason_text"].str.len().gt(20).all()
    assert result.loc[~short, ["short_reason", "short_reason_text"]].isna().all().all()
    # no standard line is served while a key account of its pair is short
    key_short = result[result["segment"].eq("KEY_ACCOUNT") & short][["sku_id", "location_id"]].drop_duplicates()
    standard_served = result[result["segment"].eq("STANDARD") & result["allocated_quantity"].gt(0)]
    assert standard_served.merge(key_short, on=["sku_id", "location_id"]).empty


# another company's segments: other codes, other priorities, two of them served within reserved buffers
FOUR_SEGMENTS = pd.DataFrame({"segment": ["STRATEGIC", "CONTRACT", "FRAMEWORK", "SPOT"], "allocation_priority": [10, 20, 25, 40]})


@pytest.mark.parametrize("seed", range(4))
def test_allocation_follows_any_companys_segment_priorities(seed):
    rng = np.random.default_rng(seed)
    n = 60
    customers = pd.DataFrame({"customer_id": [f"C{i}" for i in range(12)], "segment": list(FOUR_SEGMENTS["segment"]) * 3})
    customers["reserved_buffer_pct"] = np.where(customers["segment"].isin(["CONTRACT", "FRAMEWORK"]), rng.choice([0, 10, 20, 30], 12), 0)
    lines = customers.iloc[rng.integers(0, 12, n)].reset_index(drop=True)
    lines = lines.assign(
        order_id=np.arange(n),
        order_line=1,
        sku_id=rng.choice(["A", "B"], n),
        location_id="DC01",
        order_date=pd.Timestamp("2026-09-01") + pd.to_timedelta(rng.integers(0, 5, n), unit="D"),
        open_quantity=rng.integers(1, 30, n).astype(float),
    )
    lines["promised_date"] = lines["order_date"] + pd.to_timedelta(rng.integers(3, 6, n), unit="D")
    supply = pd.DataFrame({"sku_id": ["A", "B"], "location_id": ["DC01", "DC01"], "available_quantity": rng.integers(50, 300, 2)})

    result = availability.allocate_scarce_stock(lines, supply, FOUR_SEGMENTS)
    assert result["allocated_quantity"].to_numpy() == pytest.approx(_reference_allocation(lines, supply, FOUR_SEGMENTS))
    assert set(result["allocation_tier"]) <= {10, 20, 25, 40}
    short = result["short_quantity"] > 0
    assert result.loc[short, "short_reason"].isin(list(availability.SHORT_REASONS)).all()
    assert not result.loc[short, "short_reason_text"].str.contains("key|committed|standard").any()


def test_segments_are_named_from_their_codes_and_ranked_by_the_table():
    # the demo's case under other codes and priorities: the same allocation, the texts in the company's words
    renamed = {"KEY_ACCOUNT": "GOLD_CLIENT", "COMMITTED_VOLUME": "SILVER_CLIENT", "STANDARD": "WALK_IN"}
    segments = pd.DataFrame({"segment": ["WALK_IN", "GOLD_CLIENT", "SILVER_CLIENT"], "allocation_priority": [7, 3, 5]})
    lines = _scarce_pair().assign(segment=lambda f: f["segment"].map(renamed)).drop(columns="priority")
    supply = pd.DataFrame({"sku_id": ["SKU1"], "location_id": ["DC01"], "available_quantity": [120]})
    demo = availability.allocate_scarce_stock(_scarce_pair(), supply, SEGMENTS)
    result = availability.allocate_scarce_stock(lines, supply, segments)
    assert result["allocated_quantity"].tolist() == demo["allocated_quantity"].tolist()
    assert result["short_reason"].tolist() == demo["short_reason"].tolist()
    assert result["allocation_tier"].tolist() == [7, 3, 5, 5, 7, 7, 7]
    assert result["short_reason_text"].iloc[0] == (
        "120 available at DC01; 80 went to gold clients, 36 to silver-client buffers and 4 to earlier orders before this walk-in line (ordered 2026-09-20); 30 of 30 short"
    )
    assert availability.SegmentTiers(segments).lowest() == "WALK_IN"
    assert availability.SegmentTiers(segments).ranked() == "GOLD_CLIENT 3, SILVER_CLIENT 5, WALK_IN 7"


@pytest.mark.parametrize(
    ("segments", "message"),
    [
        (SEGMENTS.assign(allocation_priority=[1, 1.5, 3]), r"segments.allocation_priority must be a whole number, got 1.5 at segment='COMMITTED_VOLUME'"),
        (pd.concat([SEGMENTS, SEGMENTS.head(1)]), r"segments has several rows for the key \(segment\), e.g. segment='KEY_ACCOUNT'"),
        (SEGMENTS.head(0), r"segments is empty"),
        (SEGMENTS.drop(columns="allocation_priority"), r"segments lacks the columns \['allocation_priority'\]"),
    ],
)
def test_segment_table_validation_names_the_field(segments, message):
    supply = pd.DataFrame({"sku_id": ["SKU1"], "location_id": ["DC01"], "available_quantity": [120]})
    with pytest.raises(ValueError, match=message):
        availability.allocate_scarce_stock(_scarce_pair(), supply, segments)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.assign(open_quantity=0), r"lines.open_quantity must be > 0, got 0 at order_id='S1', order_line=1"),
        (lambda f: f.assign(segment="VIP"), r"lines.segment must be one of KEY_ACCOUNT, COMMITTED_VOLUME, STANDARD, got 'VIP'"),
        (
            lambda f: f.assign(priority=1),
            r"lines.priority must follow the segment \(KEY_ACCOUNT 1, COMMITTED_VOLUME 2, STANDARD 3\), .* order_id='S1', order_line=1",
        ),
        (lambda f: f.assign(reserved_buffer_pct=120), r"lines.reserved_buffer_pct must be at most 100"),
        (lambda f: f.assign(order_line=1), r"lines has several rows for the key \(order_id, order_line\), e.g. order_id='C1', order_line=1"),
        (lambda f: f.drop(columns="promised_date"), r"lines lacks the columns \['promised_date'\]"),
        (lambda f: f.assign(reserved_buffer_pct=np.arange(len(f))), r"reserved_buffer_pct must be the same on all lines of a customer, e.g. customer 'CV1'"),
    ],
)
def test_allocation_validation_names_the_field(change, message):
    supply = pd.DataFrame({"sku_id": ["SKU1"], "location_id": ["DC01"], "available_quantity": [120]})
    with pytest.raises(ValueError, match=message):
        availability.allocate_scarce_stock(change(_scarce_pair()), supply, SEGMENTS)


def test_supply_validation_names_the_field():
    with pytest.raises(ValueError, match=r"supply.available_quantity must be >= 0, got -5 at sku_id='SKU1', location_id='DC01'"):
        availability.allocate_scarce_stock(_scarce_pair(), pd.DataFrame({"sku_id": ["SKU1"], "location_id": ["DC01"], "available_quantity": [-5]}), SEGMENTS)
