"""The demo company's source mappings, for tests that load its files without a whole home."""

from __future__ import annotations

from data_contracts.company.config import Company
from data_contracts.company.export import SCHEMA, write_company_tables
from data_contracts.company.mapping import SourceMapping
from demo_company import resolve_scale
from demo_company.company_config import company_document, mapping_documents
from demo_company.formats import COMPANY_TIMEZONE
from orchestration.ingestion.loader import LoadReport, ensure_raw_tables, load_source

DEMO_MAPPINGS: dict[str, SourceMapping] = {source: SourceMapping.model_validate(document) for source, document in mapping_documents().items()}
# The demo company's configuration (company.yaml): the contracts check its codes against it.
DEMO_COMPANY: Company = Company.model_validate(company_document(resolve_scale("tiny")))


def write_demo_company_tables(con) -> None:
    """The demo company's configuration as the warehouse tables the contracts read (schema company)."""
    write_company_tables(con, DEMO_COMPANY)


def ensure_company_tables(con) -> None:
    """The demo company's tables unless the database holds a company's already (a test's own)."""
    if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ?", [SCHEMA]).fetchone()[0]:
        write_demo_company_tables(con)


def load_demo_source(con, contract, landing, rejected_dir, now, **options):
    """``load_source`` with the demo company's mapping of the contract's source (and, for the
    validation that follows, its configuration's tables when the database has none). A table the
    demo does not deliver (sales_history) stays empty, as the raw asset leaves it."""
    ensure_company_tables(con)
    if "mapping" not in options and contract.source not in DEMO_MAPPINGS:
        ensure_raw_tables(con, contract)
        return LoadReport(contract.source)
    options.setdefault("mapping", DEMO_MAPPINGS[contract.source])
    return load_source(con, contract, landing, rejected_dir, now, business_timezone=COMPANY_TIMEZONE, **options)
