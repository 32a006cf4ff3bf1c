"""WMS and OMS event streams (JSON lines), POS daily CSVs and planner overrides."""

from __future__ import annotations

import numpy as np
import pandas as pd

from demo_company.demand import CHANNEL_PRICE_FACTOR
from demo_company.exports.base import ExportBuilder
from demo_company.formats import (
    day_timestamp,
    export_latency,
    iso_timestamp,
    pos_date,
    sequence_ids,
)
from demo_company.master_data import BUNDLE_SIZE, PACK_SIZE


class StreamExports(ExportBuilder):
    def _in_export_order(self, events: pd.DataFrame) -> tuple[pd.DataFrame, pd.DatetimeIndex, pd.DatetimeIndex]:
        """Event and export times (local) of day/seconds events, sorted by export time as a stream is."""
        event_time = day_timestamp(self.start, events.day, events.seconds)
        exported = export_latency(event_time, self.rng)
        order = np.lexsort((np.arange(len(events)), exported.asi8))
        return events.iloc[order].reset_index(drop=True), event_time[order], exported[order]

    # ---- WMS -----------------------------------------------------------------------------
    def wms_events(self) -> pd.DataFrame:
        ops, n_days = self.ops, self.scale.n_days
        rng = self.rng
        parts = []

        def add(event_type, day, seconds, site, sku_idx, qty_each, uom_factor, uom, reference, reason="", condition=""):
            parts.append(
                pd.DataFrame(
                    {
                        "event_type": event_type,
                        "day": np.asarray(day),
                        "seconds": np.asarray(seconds),
                        "site": np.asarray(site),
                        "sku_idx": np.asarray(sku_idx),
                        "qty": np.asarray(qty_each) // uom_factor,
                        "uom": uom,
                        "reference": np.asarray(reference),
                        "reason": reason,
                        "condition": condition,
                    }
                )
            )

        po = ops.purchase_orders[ops.purchase_orders.receipt_day < n_days]
        add(
            "RECEIPT",
            po.receipt_day,
            rng.integers(6 * 3600, 14 * 3600, len(po)),
            self.dc_codes[po.dc_idx],
            po.sku_idx,
            po.received_qty,
            PACK_SIZE,
            "PK6",
            "PO" + (po.po_number + 100_000).astype(str) + "/" + po.po_line.astype(str),
        )
        mo = ops.production_orders[ops.production_orders.completed_day < n_days]
        add(
            "RECEIPT",
            mo.completed_day,
            rng.integers(6 * 3600, 20 * 3600, len(mo)),
            self.dc_codes[mo.dc_idx],
            mo.sku_idx,
            mo.completed_qty,
            PACK_SIZE,
            "PK6",
            "MO" + (mo.mo_number + 500_000).astype(str),
        )
        tr = ops.transfers
        ref = "TO" + (tr.transfer_id + 1).astype(str).str.zfill(7)
        add("SHIP", tr.ship_day, rng.integers(5 * 3600, 9 * 3600, len(tr)), self.dc_codes[tr.dc_idx], tr.sku_idx, tr.qty, PACK_SIZE, "PK6", ref)
        arrived = tr.arrive_day < n_days
        add(
            "TRANSFER_IN",
            tr.arrive_day[arrived],
            rng.integers(7 * 3600, 11 * 3600, int(arrived.sum())),
            self.store_codes[tr.store_idx[arrived]],
            tr.sku_idx[arrived],
            tr.qty[arrived],
            1,
            "EA",
            ref[arrived],
        )
        web = ops.online_lines[ops.online_lines.status == "SHIPPED"]
        site = np.where(web.source < 0, self.dc_codes[np.clip(-1 - web.source, 0, 1)], self.store_codes[np.clip(web.source, 0, None)])
        add("SHIP", web.day, np.minimum(web.seconds + 3 * 3600, 86_000), site, web.sku_idx, web.qty, 1, "EA", self._online_order_id(web))
        b = ops.b2b_lines[(ops.b2b_lines.delivered_qty > 0) & (ops.b2b_lines.delivered_day < n_days)]
        add(
            "SHIP",
            b.delivered_day,
            rng.integers(5 * 3600, 12 * 3600, len(b)),
            self.dc_codes[b.dc_idx],
            b.sku_idx,
            b.delivered_qty,
            1,
            "EA",
            "B2B" + b.index.astype(str),
        )
        adj = ops.adjustments
        add("ADJUSTMENT", adj.day, rng.integers(18 * 3600, 22 * 3600, len(adj)), adj.location, adj.sku_idx, adj.qty, 1, "EA", "", adj.reason)
        ret = ops.returns
        if not ret.empty:
            ret_ref = self._online_order_id(ret.assign(channel="WEB"))
            ret_seconds = rng.integers(8 * 3600, 12 * 3600, len(ret))
            add("RETURN", ret.return_day, ret_seconds, self.dc_codes[ret.dc_idx], ret.sku_idx, ret.qty, 1, "EA", ret_ref, "CUSTOMER_RETURN", ret.condition)
            ok = (ret.restock_day >= 0) & (ret.restock_day < n_days)
            restock_seconds = ret_seconds + np.round(ret.restock_hours * 3600).astype(int)
            add(
                "RESTOCK",
                ret.return_day[ok],
                restock_seconds[ok],
                self.dc_codes[ret.dc_idx[ok]],
                ret.sku_idx[ok],
                ret.qty[ok],
                1,
                "EA",
                ret_ref[ok],
                "",
                "RESALABLE",
            )
        ev, event_time, exported = self._in_export_order(pd.concat(parts, ignore_index=True))
        return pd.DataFrame(
            {
                "event_id": sequence_ids("WE", len(ev), 9),
                "event_type": ev.event_type,
                "event_time": iso_timestamp(event_time),
                "exported_at": iso_timestamp(exported),
                "site": ev.site,
                "sku": self._item(ev.sku_idx, "wms_code"),
                "qty": ev.qty.astype(np.int64).astype(object),
                "uom": ev.uom,
                "reference": ev.reference,
                "reason": ev.reason.replace("", None),
                "condition": ev.condition.replace("", None),
                "file": "wms/" + self._day_file("events", exported),
            }
        )

    def wms_stock(self) -> pd.DataFrame:
        snap = self.ops.snapshots
        ts = day_timestamp(self.start, snap.day, np.full(len(snap), 23 * 3600 + 50 * 60))
        exported = ts + pd.Timedelta(minutes=5)
        return pd.DataFrame(
            {
                "snapshot_time": iso_timestamp(ts),
                "exported_at": iso_timestamp(exported),
                "site": snap.location,
                "sku": self._item(snap.sku_idx, "wms_code"),
                "qty": snap.qty.astype(np.int64).astype(object),
                "uom": "EA",
                "file": "wms/" + self._day_file("stock", ts),
            }
        )

    # ---- POS -----------------------------------------------------------------------------
    def pos_sales(self) -> pd.DataFrame:
        pos = self.ops.pos_sales.sort_values(["store_idx", "day", "sku_idx", "qty"], ascending=[True, True, True, False], kind="stable")
        day, sku = pos.day.to_numpy(), pos.sku_idx.to_numpy()
        relabel = self.skus.relabel_day.to_numpy()[sku]
        ean = np.where((relabel > 0) & (day >= relabel), self._item(sku, "ean_relabel"), self._item(sku, "ean"))
        discount = self.demand.promo_discount[day, sku]
        price = self.demand.list_price[day, sku] * (1 - discount)
        promo_id = self._promo_id_on(day, sku)
        store = self.store_codes[pos.store_idx]
        qty = pos.qty.to_numpy()
        dates = pos_date(day, self.start)
        return pd.DataFrame(
            {
                "store": store,
                "business_date": dates,
                "ean": ean,
                "line_type": np.where(qty > 0, "SALE", "RETURN"),
                "qty": qty.astype(str),
                "unit_price": np.char.mod("%.2f", price),
                "net_amount": np.char.mod("%.2f", price * qty),
                "promo_id": promo_id,
                "file": "pos/" + store + "/sales_" + store + "_" + dates + ".csv",
            }
        )

    def _promo_id_on(self, day: np.ndarray, sku: np.ndarray) -> np.ndarray:
        """Promotion id active for (day, sku) or '' (vectorized interval lookup)."""
        promo = self.demand.promotions
        out = np.full(day.size, "", dtype=object)
        if promo.empty:
            return out
        key = promo.sku_idx.to_numpy() * (self.scale.n_days + 1) + promo.start_day.to_numpy()
        order = np.argsort(key)
        key, starts, ends, ids = key[order], promo.start_day.to_numpy()[order], promo.end_day.to_numpy()[order], promo.promo_id.to_numpy()[order]
        q = sku * (self.scale.n_days + 1) + day
        pos = np.searchsorted(key, q, side="right") - 1
        ok = (pos >= 0) & (promo.sku_idx.to_numpy()[order][np.maximum(pos, 0)] == sku)
        ok &= (starts[np.maximum(pos, 0)] <= day) & (ends[np.maximum(pos, 0)] >= day)
        out[ok] = np.char.add("PR", np.char.zfill(ids[pos[ok]].astype(str), 5))
        return out

    # ---- OMS -----------------------------------------------------------------------------
    def oms_events(self) -> pd.DataFrame:
        lines = self.ops.online_lines
        rng = self.rng
        is_web = (lines.channel == "WEB").to_numpy()
        sku, day = lines.sku_idx.to_numpy(), lines.day.to_numpy()
        factor = np.where(is_web, 1, BUNDLE_SIZE)
        discount = np.where(is_web, self.demand.promo_discount[day, sku], 0)
        price = self.demand.list_price[day, sku] * (1 - discount) * np.where(is_web, CHANNEL_PRICE_FACTOR["WEB"], CHANNEL_PRICE_FACTOR["MARKETPLACE"])
        ship_from = np.where(lines.source < 0, self.dc_codes[np.clip(-1 - lines.source, 0, 1)], self.store_codes[np.clip(lines.source, 0, None)])
        base = pd.DataFrame(
            {
                "order_id": self._online_order_id(lines),
                "line": lines.line.to_numpy(),
                "channel": lines.channel.to_numpy(),
                "item": np.where(is_web, self._item(sku), self._item(sku, "mkt_code")),
                "qty": lines.qty.to_numpy() // factor,
                "uom": np.where(is_web, "EA", "BD2"),
                "unit_price": np.round(price, 2),
                "ship_from": ship_from,
                "customer_region": np.array(["NORTH", "SOUTH"])[lines.region_idx.to_numpy()],
                "day": day,
                "seconds": lines.seconds.to_numpy(),
            }
        )
        placed = base.assign(event_type="LINE_PLACED")
        follow = base.assign(
            event_type=np.where(lines.status == "SHIPPED", "LINE_SHIPPED", "LINE_CANCELLED"),
            seconds=np.minimum(base.seconds + rng.integers(1800, 4 * 3600, len(base)), 86_300),
        )
        parts = [placed, follow]
        ret = self.ops.returns
        if not ret.empty:
            r = ret.assign(channel="WEB")
            parts.append(
                pd.DataFrame(
                    {
                        "order_id": self._online_order_id(r),
                        "line": 1,
                        "channel": "WEB",
                        "item": self._item(r.sku_idx),
                        "qty": r.qty.to_numpy(),
                        "uom": "EA",
                        "unit_price": np.nan,
                        "ship_from": self.dc_codes[r.dc_idx],
                        "customer_region": np.array(["NORTH", "SOUTH"])[r.dc_idx],
                        "day": r.return_day.to_numpy(),
                        "seconds": rng.integers(7 * 3600, 9 * 3600, len(r)),
                        "event_type": "LINE_RETURNED",
                    }
                )
            )
        ev, event_time, exported = self._in_export_order(pd.concat(parts, ignore_index=True))
        return pd.DataFrame(
            {
                "event_id": sequence_ids("OE", len(ev), 9),
                "event_type": ev.event_type,
                "event_time": iso_timestamp(event_time),
                "exported_at": iso_timestamp(exported),
                "order_id": ev.order_id,
                "line": ev.line.astype(np.int64).astype(object),
                "channel": ev.channel,
                "item": ev["item"],
                "qty": ev.qty.astype(np.int64).astype(object),
                "uom": ev.uom,
                "unit_price": ev.unit_price.astype(object).where(ev.unit_price.notna(), None),
                "ship_from": ev.ship_from,
                "customer_region": ev.customer_region,
                "file": "oms/" + self._day_file("events", exported),
            }
        )

    # ---- Planning ------------------------------------------------------------------------
    def planning_overrides(self) -> pd.DataFrame:
        """Key-account managers' adjustments, mostly on the coming weeks, some on the past (for FVA)."""
        rng, end = self.rng, self.scale.n_days
        k = max(6, self.scale.n_skus // 10)
        at_family = rng.random(k) < 0.3
        sku = rng.choice(np.flatnonzero(self.skus.discontinue_day < 0), size=k)
        start = end + rng.integers(-56, 28, k)
        length = rng.integers(7, 29, k)
        pct = rng.random(k) < 0.6
        value = np.where(pct, rng.choice([-20, -10, 10, 15, 25, 40], k), rng.integers(20, 300, k))
        target_customer = rng.random(k) < 0.4
        customers = self.md.customers.customer_code.to_numpy()
        authors = np.array(["a.martin", "c.dubois", "l.bernard", "s.petit"])
        reasons = np.array(
            ["customer promotion announced", "new listing at key account", "competitor stock-out", "tender lost", "weather forecast: heat wave", "store refit"]
        )
        submitted = (
            self.start
            + pd.to_timedelta(np.maximum(start - rng.integers(3, 20, k), 0), unit="D")
            + pd.to_timedelta(rng.integers(8 * 3600, 18 * 3600, k), unit="s")
        )
        return pd.DataFrame(
            {
                "override_id": [f"OV{i + 1:05d}" for i in range(k)],
                "level": np.where(at_family, "FAMILY", "SKU"),
                "item_or_family": np.where(at_family, self.skus.family.to_numpy()[sku], self.skus.item_code.to_numpy()[sku]),
                "location_or_customer": np.where(target_customer, rng.choice(customers, k), rng.choice(["DC01", "DC02", ""], k)),
                "start_date": (self.start + pd.to_timedelta(start, unit="D")).strftime("%Y-%m-%d"),
                "end_date": (self.start + pd.to_timedelta(start + length - 1, unit="D")).strftime("%Y-%m-%d"),
                "adjustment_type": np.where(pct, "PCT", "ABS"),
                "value": value.astype(str),
                "author": rng.choice(authors, k),
                "reason": rng.choice(reasons, k),
                "submitted_at": pd.DatetimeIndex(submitted).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "file": "planning/overrides.csv",
            }
        )
