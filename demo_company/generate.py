"""Top-level generation: master data -> demand -> operations -> exports -> dirt -> files."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd

from demo_company.company_config import write_company
from demo_company.config import Scale, resolve_scale
from demo_company.demand import build_demand
from demo_company.dirt import FILE_KINDS, FINDING_KINDS, QUARANTINE_KINDS, DirtInjector
from demo_company.exports import Exports
from demo_company.master_data import build_master_data
from demo_company.operations import CONFIRMATION_STREAM, confirm_production, simulate
from demo_company.writers import corrupt, ordered_rows, write_table

# Hidden (a dot first): the landing folder leaves it alone, as it does any file whose name starts with a dot.
MANIFEST_NAME = ".demo_manifest.json"
SYSTEM_FOLDERS = ("erp", "wms", "pos", "oms", "planning")


def source_system(source: str) -> str:
    return source.split("_", 1)[0]


def generate(landing_dir: str | Path, scale: str | Scale = "demo", seed: int = 42, progress=None, company_dir: str | Path | None = None) -> dict:
    """Write the demo company's exports into ``landing_dir`` and return the manifest.

    The output depends only on (scale, seed). Existing system folders in ``landing_dir`` are
    replaced so that a second run produces byte-identical files.

    Args:
        landing_dir: folder receiving ``erp/``, ``wms/``, ``pos/``, ``oms/``, ``planning/`` and
            ``.demo_manifest.json``.
        scale: ``"tiny"``, ``"demo"``, a multiplier such as ``"10x"``, or a Scale.
        seed: random seed.
        progress: optional callable receiving one-line status messages.
        company_dir: where the company's configuration is written (default: ``company`` beside
            the landing folder, where Planline's settings look for it).
    """
    say = progress or (lambda message: None)
    scale = resolve_scale(scale)
    landing = Path(landing_dir)
    rng = np.random.default_rng(seed)
    started = time.perf_counter()

    md = build_master_data(scale, rng)
    demand = build_demand(scale, md, rng)
    say(f"demand drawn for {len(md.skus)} SKUs x {scale.n_days} days")
    ops = simulate(scale, md, demand, rng)
    # Production confirmations draw from a stream of their own: the simulation's values stay as they were.
    ops.production_orders = confirm_production(ops.production_orders, md.production_lines, np.random.default_rng([CONFIRMATION_STREAM, seed]))
    say(f"operations simulated: {len(ops.pos_sales):,} store sales lines, {len(ops.online_lines):,} online lines, {len(ops.b2b_lines):,} B2B lines")

    builder = Exports(scale, md, demand, ops, rng)
    sources = [
        "erp_items",
        "erp_item_xref",
        "erp_unit_conversions",
        "erp_locations",
        "erp_suppliers",
        "erp_customers",
        "erp_production_lines",
        "erp_prices",
        "erp_promotions",
        "erp_purchase_orders",
        "erp_production_orders",
        "erp_sales_orders",
        "erp_inventory",
        "wms_events",
        "wms_stock",
        "pos_sales",
        "oms_events",
        "planning_overrides",
    ]
    injector = DirtInjector(md, scale.dirt_per_kind, rng, pd.Timestamp(scale.start_date))
    existing = [f for f in SYSTEM_FOLDERS if (landing / f).exists()]
    if existing and not (landing / MANIFEST_NAME).exists():
        raise FileExistsError(
            f"{landing} holds {', '.join(existing)} but no {MANIFEST_NAME}: it looks like a real landing zone; "
            "the generator only replaces a landing folder it wrote itself"
        )
    for folder in existing:
        shutil.rmtree(landing / folder)
    landing.mkdir(parents=True, exist_ok=True)
    (landing / MANIFEST_NAME).unlink(missing_ok=True)  # written last: a partial folder has none

    # One source at a time (build, dirty, write, free): memory holds one export table.
    entries, rows_per_source = [], {}
    for source in sources:
        table = injector.inject(source, getattr(builder, source)())
        table = ordered_rows(table, by_export_time=source.endswith("_events"))
        write_table(table, landing, source_system(source))
        rejected_files = {f["file"] for f in injector.rejected_files}
        kept = ~table.file.isin(rejected_files)
        rows_per_source[source] = int(kept.sum())
        dirty = table[table._dirt.notna() & kept]
        entries += [
            {"kind": kind, "source": source, "file": file, "row_number": int(row)} for kind, file, row in zip(dirty._dirt, dirty.file, dirty._row_number)
        ]
        say(f"  {source}: {rows_per_source[source]:,} rows")
        del table, dirty
    for f in injector.rejected_files:
        corrupt(landing / f["file"], f["how"])

    kinds = {k: sum(e["kind"] == k for e in entries) for k in QUARANTINE_KINDS + FINDING_KINDS}
    kinds["unparseable_file"] = len(injector.rejected_files)
    manifest = {
        "scale": scale.name,
        "seed": seed,
        "start_date": scale.start_date.isoformat(),
        "end_date": scale.end_date.isoformat(),
        "n_skus": scale.n_skus,
        "quarantine_kinds": list(QUARANTINE_KINDS),
        "finding_kinds": list(FINDING_KINDS),
        "file_kinds": list(FILE_KINDS),
        "counts": kinds,
        "rows_per_source": rows_per_source,
        "rejected_files": injector.rejected_files,
        "entries": sorted(entries, key=lambda e: (e["source"], e["file"], e["row_number"], e["kind"])),
    }
    write_company(Path(company_dir) if company_dir is not None else landing.parent / "company", scale)
    (landing / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1))
    say(f"wrote {sum(rows_per_source.values()):,} rows in {sum(1 for _ in landing.rglob('*.*')):,} files in {time.perf_counter() - started:.1f}s")
    return manifest
