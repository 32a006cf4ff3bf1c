"""Day-by-day operations of the demo company: stock limits sales, policies replenish.

One loop over days; every step inside is vectorized over SKUs and locations. Policies are
deliberately simple (stores: weekly order-up-to from their DC; DCs: reorder point with supplier
or plant lead times), so history carries realistic stockouts, late and short deliveries.
The result is a set of canonical event frames (days as offsets, quantities in eaches) that the
export writers turn into each system's records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from demo_company.config import Scale
from demo_company.demand import Demand
from demo_company.master_data import BUNDLE_SIZE, PACK_SIZE, MasterData

STORE_REVIEW_DAYS = 7
DC_REVIEW_DAYS = 1
WEB_RETURN_RATE = 0.06
STORE_RETURN_RATE = 0.01
RETURN_CONDITIONS = np.array(["RESALABLE", "DAMAGED", "DEFECTIVE"])


@dataclass
class Operations:
    pos_sales: pd.DataFrame  # day, sku_idx, store_idx, qty (>0 sale, <0 return)
    transfers: pd.DataFrame  # transfer_id, ship_day, arrive_day, sku_idx, dc_idx, store_idx, qty
    purchase_orders: pd.DataFrame  # po_number, po_line, supplier_code, sku_idx, dc_idx, order_day, expected_day, qty, receipt_day, received_qty
    # mo_number, line_code, sku_idx, dc_idx, start_day, due_day, qty, completed_day, completed_qty (good units);
    # after confirm_production also run_hours, downtime_hours, scrap_qty
    production_orders: pd.DataFrame
    online_lines: pd.DataFrame  # order_id, line, channel, day, sku_idx, qty (eaches), ship_from, status, region_idx
    returns: pd.DataFrame  # order_id, line, return_day, sku_idx, dc_idx, qty, condition, restock_day (-1 if not restocked)
    b2b_lines: pd.DataFrame  # b2b orders + promised_day, delivered_qty, delivered_day, dc_idx
    adjustments: pd.DataFrame  # day, sku_idx, location (code), qty (signed eaches), reason
    snapshots: pd.DataFrame  # day, sku_idx, location (code), qty
    lost_sales: np.ndarray  # [day, sku, store] unmet store demand


def _round_up(qty: np.ndarray, multiple: np.ndarray | int) -> np.ndarray:
    return (np.ceil(qty / multiple) * multiple).astype(np.int64)


def simulate(scale: Scale, md: MasterData, demand: Demand, rng: np.random.Generator) -> Operations:
    n_days, n = scale.n_days, len(md.skus)
    n_st = scale.n_stores
    store_dc = np.repeat([0, 1], n_st // 2)  # store -> its DC index
    dc_codes = np.array(["DC01", "DC02"])
    store_codes = md.stores.location_code.to_numpy()
    case = md.skus.case_size.to_numpy()
    moq = md.skus.moq_cases.to_numpy() * case
    buy = (md.skus.make_or_buy == "BUY").to_numpy()
    sup_codes = md.suppliers.supplier_code.to_numpy()
    sup_idx = pd.Index(sup_codes).get_indexer(md.skus.supplier_code)  # -1 for made items
    sup_lt = md.suppliers.lead_time_days.to_numpy().astype(float)
    sup_sd = md.suppliers.lead_time_sd_days.to_numpy().astype(float)
    sup_on_time = md.suppliers.on_time_probability.to_numpy()
    lt_mean = np.where(buy, sup_lt[sup_idx], 4.0)
    line_of_sku = md.skus.line_code.to_numpy()
    active = demand.active
    cust = md.customers
    b2b = demand.b2b_orders.copy()
    b2b["dc_idx"] = np.where(cust.ship_from.to_numpy()[b2b.customer_idx] == "DC01", 0, 1)
    b2b["priority"] = cust.priority.to_numpy()[b2b.customer_idx]

    # Planners' view of demand: a centred 28-day mean of true demand (a good, not perfect, forecast).
    horizon = n_days + 1 + 14

    def centred_mean(daily: np.ndarray) -> np.ndarray:
        padded = np.concatenate([np.zeros((14,) + daily.shape[1:]), daily, np.zeros((15,) + daily.shape[1:])])
        csum = np.cumsum(padded, axis=0)
        return (csum[28:] - csum[:-28])[:n_days] / 28

    mu_store = centred_mean(demand.store.astype(float))  # [day, sku, store]
    b2b_daily = np.zeros((n_days, n, 2))
    due = b2b.requested_day.to_numpy() < n_days
    np.add.at(b2b_daily, (b2b.requested_day[due], b2b.sku_idx[due], b2b.dc_idx[due]), b2b.qty[due])
    dc_direct = b2b_daily.copy()
    dc_direct[:, :, 0] += demand.web[:, :, 0] + demand.marketplace * BUNDLE_SIZE
    dc_direct[:, :, 1] += demand.web[:, :, 1]
    store_per_dc = np.stack([demand.store[:, :, store_dc == d].sum(axis=2) for d in (0, 1)], axis=2)
    mu_dc = centred_mean(dc_direct + store_per_dc)  # [day, sku, dc]

    # Initial stock: enough for two weeks.
    oh_st = np.ceil(mu_store[0] * 10).astype(np.int64)
    oh_dc = _round_up(mu_dc[0] * (lt_mean[:, None] + 14), PACK_SIZE)
    arrive_st = np.zeros((horizon, n, n_st), dtype=np.int64)
    arrive_dc = np.zeros((horizon + 60, n, 2), dtype=np.int64)
    on_order_dc = np.zeros((n, 2), dtype=np.int64)

    b2b_by_day = b2b.groupby("requested_day").indices
    b2b_sku, b2b_dc, b2b_qty, b2b_prio = (b2b[c].to_numpy() for c in ("sku_idx", "dc_idx", "qty", "priority"))
    b2b_delivered = np.zeros(len(b2b), dtype=np.int64)
    logs: dict[str, list] = {k: [] for k in ("pos", "tr", "po", "mo", "web", "mkt", "ret", "adj", "snap")}
    lost = np.zeros((n_days, n, n_st), dtype=np.int64)
    counters = {"transfer": 0, "po": 0, "mo": 0, "order": 0}
    sundays = demand.dates.day_of_week.to_numpy() == 6

    for t in range(n_days):
        web_logged_before_today = len(logs["web"])
        oh_st += arrive_st[t]
        oh_dc += arrive_dc[t]
        on_order_dc -= arrive_dc[t]

        # 1. Store sales, censored by stock; unmet demand is lost.
        sold = np.minimum(demand.store[t], oh_st)
        lost[t] = demand.store[t] - sold
        oh_st -= sold
        returned = rng.binomial(sold, STORE_RETURN_RATE)
        if t + 1 < n_days:
            arrive_st[t + 1] += returned  # store returns are restocked next morning
        s_idx, k_idx = np.nonzero(sold)
        logs["pos"].append(np.column_stack([np.full(s_idx.size, t), s_idx, k_idx, sold[s_idx, k_idx]]))
        r_s, r_k = np.nonzero(returned)
        if r_s.size and t + 1 < n_days:
            logs["pos"].append(np.column_stack([np.full(r_s.size, t + 1), r_s, r_k, -returned[r_s, r_k]]))

        # 2. B2B deliveries on the requested day: key accounts first, then committed, then standard.
        for prio in (1, 2, 3):
            lines = b2b_by_day.get(t)
            if lines is None:
                break
            lines = lines[b2b_prio[lines] == prio]
            if lines.size == 0:
                continue
            sku_l, dc_l, qty_l = b2b_sku[lines], b2b_dc[lines], b2b_qty[lines]
            need = np.zeros((n, 2))
            np.add.at(need, (sku_l, dc_l), qty_l)
            ratio = np.divide(oh_dc, need, out=np.ones_like(need), where=need > 0).clip(0, 1)
            got = np.floor(qty_l * ratio[sku_l, dc_l]).astype(np.int64)
            np.subtract.at(oh_dc, (sku_l, dc_l), got)
            b2b_delivered[lines] = got

        # 3. Online: web from the region's DC, else ship-from-store; marketplace from DC01.
        for region in (0, 1):
            want = demand.web[t, :, region]
            from_dc = np.minimum(want, oh_dc[:, region])
            oh_dc[:, region] -= from_dc
            rest = want - from_dc
            region_stores = np.flatnonzero(store_dc == region)
            best = region_stores[np.argmax(oh_st[:, region_stores], axis=1)]
            from_store = np.minimum(rest, oh_st[np.arange(n), best])
            oh_st[np.arange(n), best] -= from_store
            cancelled = rest - from_store
            for qty, source, status in (
                (from_dc, np.full(n, -1 - region), "SHIPPED"),
                (from_store, best, "SHIPPED"),
                (cancelled, np.full(n, -1 - region), "CANCELLED"),
            ):
                _log_online_lines(logs["web"], t, qty, source, status, region, counters, rng)
        want_b = demand.marketplace[t]
        ship_b = np.minimum(want_b, oh_dc[:, 0] // BUNDLE_SIZE)
        oh_dc[:, 0] -= ship_b * BUNDLE_SIZE
        _log_online_lines(logs["mkt"], t, ship_b * BUNDLE_SIZE, np.full(n, -1), "SHIPPED", 0, counters, rng, unit=BUNDLE_SIZE)
        _log_online_lines(logs["mkt"], t, (want_b - ship_b) * BUNDLE_SIZE, np.full(n, -1), "CANCELLED", 0, counters, rng, unit=BUNDLE_SIZE)

        # 4. Store replenishment: weekly order-up-to, each store on its own weekday.
        reviewing = (np.arange(n_st) % STORE_REVIEW_DAYS) == (t % STORE_REVIEW_DAYS)
        if reviewing.any():
            in_transit = arrive_st[t + 1 : t + 3].sum(axis=0)
            target = np.ceil(mu_store[t] * (STORE_REVIEW_DAYS + 2) * 1.4 + 1) * active[t][:, None]
            want = _round_up(np.maximum(target - oh_st - in_transit, 0), PACK_SIZE) * reviewing
            for d in (0, 1):
                cols = store_dc == d
                total = want[:, cols].sum(axis=1)
                scale_down = np.divide(oh_dc[:, d], total, out=np.ones(n), where=total > 0).clip(0, 1)
                send = (np.floor(want[:, cols] * scale_down[:, None] / PACK_SIZE) * PACK_SIZE).astype(np.int64)
                oh_dc[:, d] -= send.sum(axis=1)
                s_idx, k_local = np.nonzero(send)
                k_idx = np.flatnonzero(cols)[k_local]
                transit = 1 + (rng.random(s_idx.size) < 0.3)
                np.add.at(arrive_st, (t + transit, s_idx, k_idx), send[s_idx, k_local])
                ids = counters["transfer"] + np.arange(s_idx.size)
                counters["transfer"] += s_idx.size
                logs["tr"].append(np.column_stack([ids, np.full(s_idx.size, t), t + transit, s_idx, np.full(s_idx.size, d), k_idx, send[s_idx, k_local]]))

        # 5. DC replenishment: reorder point on inventory position, purchase or make.
        mu = mu_dc[t]
        rop = mu * (lt_mean[:, None] + 3) * 1.3
        position = oh_dc + on_order_dc
        order = (position < rop) & active[t][:, None]
        qty = np.maximum(rop + mu * 14 - position, moq[:, None])
        qty = _round_up(qty, case[:, None]) * order
        for d in (0, 1):
            for is_buy in (True, False):
                skus_ = np.flatnonzero((qty[:, d] > 0) & (buy == is_buy))
                if skus_.size == 0:
                    continue
                q = qty[skus_, d]
                if is_buy:
                    # One PO per supplier and day; its lead time applies to all its lines.
                    uniq, inv = np.unique(sup_idx[skus_], return_inverse=True)
                    po_numbers = counters["po"] + inv
                    counters["po"] += uniq.size
                    po_lt = np.maximum(1, np.round(rng.normal(sup_lt[uniq], sup_sd[uniq]))).astype(int)
                    late = rng.random(uniq.size) > sup_on_time[uniq]
                    lt = (po_lt + late * rng.integers(2, 8, uniq.size))[inv]
                    received = np.where(rng.random(skus_.size) < 0.08, np.floor(q * rng.uniform(0.8, 0.98, skus_.size) / PACK_SIZE) * PACK_SIZE, q).astype(
                        np.int64
                    )
                    # skus_ is sorted, so lines of a PO are numbered in item order.
                    order_in_po = np.argsort(inv, kind="stable")
                    line_no = np.empty(skus_.size, dtype=int)
                    line_no[order_in_po] = np.arange(skus_.size) - np.repeat(np.cumsum(np.bincount(inv)) - np.bincount(inv), np.bincount(inv))
                    logs["po"].append(
                        {
                            "po_number": po_numbers,
                            "po_line": line_no + 1,
                            "supplier_code": sup_codes[sup_idx[skus_]],
                            "sku_idx": skus_,
                            "dc_idx": d,
                            "order_day": t,
                            "expected_day": t + sup_lt[sup_idx[skus_]].astype(int),
                            "qty": q,
                            "receipt_day": t + lt,
                            "received_qty": received,
                        }
                    )
                else:
                    mo_numbers = counters["mo"] + np.arange(skus_.size)
                    counters["mo"] += skus_.size
                    lt = 3 + rng.integers(0, 4, skus_.size)
                    received = (np.floor(q * rng.uniform(0.92, 1.04, skus_.size) / PACK_SIZE) * PACK_SIZE).astype(np.int64)
                    logs["mo"].append(
                        {
                            "mo_number": mo_numbers,
                            "line_code": line_of_sku[skus_],
                            "sku_idx": skus_,
                            "dc_idx": d,
                            "start_day": t,
                            "due_day": t + 3,
                            "qty": q,
                            "completed_day": t + lt,
                            "completed_qty": received,
                        }
                    )
                on_order_dc[skus_, d] += received
                np.add.at(arrive_dc, (t + lt, skus_, np.full(skus_.size, d)), received)

        # 6. Weekly cycle counts (shrinkage) and stock snapshots, Sunday end of day.
        if sundays[t]:
            for loc_oh, codes, is_dc in ((oh_dc, dc_codes, True), (oh_st, store_codes, False)):
                hit = (rng.random(loc_oh.shape) < 0.01) & (loc_oh > 12)
                s_idx, l_idx = np.nonzero(hit)
                delta = -np.minimum(rng.integers(1, 4, s_idx.size) * (PACK_SIZE if is_dc else 1), loc_oh[s_idx, l_idx])
                loc_oh[s_idx, l_idx] += delta
                logs["adj"].append({"day": t, "sku_idx": s_idx, "location": codes[l_idx], "qty": delta, "reason": rng.choice(["COUNT", "DAMAGE"], s_idx.size)})
                stocked = (loc_oh > 0) | active[t][:, None]
                s_idx, l_idx = np.nonzero(stocked)
                logs["snap"].append({"day": t, "sku_idx": s_idx, "location": codes[l_idx], "qty": loc_oh[s_idx, l_idx]})

        # Returns of online lines shipped today: received at the DC 5-20 days later.
        _schedule_returns(logs, logs["web"][web_logged_before_today:], t, arrive_dc, n_days, rng)

    b2b_lines = _finish_b2b(b2b, b2b_delivered, n_days, rng)
    online = _frame(logs["web"] + logs["mkt"])
    pos = np.concatenate(logs["pos"]) if logs["pos"] else np.zeros((0, 4), dtype=np.int64)
    tr = np.concatenate(logs["tr"]) if logs["tr"] else np.zeros((0, 7), dtype=np.int64)
    return Operations(
        pos_sales=pd.DataFrame(pos, columns=["day", "sku_idx", "store_idx", "qty"]),
        transfers=pd.DataFrame(tr, columns=["transfer_id", "ship_day", "arrive_day", "sku_idx", "dc_idx", "store_idx", "qty"]),
        purchase_orders=_frame(logs["po"]),
        production_orders=_frame(logs["mo"]),
        online_lines=online,
        returns=_frame(logs["ret"]),
        b2b_lines=b2b_lines,
        adjustments=_frame(logs["adj"]),
        snapshots=_frame(logs["snap"]),
        lost_sales=lost,
    )


# Stream of the production confirmations' draws (seeded with the company's seed): drawn apart from
# the simulation's stream, they leave every other generated value as it was.
CONFIRMATION_STREAM = 0x0EE
AVAILABILITY_CONCENTRATION = 40.0  # Beta concentration: order-to-order sd about 0.05 around 0.86
PERFORMANCE_CONCENTRATION = 150.0  # about 0.02
SCRAP_RATE_SPREAD = 0.35  # lognormal sigma of an order's scrap rate around its line's


def confirm_production(orders: pd.DataFrame, lines: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """``orders`` with the confirmation an order gets on completion: run hours, unplanned downtime
    hours and scrapped units, drawn per order around its line's availability, performance and
    scrap rate (vectorized; every order gets values, the export shows those of completed ones).

    ``completed_qty`` stays the good units: the scrap comes on top of it, so that the units
    produced are ``completed_qty + scrap_qty``. Run hours are the produced units at the line's run
    rate slowed by the order's performance, rounded up to 0.01 h (never above the rated speed,
    never zero); downtime is what the order's availability adds to them. Per order:
    availability = run / (run + downtime), performance = produced / (run x run rate),
    quality = completed / produced.
    """
    line = pd.Index(lines.line_code).get_indexer(orders.line_code)
    n = len(orders)

    def beta(mean: np.ndarray, concentration: float) -> np.ndarray:
        return rng.beta(mean * concentration, (1 - mean) * concentration)

    availability = beta(lines.availability.to_numpy()[line], AVAILABILITY_CONCENTRATION).clip(0.5, 1.0)
    performance = beta(lines.performance.to_numpy()[line], PERFORMANCE_CONCENTRATION).clip(0.85, 0.99)
    scrap_rate = (lines.scrap_rate.to_numpy()[line] * rng.lognormal(0.0, SCRAP_RATE_SPREAD, n)).clip(0.005, 0.03)
    good = orders.completed_qty.to_numpy()
    scrap = np.round(good * scrap_rate / (1 - scrap_rate)).astype(np.int64)
    run_hours = np.maximum(np.ceil((good + scrap) / lines.run_rate_per_hour.to_numpy()[line] / performance * 100 - 1e-9) / 100, 0.01)
    downtime_hours = np.round(run_hours * (1 / availability - 1), 2)
    return orders.assign(run_hours=run_hours, downtime_hours=downtime_hours, scrap_qty=scrap)


def _log_online_lines(
    log: list, t: int, qty: np.ndarray, source: np.ndarray, status: str, region: int, counters: dict, rng: np.random.Generator, unit: int = 1
) -> None:
    """Split per-SKU daily quantities into order lines of 1 or 2 units (bundles for the marketplace).

    ``source`` < 0 encodes a DC (-1 = DC01, -2 = DC02); >= 0 a store index (ship-from-store).
    """
    units = qty // unit
    skus = np.flatnonzero(units)
    if skus.size == 0:
        return
    u = units[skus]
    pairs = u // 3
    singles = u - 2 * pairs
    n_lines = pairs + singles
    sku_rep = np.repeat(skus, n_lines)
    # Per SKU: `pairs` lines of 2 then `singles` lines of 1, built without a loop over lines.
    offsets = np.repeat(np.cumsum(n_lines) - n_lines, n_lines)
    position = np.arange(sku_rep.size) - offsets
    line_qty = np.where(position < np.repeat(pairs, n_lines), 2, 1) * unit
    order_ids = counters["order"] + np.arange(sku_rep.size)
    counters["order"] += sku_rep.size
    log.append(
        {
            "order_id": order_ids,
            "line": np.ones(sku_rep.size, dtype=int),
            "channel": "MARKETPLACE" if unit > 1 else "WEB",
            "day": t,
            "sku_idx": sku_rep,
            "qty": line_qty,
            "source": np.repeat(source[skus], n_lines),
            "status": status,
            "region_idx": region,
            "seconds": rng.integers(7 * 3600, 23 * 3600, sku_rep.size),
        }
    )


def _frame(records: list[dict]) -> pd.DataFrame:
    """One frame from per-day dicts of equal-length arrays (scalars broadcast)."""
    if not records:
        return pd.DataFrame()
    columns = records[0].keys()
    sizes = [max((np.size(v) for v in r.values() if np.ndim(v)), default=1) for r in records]
    return pd.DataFrame({c: np.concatenate([np.broadcast_to(r[c], (n,)) for r, n in zip(records, sizes)]) for c in columns})


def _schedule_returns(logs: dict, todays_web: list, t: int, arrive_dc: np.ndarray, n_days: int, rng: np.random.Generator) -> None:
    shipped_today = [x for x in todays_web if x["status"] == "SHIPPED"]
    if not shipped_today:
        return
    cols = {k: np.concatenate([np.broadcast_to(x[k], x["order_id"].shape) for x in shipped_today]) for k in ("order_id", "sku_idx", "qty", "region_idx")}
    return_day = t + rng.integers(5, 21, cols["order_id"].size)
    back = (rng.random(cols["order_id"].size) < WEB_RETURN_RATE) & (return_day < n_days)
    if not back.any():
        return
    lines = {k: v[back] for k, v in cols.items()}
    lines["return_day"] = return_day[back]
    k = back.sum()
    lines["condition"] = rng.choice(RETURN_CONDITIONS, k, p=[0.7, 0.2, 0.1])
    # Resalable returns are restocked after 2-40 hours: most within a day.
    lines["restock_hours"] = rng.gamma(2.0, 7.0, k)
    lines["restock_day"] = np.where(lines["condition"] == "RESALABLE", lines["return_day"] + (lines["restock_hours"] // 24).astype(int), -1)
    lines["dc_idx"] = lines["region_idx"]
    ok = (lines["restock_day"] >= 0) & (lines["restock_day"] < n_days)
    np.add.at(arrive_dc, (lines["restock_day"][ok], lines["sku_idx"][ok], lines["dc_idx"][ok]), lines["qty"][ok])
    logs["ret"].append(lines)


def _finish_b2b(b2b: pd.DataFrame, delivered: np.ndarray, n_days: int, rng: np.random.Generator) -> pd.DataFrame:
    """Promised dates, delivery dates and statuses of B2B lines."""
    out = b2b.copy()
    # Standard customers ordering at short notice get a later promise.
    short_notice = (out.requested_day - out.order_day < 4) & (out.priority == 3)
    out["promised_day"] = out.requested_day + np.where(short_notice, 2, 0)
    delay = np.where(rng.random(len(out)) < 0.07, rng.integers(1, 5, len(out)), 0)
    out["delivered_qty"] = delivered
    out["delivered_day"] = out.requested_day + delay
    is_open = out.requested_day >= n_days
    out.loc[is_open, ["delivered_qty", "delivered_day"]] = -1
    out["status"] = np.select([is_open, out.delivered_qty == 0, out.delivered_qty < out.qty], ["OPEN", "CANCELLED", "PARTIAL"], default="DELIVERED")
    return out
