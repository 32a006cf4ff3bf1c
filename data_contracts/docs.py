"""Build the Great Expectations data docs: every contract's suite and its validation as the
pipeline ran it, with the quarantine explained beside them.

    python -m data_contracts.docs        (make contracts-docs)

Reads the warehouse read-only and writes a static site under PLANLINE_HOME/great_expectations;
prints the path of its index.html. Great Expectations states each contract as a suite (each rule
in plain words, the rule's ``statement``, headed by the source column it is about, not the helper
column it checks) and renders the pages; it evaluates no data. A source's validation is the
pipeline's verdict (``docs_results.py``: the SQL evaluator's, as ``governance.quarantine`` holds
it): an expectation fails when its rule held rows back, with their count and most frequent
values; ``quarantine.html`` lists those rows by source and rule with examples (file, row, reason).
The site works offline: ``docs_site.py`` ships the scripts and styles GX's pages take from CDNs.
Each build starts afresh: the site shows the current state, not the history of earlier builds.
"""

from __future__ import annotations

import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from data_contracts.docs_results import validation_result
from data_contracts.docs_site import add_quarantine_notes, make_offline, quarantine_counts, write_quarantine_page
from data_contracts.registry import CONTRACTS
from data_contracts.suites import build_suite

SITE_NAME = "local_site"
RUN_NAME = "pipeline_validation"  # names the validations in the index and their folder
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


def build_data_docs(warehouse: Path, gx_root: Path, as_of: datetime) -> Path:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier, ValidationResultIdentifier

    project = gx_root / "gx"
    shutil.rmtree(project, ignore_errors=True)  # a project of its own, rebuilt: the site shows this build only
    gx_root.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(gx_root))
    context.enable_analytics(False)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.variables.data_docs_sites = {SITE_NAME: site_config()}
    context.variables.save()
    run_id = RunIdentifier(run_name=RUN_NAME, run_time=datetime.now(UTC))

    rows: dict[str, int] = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        quarantined = quarantine_counts(con)
        for source, contract in CONTRACTS.items():
            suite = context.suites.add(build_suite(contract))
            result = validation_result(con, contract, suite, as_of, run_id)
            key = ValidationResultIdentifier(ExpectationSuiteIdentifier(name=suite.name), run_id, batch_identifier=source)
            context.validation_results_store.store_validation_results(result, key, ExpectationSuiteIdentifier(name=suite.name))
            rows[source] = result.meta["batch_spec"]["rows"]
            failed = result.statistics["unsuccessful_expectations"]
            print(f"  {source}: {rows[source]:,} rows, {quarantined.get(source, 0):,} held back, {failed} expectation(s) failed", flush=True)
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
