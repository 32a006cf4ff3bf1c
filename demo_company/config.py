"""Scale presets of the demo company.

`tiny` keeps every behaviour (all channels, all dirt kinds) on a few weeks of a few SKUs so tests
run in seconds; `demo` is the default company of SPEC section 2; any preset can be multiplied by
a factor (``"10x"`` multiplies the catalogue by 10) for benchmarks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta


@dataclass(frozen=True)
class Scale:
    """Size of the generated company.

    Attributes:
        name: preset name, recorded in the manifest.
        n_skus: catalogue size (SKUs).
        n_stores: number of stores, split evenly between the two DCs.
        n_days: days of history, ending on ``end_date`` included.
        n_customers: B2B customers.
        n_suppliers: suppliers of purchased SKUs.
        end_date: last day of history (fixed, so output does not depend on today's date).
        dirt_per_kind: how many defects of each row-level kind are injected.
    """

    name: str
    n_skus: int
    n_stores: int
    n_days: int
    n_customers: int
    n_suppliers: int
    end_date: date = date(2026, 9, 30)
    dirt_per_kind: int = 12

    @property
    def start_date(self) -> date:
        return self.end_date - timedelta(days=self.n_days - 1)

    def __post_init__(self) -> None:
        if self.n_skus < 10:
            raise ValueError(f"n_skus must be >= 10 (got {self.n_skus}): every demand class needs SKUs")
        if self.n_stores < 2 or self.n_stores % 2:
            raise ValueError(f"n_stores must be an even number >= 2 (got {self.n_stores})")
        if self.n_days < 56:
            raise ValueError(f"n_days must be >= 56 (got {self.n_days}): weekly snapshots need history")
        if self.n_customers < 3 or self.n_suppliers < 1:
            raise ValueError("need at least 3 customers (one per segment) and 1 supplier")


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", n_skus=24, n_stores=4, n_days=84, n_customers=9, n_suppliers=3, dirt_per_kind=2),
    "demo": Scale("demo", n_skus=200, n_stores=8, n_days=3 * 365, n_customers=40, n_suppliers=10),
    # M5 size: 3,049 items x 10 stores = 30,490 store series over 1,941 days
    "m5": Scale("m5", n_skus=3049, n_stores=10, n_days=1941, n_customers=120, n_suppliers=40),
}

_MULTIPLIER = re.compile(r"^(?:(?P<base>[a-z]+)[-:])?(?P<factor>\d+(?:\.\d+)?)x$")


def resolve_scale(spec: str | Scale) -> Scale:
    """Turn ``"tiny"``, ``"demo"``, ``"10x"`` (demo x 10) or ``"tiny:3x"`` into a Scale.

    A multiplier grows the catalogue and the customer base; the network and the history length
    stay those of the base preset, as a bigger company of the same shape would.
    """
    if isinstance(spec, Scale):
        return spec
    if spec in SCALES:
        return SCALES[spec]
    match = _MULTIPLIER.match(spec)
    if not match:
        raise ValueError(f"unknown scale {spec!r}: use one of {sorted(SCALES)} or a multiplier such as '10x'")
    base = SCALES[match["base"] or "demo"]
    factor = float(match["factor"])
    if factor <= 0:
        raise ValueError(f"scale factor must be positive (got {spec!r})")
    return replace(
        base,
        name=spec,
        n_skus=max(10, round(base.n_skus * factor)),
        n_customers=max(3, round(base.n_customers * factor)),
        n_suppliers=max(1, round(base.n_suppliers * min(factor, 5))),
        dirt_per_kind=max(base.dirt_per_kind, round(base.dirt_per_kind * factor**0.5)),
    )
