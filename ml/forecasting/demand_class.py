"""Demand classes of Syntetos and Boylan: smooth, erratic, intermittent, lumpy.

Two figures per series, over its history since the first sale:

- ADI, the average inter-demand interval: days / days with a sale;
- CV², the squared coefficient of variation of the non-zero sales.

ADI above 1.32 makes demand intermittent (many days without sales), CV² above 0.49 makes its
sizes erratic. Intermittent methods (SBA, TSB, ADIDA) are meant for the intermittent and lumpy
classes, and backtests report accuracy by class.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
CLASSES = ("smooth", "erratic", "intermittent", "lumpy")


def demand_classes(history) -> pd.DataFrame:
    """ADI, CV² and class per series of a ``(n_series, n_days)`` history matrix (rows in order).

    A series that never sold is ``no_demand``; one with a single sale has CV² 0.
    """
    h = np.asarray(history, dtype=float)
    if h.ndim != 2:
        raise ValueError(f"history must be (n_series, n_days), got shape {h.shape}")
    selling = h > 0
    active_days = np.maximum.accumulate(selling, axis=1).sum(axis=1)
    sale_days = selling.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):  # series that never sold: NaN, labelled below
        adi = active_days / sale_days
        mean = np.where(selling, h, 0).sum(axis=1) / sale_days
        variance = np.where(selling, (h - mean[:, None]) ** 2, 0).sum(axis=1) / sale_days
        cv2 = np.where(sale_days > 1, variance / mean**2, 0.0)
    intermittent, erratic = adi > ADI_CUTOFF, cv2 > CV2_CUTOFF
    label = np.select([intermittent & erratic, intermittent, erratic], ["lumpy", "intermittent", "erratic"], "smooth")
    label = np.where(sale_days == 0, "no_demand", label)
    return pd.DataFrame({"adi": np.where(sale_days > 0, adi, np.nan), "cv2": np.where(sale_days > 0, cv2, np.nan), "demand_class": label})
