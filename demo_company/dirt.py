"""Deliberate dirt (SPEC section 2), injected into export tables and recorded row by row.

Each injection picks clean rows, changes them the way a real source system gets it wrong, and
tags them with their kind; the writer turns the tags into manifest entries with file and row
number, so tests can check that governance catches exactly what was injected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demo_company.formats import COMPANY_TIMEZONE
from demo_company.master_data import MasterData, ean13

# Kinds that end in quarantine (row held back) versus findings (row flows on, flagged).
QUARANTINE_KINDS = (
    "duplicate_row",
    "negative_quantity",
    "wrong_unit",
    "unmapped_code",
    "unknown_unit",
    "missing_mandatory_field",
    "future_date",
    "malformed_number",
    "discontinued_item_order",
    "zero_price",
)
FINDING_KINDS = ("late_event", "stock_discrepancy")
FILE_KINDS = ("unparseable_file",)

FUTURE_YEARS = 30


class DirtInjector:
    def __init__(self, md: MasterData, per_kind: int, rng: np.random.Generator, start: pd.Timestamp):
        self.md, self.k, self.rng, self.start = md, per_kind, rng, start
        self.tables: dict[str, pd.DataFrame] = {}
        self.rejected_files: list[dict] = []

    def inject(self, source: str, table: pd.DataFrame) -> pd.DataFrame:
        """Inject the source's dirt into its export table (tagged in ``_dirt``) and return it.

        Sources are dirtied one at a time so that generation holds one export table in memory.
        """
        table["_dirt"] = None
        table["_protected"] = False
        table["_order"] = np.arange(len(table), dtype=float)
        self.tables = {source: table}
        for step in self._plan().get(source, ()):
            step()
        return self.tables.pop(source)

    # ---- selection -----------------------------------------------------------------------
    def _pick(self, source: str, mask: np.ndarray | pd.Series | None = None, k: int | None = None) -> pd.Index:
        t = self.tables[source]
        ok = t._dirt.isna() & ~t._protected
        if isinstance(mask, pd.Series):  # computed before duplicates were appended: align on index
            ok &= mask.reindex(t.index, fill_value=False).astype(bool)
        elif mask is not None:
            ok &= np.asarray(mask)
        candidates = t.index[ok]
        k = min(k or self.k, len(candidates))
        chosen = self.rng.choice(candidates, size=k, replace=False) if k else []
        return pd.Index(np.sort(chosen))

    def _tag(self, source: str, idx: pd.Index, kind: str) -> None:
        self.tables[source].loc[idx, "_dirt"] = kind

    # ---- row-level kinds -----------------------------------------------------------------
    def duplicate(self, source: str) -> None:
        t = self.tables[source]
        idx = self._pick(source)
        copies = t.loc[idx].copy()
        copies["_order"] += 0.5  # right after the original, in the same file
        copies["_dirt"] = "duplicate_row"
        t.loc[idx, "_protected"] = True  # the original must stay clean
        self.tables[source] = pd.concat([t, copies], ignore_index=True)

    def set_value(self, source: str, kind: str, column: str, value, mask=None) -> pd.Index:
        """Tag rows and set ``column`` to ``value`` (a constant or a function of the old values)."""
        idx = self._pick(source, mask)
        t = self.tables[source]
        t.loc[idx, column] = value(t.loc[idx, column]) if callable(value) else value
        self._tag(source, idx, kind)
        return idx

    def negative(self, source: str, column: str, mask=None) -> None:
        def flip(v: pd.Series):
            return v.map(lambda x: -x if isinstance(x, (int, np.integer)) else "-" + str(x))

        self.set_value(source, "negative_quantity", column, flip, mask)

    def malformed_number(self, source: str, column: str) -> None:
        t = self.tables[source]
        numeric_text = t[column].astype(str).str.fullmatch(r"\d+(,\d+)?|\d+")
        idx = self._pick(source, numeric_text)
        variants = np.array(["{},,0", "{}O", "{}..0", "#VALUE!"])
        picks = self.rng.choice(variants, size=len(idx))
        t.loc[idx, column] = [p.format(v.split(",")[0]) for p, v in zip(picks, t.loc[idx, column].astype(str))]
        self._tag(source, idx, "malformed_number")

    def future_erp_date(self, source: str, column: str) -> None:
        def shift(v: pd.Series):
            return v.str.slice(0, 6) + (v.str.slice(6).astype(int) + FUTURE_YEARS).astype(str)

        self.set_value(source, "future_date", column, shift)

    def future_pos_date(self, source: str = "pos_sales") -> None:
        def shift(v: pd.Series):
            return (v.str.slice(0, 4).astype(int) + FUTURE_YEARS).astype(str) + v.str.slice(4)

        self.set_value(source, "future_date", "business_date", shift)

    def future_event_time(self, source: str) -> None:
        t = self.tables[source]
        idx = self._pick(source)
        exported = pd.to_datetime(t.loc[idx, "exported_at"])
        t.loc[idx, "event_time"] = (exported + pd.Timedelta(days=30)).dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy()
        self._tag(source, idx, "future_date")

    def late_events(self, source: str, prefix: str) -> None:
        """Events exported 1-4 days after their day closed: they land in a later day's file."""
        t = self.tables[source]
        exported = pd.to_datetime(t.exported_at, errors="coerce")
        last_day = exported.max().normalize()
        idx = self._pick(source, exported < last_day - pd.Timedelta(days=5))
        new_export = pd.to_datetime(t.loc[idx, "event_time"]) + pd.to_timedelta(self.rng.integers(26, 100, len(idx)), unit="h")
        t.loc[idx, "exported_at"] = new_export.dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy()
        local_day = new_export.dt.tz_convert(COMPANY_TIMEZONE).dt.strftime("%Y%m%d")  # daily files follow the local day
        t.loc[idx, "file"] = (f"{prefix}/events_" + local_day + ".jsonl").to_numpy()
        self._tag(source, idx, "late_event")

    def discontinued_item_orders(self) -> None:
        """B2B order lines re-keyed to an item already discontinued on the order date."""
        t = self.tables["erp_sales_orders"]
        skus = self.md.skus[self.md.skus.discontinue_day >= 0]
        if skus.empty:
            return
        order_day = (pd.to_datetime(t.order_date, format="%d/%m/%Y", errors="coerce") - self.start).dt.days
        earliest = skus.discontinue_day.min()
        idx = self._pick("erp_sales_orders", order_day > earliest + 1)
        for i in idx:  # a dozen rows: pick an item discontinued before each one's order date
            gone = skus[skus.discontinue_day < order_day[i]]
            t.at[i, "item_code"] = gone.item_code.iat[int(self.rng.integers(len(gone)))]
        self._tag("erp_sales_orders", idx, "discontinued_item_order")

    def stock_discrepancies(self) -> None:
        t = self.tables["wms_stock"]
        qty = t.qty.astype(np.int64)
        idx = self._pick("wms_stock", (qty > 6) & t.site.str.startswith(("DC", "ST")))
        delta = self.rng.integers(1, 6, len(idx)) * self.rng.choice([-1, 1], len(idx))
        t.loc[idx, "qty"] = (qty[idx] + delta).astype(object).to_numpy()
        self._tag("wms_stock", idx, "stock_discrepancy")

    def unknown_ean(self) -> None:
        fake = ean13(299_000_000_000 + self.rng.choice(999_999, self.k, replace=False))
        idx = self._pick("pos_sales")
        self.tables["pos_sales"].loc[idx, "ean"] = fake[: len(idx)]
        self._tag("pos_sales", idx, "unmapped_code")

    # ---- file-level ----------------------------------------------------------------------
    def reserve_file(self, source: str, kind: str, how: str) -> None:
        """Choose a file to corrupt after writing; its rows get no other dirt."""
        t = self.tables[source]
        files = t.file.unique()
        file = files[len(files) // 2]
        rows = t.file == file
        t.loc[rows, "_protected"] = True
        self.rejected_files.append({"kind": kind, "source": source, "file": file, "how": how, "rows_in_file": int(rows.sum())})

    def _plan(self) -> dict[str, list]:
        """The dirt of each source, in order (masks are evaluated when a step runs)."""
        t = self.tables

        def receipts():
            return t["wms_events"].event_type == "RECEIPT"

        return {
            "erp_sales_orders": [
                lambda: self.duplicate("erp_sales_orders"),
                lambda: self.negative("erp_sales_orders", "quantity"),
                lambda: self.set_value("erp_sales_orders", "unknown_unit", "unit", "PAL"),
                lambda: self.set_value("erp_sales_orders", "missing_mandatory_field", "customer_code", ""),
                lambda: self.future_erp_date("erp_sales_orders", "order_date"),
                lambda: self.malformed_number("erp_sales_orders", "quantity"),
                self.discontinued_item_orders,
            ],
            "erp_purchase_orders": [lambda: self.malformed_number("erp_purchase_orders", "quantity")],
            "erp_prices": [lambda: self.set_value("erp_prices", "zero_price", "price", "0,00")],
            "pos_sales": [
                lambda: self.reserve_file("pos_sales", "unparseable_file", "nul_bytes"),
                lambda: self.duplicate("pos_sales"),
                lambda: self.negative("pos_sales", "qty", t["pos_sales"].line_type == "SALE"),
                self.unknown_ean,
                lambda: self.set_value("pos_sales", "missing_mandatory_field", "ean", ""),
                self.future_pos_date,
                lambda: self.malformed_number("pos_sales", "qty"),
            ],
            "wms_events": [
                lambda: self.reserve_file("wms_events", "unparseable_file", "truncated"),
                lambda: self.duplicate("wms_events"),
                lambda: self.negative("wms_events", "qty", receipts()),
                lambda: self.set_value("wms_events", "wrong_unit", "uom", "EA", receipts() & t["wms_events"].uom.eq("PK6")),
                lambda: self.set_value("wms_events", "unmapped_code", "sku", lambda v: "W-9" + v.str.slice(3)),
                lambda: self.set_value("wms_events", "missing_mandatory_field", "site", None),
                lambda: self.future_event_time("wms_events"),
                lambda: self.late_events("wms_events", "wms"),
            ],
            "oms_events": [
                lambda: self.duplicate("oms_events"),
                lambda: self.set_value("oms_events", "unmapped_code", "item", "MKB99999Z", t["oms_events"].channel.eq("MARKETPLACE")),
                lambda: self.set_value("oms_events", "unknown_unit", "uom", "BOX"),
                lambda: self.set_value("oms_events", "missing_mandatory_field", "order_id", None),
                lambda: self.set_value("oms_events", "zero_price", "unit_price", 0.0, t["oms_events"].event_type.eq("LINE_PLACED")),
                lambda: self.late_events("oms_events", "oms"),
            ],
            "wms_stock": [self.stock_discrepancies],
        }
