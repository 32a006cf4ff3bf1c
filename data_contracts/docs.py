"""Build the Great Expectations data docs: every contract's suite and its latest validation.

    python -m data_contracts.docs        (make contracts-docs)

Reads the warehouse read-only and writes a static site under PLANLINE_HOME/great_expectations;
prints the path of its index.html. GX's page template links a logo hosted by the GX project
with the project's id in the address; that link is removed. The pages still load their styles
and scripts from public CDNs (GX's templates), so they look best online.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import duckdb

from data_contracts.registry import CONTRACTS
from data_contracts.suites import build_suite
from data_contracts.validate import RESULT_FORMAT, parameters, validation_frame

_REMOTE_LOGO = re.compile(r"https://great-expectations-web-assets[^\"')\s]*")


def build_data_docs(warehouse: Path, gx_root: Path, as_of) -> Path:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.data_context.types.base import ProgressBarsConfig

    gx_root.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(gx_root))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.variables.save()
    try:
        datasource = context.data_sources.get("planline_warehouse")
    except Exception:  # first build
        datasource = context.data_sources.add_pandas("planline_warehouse")

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for source, contract in CONTRACTS.items():
            try:
                asset = datasource.get_asset(source)
            except Exception:
                asset = datasource.add_dataframe_asset(source)
            try:
                batch = asset.get_batch_definition("whole_table")
            except Exception:
                batch = asset.add_batch_definition_whole_dataframe("whole_table")
            suite = context.suites.add_or_update(build_suite(contract))
            validation = context.validation_definitions.add_or_update(gx.ValidationDefinition(name=f"{source}_validation", data=batch, suite=suite))
            checkpoint = context.checkpoints.add_or_update(
                gx.Checkpoint(
                    name=f"{source}_checkpoint",
                    validation_definitions=[validation],
                    actions=[UpdateDataDocsAction(name="update_data_docs")],
                    result_format=RESULT_FORMAT,
                )
            )
            frame = validation_frame(con, contract, as_of)
            checkpoint.run(batch_parameters={"dataframe": frame}, expectation_parameters=parameters(con, contract, as_of))
            print(f"  {source}: {len(frame):,} rows validated", flush=True)
    finally:
        con.close()
    context.build_data_docs()
    site = gx_root / "gx" / "uncommitted" / "data_docs" / "local_site"
    for page in [*site.rglob("*.html"), *site.rglob("*.css")]:
        text = page.read_text(encoding="utf-8")
        cleaned = _REMOTE_LOGO.sub("", text)
        if cleaned != text:
            page.write_text(cleaned, encoding="utf-8")
    return site / "index.html"


def main() -> None:
    from orchestration.settings import as_of, load_settings
    from orchestration.warehouse_snapshot import published_path

    settings = load_settings()
    warehouse = published_path(settings.warehouse)  # the copy runs publish: reading it never blocks a run
    if not warehouse.exists():
        sys.exit(f"no published warehouse at {warehouse}: run `make demo` first")
    print(f"Building data docs from {warehouse}")
    index = build_data_docs(warehouse, settings.gx_root, as_of())
    print(f"Data docs: {index}")


if __name__ == "__main__":
    main()
