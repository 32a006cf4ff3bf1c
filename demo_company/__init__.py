"""Deterministic generator of the demo company's source-system exports (SPEC section 2).

`generate(landing_dir, scale="demo", seed=42)` writes the ERP, WMS, POS and OMS exports, each in
its own format, plus `manifest.json` listing every injected defect by kind, file and row.
"""

from demo_company.config import SCALES, Scale, resolve_scale
from demo_company.generate import generate

__all__ = ["SCALES", "Scale", "generate", "resolve_scale"]
