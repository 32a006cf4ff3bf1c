"""Shared state and helpers of the export builders (codes, file names, order ids)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from demo_company.config import Scale
from demo_company.demand import Demand
from demo_company.formats import (
    compact_day,
    month_of,
)
from demo_company.master_data import MasterData
from demo_company.operations import Operations


class ExportBuilder:
    def __init__(self, scale: Scale, md: MasterData, demand: Demand, ops: Operations, rng: np.random.Generator):
        self.scale, self.md, self.demand, self.ops, self.rng = scale, md, demand, ops, rng
        self.start = pd.Timestamp(scale.start_date)
        self.skus = md.skus
        self.store_codes = md.stores.location_code.to_numpy()
        self.dc_codes = np.array(["DC01", "DC02"])

    # ---- helpers -------------------------------------------------------------------------
    def _month_file(self, prefix: str, days: np.ndarray) -> np.ndarray:
        return np.char.add(np.char.add(f"erp/{prefix}_", month_of(days, self.start).astype(str)), ".csv").astype(object)

    def _day_file(self, prefix: str, ts: pd.DatetimeIndex) -> np.ndarray:
        return np.char.add(np.char.add(f"{prefix}_", compact_day(ts).astype(str)), ".jsonl").astype(object)

    def _item(self, sku_idx: np.ndarray, col: str = "item_code") -> np.ndarray:
        return self.skus[col].to_numpy()[np.asarray(sku_idx)]

    def _online_order_id(self, lines: pd.DataFrame) -> np.ndarray:
        prefix = np.where(lines.channel.to_numpy() == "WEB", "W", "M")
        return np.char.add(prefix.astype(str), np.char.zfill((lines.order_id.to_numpy() + 1).astype(str), 8)).astype(object)
