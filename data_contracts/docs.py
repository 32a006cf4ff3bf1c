"""Build the Great Expectations data docs: every contract's suite and the validation of the rows
that flowed on, with the quarantine explained beside them.

    python -m data_contracts.docs        (make contracts-docs)

Reads the warehouse read-only and writes a static site under PLANLINE_HOME/great_expectations;
prints the path of its index.html. Each validation checks the raw table's rows that no contract
rule held back (the rows in ``governance.quarantine`` are left out: they never flowed on), so it
passes unless something changed since the load; ``quarantine.html`` lists what is held back, by
source and rule, with examples. A suite states each rule in plain words (the rule's
``statement``), headed by the source column it is about, not the helper column it checks. The
site works offline: ``docs_site.py`` ships the scripts and styles GX's pages take from CDNs.
Each build starts afresh: the site shows the current state, not the history of earlier builds.
"""

from __future__ import annotations

import os
import shutil
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from data_contracts.docs_site import add_quarantine_notes, has_quarantine, make_offline, quarantine_counts, write_quarantine_page
from data_contracts.frame import QUARANTINE_TABLE, validation_sql
from data_contracts.model import Contract
from data_contracts.registry import CONTRACTS
from data_contracts.suites import build_suite
from data_contracts.validate import RESULT_FORMAT, _as_ns, parameters

SITE_NAME = "local_site"
RUN_NAME = "rows_that_flowed_on"  # names the validations in the index and their folder
_RENDERERS = "data_contracts.docs_render"


def site_config() -> dict:
    """The data docs site: GX's, with column sections headed by what a rule is about."""
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": f"uncommitted/data_docs/{SITE_NAME}/"},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "show_cta_footer": False},
        "site_section_builders": {
            "expectations": {
                "renderer": {
                    "module_name": _RENDERERS,
                    "class_name": "ContractSuitePage",
                    "column_section_renderer": {"module_name": _RENDERERS, "class_name": "ContractSuiteColumnSection"},
                }
            },
            "validations": {
                "renderer": {
                    "module_name": _RENDERERS,
                    "class_name": "ContractValidationPage",
                    "column_section_renderer": {"module_name": _RENDERERS, "class_name": "ContractValidationColumnSection"},
                }
            },
            "profiling": "None",
        },
    }


def flowed_frame(con: duckdb.DuckDBPyConnection, contract: Contract, as_of: datetime, quarantine: bool) -> pd.DataFrame:
    """The validation frame of the rows that flowed on: the raw table without its quarantined rows
    (the frame is computed over the whole table first, so a kept first occurrence of a key stays
    the first)."""
    sql = f"SELECT * FROM ({validation_sql(contract)}) f"
    if quarantine:
        sql += (
            f" WHERE NOT EXISTS (SELECT 1 FROM {QUARANTINE_TABLE} q WHERE q.source = $source"
            " AND q.source_file = f._source_file AND q.row_number = f._row_number)"
        )
    bindings = {name: value for name, value in {"as_of": as_of, "source": contract.source}.items() if f"${name}" in sql}
    return _as_ns(con.execute(sql, bindings or None).df())


def build_data_docs(warehouse: Path, gx_root: Path, as_of: datetime) -> Path:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig

    project = gx_root / "gx"
    shutil.rmtree(project, ignore_errors=True)  # a project of its own, rebuilt: the site shows this build only
    gx_root.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(gx_root))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.variables.data_docs_sites = {SITE_NAME: site_config()}
    context.variables.save()
    datasource = context.data_sources.add_pandas("planline_warehouse")

    rows: dict[str, int] = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        quarantined, has_table = quarantine_counts(con), has_quarantine(con)
        for source, contract in CONTRACTS.items():
            batch = datasource.add_dataframe_asset(source).add_batch_definition_whole_dataframe("whole_table")
            suite = context.suites.add(build_suite(contract))
            validation = context.validation_definitions.add(gx.ValidationDefinition(name=f"{source}_validation", data=batch, suite=suite))
            checkpoint = context.checkpoints.add(
                gx.Checkpoint(
                    name=f"{source}_checkpoint",
                    validation_definitions=[validation],
                    actions=[],  # the site is built once, after the last validation
                    result_format=RESULT_FORMAT,
                )
            )
            frame = flowed_frame(con, contract, as_of, quarantine=has_table)
            checkpoint.run(
                batch_parameters={"dataframe": frame}, expectation_parameters=parameters(con, contract, as_of), run_id=RunIdentifier(run_name=RUN_NAME)
            )
            rows[source] = len(frame)
            print(f"  {source}: {len(frame):,} rows that flowed on validated, {quarantined.get(source, 0):,} in quarantine", flush=True)
        context.build_data_docs(site_names=[SITE_NAME])
        site = project / "uncommitted" / "data_docs" / SITE_NAME
        write_quarantine_page(con, site, rows)
    finally:
        con.close()
    add_quarantine_notes(site, rows, quarantined)
    make_offline(site)
    return site / "index.html"


def main() -> None:
    from orchestration.settings import as_of
    from orchestration.settings_check import settings_or_exit
    from orchestration.warehouse_snapshot import published_path

    settings = settings_or_exit()
    warehouse = published_path(settings.warehouse)  # the copy runs publish: reading it never blocks a run
    if not warehouse.exists():
        sys.exit(f"no published warehouse at {warehouse}: run `make demo` first")
    print(f"Building data docs from {warehouse}")
    index = build_data_docs(warehouse, settings.gx_root, as_of())
    print(f"Data docs: {index}")


if __name__ == "__main__":
    main()
