"""ERP exports: master data and transactions as ';'-separated CSV with French decimals and dates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from demo_company.demand import CHANNEL_PRICE_FACTOR
from demo_company.exports.base import ExportBuilder
from demo_company.formats import (
    erp_date,
    erp_decimal,
    erp_int,
)
from demo_company.master_data import BUNDLE_SIZE, PACK_SIZE


class ErpExports(ExportBuilder):
    # ---- ERP master data -----------------------------------------------------------------
    def erp_items(self) -> pd.DataFrame:
        s = self.skus
        return pd.DataFrame(
            {
                "item_code": s.item_code,
                "description": s.description,
                "family": s.family,
                "base_unit": "EA",
                "purchase_unit": "CS",
                "unit_cost": erp_decimal(s.unit_cost),
                "list_price": erp_decimal(s.base_price),
                "make_or_buy": s.make_or_buy,
                "supplier_code": s.supplier_code.fillna(""),
                "production_line": s.line_code.fillna(""),
                "moq_cases": erp_int(s.moq_cases),
                "launch_date": erp_date(np.where(s.launch_day > 0, s.launch_day, -1), self.start),
                "discontinued_date": erp_date(s.discontinue_day, self.start),
                "file": "erp/items.csv",
            }
        )

    def erp_item_xref(self) -> pd.DataFrame:
        s = self.skus
        first_day = np.where(s.launch_day > 0, s.launch_day, 0)
        relabel = s.relabel_day.to_numpy()
        parts = [
            pd.DataFrame({"system": "WMS", "external_code": s.wms_code, "item_code": s.item_code, "from": first_day, "to": -1}),
            pd.DataFrame({"system": "POS", "external_code": s.ean, "item_code": s.item_code, "from": first_day, "to": np.where(relabel > 0, relabel - 1, -1)}),
            pd.DataFrame({"system": "POS", "external_code": s.ean_relabel, "item_code": s.item_code, "from": relabel, "to": -1})[relabel > 0],
            pd.DataFrame({"system": "MKT", "external_code": s.mkt_code, "item_code": s.item_code, "from": first_day, "to": -1})[s.mkt_code.notna()],
        ]
        x = pd.concat(parts, ignore_index=True)
        return pd.DataFrame(
            {
                "system": x.system,
                "external_code": x.external_code,
                "item_code": x.item_code,
                "valid_from": erp_date(x["from"], self.start),
                "valid_to": erp_date(x["to"], self.start),
                "file": "erp/item_xref.csv",
            }
        )

    def erp_unit_conversions(self) -> pd.DataFrame:
        s = self.skus
        n = len(s)
        units = [("EA", np.ones(n)), ("CS", s.case_size.to_numpy()), ("PK6", np.full(n, PACK_SIZE))]
        frames = [pd.DataFrame({"item_code": s.item_code, "unit": u, "factor": f}) for u, f in units]
        on_mkt = s.mkt_code.notna()
        frames.append(pd.DataFrame({"item_code": s.item_code[on_mkt], "unit": "BD2", "factor": float(BUNDLE_SIZE)}))
        x = pd.concat(frames, ignore_index=True).sort_values(["item_code", "unit"], kind="stable")
        return pd.DataFrame({"item_code": x.item_code, "unit": x.unit, "factor_to_base": erp_decimal(x.factor, 3), "file": "erp/unit_conversions.csv"})

    def erp_locations(self) -> pd.DataFrame:
        loc = self.md.locations
        handling = np.where(loc.location_type == "DC", "PK6", "EA")
        return pd.DataFrame(
            {
                "location_code": loc.location_code,
                "name": loc.name,
                "location_type": loc.location_type,
                "parent_code": loc.parent_code.fillna(""),
                "region": loc.region,
                "wms_receiving_unit": handling,
                "file": "erp/locations.csv",
            }
        )

    def erp_suppliers(self) -> pd.DataFrame:
        s = self.md.suppliers
        return pd.DataFrame(
            {
                "supplier_code": s.supplier_code,
                "name": s.name,
                "lead_time_days": erp_int(s.lead_time_days),
                "lead_time_sd_days": erp_decimal(s.lead_time_sd_days, 1),
                "payment_terms_days": erp_int(s.payment_terms_days),
                "file": "erp/suppliers.csv",
            }
        )

    def erp_customers(self) -> pd.DataFrame:
        c = self.md.customers
        return pd.DataFrame(
            {
                "customer_code": c.customer_code,
                "name": c.name,
                "segment": c.segment,
                "priority": erp_int(c.priority),
                "region": c.region,
                "ship_from": c.ship_from,
                "payment_terms_days": erp_int(c.payment_terms_days),
                "reserved_buffer_pct": erp_int(c.reserved_buffer_pct),
                "file": "erp/customers.csv",
            }
        )

    def erp_production_lines(self) -> pd.DataFrame:
        p = self.md.production_lines
        return pd.DataFrame(
            {
                "line_code": p.line_code,
                "plant_code": p.plant_code,
                "family": p.family,
                "hours_per_day": erp_decimal(p.hours_per_day, 1),
                "run_rate_per_hour": erp_decimal(p.run_rate_per_hour, 1),
                "overtime_hours_per_day": erp_decimal(p.overtime_hours_per_day, 1),
                "cost_per_hour": erp_decimal(p.cost_per_hour),
                "file": "erp/production_lines.csv",
            }
        )

    def erp_prices(self) -> pd.DataFrame:
        pp = self.demand.price_periods
        frames = []
        on_mkt = self.skus.mkt_code.notna().to_numpy()
        for channel, factor in CHANNEL_PRICE_FACTOR.items():
            rows = pp if channel != "MARKETPLACE" else pp[on_mkt[pp.sku_idx]]
            frames.append(
                pd.DataFrame({"sku_idx": rows.sku_idx, "channel": channel, "start": rows.start_day, "end": rows.end_day, "price": rows.list_price * factor})
            )
        x = pd.concat(frames, ignore_index=True).sort_values(["sku_idx", "channel", "start"], kind="stable")
        last = x.end == self.scale.n_days - 1
        return pd.DataFrame(
            {
                "item_code": self._item(x.sku_idx),
                "channel": x.channel,
                "valid_from": erp_date(x.start, self.start),
                "valid_to": erp_date(np.where(last, -1, x.end), self.start),
                "price": erp_decimal(x.price),
                "unit": np.where(x.channel == "MARKETPLACE", "BD2", "EA"),
                "file": "erp/prices.csv",
            }
        )

    def erp_promotions(self) -> pd.DataFrame:
        p = self.demand.promotions
        return pd.DataFrame(
            {
                "promo_id": "PR" + p.promo_id.astype(str).str.zfill(5),
                "item_code": self._item(p.sku_idx),
                "channel": p.channel,
                "location_code": "",
                "start_date": erp_date(p.start_day, self.start),
                "end_date": erp_date(p.end_day, self.start),
                "discount_pct": erp_decimal(p.discount_pct, 1),
                "file": "erp/promotions.csv",
            }
        )

    # ---- ERP transactions ----------------------------------------------------------------
    def erp_purchase_orders(self) -> pd.DataFrame:
        po = self.ops.purchase_orders.sort_values(["order_day", "po_number", "po_line"], kind="stable")
        case = self.skus.case_size.to_numpy()[po.sku_idx]
        received = po.receipt_day < self.scale.n_days
        status = np.where(~received, "OPEN", np.where(po.received_qty < po.qty, "PARTIAL", "RECEIVED"))
        return pd.DataFrame(
            {
                "po_number": "PO" + (po.po_number + 100_000).astype(str),
                "po_line": erp_int(po.po_line),
                "supplier_code": po.supplier_code,
                "item_code": self._item(po.sku_idx),
                "location_code": self.dc_codes[po.dc_idx],
                "order_date": erp_date(po.order_day, self.start),
                "expected_date": erp_date(po.expected_day, self.start),
                "quantity": erp_decimal(po.qty / case, 0),
                "unit": "CS",
                "unit_cost": erp_decimal(self.skus.unit_cost.to_numpy()[po.sku_idx] * case),
                "received_quantity": np.where(received, erp_decimal(po.received_qty / case, 2), ""),
                "receipt_date": erp_date(np.where(received, po.receipt_day, -1), self.start),
                "status": status,
                "file": self._month_file("purchase_orders", po.order_day),
            }
        )

    def erp_production_orders(self) -> pd.DataFrame:
        mo = self.ops.production_orders.sort_values(["start_day", "mo_number"], kind="stable")
        done = mo.completed_day < self.scale.n_days
        return pd.DataFrame(
            {
                "mo_number": "MO" + (mo.mo_number + 500_000).astype(str),
                "line_code": mo.line_code,
                "item_code": self._item(mo.sku_idx),
                "location_code": self.dc_codes[mo.dc_idx],
                "planned_start_date": erp_date(mo.start_day, self.start),
                "due_date": erp_date(mo.due_day, self.start),
                "planned_quantity": erp_int(mo.qty),
                "unit": "EA",
                "completed_date": erp_date(np.where(done, mo.completed_day, -1), self.start),
                "completed_quantity": np.where(done, erp_int(mo.completed_qty), ""),
                "status": np.where(done, "COMPLETED", "RELEASED"),
                # confirmation of a completed order (added to the export later: the last columns)
                "run_hours": np.where(done, erp_decimal(mo.run_hours), ""),
                "downtime_hours": np.where(done, erp_decimal(mo.downtime_hours), ""),
                "scrap_quantity": np.where(done, erp_int(mo.scrap_qty), ""),
                "file": self._month_file("production_orders", mo.start_day),
            }
        )

    def erp_sales_orders(self) -> pd.DataFrame:
        b = self.ops.b2b_lines
        cust = self.md.customers
        order_key = b.order_day.astype(np.int64) * 100_000 + b.customer_idx
        order_no = pd.factorize(order_key)[0]
        line_no = b.groupby(order_no).cumcount() + 1
        case = self.skus.case_size.to_numpy()[b.sku_idx]
        in_cases = (b.qty % case == 0).to_numpy()
        factor = np.where(in_cases, case, 1)
        price = self.demand.list_price[np.minimum(b.order_day, self.scale.n_days - 1), b.sku_idx] * CHANNEL_PRICE_FACTOR["B2B"]
        delivered = b.delivered_qty >= 0
        return pd.DataFrame(
            {
                "order_number": "SO" + (order_no + 700_000).astype(str),
                "order_line": erp_int(line_no),
                "customer_code": cust.customer_code.to_numpy()[b.customer_idx],
                "item_code": self._item(b.sku_idx),
                "order_date": erp_date(b.order_day, self.start),
                "requested_date": erp_date(b.requested_day, self.start),
                "promised_date": erp_date(b.promised_day, self.start),
                "quantity": erp_decimal(b.qty / factor, 0),
                "unit": np.where(in_cases, "CS", "EA"),
                "unit_price": erp_decimal(price * factor),
                "ship_from": self.dc_codes[b.dc_idx],
                "delivered_quantity": np.where(delivered, erp_decimal(np.maximum(b.delivered_qty, 0) / factor, 2), ""),
                "delivered_date": erp_date(np.where(delivered & (b.delivered_qty > 0), b.delivered_day, -1), self.start),
                "status": b.status,
                "file": self._month_file("sales_orders", b.order_day),
            }
        )

    def erp_inventory(self) -> pd.DataFrame:
        snap = self.ops.snapshots
        return pd.DataFrame(
            {
                "snapshot_date": erp_date(snap.day, self.start),
                "location_code": snap.location,
                "item_code": self._item(snap.sku_idx),
                "quantity": erp_int(snap.qty),
                "unit": "EA",
                "file": self._month_file("inventory", snap.day),
            }
        )
